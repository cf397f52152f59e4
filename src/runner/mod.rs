//! Running a scenario: build the world, step it to the end, hand every tick to an observer.
//! No I/O here; callers (the CLI, `compare`, `sweep`, the Python package) decide what to keep
//! and write. `jobs` is the job engine of many runs; `collect` keeps a run's tables in memory.

pub mod collect;
pub mod fork;
pub mod jobs;

use std::time::{Duration, Instant};

use crate::scenario::{Scenario, ScenarioError};
use crate::tick::{Phase, Simulation, TickReport};
use crate::world::World;

/// Overrides of a scenario's run settings (command-line flags).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Seed.
    pub seed: Option<u64>,
    /// Number of ticks.
    pub ticks: Option<u32>,
    /// Scale.
    pub scale: Option<f64>,
    /// Refuse a run whose estimated memory exceeds this limit, before allocating the world
    /// (`None`: no check). The CLI fills it from `limits::detect_memory_limit` or `--max-memory`.
    pub memory_limit: Option<crate::limits::MemoryLimit>,
}

/// Timings and sizes of a run.
#[derive(Clone, Debug, Default)]
pub struct RunStats {
    /// Building the world.
    pub build: Duration,
    /// All ticks.
    pub ticks_wall: Duration,
    /// Per phase, summed over ticks.
    pub phases: [Duration; Phase::N],
    /// Per-tick wall times.
    pub tick_times: Vec<Duration>,
    /// Σ over ticks of agents alive (workers + firms).
    pub agent_steps: u64,
    /// Agents at the start.
    pub agents_start: u64,
    /// Agents at the end.
    pub agents_end: u64,
}

/// What a finished run hands back.
pub struct RunOutcome {
    /// The simulation at its last tick.
    pub sim: Simulation,
    /// Every tick's report, from the first month (those before a saved state included), when
    /// the run kept them (`Start::keep_history`); empty otherwise.
    pub history: crate::state::History,
    /// Timings.
    pub stats: RunStats,
    /// Effective seed, scale, ticks.
    pub seed: u64,
    /// Scale.
    pub scale: f64,
    /// Ticks.
    pub ticks: u32,
}

/// Errors of a run: only bad input can fail.
pub type RunError = ScenarioError;

fn agents(sim: &Simulation) -> u64 {
    (sim.world.n_workers_active() + sim.world.n_firms_alive()) as u64
}

/// A run's settings with overrides applied and checked, and its world's layers checked against
/// the resources: what both a run from the first month and one from a saved state start with.
struct Checked {
    file: String,
    seed: u64,
    scale: f64,
    ticks: u32,
    layers: crate::world::layers::WorldLayers,
}

fn checked(scenario: &Scenario, o: &Overrides) -> Result<Checked, RunError> {
    let file = scenario
        .source
        .as_ref()
        .map_or("<embedded>".to_string(), |p| p.display().to_string());
    let seed = o.seed.unwrap_or(scenario.file.run.seed);
    let scale = o.scale.unwrap_or(scenario.file.run.scale);
    if !(scale > 0.0 && scale <= 1.0) {
        return Err(ScenarioError::at(
            "--scale",
            "",
            format!("expected a number in (0, 1], found {scale}"),
        ));
    }
    let ticks = o.ticks.unwrap_or(scenario.ticks);
    check_ticks(ticks)?;
    let layers = scenario.layers()?;
    check_resources(&layers, scenario, scale, ticks, o, &file)?;
    Ok(Checked {
        file,
        seed,
        scale,
        ticks,
        layers,
    })
}

/// Build the world and simulation of a scenario with overrides applied.
pub fn prepare(scenario: &Scenario, o: &Overrides) -> Result<(Simulation, Duration), RunError> {
    let t0 = Instant::now();
    let Checked {
        file,
        seed,
        scale,
        ticks,
        layers,
    } = checked(scenario, o)?;
    let world = World::build(&layers, &scenario.file.params, scale, seed)
        .map_err(|m| ScenarioError::at(&file, "world", m))?;
    let policies = scenario.policies(&world)?;
    let sim = Simulation::new(
        world,
        scenario.file.params.clone(),
        seed,
        scenario.start,
        ticks,
        policies,
    );
    Ok((sim, t0.elapsed()))
}

/// A run's length: at least one month, at most `scenario::MAX_TICKS`.
fn check_ticks(ticks: u32) -> Result<(), RunError> {
    if ticks == 0 {
        return Err(ScenarioError::at("--ticks", "", "expected at least 1 tick"));
    }
    if ticks > crate::scenario::MAX_TICKS {
        return Err(ScenarioError::at(
            "--ticks",
            "",
            format!(
                "expected at most {} ticks (200 years), found {ticks}",
                crate::scenario::MAX_TICKS
            ),
        ));
    }
    Ok(())
}

/// Refuse a run that cannot fit before anything large is allocated: the model's index limits
/// always, and the estimated memory against `o.memory_limit` when one is given.
fn check_resources(
    layers: &crate::world::layers::WorldLayers,
    scenario: &Scenario,
    scale: f64,
    ticks: u32,
    o: &Overrides,
    file: &str,
) -> Result<(), RunError> {
    let est = crate::limits::estimate_memory(layers, &scenario.file.params, scale, ticks);
    crate::limits::check_structure(&est).map_err(|m| ScenarioError::at(file, "", m))?;
    let opened = scenario
        .file
        .policies
        .iter()
        .filter(|p| p.kind == "incubator" && p.upgrade != Some(true))
        .count();
    crate::limits::check_incubators(layers.incubators.len(), opened)
        .map_err(|m| ScenarioError::at(file, "world.incubator", m))?;
    if let Some(limit) = &o.memory_limit {
        crate::limits::check_memory(&est, limit).map_err(|m| ScenarioError::at(file, "", m))?;
    }
    Ok(())
}

/// Run a scenario to the end, calling `observe` after every tick. `observe` may return
/// `false` to stop early (e.g. on Ctrl-C); the outcome then holds the ticks done.
pub fn run(
    scenario: &Scenario,
    o: &Overrides,
    observe: &mut dyn FnMut(&TickReport, &Simulation) -> bool,
) -> Result<RunOutcome, RunError> {
    run_from(scenario, o, Start::default(), &mut |_, _, _| true, observe)
}

/// Where a run begins, and whether it keeps the months' reports (needed to save states: a
/// state carries the tables of the months before it).
#[derive(Default)]
pub struct Start {
    /// A saved state to continue (`None`: the first month).
    pub from: Option<crate::state::State>,
    /// Keep every month's report in memory for `before` (and in `RunOutcome::history`).
    /// Without it, `before` sees an empty slice and must not save a state.
    pub keep_history: bool,
}

/// Called at the start of every month a run simulates, before policies act, with the
/// simulation, the reports of the months before and the statistics so far; `false` stops the
/// run. Saving a state happens here.
pub type BeforeTick<'a> = dyn FnMut(&Simulation, &[TickReport], &RunStats) -> bool + 'a;

/// Run a scenario from its first month, or continue it from a saved state (`start.from`),
/// calling `before` at the start of every month simulated and `observe` after every month. A
/// run continued from a state first hands `observe` the reports of the months before it, so
/// an observer sees the whole run either way.
pub fn run_from(
    scenario: &Scenario,
    o: &Overrides,
    start: Start,
    before: &mut BeforeTick<'_>,
    observe: &mut dyn FnMut(&TickReport, &Simulation) -> bool,
) -> Result<RunOutcome, RunError> {
    let keep = start.keep_history;
    let (mut sim, mut stats, mut history) = match start.from {
        None => {
            let (sim, build) = prepare(scenario, o)?;
            let stats = RunStats {
                build,
                agents_start: agents(&sim),
                ..Default::default()
            };
            (sim, stats, Vec::new())
        }
        Some(state) => {
            let t0 = Instant::now();
            let path = state.path.display().to_string();
            let layers = checked(scenario, o)?.layers;
            let r = crate::state::resume(state, scenario, o, &layers.grid)
                .map_err(|m| ScenarioError::at(&path, "", m))?;
            crate::tick::invariants::check(&r.sim).map_err(|m| {
                ScenarioError::at(
                    &path,
                    "",
                    format!("its simulation state is inconsistent ({m}); the file is corrupted"),
                )
            })?;
            let stats = RunStats {
                build: t0.elapsed(),
                agents_start: r.stats.agents_start,
                agent_steps: r.stats.agent_steps,
                ..Default::default()
            };
            let mut go_on = true;
            for report in &r.history {
                if !observe(report, &r.sim) {
                    go_on = false;
                    break;
                }
            }
            if !go_on {
                return Ok(finish(r.sim, stats, Vec::new()));
            }
            (r.sim, stats, if keep { r.history } else { Vec::new() })
        }
    };
    let t0 = Instant::now();
    while !sim.done() {
        if !before(&sim, &history, &stats) {
            break;
        }
        let t = Instant::now();
        stats.agent_steps += agents(&sim);
        let report = sim.step();
        stats.tick_times.push(t.elapsed());
        for (a, b) in stats.phases.iter_mut().zip(report.timings) {
            *a += b;
        }
        let go_on = observe(&report, &sim);
        if keep {
            history.push(report);
        }
        if !go_on {
            break;
        }
    }
    stats.ticks_wall = t0.elapsed();
    Ok(finish(sim, stats, history))
}

fn finish(sim: Simulation, mut stats: RunStats, history: crate::state::History) -> RunOutcome {
    stats.agents_end = agents(&sim);
    let (seed, scale, ticks) = (sim.seed, sim.world.scale, sim.ticks);
    RunOutcome {
        sim,
        history,
        stats,
        seed,
        scale,
        ticks,
    }
}
