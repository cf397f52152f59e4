//! Writing run outputs: streamed CSV tables, `summary.json`, ESRI ASCII grids, PNG maps, run
//! folders and `comparison.csv`. The only code
//! (with `report`) that writes files. Everything goes to a staging folder first and is moved
//! into place when complete, so a folder at the final path is always a finished run.

pub mod compare_maps;
pub mod comparison;
pub mod firm_sizes;
pub mod geojson;
pub mod geotiff;
pub mod grids;
pub mod maps;
pub mod policies;
pub mod run_folder;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::metrics::{ParkRow, RegionRow, TickRow, INDICATORS};

/// Name of the marker file present in every complete run folder.
pub const COMPLETE_MARKER: &str = "summary.json";

/// Why an output folder was refused (a bad `--out`, exit code 2) as distinct from an I/O failure.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The destination exists and is not a previous zgc run.
    #[error("output folder {0} exists and does not hold a zgc run; choose another --out or pass --force to replace it")]
    Foreign(PathBuf),
    /// The destination cannot be a folder at all (its parent is not a folder, or the file
    /// system there takes no new folders, like /proc).
    #[error("cannot make the output folder {0}: {1}; choose another --out")]
    Unusable(PathBuf, String),
}

/// Whether an error creating a folder says the place is unusable (bad input), rather than
/// that the disk is full or read-only or permissions deny it (a runtime failure).
fn unusable_place(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::NotFound | K::NotADirectory | K::InvalidFilename | K::InvalidInput
    )
}

/// Whether `dir` holds a complete run (or comparison): it has `summary.json` (written last,
/// atomically) and is not a hidden staging or set-aside folder (`.<name>.partial-…`,
/// `.<name>.old-…`). This is the rule for anything that reads finished `run` and `compare`
/// folders; sweeps mark each run done with its own `runs/<id>.done` (`sweep::runs`).
pub fn is_complete_run(dir: &Path) -> bool {
    let visible = dir
        .file_name()
        .map(|n| !n.to_string_lossy().starts_with('.'))
        .unwrap_or(false);
    visible && dir.join(COMPLETE_MARKER).is_file()
}

/// This host's name, reduced to `[A-Za-z0-9._]` (it is part of staging folder names, so that a
/// run on one node of a cluster never removes another node's staging folder on a shared disk).
fn host_tag() -> String {
    let h = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let t: String = h
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() {
        "localhost".into()
    } else {
        t
    }
}

/// The (host, pid) of a staging (`partial`) or set-aside (`old`) folder name
/// `.<name>.<kind>-<host>-<pid>`, if it is one.
pub fn staging_owner(file_name: &str) -> Option<(String, u32)> {
    if !file_name.starts_with('.') {
        return None;
    }
    let rest = ["partial-", "old-"].iter().find_map(|k| {
        let pat = format!(".{k}");
        file_name
            .rfind(&pat)
            .filter(|&i| i > 0)
            .map(|i| &file_name[i + pat.len()..])
    })?;
    let (host, pid) = rest.rsplit_once('-')?;
    let pid: u32 = pid.parse().ok()?;
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), pid))
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Remove staging and set-aside folders in `parent` left by zgc processes of this host that
/// no longer run (killed, power loss). Folders of live processes and of other hosts are kept.
/// Returns the folders removed.
pub fn clean_stale(parent: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    if !Path::new("/proc/self").exists() {
        return removed; // no way to tell live processes from dead ones
    }
    let host = host_tag();
    let me = std::process::id();
    let Ok(rd) = fs::read_dir(parent) else {
        return removed;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string());
        let Some((h, pid)) = name.as_deref().and_then(staging_owner) else {
            continue;
        };
        if h == host && pid != me && !pid_alive(pid) && p.is_dir() && fs::remove_dir_all(&p).is_ok()
        {
            removed.push(p);
        }
    }
    removed
}

/// Staging folders of `dest` left by runs that no longer go: this host's whose process is gone,
/// and other hosts' (a batch system may requeue a killed job on another node; a caller takes
/// them only when told the run is over, as with `zgc run --resume`). Sorted by name.
pub fn interrupted_stagings(dest: &Path) -> Vec<PathBuf> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.partial-");
    let (host, me) = (host_tag(), std::process::id());
    let Ok(rd) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let Some(n) = p.file_name().map(|n| n.to_string_lossy().to_string()) else {
                return false;
            };
            if !n.starts_with(&prefix) || !p.is_dir() || p.is_symlink() {
                return false;
            }
            match staging_owner(&n) {
                Some((h, pid)) if h == host => pid != me && !pid_alive(pid),
                Some(_) => true,
                None => false,
            }
        })
        .collect();
    found.sort();
    found
}

/// A run folder being written: files go to `.<final>.partial-<host>-<pid>` until `finish`.
pub struct Staging {
    /// Final folder.
    pub dest: PathBuf,
    /// Staging folder.
    pub dir: PathBuf,
    /// Stale staging folders of dead processes removed while preparing this one.
    pub cleaned: Vec<PathBuf>,
}

impl Staging {
    /// Prepare a staging folder next to `dest`. Refuses a `dest` that exists and is not a
    /// previous zgc run (it would mix unrelated files) unless `force` ([`OutputError::Foreign`]).
    /// Removes stale staging folders of dead zgc processes in the same parent.
    pub fn new(dest: &Path, force: bool) -> Result<Staging> {
        Staging::adopting(dest, force, None)
    }

    /// Like [`Staging::new`], but the staging folder is `adopt` (an interrupted run's, from
    /// [`interrupted_stagings`]) renamed to this process's name, with what it holds: a run that
    /// resumes keeps its checkpoint and its saved states until it finishes.
    pub fn adopting(dest: &Path, force: bool, adopt: Option<&Path>) -> Result<Staging> {
        if dest.exists() || dest.is_symlink() {
            let is_run = dest.join(COMPLETE_MARKER).is_file();
            let empty = dest.is_dir()
                && fs::read_dir(dest)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(false);
            if !is_run && !empty && !force {
                return Err(OutputError::Foreign(dest.to_path_buf()).into());
            }
        }
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Err(e) = fs::create_dir_all(parent) {
            if unusable_place(&e) {
                return Err(OutputError::Unusable(dest.to_path_buf(), e.to_string()).into());
            }
            return Err(e).with_context(|| {
                format!(
                    "cannot create the output folder {} (its parent {})",
                    dest.display(),
                    parent.display()
                )
            });
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "run".into());
        let dir = parent.join(format!(
            ".{name}.partial-{}-{}",
            host_tag(),
            std::process::id()
        ));
        if dir.exists() {
            fs::remove_dir_all(&dir).ok();
        }
        if let Some(old) = adopt {
            // Renamed before stale folders are cleaned, so it is never one of them.
            fs::rename(old, &dir).with_context(|| {
                format!("cannot take over {} as {}", old.display(), dir.display())
            })?;
        }
        let cleaned = clean_stale(parent);
        if adopt.is_some() {
            return Ok(Staging {
                dest: dest.to_path_buf(),
                dir,
                cleaned,
            });
        }
        if let Err(e) = fs::create_dir(&dir) {
            if unusable_place(&e) {
                let why = format!("{} takes no new folders ({e})", parent.display());
                return Err(OutputError::Unusable(dest.to_path_buf(), why).into());
            }
            return Err(e).with_context(|| {
                format!(
                    "cannot create the output folder {} (in {})",
                    dest.display(),
                    parent.display()
                )
            });
        }
        Ok(Staging {
            dest: dest.to_path_buf(),
            dir,
            cleaned,
        })
    }

    /// A path inside the staging folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Move the finished folder into place (replacing a previous run there). Every file is
    /// synced to disk first, so errors that a file system reports late (a full disk under
    /// delayed allocation, a network file system) fail the run instead of leaving a truncated
    /// file in a folder that looks complete. On error the staging folder is removed.
    pub fn finish(self) -> Result<PathBuf> {
        if let Err(e) = sync_tree(&self.dir) {
            fs::remove_dir_all(&self.dir).ok();
            return Err(e);
        }
        let parent = self.dir.parent().map(Path::to_path_buf);
        if self.dest.exists() || self.dest.is_symlink() {
            let old = self.dest.with_file_name(format!(
                ".{}.old-{}-{}",
                self.dest
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                host_tag(),
                std::process::id()
            ));
            if let Err(e) = fs::rename(&self.dest, &old) {
                fs::remove_dir_all(&self.dir).ok();
                return Err(e).with_context(|| {
                    format!("cannot move the previous run {} aside", self.dest.display())
                });
            }
            if let Err(e) = fs::rename(&self.dir, &self.dest) {
                // Put the previous run back; the new one is lost.
                fs::rename(&old, &self.dest).ok();
                fs::remove_dir_all(&self.dir).ok();
                return Err(e)
                    .with_context(|| format!("cannot move the run into {}", self.dest.display()));
            }
            if old.is_dir() && !old.is_symlink() {
                fs::remove_dir_all(&old).ok();
            } else {
                fs::remove_file(&old).ok();
            }
        } else if let Err(e) = fs::rename(&self.dir, &self.dest) {
            fs::remove_dir_all(&self.dir).ok();
            return Err(e)
                .with_context(|| format!("cannot move the run into {}", self.dest.display()));
        }
        if let Some(p) = parent {
            // Make the rename itself durable; not all file systems can sync a folder.
            if let Ok(d) = fs::File::open(&p) {
                d.sync_all().ok();
            }
        }
        Ok(self.dest)
    }

    /// Remove the staging folder (on error or interruption).
    pub fn abandon(self) {
        fs::remove_dir_all(&self.dir).ok();
    }
}

/// Sync every file under `dir` (and the folders themselves) to disk.
fn sync_tree(dir: &Path) -> Result<()> {
    for e in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let p = e?.path();
        if p.is_dir() {
            sync_tree(&p)?;
        } else {
            fs::File::open(&p)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot write {} to disk", p.display()))?;
        }
    }
    if let Ok(d) = fs::File::open(dir) {
        d.sync_all().ok();
    }
    Ok(())
}

/// CSV writer that streams rows as the run goes.
pub struct CsvStream<W: Write> {
    w: csv::Writer<W>,
    name: String,
}

impl CsvStream<fs::File> {
    /// Create a CSV file.
    pub fn create(path: &Path) -> Result<Self> {
        let f =
            fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(CsvStream {
            w: csv::Writer::from_writer(f),
            name: path.display().to_string(),
        })
    }
}

impl<W: Write> CsvStream<W> {
    /// Write a header row.
    pub fn header(&mut self, cols: &[&str]) -> Result<()> {
        self.w
            .write_record(cols)
            .with_context(|| format!("cannot write {}", self.name))
    }
    /// Write a serialisable row (struct without a header).
    pub fn row<S: serde::Serialize>(&mut self, row: &S) -> Result<()> {
        self.w
            .serialize(row)
            .with_context(|| format!("cannot write {}", self.name))
    }
    /// Write a raw record.
    pub fn record(&mut self, rec: &[String]) -> Result<()> {
        self.w
            .write_record(rec)
            .with_context(|| format!("cannot write {}", self.name))
    }
    /// Flush.
    pub fn flush(&mut self) -> Result<()> {
        self.w
            .flush()
            .with_context(|| format!("cannot write {}", self.name))
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
pub const PARK_HEADER: &[&str; 16] = &[
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

/// The numeric columns of a `parks.csv` record (after `year`, `months`, `park`), in header order.
pub fn park_numbers(p: &ParkRow) -> [f64; 13] {
    [
        p.area_km2,
        p.firms,
        p.high_tech_share,
        p.high_tech_share_zone,
        p.revenue_yi,
        p.value_added_yi,
        p.output_per_km2,
        p.revenue_share,
        p.startups,
        p.mean_office_rent,
        p.residents,
        p.jobs,
        p.jobs_housing_ratio,
    ]
}

/// A `parks.csv` record.
pub fn park_record(p: &ParkRow) -> Vec<String> {
    let mut r = vec![p.year.to_string(), p.months.to_string(), p.park.clone()];
    r.extend(park_numbers(p).into_iter().map(num));
    r
}

/// Header of `regions.csv`.
pub const REGION_HEADER: &[&str; 10] = &[
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

/// A `regions.csv` record (its numeric columns are `RegionRow::values`, in header order).
pub fn region_record(r: &RegionRow) -> Vec<String> {
    let mut rec = vec![r.tick.to_string(), r.date.clone(), r.region.clone()];
    rec.extend(r.values().into_iter().map(num));
    rec
}

/// The git commit zgc was built from (`-dirty` when the work tree had changes), if built
/// from a checkout.
pub fn git_commit() -> Option<&'static str> {
    option_env!("ZGC_GIT_COMMIT").filter(|s| !s.is_empty())
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    let s = fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
