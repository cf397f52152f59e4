//! The command line: flags (clap) → validated plans → commands; progress and exit codes.
//!
//! Exit codes: 0 success, 1 a runtime failure (I/O), 2 bad input (scenario, sweep file,
//! flags), 3 a sweep is incomplete (`sweep status`, `sweep merge` without `--partial`),
//! 130 interrupted.

pub mod check;
pub mod compare;
pub mod init;
pub mod places;
pub mod progress;
pub mod robustness;
pub mod run;
pub mod sweep;
pub mod validate;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::output::Staging;
use crate::scenario::{Scenario, ScenarioError};

/// zgc — a fast, parallel, deterministic agent-based simulator of innovation ecosystems
/// (default world: Beijing's Zhongguancun science zone). Without a command it runs the
/// embedded baseline into results/baseline, as `zgc run` does.
#[derive(Parser, Debug)]
#[command(name = "zgc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario (the embedded baseline without a file) and write its outputs.
    Run(run::RunArgs),
    /// Compare a base scenario with alternatives over replicate runs (same seeds), with
    /// confidence intervals: comparison.csv, report.html and every run's folder.
    Compare(compare::CompareArgs),
    /// Parameter sweeps: plan, run (sharded, resumable), status, merge, SLURM, Sobol indices.
    Sweep(sweep::SweepArgs),
    /// Validate the baseline against the article's figures over replicate runs (a table of
    /// targets, observed values, simulated means with 95% CIs, bands; exit 1 if one fails),
    /// or score a calibration sweep with --from-sweep.
    Validate(validate::ValidateArgs),
    /// Validate a scenario without running it and print it fully resolved, as TOML.
    Check(check::CheckArgs),
    /// Write a commented template scenario NAME.toml that runs as written.
    Init(init::InitArgs),
    /// List the named places, parks, districts and areas a region can use.
    Places(places::PlacesArgs),
}

/// Input errors (exit code 2) as distinct from runtime failures (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// Interrupted by the user.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl From<ScenarioError> for CliError {
    fn from(e: ScenarioError) -> Self {
        CliError::Input(e.to_string())
    }
}

/// Run the CLI; returns the process exit code. Without a command, `zgc` runs the embedded
/// baseline as `zgc run` does (the README's `cargo run --release`).
pub fn main() -> i32 {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 1 {
        args.push("run".into());
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::main(args),
        Command::Compare(args) => compare::main(args),
        Command::Sweep(args) => sweep::main(args),
        Command::Validate(args) => validate::main(args),
        Command::Check(args) => check::main(args),
        Command::Init(args) => init::main(args),
        Command::Places(args) => places::main(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => report_error(&e),
    }
}

/// Print an error and map it to an exit code.
pub fn report_error(e: &anyhow::Error) -> i32 {
    if let Some(c) = e.downcast_ref::<CliError>() {
        eprintln!("error: {c}");
        return match c {
            CliError::Input(_) => 2,
            CliError::Interrupted(_) => 130,
        };
    }
    if let Some(s) = e.downcast_ref::<crate::sweep::SweepError>() {
        eprintln!("error: {s}");
        return match s {
            crate::sweep::SweepError::Input(_) => 2,
            crate::sweep::SweepError::Incomplete(_) => 3,
            crate::sweep::SweepError::Io(_) => 1,
        };
    }
    if let Some(s) = e.downcast_ref::<ScenarioError>() {
        eprintln!("error: {s}");
        return 2;
    }
    eprintln!("error: {e}");
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    1
}

/// Most worker threads a command may ask for (far above any node's cores; each thread reserves
/// a stack, and tens of thousands of them exhaust the process's limits before the first tick).
pub const MAX_THREADS: usize = 1024;

/// A path as an absolute path (for the last line of a command: where its outputs are), lexically
/// from the current folder; the path as given when that fails.
pub fn absolute(p: &std::path::Path) -> std::path::PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Build a rayon pool of `threads` (default: all cores, or `RAYON_NUM_THREADS`).
pub fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if !(1..=MAX_THREADS).contains(&t) {
            return Err(CliError::Input(format!(
                "--threads must be between 1 and {MAX_THREADS}, found {t}"
            ))
            .into());
        }
        b = b.num_threads(t);
    }
    b.build()
        .map_err(|e| anyhow::anyhow!("cannot start the worker threads: {e}"))
}

/// Prepare the staging folder: a foreign destination is bad input (exit 2), anything else an
/// I/O failure (exit 1). Reports stale staging folders it removed.
pub fn staging(out: &std::path::Path, force: bool) -> anyhow::Result<Staging> {
    let staging = Staging::new(out, force).map_err(|e| {
        if e.downcast_ref::<crate::output::OutputError>().is_some() {
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
pub fn load_scenario(path: &Option<PathBuf>) -> anyhow::Result<Scenario> {
    Ok(match path {
        Some(p) => Scenario::load(p).map_err(CliError::from)?,
        None => Scenario::baseline(),
    })
}

/// Install the Ctrl-C handler: the first Ctrl-C sets the returned flag (the run stops after the
/// current tick or run and removes its staging folder); a second one exits at once with code 130
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
