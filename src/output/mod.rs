//! Writing run outputs: streamed CSV tables, `summary.json`, ESRI ASCII grids, PNG maps, run
//! folders and `comparison.csv`. The only code
//! (with `report`) that writes files. Everything goes to a staging folder first and is moved
//! into place when complete, so a folder at the final path is always a finished run.

pub mod comparison;
pub mod grids;
pub mod maps;
pub mod run_folder;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::metrics::{ParkRow, RegionRow, TickRow, INDICATORS};

/// Name of the marker file present in every complete run folder.
pub const COMPLETE_MARKER: &str = "summary.json";

/// A run folder being written: files go to `<final>.partial-<pid>` until `finish`.
pub struct Staging {
    /// Final folder.
    pub dest: PathBuf,
    /// Staging folder.
    pub dir: PathBuf,
}

impl Staging {
    /// Prepare a staging folder next to `dest`. Refuses a `dest` that exists and is not a
    /// previous zgc run (it would mix unrelated files) unless `force`.
    pub fn new(dest: &Path, force: bool) -> Result<Staging> {
        if dest.exists() {
            let is_run = dest.join(COMPLETE_MARKER).is_file();
            let empty = fs::read_dir(dest)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !is_run && !empty && !force {
                bail!(
                    "output folder {} exists and does not hold a zgc run; choose another --out or pass --force to replace it",
                    dest.display()
                );
            }
        }
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "run".into());
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).ok();
        }
        fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        Ok(Staging {
            dest: dest.to_path_buf(),
            dir,
        })
    }

    /// A path inside the staging folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Move the finished folder into place (replacing a previous run there).
    pub fn finish(self) -> Result<PathBuf> {
        if self.dest.exists() {
            let old = self.dest.with_file_name(format!(
                ".{}.old-{}",
                self.dest
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                std::process::id()
            ));
            fs::rename(&self.dest, &old).with_context(|| {
                format!("cannot move the previous run {} aside", self.dest.display())
            })?;
            fs::rename(&self.dir, &self.dest)
                .with_context(|| format!("cannot move the run into {}", self.dest.display()))?;
            fs::remove_dir_all(&old).ok();
        } else {
            fs::rename(&self.dir, &self.dest)
                .with_context(|| format!("cannot move the run into {}", self.dest.display()))?;
        }
        Ok(self.dest)
    }

    /// Remove the staging folder (on error or interruption).
    pub fn abandon(self) {
        fs::remove_dir_all(&self.dir).ok();
    }
}

/// CSV writer that streams rows as the run goes.
pub struct CsvStream<W: Write> {
    w: csv::Writer<W>,
}

impl CsvStream<fs::File> {
    /// Create a CSV file.
    pub fn create(path: &Path) -> Result<Self> {
        let f =
            fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(CsvStream {
            w: csv::Writer::from_writer(f),
        })
    }
}

impl<W: Write> CsvStream<W> {
    /// Write a header row.
    pub fn header(&mut self, cols: &[&str]) -> Result<()> {
        self.w.write_record(cols)?;
        Ok(())
    }
    /// Write a serialisable row (struct without a header).
    pub fn row<S: serde::Serialize>(&mut self, row: &S) -> Result<()> {
        self.w.serialize(row)?;
        Ok(())
    }
    /// Write a raw record.
    pub fn record(&mut self, rec: &[String]) -> Result<()> {
        self.w.write_record(rec)?;
        Ok(())
    }
    /// Flush.
    pub fn flush(&mut self) -> Result<()> {
        self.w.flush()?;
        Ok(())
    }
}

/// Format a number for CSV: shortest round-trip form; NaN as empty.
pub fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

/// Header of `timeseries.csv`.
pub fn timeseries_header() -> Vec<&'static str> {
    let mut h = vec!["tick", "date"];
    h.extend(INDICATORS.iter().map(|i| i.name));
    h
}

/// A `timeseries.csv` record.
pub fn timeseries_record(row: &TickRow) -> Vec<String> {
    let mut r = vec![row.tick.to_string(), row.date.clone()];
    r.extend(row.values.iter().map(|&v| num(v)));
    r
}

/// Header of `parks.csv`.
pub const PARK_HEADER: &[&str] = &[
    "year",
    "months",
    "park",
    "area_km2",
    "firms",
    "high_tech_share",
    "high_tech_share_zone",
    "revenue_yi",
    "value_added_yi",
    "output_per_km2",
    "revenue_share",
    "startups",
    "mean_office_rent",
    "residents",
    "jobs",
    "jobs_housing_ratio",
];

/// A `parks.csv` record.
pub fn park_record(p: &ParkRow) -> Vec<String> {
    vec![
        p.year.to_string(),
        p.months.to_string(),
        p.park.clone(),
        num(p.area_km2),
        num(p.firms),
        num(p.high_tech_share),
        num(p.high_tech_share_zone),
        num(p.revenue_yi),
        num(p.value_added_yi),
        num(p.output_per_km2),
        num(p.revenue_share),
        num(p.startups),
        num(p.mean_office_rent),
        num(p.residents),
        num(p.jobs),
        num(p.jobs_housing_ratio),
    ]
}

/// Header of `regions.csv`.
pub const REGION_HEADER: &[&str] = &[
    "tick",
    "date",
    "region",
    "residents",
    "jobs",
    "jobs_housing_ratio",
    "mean_commute_min",
    "startups_born",
    "startups_alive",
    "rent_office",
];

/// A `regions.csv` record.
pub fn region_record(r: &RegionRow) -> Vec<String> {
    vec![
        r.tick.to_string(),
        r.date.clone(),
        r.region.clone(),
        num(r.residents),
        num(r.jobs),
        num(r.jobs_housing_ratio),
        num(r.mean_commute_min),
        num(r.startups_born),
        num(r.startups_alive),
        num(r.rent_office),
    ]
}

/// Write bytes to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    {
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
    }
    fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let s = fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
