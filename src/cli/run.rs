//! `zgc run`: run one scenario and write its outputs (CSV tables, summary, grids, maps, report).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use std::cell::RefCell;

use anyhow::{Context, Result};
use clap::Args;

use super::progress::Progress;
use super::CliError;
use crate::metrics::TickRow;
use crate::output::run_folder::{Extras, RunFolder};
use crate::output::{self, Staging};
use crate::runner::{self, Overrides, RunOutcome};
use crate::scenario::Scenario;
use crate::state::{self, State};
use crate::tick::{Phase, Simulation, TickReport};

/// Flags of `zgc run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the embedded baseline.
    pub scenario: Option<PathBuf>,
    /// Master seed (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of monthly ticks (overrides the scenario's).
    #[arg(long)]
    pub ticks: Option<u32>,
    /// Agents per real agent, in (0, 1]; 1.0 is real size (about 12 million workers).
    #[arg(long)]
    pub scale: Option<f64>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: results/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace an output folder that does not hold a previous zgc run.
    #[arg(long)]
    pub force: bool,
    /// Print a per-phase timing table at the end.
    #[arg(long)]
    pub profile: bool,
    /// Memory the run may use, e.g. 8G or 512M (default: what the system has available, or
    /// the cgroup limit); a run estimated to need more is refused before it starts.
    #[arg(long, value_name = "SIZE", value_parser = crate::limits::parse_size)]
    pub max_memory: Option<u64>,
    /// Run even if the estimated memory exceeds what is available.
    #[arg(long, conflicts_with = "max_memory")]
    pub ignore_memory_check: bool,
    /// Skip the PNG maps and report.html (CSV tables, grids and summary only).
    #[arg(long)]
    pub no_pictures: bool,
    /// Save the complete simulation state at the start of this month (YYYY-MM) or tick (0 =
    /// the first month), before its policies act, as `<out>/state-YYYY-MM.zgcstate`. Repeatable.
    #[arg(long, value_name = "DATE|TICK")]
    pub save_state_at: Vec<String>,
    /// Continue from a saved state: of this scenario, or of another identical up to the
    /// state's month (same world, parameters, seed, scale and started policies), a fork. The
    /// output folder holds the whole run, as if it had not stopped.
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    pub from_state: Option<PathBuf>,
    /// Keep the state of every Nth month in the run's staging folder, so that `--resume` can
    /// continue the run after it is killed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: Option<u32>,
    /// Continue an interrupted run of this command (same arguments) from its last checkpoint;
    /// without one, start from the first month.
    #[arg(long)]
    pub resume: bool,
}

/// The memory limit the flags ask for: `--max-memory`, none with `--ignore-memory-check`,
/// else the detected one.
pub fn memory_limit(max_memory: Option<u64>, ignore: bool) -> Option<crate::limits::MemoryLimit> {
    if ignore {
        return None;
    }
    match max_memory {
        Some(bytes) => Some(crate::limits::MemoryLimit {
            bytes,
            source: "--max-memory".into(),
        }),
        None => crate::limits::detect_memory_limit(),
    }
}

/// The output folder: `--out`, else `results/<scenario name>` when the name is a safe folder name.
pub fn out_dir(out: &Option<PathBuf>, scenario: &Scenario) -> Result<PathBuf> {
    match out {
        Some(o) => Ok(o.clone()),
        None => {
            crate::limits::check_folder_name(scenario.name()).map_err(CliError::Input)?;
            Ok(PathBuf::from("results").join(scenario.name()))
        }
    }
}

/// Run the command.
pub fn main(args: RunArgs) -> Result<()> {
    let scenario = super::load_scenario(&args.scenario)?;
    let overrides = Overrides {
        seed: args.seed,
        ticks: args.ticks,
        scale: args.scale,
        memory_limit: memory_limit(args.max_memory, args.ignore_memory_check),
    };
    let out = out_dir(&args.out, &scenario)?;
    let states = StatePlan::new(&scenario, &overrides, &args, &out)?;
    let pool = super::thread_pool(args.threads)?;
    let threads = pool.current_num_threads();
    let interrupted = super::interrupt_flag();
    let (staging, from) = states.staging(&out, args.force)?;
    let result = pool.install(|| {
        execute(
            &scenario,
            &overrides,
            &args,
            (&staging, from, &states),
            threads,
            &interrupted,
        )
    });
    match result {
        Ok((outcome, last)) => {
            if interrupted.load(Ordering::SeqCst) {
                let checkpoint = staging.dir.join(state::CHECKPOINT);
                if checkpoint.is_file() {
                    // Kept for `--resume`, which takes the folder over.
                    return Err(CliError::Interrupted(format!(
                        "stopped at tick {} of {}; nothing was written to {}, and the last checkpoint is kept in {} for `--resume`",
                        outcome.sim.tick,
                        outcome.ticks,
                        out.display(),
                        staging.dir.display()
                    ))
                    .into());
                }
                staging.abandon();
                return Err(CliError::Interrupted(format!(
                    "stopped at tick {} of {}; nothing was written to {}",
                    outcome.sim.tick,
                    outcome.ticks,
                    out.display()
                ))
                .into());
            }
            let dest = super::absolute(&staging.finish()?);
            if args.quiet {
                // Only where the outputs are: one line a script can take.
                println!("{}", dest.display());
            } else {
                print_summary(&scenario, &outcome, last.as_ref(), &dest, args.profile);
            }
            Ok(())
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

fn execute(
    scenario: &Scenario,
    overrides: &Overrides,
    args: &RunArgs,
    (staging, from, states): (&Staging, Option<State>, &StatePlan),
    threads: usize,
    interrupted: &AtomicBool,
) -> Result<(RunOutcome, Option<TickRow>)> {
    let wall = Instant::now();
    let mut folder = RunFolder::create(&staging.dir)?;
    let ticks = overrides.ticks.unwrap_or(scenario.ticks) as u64;
    let begin = from.as_ref().map_or(0, |s| s.header.tick);
    let progress = RefCell::new(Progress::new(ticks, "ticks", scenario.name(), args.quiet));
    let io_error: RefCell<Option<anyhow::Error>> = RefCell::new(None);
    let mut before = |sim: &Simulation, history: &[TickReport], stats: &runner::RunStats| {
        if let Err(e) = states.before_tick(scenario, staging, sim, history, stats, begin, &progress)
        {
            *io_error.borrow_mut() = Some(e);
            return false;
        }
        !interrupted.load(Ordering::SeqCst)
    };
    let start = runner::Start {
        from,
        keep_history: states.saves(),
    };
    let outcome = runner::run_from(
        scenario,
        overrides,
        start,
        &mut before,
        &mut |report, _sim| {
            if let Err(e) = folder.record(report, &report.regions) {
                *io_error.borrow_mut() = Some(e);
                return false;
            }
            let mut progress = progress.borrow_mut();
            for e in &report.events {
                progress.println(&format!("{}: {e}", report.row.date));
            }
            let msg = format!(
                "{} firms {:.0} start-ups {:.0}",
                report.row.date,
                report.row.get("firms").unwrap_or(f64::NAN),
                report.row.get("startups_alive").unwrap_or(f64::NAN)
            );
            progress.inc(1, &msg);
            !interrupted.load(Ordering::SeqCst)
        },
    )
    .map_err(CliError::from)?;
    progress.into_inner().finish();
    if let Some(e) = io_error.into_inner() {
        return Err(e);
    }
    // The rolling checkpoint is for an interrupted run only; a finished one does not keep it.
    let checkpoint = staging.dir.join(state::CHECKPOINT);
    if checkpoint.exists() && !interrupted.load(Ordering::SeqCst) {
        std::fs::remove_file(&checkpoint)
            .with_context(|| format!("cannot remove {}", checkpoint.display()))?;
    }
    let last = folder.rows().last().cloned();
    if interrupted.load(Ordering::SeqCst) {
        folder.flush()?;
        return Ok((outcome, last));
    }
    folder.finish(
        scenario,
        &outcome,
        threads,
        wall,
        Extras {
            pictures: !args.no_pictures,
        },
    )?;
    Ok((outcome, last))
}

fn print_summary(
    scenario: &Scenario,
    o: &RunOutcome,
    last: Option<&TickRow>,
    dest: &std::path::Path,
    profile: bool,
) {
    let s = &o.stats;
    println!(
        "{}: {} ticks ({} to {}) at scale {} seed {} in {:.1} s (world built in {:.2} s, median tick {:.1} ms)",
        scenario.name(),
        o.sim.tick,
        scenario.start,
        scenario.start.plus(o.sim.tick.saturating_sub(1)),
        o.scale,
        o.seed,
        s.build.as_secs_f64() + s.ticks_wall.as_secs_f64(),
        s.build.as_secs_f64(),
        {
            let mut t: Vec<f64> = s.tick_times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
            t.sort_by(f64::total_cmp);
            t.get(t.len() / 2).copied().unwrap_or(0.0)
        }
    );
    if let Some(r) = last {
        let g = |n: &str| r.get(n).unwrap_or(f64::NAN);
        println!(
            "  final month: {:.0} workers, {:.0} firms ({:.0}% high-tech), {:.0} start-ups, mean commute {:.1} min, core office rent {:.0} yuan/m²/month",
            g("workers"),
            g("firms"),
            100.0 * g("high_tech_share"),
            g("startups_alive"),
            g("mean_commute_min"),
            g("rent_office_core")
        );
    }
    println!("  outputs in {}", dest.display());
    if profile {
        let total: f64 = s.phases.iter().map(|d| d.as_secs_f64()).sum();
        println!(
            "  {:<10} {:>10} {:>8} {:>12}",
            "phase", "total s", "share", "ms/tick"
        );
        for p in Phase::ALL {
            let t = s.phases[p as usize].as_secs_f64();
            println!(
                "  {:<10} {:>10.3} {:>7.1}% {:>12.3}",
                p.name(),
                t,
                100.0 * t / total.max(1e-12),
                1e3 * t / o.sim.tick.max(1) as f64
            );
        }
        println!(
            "  agent-steps per second: {:.3e}",
            s.agent_steps as f64 / s.ticks_wall.as_secs_f64().max(1e-9)
        );
        if let Some(b) = output::peak_rss_bytes() {
            println!(
                "  peak memory: {:.1} MiB ({:.0} bytes per agent)",
                b as f64 / 1048576.0,
                b as f64 / s.agents_start.max(1) as f64
            );
        }
    }
}

/// What a run does with saved states: the months to save (`--save-state-at`), the rolling
/// checkpoint (`--checkpoint-every`), and where it begins (`--from-state`, `--resume`).
pub struct StatePlan {
    /// Ticks at whose start a state is saved.
    save_at: Vec<u32>,
    /// Keep a checkpoint every this many months.
    checkpoint_every: Option<u32>,
    /// `--from-state`'s file.
    from_state: Option<PathBuf>,
    /// An interrupted run's staging folder to continue (`--resume`).
    adopt: Option<PathBuf>,
}

impl StatePlan {
    /// Check the flags against the scenario (months within the run, a state that exists,
    /// a checkpoint of the same run) before anything is written.
    fn new(
        scenario: &Scenario,
        o: &Overrides,
        args: &RunArgs,
        out: &std::path::Path,
    ) -> Result<StatePlan> {
        let ticks = o.ticks.unwrap_or(scenario.ticks);
        let last = scenario.start.plus(ticks.saturating_sub(1));
        let mut save_at = Vec::new();
        for v in &args.save_state_at {
            let t = state::parse_at(v, scenario.start)
                .map_err(|m| CliError::Input(format!("--save-state-at: {m}")))?;
            if t >= ticks {
                return Err(CliError::Input(format!(
                    "--save-state-at {v}: the run's months are {} to {last} (ticks 0 to {})",
                    scenario.start,
                    ticks - 1
                ))
                .into());
            }
            save_at.push(t);
        }
        let mut plan = StatePlan {
            save_at,
            checkpoint_every: args.checkpoint_every,
            from_state: args.from_state.clone(),
            adopt: None,
        };
        let begin = if let Some(p) = &args.from_state {
            let h = state::file::read_header(p).map_err(|e| CliError::Input(e.to_string()))?;
            Some((h.tick, h.prefix.at))
        } else if args.resume {
            match state::find_checkpoint(out) {
                Some((dir, h)) => {
                    check_same_run(scenario, o, &h, &dir)?;
                    eprintln!(
                        "note: resuming the interrupted run in {} from its checkpoint at {}",
                        dir.display(),
                        h.prefix.at
                    );
                    let begin = (h.tick, h.prefix.at);
                    plan.adopt = Some(dir);
                    Some(begin)
                }
                None => {
                    eprintln!(
                        "note: no checkpoint of an interrupted run into {} found; starting from the first month",
                        out.display()
                    );
                    None
                }
            }
        } else {
            None
        };
        if let Some((tick, at)) = begin {
            for (v, &t) in args.save_state_at.iter().zip(&plan.save_at) {
                let kept = plan
                    .adopt
                    .as_ref()
                    .is_some_and(|d| d.join(state::file_name(scenario.start.plus(t))).is_file());
                if t < tick && !kept {
                    return Err(CliError::Input(format!(
                        "--save-state-at {v}: the run begins at {at}, from its state; a state before it cannot be saved"
                    ))
                    .into());
                }
            }
        }
        Ok(plan)
    }

    /// Whether the run saves states (and so must keep the months' reports).
    fn saves(&self) -> bool {
        !self.save_at.is_empty() || self.checkpoint_every.is_some()
    }

    /// The staging folder (an interrupted run's, taken over, with `--resume`) and the state
    /// the run begins from.
    fn staging(&self, out: &std::path::Path, force: bool) -> Result<(Staging, Option<State>)> {
        let staging = match &self.adopt {
            None => super::staging(out, force)?,
            Some(dir) => {
                let s = Staging::adopting(out, force, Some(dir))?;
                for p in &s.cleaned {
                    eprintln!("note: removed {}, left by an interrupted run", p.display());
                }
                s
            }
        };
        let file = match (&self.adopt, &self.from_state) {
            (Some(_), _) => Some(staging.dir.join(state::CHECKPOINT)),
            (None, Some(p)) => Some(p.clone()),
            (None, None) => None,
        };
        let Some(file) = file else {
            return Ok((staging, None));
        };
        let t0 = Instant::now();
        match state::file::read(&file) {
            Ok(s) => {
                eprintln!(
                    "note: continuing from {} at {} ({} read in {:.2} s)",
                    file.display(),
                    s.header.prefix.at,
                    crate::limits::human_bytes(std::fs::metadata(&file).map_or(0, |m| m.len())),
                    t0.elapsed().as_secs_f64()
                );
                Ok((staging, Some(s)))
            }
            Err(e) => {
                if self.adopt.is_none() {
                    staging.abandon();
                }
                Err(CliError::Input(e.to_string()).into())
            }
        }
    }

    /// At the start of a month: save the state if asked, and the checkpoint when due.
    #[allow(clippy::too_many_arguments)]
    fn before_tick(
        &self,
        scenario: &Scenario,
        staging: &Staging,
        sim: &Simulation,
        history: &[TickReport],
        stats: &runner::RunStats,
        begin: u32,
        progress: &RefCell<Progress>,
    ) -> Result<()> {
        if self.save_at.contains(&sim.tick) {
            let name = state::file_name(sim.date());
            let t0 = Instant::now();
            let bytes = state::save(&staging.dir.join(&name), scenario, sim, history, stats)?;
            progress.borrow_mut().println(&format!(
                "{}: saved the state as {name} ({} in {:.2} s)",
                sim.date(),
                crate::limits::human_bytes(bytes),
                t0.elapsed().as_secs_f64()
            ));
        }
        if state::checkpoint_due(sim.tick, begin, self.checkpoint_every) {
            let path = staging.dir.join(state::CHECKPOINT);
            state::save(&path, scenario, sim, history, stats)?;
        }
        Ok(())
    }
}

/// A checkpoint continues only the run that wrote it: the same scenario, seed, scale and length.
fn check_same_run(
    scenario: &Scenario,
    o: &Overrides,
    h: &state::Header,
    dir: &std::path::Path,
) -> Result<()> {
    match h.other_run(scenario, o) {
        None => Ok(()),
        Some(d) => Err(CliError::Input(format!(
            "--resume: the interrupted run in {} is of {d}, not of this command; run it with the same arguments, or without --resume to start afresh",
            dir.display()
        ))
        .into()),
    }
}
