//! A run's tables kept in memory, row for row what `zgc run` writes to `timeseries.csv`,
//! `parks.csv` and `regions.csv`, and a comparison of scenarios over replicates kept in memory:
//! for hosts that embed zgc (the Python package), which want values, not files.

use std::sync::atomic::{AtomicBool, Ordering};

use super::jobs::replicate_seed;
use super::{run, Overrides, RunError, RunOutcome};
use crate::compare::{CompareError, Comparison, Recorder, RunSeries, LEVEL};
use crate::metrics::{ParkRow, RegionRow, TickRow};
use crate::scenario::{Scenario, ScenarioError};

/// The tables of a run, in the order `zgc run` writes their rows.
#[derive(Clone, Debug, Default)]
pub struct RunTables {
    /// `timeseries.csv`: one row per month.
    pub rows: Vec<TickRow>,
    /// `parks.csv`: per park and reporting period.
    pub parks: Vec<ParkRow>,
    /// `regions.csv`: per tracked region and month.
    pub regions: Vec<RegionRow>,
    /// Policy events, `YYYY-MM: text`.
    pub events: Vec<String>,
}

impl RunTables {
    /// Record one tick as `RunFolder::record` does.
    pub fn record(&mut self, report: &crate::tick::TickReport, regions: Vec<RegionRow>) {
        self.parks.extend(report.parks.iter().cloned());
        self.regions.extend(regions);
        for e in &report.events {
            self.events.push(format!("{}: {e}", report.row.date));
        }
        self.rows.push(report.row.clone());
    }
}

/// A run with its tables.
pub struct Collected {
    /// The tables.
    pub tables: RunTables,
    /// The simulation at its last tick, timings, seed, scale and ticks.
    pub outcome: RunOutcome,
    /// `false` when `keep_going` stopped the run before its last tick.
    pub complete: bool,
}

/// Run a scenario and keep its tables. `keep_going` is asked after every tick; `false` stops
/// the run (the tables then hold the months done).
pub fn run_collect(
    scenario: &Scenario,
    o: &Overrides,
    keep_going: &(dyn Fn() -> bool + Sync),
) -> Result<Collected, RunError> {
    let mut tables = RunTables::default();
    let outcome = run(scenario, o, &mut |report, _sim| {
        tables.record(report, report.regions.clone());
        keep_going()
    })?;
    let complete = outcome.sim.done();
    Ok(Collected {
        tables,
        outcome,
        complete,
    })
}

/// Settings shared by every run of a comparison.
#[derive(Clone, Debug)]
pub struct CompareSettings {
    /// Master seed: replicate k runs with [`replicate_seed`]`(seed, k)`.
    pub seed: u64,
    /// Scale of every run.
    pub scale: f64,
    /// Ticks of every run.
    pub ticks: u32,
    /// Replicates per scenario.
    pub replicates: usize,
}

impl CompareSettings {
    /// The base scenario's seed, scale and ticks, with the overrides given.
    pub fn of(
        base: &Scenario,
        seed: Option<u64>,
        scale: Option<f64>,
        ticks: Option<u32>,
        replicates: usize,
    ) -> CompareSettings {
        CompareSettings {
            seed: seed.unwrap_or(base.file.run.seed),
            scale: scale.unwrap_or(base.file.run.scale),
            ticks: ticks.unwrap_or(base.ticks),
            replicates,
        }
    }

    /// The overrides of replicate `k`.
    pub fn overrides(&self, k: usize) -> Overrides {
        Overrides {
            seed: Some(replicate_seed(self.seed, k)),
            ticks: Some(self.ticks),
            scale: Some(self.scale),
            memory_limit: None,
        }
    }
}

/// Why an in-memory comparison failed.
#[derive(Debug, thiserror::Error)]
pub enum CompareRunError {
    /// A scenario is bad input.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The scenarios cannot be compared.
    #[error("{0}")]
    Compare(#[from] CompareError),
    /// Stopped before every run finished.
    #[error("stopped before all runs finished")]
    Stopped,
    /// The job engine failed (a thread pool could not be built).
    #[error("{0}")]
    Engine(String),
}

impl From<anyhow::Error> for CompareRunError {
    fn from(e: anyhow::Error) -> Self {
        CompareRunError::Engine(format!("{e:#}"))
    }
}

/// Check that scenarios can be compared: distinct names and the same first month.
pub fn check_comparable(scenarios: &[Scenario]) -> Result<(), CompareError> {
    let Some(base) = scenarios.first() else {
        return Err(CompareError::Empty("no scenario".into()));
    };
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|t| t.name() == s.name()) {
            return Err(CompareError::Mismatch(format!(
                "two scenarios are named {:?}; the name labels the rows, so give each scenario its own `[scenario] name`",
                s.name()
            )));
        }
        if s.start != base.start {
            return Err(CompareError::Mismatch(format!(
                "{} starts in {} but the base scenario {} starts in {}; compared scenarios must cover the same months",
                s.name(),
                s.start,
                base.name(),
                base.start
            )));
        }
    }
    Ok(())
}

/// Run every scenario (base first) `settings.replicates` times on `threads` threads and
/// compare them, as `zgc compare` does, without writing files. `progress` is called after
/// each run with the number of runs done; `stop` ends the work early.
pub fn compare_runs(
    scenarios: &[Scenario],
    settings: &CompareSettings,
    threads: usize,
    stop: &AtomicBool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Comparison, CompareRunError> {
    let runs: Vec<Vec<RunSeries>> = run_recorded(scenarios, settings, threads, stop, progress)?
        .iter()
        .map(|reps| reps.iter().map(Recorder::finish).collect())
        .collect();
    let names = scenarios.iter().map(|s| s.name().to_string()).collect();
    Ok(Comparison::build(names, &runs, LEVEL, settings.scale)?)
}

/// The runs of [`compare_runs`], as `[scenario][replicate]` recorders of their monthly
/// series (for comparisons over other periods: `Recorder::over`).
pub fn run_recorded(
    scenarios: &[Scenario],
    settings: &CompareSettings,
    threads: usize,
    stop: &AtomicBool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<Vec<Recorder>>, CompareRunError> {
    check_comparable(scenarios)?;
    if settings.replicates == 0 {
        return Err(CompareError::Empty("no replicate runs".into()).into());
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let n_jobs = scenarios.len() * settings.replicates;
    let failed = AtomicBool::new(false);
    let halt = || stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst);
    // Alternatives that are the base up to a month continue from its state, as in `zgc compare`.
    let forks: Vec<u32> = (0..scenarios.len())
        .map(|s| match s {
            0 => 0,
            _ => super::fork::fork_tick(&scenarios[0], &scenarios[s], settings.ticks),
        })
        .collect();
    let runs = super::fork::run_forked(
        scenarios.len(),
        settings.replicates,
        threads,
        &forks,
        stop,
        |s, r, from, caps| -> Result<Option<Recorder>, CompareRunError> {
            if halt() {
                return Ok(None);
            }
            let mut recorder = Recorder::new();
            let scenario = &scenarios[s];
            let keep_history = caps.wants_any();
            let mut before = |sim: &crate::tick::Simulation,
                              history: &[crate::tick::TickReport],
                              stats: &super::RunStats| {
                caps.offer(scenario, sim, history, stats);
                !halt()
            };
            let o = settings.overrides(r);
            let start = super::Start { from, keep_history };
            let outcome = super::run_from(scenario, &o, start, &mut before, &mut |report, _sim| {
                recorder.record(&report.row, &report.regions, &report.parks);
                !halt()
            });
            match outcome {
                Ok(o) if o.sim.done() => {
                    progress(done.fetch_add(1, Ordering::SeqCst) + 1, n_jobs);
                    Ok(Some(recorder))
                }
                Ok(_) => Ok(None),
                Err(e) => {
                    failed.store(true, Ordering::SeqCst);
                    Err(e.into())
                }
            }
        },
    )?
    .ok_or(CompareRunError::Stopped)?;
    Ok(runs)
}
