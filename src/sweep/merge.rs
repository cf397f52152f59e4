//! Merging the runs of a plan into one tidy table: `merged.csv`, `merged.parquet` and
//! `merged.json` (what was merged, and whether runs were missing).
//!
//! One row per run and recorded tick, sorted by run id then tick. Columns: `run`, `point`,
//! `replicate`, `seed`, the parameters (manifest columns), `tick`, `date`, the recorded
//! indicators. Nothing in the files depends on shards, threads, timings or paths, so the same
//! plan always merges to the same bytes.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use toml::Value;

use super::parquet::{Kind, ParquetTable};
use super::plan::Plan;
use super::runs::{format_ids, result_header, scan};
use super::SweepError;
use crate::files::write_atomic;

/// Output file names.
pub const MERGED_CSV: &str = "merged.csv";
/// Parquet table.
pub const MERGED_PARQUET: &str = "merged.parquet";
/// What was merged.
pub const MERGED_JSON: &str = "merged.json";

/// Runs per Parquet row group.
const RUNS_PER_GROUP: usize = 1000;

/// What a merge did.
#[derive(Debug, Clone)]
pub struct MergeReport {
    /// Runs merged.
    pub merged: usize,
    /// Runs in the plan.
    pub total: usize,
    /// Missing run ids.
    pub missing: Vec<usize>,
    /// Rows written.
    pub rows: usize,
}

/// The columns of the merged table and their types.
pub fn columns(plan: &Plan) -> Vec<(String, Kind)> {
    let mut cols: Vec<(String, Kind)> = ["run", "point", "replicate", "seed"]
        .iter()
        .map(|c| (c.to_string(), Kind::Int))
        .collect();
    for (i, p) in plan.params.iter().enumerate() {
        let vals = plan.points.iter().map(|r| &r[i]);
        let kind = if vals.clone().all(|v| matches!(v, Value::Integer(_))) {
            Kind::Int
        } else if vals
            .clone()
            .all(|v| matches!(v, Value::Integer(_) | Value::Float(_)))
        {
            Kind::Float
        } else if vals.clone().all(|v| matches!(v, Value::Boolean(_))) {
            Kind::Bool
        } else {
            Kind::Text
        };
        cols.push((p.column.clone(), kind));
    }
    cols.push(("tick".into(), Kind::Int));
    cols.push(("date".into(), Kind::Text));
    cols.extend(
        plan.record
            .indicators
            .iter()
            .map(|i| (i.clone(), Kind::Float)),
    );
    cols
}

/// A file written under a temporary name and renamed into place by `commit`.
struct Pending {
    tmp: PathBuf,
    dest: PathBuf,
}

impl Pending {
    fn create(dest: &Path) -> Result<(Pending, File), SweepError> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| SweepError::Io(format!("cannot create {}: {e}", tmp.display())))?;
        Ok((
            Pending {
                tmp,
                dest: dest.to_path_buf(),
            },
            f,
        ))
    }
    fn commit(self) -> Result<(), SweepError> {
        fs::rename(&self.tmp, &self.dest).map_err(|e| {
            SweepError::Io(format!(
                "cannot rename {} to {}: {e}",
                self.tmp.display(),
                self.dest.display()
            ))
        })
    }
    fn abandon(self) {
        fs::remove_file(&self.tmp).ok();
    }
}

/// Read a run's result rows (CSV cells), checking the header.
pub fn read_result(dir: &Path, plan: &Plan, run: usize) -> Result<Vec<Vec<String>>, SweepError> {
    let path = Plan::result_path(dir, run);
    let bad = |m: String| {
        SweepError::Io(format!(
            "{}: {m}; delete it and {} to run it again",
            path.display(),
            Plan::done_path(dir, run).display()
        ))
    };
    let mut r = csv::Reader::from_path(&path).map_err(|e| bad(e.to_string()))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != result_header(plan) {
        return Err(bad(format!(
            "its columns are not those the plan records ({})",
            result_header(plan).join(",")
        )));
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    if rows.is_empty() {
        return Err(bad("it has no rows".into()));
    }
    Ok(rows)
}

/// Merge the done runs. Refuses when runs are missing unless `partial`.
pub fn merge(dir: &Path, plan: &Plan, partial: bool) -> Result<MergeReport, SweepError> {
    let total = plan.n_runs();
    let (done, missing) = scan(dir, total)?;
    if !missing.is_empty() && !partial {
        return Err(SweepError::Incomplete(format!(
            "{} of {total} runs are missing (runs {}); run them (`zgc sweep status {}` prints the command) or merge what is there with --partial",
            missing.len(),
            abbreviate(&format_ids(&missing)),
            dir.display()
        )));
    }
    let cols = columns(plan);
    let header: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
    let complete = missing.is_empty();
    let metadata = vec![
        ("zgc.sweep".to_string(), plan.name.clone()),
        ("zgc.version".to_string(), plan.zgc_version.clone()),
        ("zgc.complete".to_string(), complete.to_string()),
        ("zgc.runs_total".to_string(), total.to_string()),
        ("zgc.runs_merged".to_string(), done.len().to_string()),
        ("zgc.missing_runs".to_string(), format_ids(&missing)),
        ("zgc.design".to_string(), plan.design.name().to_string()),
        (
            "zgc.record_when".to_string(),
            plan.record.when.name().to_string(),
        ),
    ];

    let (csv_pending, csv_file) = Pending::create(&dir.join(MERGED_CSV))?;
    let (pq_pending, pq_file) = Pending::create(&dir.join(MERGED_PARQUET))?;
    let result = (|| -> Result<usize, SweepError> {
        let io = |e: std::io::Error| SweepError::Io(format!("{MERGED_CSV}: {e}"));
        let mut csv = csv::Writer::from_writer(BufWriter::new(csv_file));
        csv.write_record(&header)
            .map_err(|e| SweepError::Io(format!("{MERGED_CSV}: {e}")))?;
        let mut pq = ParquetTable::create(pq_file, &cols, metadata.clone())
            .map_err(|m| SweepError::Io(format!("{MERGED_PARQUET}: {m}")))?;
        let mut n_rows = 0;
        for block in done.chunks(RUNS_PER_GROUP) {
            let mut rows: Vec<Vec<String>> = Vec::new();
            for &run in block {
                let prefix = plan.manifest_record(run);
                for r in read_result(dir, plan, run)? {
                    let mut row = prefix.clone();
                    row.extend(r);
                    rows.push(row);
                }
            }
            for row in &rows {
                csv.write_record(row)
                    .map_err(|e| SweepError::Io(format!("{MERGED_CSV}: {e}")))?;
            }
            pq.write_rows(&rows)
                .map_err(|m| SweepError::Io(format!("{MERGED_PARQUET}: {m}")))?;
            n_rows += rows.len();
        }
        let mut w = csv
            .into_inner()
            .map_err(|e| SweepError::Io(format!("{MERGED_CSV}: {e}")))?;
        w.flush().map_err(io)?;
        w.get_ref().sync_all().map_err(io)?;
        pq.finish()
            .map_err(|m| SweepError::Io(format!("{MERGED_PARQUET}: {m}")))?;
        Ok(n_rows)
    })();
    let rows = match result {
        Ok(n) => n,
        Err(e) => {
            csv_pending.abandon();
            pq_pending.abandon();
            return Err(e);
        }
    };
    // merged.json first, so that merged.csv never stands beside a stale description.
    let summary = serde_json::json!({
        "sweep": plan.name,
        "complete": complete,
        "partial": !complete,
        "runs_total": total,
        "runs_merged": done.len(),
        "missing_runs": format_ids(&missing),
        "rows": rows,
        "columns": header,
        "design": plan.design.name(),
        "record_when": plan.record.when.name(),
        "zgc_version": plan.zgc_version,
    });
    write_atomic(
        &dir.join(MERGED_JSON),
        serde_json::to_string_pretty(&summary)
            .unwrap_or_default()
            .as_bytes(),
    )
    .map_err(|e| SweepError::Io(format!("{e:#}")))?;
    csv_pending.commit()?;
    pq_pending.commit()?;
    Ok(MergeReport {
        merged: done.len(),
        total,
        missing,
        rows,
    })
}

/// Shorten a long id list for messages.
pub fn abbreviate(s: &str) -> String {
    if s.len() <= 200 {
        s.to_string()
    } else {
        let cut = s[..200].rfind(',').unwrap_or(200);
        format!("{},…", &s[..cut])
    }
}
