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
    /// Skip the PNG maps and report.html (CSV tables, grids and summary only).
    #[arg(long)]
    pub no_pictures: bool,
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
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(scenario.name()));
    let pool = super::thread_pool(args.threads)?;
    let threads = pool.current_num_threads();
    let staging = Staging::new(&out, args.force).map_err(|e| CliError::Input(e.to_string()))?;
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // A second handler registration fails harmlessly (e.g. in tests running several commands).
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
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
            let dest = staging.finish()?;
            print_summary(&scenario, &outcome, last.as_ref(), &dest, args.profile);
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
