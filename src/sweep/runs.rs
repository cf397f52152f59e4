//! Runs of a plan: choosing a shard's runs, running one run, writing its result atomically,
//! and reading from the files on disk which runs are done.
//!
//! A run is done when `runs/<id>.done` exists; it is written after `runs/<id>.csv` has been
//! written to a temporary file and renamed into place, so a done marker always has a whole
//! result beside it. A run killed before that leaves at most a `runs/.<id>.csv.*.tmp` file,
//! which nothing reads; running the run again replaces everything.
//!
//! Sharding: the runs to consider (all, or those of `--only`, in increasing id order) are
//! dealt round-robin: the run at position `p` belongs to shard `p mod N`. Without `--only`
//! that is `id mod N == I`, which spreads every part of a design over all shards.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use toml::Value;

use super::plan::Plan;
use super::spec::When;
use super::SweepError;
use crate::files::write_atomic;
use crate::metrics::INDICATORS;
use crate::output::num;
use crate::runner::{self, Overrides};

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parse `I/N` with `0 ≤ I < N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N such as 0/4, found {text:?}"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("expected I/N such as 0/4, found {text:?}"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("expected I/N such as 0/4, found {text:?}"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "expected I/N with 0 ≤ I < N, found {text:?} (shards are numbered from 0, like SLURM array tasks)"
            ));
        }
        Ok(Shard { index, count })
    }
}

/// Parse a run list: `3,17,20-25` (ranges inclusive). Errors name the bad item.
pub fn parse_ids(text: &str) -> Result<BTreeSet<usize>, String> {
    let mut out = BTreeSet::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || format!("expected run ids such as 3,17,20-25, found {item:?}");
        if let Some((a, b)) = item.split_once('-') {
            let a: usize = a.trim().parse().map_err(|_| bad())?;
            let b: usize = b.trim().parse().map_err(|_| bad())?;
            if a > b {
                return Err(bad());
            }
            out.extend(a..=b);
        } else {
            out.insert(item.parse().map_err(|_| bad())?);
        }
    }
    if out.is_empty() {
        return Err("expected at least one run id".into());
    }
    Ok(out)
}

/// Format run ids compactly: `3,17,20-25`.
pub fn format_ids(ids: &[usize]) -> String {
    let mut s = String::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        let mut end = start;
        while i + 1 < ids.len() && ids[i + 1] == end + 1 {
            i += 1;
            end = ids[i];
        }
        if !s.is_empty() {
            s.push(',');
        }
        match end - start {
            0 => {
                let _ = write!(s, "{start}");
            }
            1 => {
                let _ = write!(s, "{start},{end}");
            }
            _ => {
                let _ = write!(s, "{start}-{end}");
            }
        }
        i += 1;
    }
    s
}

/// The runs of a shard among `only` (or all runs), in id order.
pub fn select(
    n_runs: usize,
    only: Option<&BTreeSet<usize>>,
    shard: Option<Shard>,
) -> Result<Vec<usize>, String> {
    let ids: Vec<usize> = match only {
        Some(set) => {
            if let Some(&bad) = set.iter().find(|&&r| r >= n_runs) {
                return Err(format!(
                    "run {bad} does not exist: the plan has runs 0 to {}",
                    n_runs.saturating_sub(1)
                ));
            }
            set.iter().copied().collect()
        }
        None => (0..n_runs).collect(),
    };
    Ok(match shard {
        Some(s) => ids
            .into_iter()
            .enumerate()
            .filter(|(p, _)| p % s.count == s.index)
            .map(|(_, r)| r)
            .collect(),
        None => ids,
    })
}

/// Whether a run is done (its marker and its result exist).
pub fn is_done(dir: &Path, run: usize) -> bool {
    Plan::done_path(dir, run).is_file() && Plan::result_path(dir, run).is_file()
}

/// Done and missing runs of a plan, from the files on disk.
pub fn scan(dir: &Path, n_runs: usize) -> Result<(Vec<usize>, Vec<usize>), SweepError> {
    let runs = dir.join(super::plan::files::RUNS);
    let mut markers = BTreeSet::new();
    let mut results = BTreeSet::new();
    let entries = std::fs::read_dir(&runs)
        .map_err(|e| SweepError::Io(format!("cannot read {}: {e}", runs.display())))?;
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(id) = name
            .strip_suffix(".done")
            .and_then(|s| s.parse::<usize>().ok())
        {
            markers.insert(id);
        } else if let Some(id) = name
            .strip_suffix(".csv")
            .and_then(|s| s.parse::<usize>().ok())
        {
            results.insert(id);
        }
    }
    let (mut done, mut missing) = (Vec::new(), Vec::new());
    for r in 0..n_runs {
        if markers.contains(&r) && results.contains(&r) {
            done.push(r);
        } else {
            missing.push(r);
        }
    }
    Ok((done, missing))
}

/// Where a recorded column comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// A city-wide indicator: index into `INDICATORS`.
    City(usize),
    /// A park's yearly indicator (park name without `park:`, index into
    /// `PARK_INDICATORS`): a value only in December and the last month.
    Park(String, usize),
    /// A region's indicator (`regions.csv` region name, index into `REGION_INDICATORS`).
    Region(String, usize),
}

/// The recorded columns, in order.
pub fn indicator_columns(plan: &Plan) -> Result<Vec<Column>, SweepError> {
    plan.record
        .indicators
        .iter()
        .map(|name| {
            if let Some((scope, park, k)) = super::spec::scoped_indicator(name) {
                return Ok(if park {
                    Column::Park(scope.trim_start_matches("park:").to_string(), k)
                } else {
                    Column::Region(scope, k)
                });
            }
            INDICATORS
                .iter()
                .position(|i| i.name == name)
                .map(Column::City)
                .ok_or_else(|| {
                    SweepError::Input(format!(
                        "the plan records {name:?}, which this zgc does not know; plan the sweep again with this version"
                    ))
                })
        })
        .collect()
}

/// The values of the recorded columns at one tick.
fn column_values(cols: &[Column], report: &crate::tick::TickReport) -> Vec<f64> {
    let regions = &report.regions;
    cols.iter()
        .map(|c| match c {
            Column::City(k) => report.row.values[*k],
            Column::Park(name, k) => report
                .parks
                .iter()
                .find(|p| p.park == *name)
                .map_or(f64::NAN, |p| p.values()[*k]),
            Column::Region(name, k) => regions
                .iter()
                .find(|r| r.region == *name)
                .map_or(f64::NAN, |r| r.values()[*k]),
        })
        .collect()
}

/// Header of a run's result file: `tick, date`, then the recorded indicators.
pub fn result_header(plan: &Plan) -> Vec<String> {
    let mut h = vec!["tick".to_string(), "date".to_string()];
    h.extend(plan.record.indicators.iter().cloned());
    h
}

/// What one run produced.
#[derive(Debug)]
pub enum RunEnd {
    /// Finished; the result CSV bytes.
    Finished(Vec<u8>),
    /// Stopped by `stop` before the end: nothing to write.
    Stopped,
}

/// How `sweep run` runs its runs: the shared warm-ups and the checkpoints of runs in flight.
pub struct RunOptions<'a> {
    /// Shared warm-ups (`Warmups::none()` for none).
    pub warmups: &'a super::states::Warmups,
    /// Keep a run's state every this many months in `runs/<id>.checkpoint.zgcstate`.
    pub checkpoint_every: Option<u32>,
    /// Told, as a line of text, when a run continues from its checkpoint.
    pub note: &'a (dyn Fn(&str) + Sync),
}

/// Run one run of a plan and return its result file's bytes. Apart from the simulation it
/// reads and writes only the run's checkpoint in `dir`; the caller writes the result.
/// Deterministic: the bytes depend on the plan and run id only, whether the run continues a
/// checkpoint or a shared warm-up or starts from the first month.
pub fn execute(
    plan: &Plan,
    base: &Value,
    run: usize,
    stop: &AtomicBool,
    (dir, opts): (&Path, &RunOptions<'_>),
) -> Result<RunEnd, SweepError> {
    let scenario = plan.scenario_of(base, run)?;
    let cols = indicator_columns(plan)?;
    let seed = plan.seed_of(run);
    let overrides = Overrides {
        seed: Some(seed),
        ..Overrides::default()
    };
    let from = match super::states::take_checkpoint(dir, &scenario, &overrides, run) {
        Some(s) => {
            (opts.note)(&format!(
                "run {run}: continuing from its checkpoint at {}",
                s.header.prefix.at
            ));
            Some(s)
        }
        None => opts.warmups.state_for(plan, run)?,
    };
    let begin = from.as_ref().map_or(0, |s| s.header.tick);
    let checkpoint = super::states::checkpoint_path(dir, run);
    let mut save_error: Option<String> = None;
    let mut before = |sim: &crate::tick::Simulation,
                      history: &[crate::tick::TickReport],
                      stats: &crate::runner::RunStats| {
        if crate::state::checkpoint_due(sim.tick, begin, opts.checkpoint_every) {
            if let Err(e) = crate::state::save(&checkpoint, &scenario, sim, history, stats) {
                save_error = Some(format!("run {run}: {e:#}"));
                return false;
            }
        }
        true
    };
    let when = plan.record.when;
    let mut rows: Vec<(u32, String, Vec<f64>)> = Vec::new();
    let mut last: Option<(u32, String, Vec<f64>)> = None;
    let mut stopped = false;
    let start = runner::Start {
        from,
        keep_history: opts.checkpoint_every.is_some(),
    };
    let outcome = runner::run_from(
        &scenario,
        &overrides,
        start,
        &mut before,
        &mut |report, sim| {
            let r = &report.row;
            let take = || (r.tick, r.date.clone(), column_values(&cols, report));
            match when {
                When::EveryTick => rows.push(take()),
                When::Yearly => {
                    if r.date.ends_with("-12") {
                        rows.push(take());
                    }
                }
                When::Final => {
                    if sim.done() {
                        last = Some(take());
                    }
                }
            }
            if stop.load(Ordering::Relaxed) {
                stopped = true;
                return false;
            }
            true
        },
    )
    .map_err(|e| SweepError::Input(e.to_string()));
    opts.warmups.done(plan, run);
    let outcome = outcome?;
    if let Some(e) = save_error {
        return Err(SweepError::Io(e));
    }
    if stopped && !outcome.sim.done() {
        return Ok(RunEnd::Stopped);
    }
    if let Some(l) = last {
        rows.push(l);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| SweepError::Io(format!("run {run}: {e}"));
    w.write_record(result_header(plan)).map_err(io)?;
    for (tick, date, vals) in rows {
        let mut rec = vec![tick.to_string(), date];
        rec.extend(vals.into_iter().map(num));
        w.write_record(rec).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| SweepError::Io(format!("run {run}: {e}")))?;
    Ok(RunEnd::Finished(bytes))
}

/// Write a run's result and then its done marker, each atomically.
pub fn write_result(
    dir: &Path,
    run: usize,
    seed: u64,
    bytes: &[u8],
    wall_s: f64,
) -> Result<(), SweepError> {
    let io = |e: anyhow::Error| SweepError::Io(format!("{e:#}"));
    write_atomic(&Plan::result_path(dir, run), bytes).map_err(io)?;
    let marker = serde_json::json!({
        "run": run,
        "seed": seed,
        "wall_s": wall_s,
        "zgc_version": env!("CARGO_PKG_VERSION"),
        "git_commit": crate::output::git_commit(),
        "slurm_job": std::env::var("SLURM_JOB_ID").ok(),
        "slurm_array_task": std::env::var("SLURM_ARRAY_TASK_ID").ok(),
    });
    write_atomic(&Plan::done_path(dir, run), marker.to_string().as_bytes()).map_err(io)?;
    Ok(())
}

/// Run one run and write its files; returns `false` if it was stopped.
pub fn run_and_write(
    dir: &Path,
    plan: &Plan,
    base: &Value,
    run: usize,
    stop: &AtomicBool,
    opts: &RunOptions<'_>,
) -> Result<bool, SweepError> {
    let t = Instant::now();
    match execute(plan, base, run, stop, (dir, opts))? {
        RunEnd::Finished(bytes) => {
            write_result(
                dir,
                run,
                plan.seed_of(run),
                &bytes,
                t.elapsed().as_secs_f64(),
            )?;
            // The result is in place: the run's checkpoint has served.
            std::fs::remove_file(super::states::checkpoint_path(dir, run)).ok();
            Ok(true)
        }
        RunEnd::Stopped => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_runs() {
        let all: Vec<usize> = (0..10).collect();
        let mut seen = Vec::new();
        for i in 0..3 {
            let s = select(10, None, Some(Shard { index: i, count: 3 })).unwrap();
            assert!(s.iter().all(|r| r % 3 == i));
            seen.extend(s);
        }
        seen.sort();
        assert_eq!(seen, all);
        // With --only, positions in the list are dealt round-robin.
        let only: BTreeSet<usize> = [3, 4, 9].into_iter().collect();
        assert_eq!(
            select(10, Some(&only), Some(Shard { index: 0, count: 2 })).unwrap(),
            [3, 9]
        );
        assert_eq!(
            select(10, Some(&only), Some(Shard { index: 1, count: 2 })).unwrap(),
            [4]
        );
        assert!(select(5, Some(&only), None).unwrap_err().contains("run 9"));
    }

    #[test]
    fn id_lists_round_trip() {
        let ids = [0, 1, 3, 4, 5, 6, 9, 11, 12];
        let s = format_ids(&ids);
        assert_eq!(s, "0,1,3-6,9,11,12");
        let back: Vec<usize> = parse_ids(&s).unwrap().into_iter().collect();
        assert_eq!(back, ids);
        assert!(parse_ids("3,x").is_err());
        assert!(parse_ids("5-3").is_err());
        assert!(parse_ids("").is_err());
        assert_eq!(format_ids(&[]), "");
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
    }
}
