//! Saved states in sweeps: the shared warm-up of a sweep whose points are all the same scenario
//! up to a month (with common random numbers: a sweep over a policy's settings), simulated once
//! per replicate in a `sweep run` process and forked by every run; and the checkpoints of runs
//! in flight (`runs/<id>.checkpoint.zgcstate`), from which a killed shard's runs continue when
//! it is run again. A run's result is byte-identical either way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use toml::Value;

use super::plan::{files, Plan};
use super::SweepError;
use crate::runner::{self, Overrides};
use crate::scenario::Scenario;
use crate::state::State;

/// Where a run's checkpoint is kept while it runs.
pub fn checkpoint_path(dir: &Path, run: usize) -> PathBuf {
    dir.join(files::RUNS)
        .join(format!("{run}.checkpoint.{}", crate::state::EXTENSION))
}

/// The shared warm-ups of one `sweep run` process.
pub struct Warmups {
    /// The month (tick) up to which every point is the first point's scenario; 0: none.
    pub tick: u32,
    first: Option<Scenario>,
    /// Per replicate: the state at `tick` (made by the first run that needs it) and the runs
    /// of this process that still need it (the state is dropped after the last).
    states: Mutex<BTreeMap<usize, (Slot, usize)>>,
}

/// A replicate's warm-up state, made once by the first run that needs it.
type Slot = Arc<OnceLock<Result<State, String>>>;

impl Warmups {
    /// No shared warm-up (`--no-fork`, or nothing shared).
    pub fn none() -> Warmups {
        Warmups {
            tick: 0,
            first: None,
            states: Mutex::new(BTreeMap::new()),
        }
    }

    /// The warm-up the runs `todo` of a plan share: with common random numbers, the months
    /// before the first month where any point's scenario differs from the first point's.
    pub fn plan(plan: &Plan, base: &Value, todo: &[usize]) -> Result<Warmups, SweepError> {
        if !plan.common_random_numbers || todo.len() < 2 {
            return Ok(Warmups::none());
        }
        let first = plan.scenario_of(base, 0)?;
        let ticks = first.ticks;
        let mut tick = ticks;
        let mut seen = std::collections::BTreeSet::new();
        for &run in todo {
            let point = plan.point_of(run);
            if !seen.insert(point) {
                continue;
            }
            let s = plan.scenario_of(base, run)?;
            // The sweep may set the run's length or scale per point: then nothing is shared.
            let same_run =
                s.ticks == ticks && s.file.run.scale.to_bits() == first.file.run.scale.to_bits();
            tick = tick.min(if same_run {
                runner::fork::fork_tick(&first, &s, ticks)
            } else {
                0
            });
            if tick == 0 {
                return Ok(Warmups::none());
            }
        }
        let mut need: BTreeMap<usize, (Slot, usize)> = BTreeMap::new();
        for &run in todo {
            need.entry(plan.replicate_of(run))
                .or_insert_with(|| (Arc::new(OnceLock::new()), 0))
                .1 += 1;
        }
        Ok(Warmups {
            tick,
            first: Some(first),
            states: Mutex::new(need),
        })
    }

    /// The month the shared warm-up ends (the runs continue from its start), if any.
    pub fn until(&self) -> Option<crate::calendar::YearMonth> {
        self.first.as_ref().map(|s| s.start.plus(self.tick))
    }

    /// The state run `run` continues from (simulated now if no other run has), or `None`.
    /// Every call for a run must be followed by [`Warmups::done`] for it.
    pub fn state_for(&self, plan: &Plan, run: usize) -> Result<Option<State>, SweepError> {
        let Some(first) = &self.first else {
            return Ok(None);
        };
        let replicate = plan.replicate_of(run);
        let cell = {
            let map = self.states.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(&replicate) {
                Some((cell, _)) => cell.clone(),
                None => return Ok(None),
            }
        };
        let tick = self.tick;
        let state = cell.get_or_init(|| {
            let o = Overrides {
                seed: Some(plan.seed_of(run)),
                ..Overrides::default()
            };
            let mut captured = None;
            runner::run_from(
                first,
                &o,
                runner::Start {
                    from: None,
                    keep_history: true,
                },
                &mut |sim, history, stats| {
                    if sim.tick == tick {
                        captured = Some(crate::state::capture(first, sim, history, stats));
                        return false;
                    }
                    true
                },
                &mut |_, _| true,
            )
            .map_err(|e| e.to_string())?;
            captured.ok_or_else(|| format!("the shared months to {tick} were not simulated"))
        });
        match state {
            Ok(s) => Ok(Some(s.clone())),
            Err(m) => Err(SweepError::Input(m.clone())),
        }
    }

    /// Run `run` no longer needs its replicate's state (dropped after the last such run).
    pub fn done(&self, plan: &Plan, run: usize) {
        let mut map = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let replicate = plan.replicate_of(run);
        if let Some((_, left)) = map.get_mut(&replicate) {
            *left = left.saturating_sub(1);
            if *left == 0 {
                map.remove(&replicate);
            }
        }
    }
}

/// A run's checkpoint from an interrupted `sweep run`, when it is of this run (the same
/// scenario with the run's overrides `o`, `Header::other_run`); one of another plan or
/// unreadable is removed and the run starts afresh.
pub fn take_checkpoint(
    dir: &Path,
    scenario: &Scenario,
    o: &Overrides,
    run: usize,
) -> Option<State> {
    let path = checkpoint_path(dir, run);
    if !path.is_file() {
        return None;
    }
    match crate::state::file::read(&path) {
        Ok(s) if s.header.other_run(scenario, o).is_none() => Some(s),
        _ => {
            std::fs::remove_file(&path).ok();
            None
        }
    }
}
