//! `zgc run`: run one scenario and write its outputs (CSV tables, summary, grids, maps, report).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::progress::Progress;
use super::CliError;
use crate::metrics::{region_rows, TickRow};
use crate::output::run_folder::{Extras, RunFolder};
use crate::output::{self, Staging};
use crate::runner::{self, Overrides, RunOutcome};
use crate::scenario::Scenario;
use crate::tick::Phase;

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

/// Prepare the staging folder: a foreign destination is bad input (exit 2), anything else an
/// I/O failure (exit 1). Reports stale staging folders it removed.
pub fn staging(out: &std::path::Path, force: bool) -> Result<Staging> {
    let staging = Staging::new(out, force).map_err(|e| {
        if e.downcast_ref::<output::OutputError>().is_some() {
            CliError::Input(e.to_string()).into()
        } else {
            e
        }
    })?;
    for p in &staging.cleaned {
        eprintln!("note: removed {}, left by an interrupted run", p.display());
    }
    Ok(staging)
}

/// Load the scenario named on the command line, or the embedded baseline.
pub fn load_scenario(path: &Option<PathBuf>) -> Result<Scenario> {
    Ok(match path {
        Some(p) => Scenario::load(p).map_err(CliError::from)?,
        None => Scenario::baseline(),
    })
}

/// Run the command.
pub fn main(args: RunArgs) -> Result<()> {
    let scenario = load_scenario(&args.scenario)?;
    let overrides = Overrides {
        seed: args.seed,
        ticks: args.ticks,
        scale: args.scale,
        memory_limit: memory_limit(args.max_memory, args.ignore_memory_check),
    };
    let out = out_dir(&args.out, &scenario)?;
    let pool = super::thread_pool(args.threads)?;
    let threads = pool.current_num_threads();
    let interrupted = interrupt_flag();
    let staging = staging(&out, args.force)?;
    let result = pool.install(|| {
        execute(
            &scenario,
            &overrides,
            &args,
            &staging,
            threads,
            &interrupted,
        )
    });
    match result {
        Ok((outcome, last)) => {
            if interrupted.load(Ordering::SeqCst) {
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

/// Install the Ctrl-C handler: the first Ctrl-C sets the returned flag (the run stops after the
/// current tick and removes its staging folder); a second one exits at once with code 130
/// (a staging folder left behind is removed by the next run).
pub fn interrupt_flag() -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // A second handler registration fails harmlessly (e.g. in tests running several commands).
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\ninterrupted again: stopping at once");
            std::process::exit(130);
        }
        eprintln!("\ninterrupt: stopping after this tick (Ctrl-C again to stop at once)");
    });
    interrupted
}

fn execute(
    scenario: &Scenario,
    overrides: &Overrides,
    args: &RunArgs,
    staging: &Staging,
    threads: usize,
    interrupted: &AtomicBool,
) -> Result<(RunOutcome, Option<TickRow>)> {
    let wall = Instant::now();
    let mut folder = RunFolder::create(&staging.dir)?;
    let ticks = overrides.ticks.unwrap_or(scenario.ticks) as u64;
    let mut progress = Progress::new(ticks, "ticks", scenario.name(), args.quiet);
    let mut io_error: Option<anyhow::Error> = None;
    let outcome = runner::run(scenario, overrides, &mut |report, sim| {
        if let Err(e) = folder.record(report, &region_rows(sim)) {
            io_error = Some(e);
            return false;
        }
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
    })
    .map_err(CliError::from)?;
    progress.finish();
    if let Some(e) = io_error {
        return Err(e);
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
