//! `zgc sweep …`: plan, run (sharded, resumable), status, merge, SLURM arrays, Sobol indices.
//! The work is done by `crate::sweep`; this file turns flags into calls and prints.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use super::progress::Progress;
use crate::files::write_atomic;
use crate::report::{interval_chart_png_bytes, interval_chart_svg, IntervalChart, IntervalSeries};
use crate::runner::jobs::Engine;
use crate::sweep::merge::{abbreviate, merge, MERGED_CSV, MERGED_PARQUET};
use crate::sweep::plan::files;
use crate::sweep::runs::{
    format_ids, is_done, parse_ids, run_and_write, scan, select, RunOptions, Shard,
};
use crate::sweep::slurm::{self, shell_quote, SlurmSettings};
use crate::sweep::sobol::{
    analyse, check_design, choose_indicators, read_outputs, sobol_csv, SobolOptions,
};
use crate::sweep::states::Warmups;
use crate::sweep::{Plan, SweepError, SweepSpec};

/// Flags of `zgc sweep`.
#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// The sweep command.
    #[command(subcommand)]
    pub command: SweepCommand,
}

/// The sweep commands.
#[derive(Subcommand, Debug, Clone)]
pub enum SweepCommand {
    /// Validate a sweep file and write the plan folder (manifest: one row per run).
    Plan(PlanArgs),
    /// Run the runs of a plan (or of one shard) that are not done yet.
    Run(RunArgs),
    /// Count done and missing runs from the files and print the command that runs the missing ones.
    Status(StatusArgs),
    /// Merge the runs into DIR/merged.csv and DIR/merged.parquet.
    Merge(MergeArgs),
    /// Write (and with --submit, submit) a SLURM job array for the plan and a merge job after it.
    Slurm(SlurmArgs),
    /// First- and total-order Sobol indices with bootstrap CIs from a merged Saltelli sweep.
    Sobol(SobolArgs),
}

/// Flags of `zgc sweep plan`.
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// Sweep file (TOML).
    pub sweep: PathBuf,
    /// Plan folder to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a previous plan in --out, deleting its results.
    #[arg(long)]
    pub force: bool,
}

/// Flags of `zgc sweep run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Plan folder.
    pub dir: PathBuf,
    /// Run only shard I of N (0 ≤ I < N): the runs at positions p with p mod N = I.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Run only these runs, e.g. 3,17,20-25 (with --shard: this list is sharded).
    #[arg(long, value_name = "IDS")]
    pub only: Option<String>,
    /// Threads (default: RAYON_NUM_THREADS, else all cores); as many runs go at once.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Runs at once (default: --threads); the threads are split between them.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Keep each run's state every N months in `runs/<id>.checkpoint.zgcstate`, so that runs
    /// in flight when the shard is killed (e.g. at a SLURM time limit) continue from there
    /// when it runs again.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: Option<u32>,
    /// Simulate every run from the first month. By default, when every point of a sweep with
    /// common random numbers is the same scenario up to a month, each replicate simulates those
    /// months once and every run continues from there; results are identical either way.
    #[arg(long)]
    pub no_fork: bool,
    /// Test aid: sleep this many milliseconds before each run.
    #[arg(long, hide = true)]
    pub throttle_ms: Option<u64>,
}

/// Flags of `zgc sweep status`.
#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// Plan folder.
    pub dir: PathBuf,
}

/// Flags of `zgc sweep merge`.
#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// Plan folder.
    pub dir: PathBuf,
    /// Merge the runs that are done even if others are missing (recorded in merged.json and the Parquet metadata).
    #[arg(long)]
    pub partial: bool,
}

/// Flags of `zgc sweep slurm`.
#[derive(Args, Debug, Clone)]
pub struct SlurmArgs {
    /// Plan folder.
    pub dir: PathBuf,
    /// Array tasks (shards); default: one per run, at most 32.
    #[arg(long)]
    pub tasks: Option<usize>,
    /// Time limit per task (sbatch --time, e.g. 02:00:00).
    #[arg(long)]
    pub time: Option<String>,
    /// CPUs per task; each task runs RAYON_NUM_THREADS=SLURM_CPUS_PER_TASK threads.
    #[arg(long, default_value_t = 1)]
    pub cpus_per_task: usize,
    /// Partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Most array tasks running at once (--array=0-(N-1)%K).
    #[arg(long, value_name = "K")]
    pub max_running: Option<usize>,
    /// Memory per task (sbatch --mem, e.g. 4G).
    #[arg(long)]
    pub mem: Option<String>,
    /// Account to charge (sbatch --account).
    #[arg(long)]
    pub account: Option<String>,
    /// Only these runs, e.g. 3,17,20-25 (as printed by `zgc sweep status`).
    #[arg(long, value_name = "IDS")]
    pub only: Option<String>,
    /// Submit the array and the merge job (sbatch) instead of only writing the scripts.
    #[arg(long)]
    pub submit: bool,
    /// Test aid: passed to `sweep run --throttle-ms`.
    #[arg(long, hide = true)]
    pub throttle_ms: Option<u64>,
    /// The zgc binary the scripts run on the compute nodes (default: this one's absolute path).
    #[arg(long, value_name = "PATH")]
    pub zgc_path: Option<PathBuf>,
    /// A `module load` line for the scripts (repeatable), e.g. --module gcc/12.
    #[arg(long = "module", value_name = "MODULE")]
    pub modules: Vec<String>,
    /// A shell line run before zgc in the scripts (repeatable), e.g. --setup 'source ~/env.sh'.
    #[arg(long = "setup", value_name = "COMMAND")]
    pub setup: Vec<String>,
    /// The cluster's MaxArraySize (default: from `scontrol show config`, else SLURM's 1001);
    /// more tasks are split over several array jobs.
    #[arg(long, value_name = "N")]
    pub max_array_size: Option<usize>,
    /// Each task keeps its runs' states every N months (`sweep run --checkpoint-every`), so a
    /// task killed at its time limit continues its runs in flight when resubmitted.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: Option<u32>,
}

/// Flags of `zgc sweep sobol`.
#[derive(Args, Debug, Clone)]
pub struct SobolArgs {
    /// Plan folder (merged, Saltelli design).
    pub dir: PathBuf,
    /// Indicators to analyse (repeat or comma-separate; default: all recorded).
    #[arg(long = "indicator", value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Tick to analyse (default: each run's last recorded tick).
    #[arg(long)]
    pub tick: Option<u32>,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
}

/// Run a sweep command.
pub fn main(args: SweepArgs) -> Result<()> {
    match args.command {
        SweepCommand::Plan(a) => plan(a),
        SweepCommand::Run(a) => run(a),
        SweepCommand::Status(a) => status(a),
        SweepCommand::Merge(a) => merge_cmd(a),
        SweepCommand::Slurm(a) => slurm_cmd(a),
        SweepCommand::Sobol(a) => sobol(a),
    }
}

fn input(m: impl Into<String>) -> anyhow::Error {
    SweepError::Input(m.into()).into()
}

/// This executable's absolute path, for commands printed and written into scripts.
/// Memory per CPU for the scripts (MiB): zgc's estimate of the plan's largest run (each CPU
/// of a task runs one run at a time), × 1.5, plus 256 MiB for the process itself. Every point's
/// own scenario is estimated (its scale, months and parameters); the world's layers are built
/// once.
fn run_memory_mib(plan: &Plan, base: &toml::Value) -> Result<u64> {
    let first = plan.scenario_of(base, 0)?;
    let layers = first.layers().map_err(|e| input(e.to_string()))?;
    let mut most = 0;
    for point in 0..plan.points.len() {
        let s = plan.scenario_of(base, point * plan.replicates)?;
        let est =
            crate::limits::estimate_memory(&layers, &s.file.params, s.file.run.scale, s.ticks);
        most = most.max(est.total);
    }
    Ok((most as f64 * 1.5 / 1048576.0).ceil() as u64 + 256)
}

fn zgc_exe() -> Result<PathBuf> {
    let p = std::env::current_exe().context("cannot find the path of this zgc executable")?;
    Ok(p.canonicalize().unwrap_or(p))
}

fn abs_dir(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

fn q(p: &Path) -> String {
    shell_quote(&p.display().to_string())
}

fn plan(a: PlanArgs) -> Result<()> {
    let spec = SweepSpec::load(&a.sweep)?;
    let t = Instant::now();
    let (plan, base) = Plan::build(&spec)?;
    plan.write(&a.out, &base, &spec.text, a.force)?;
    let runs = plan.n_runs();
    println!(
        "sweep {}: {} design, {} parameter(s), {} point(s) × {} replicate(s) = {} runs (planned in {:.2} s)",
        plan.name,
        plan.design.name(),
        plan.params.len(),
        plan.points.len(),
        plan.replicates,
        runs,
        t.elapsed().as_secs_f64()
    );
    for p in &plan.params {
        println!("  {:<40} {}", p.column, p.values.describe());
    }
    println!(
        "  records {} indicator(s), {}",
        plan.record.indicators.len(),
        plan.record.when.name()
    );
    println!(
        "  manifest: {}",
        super::absolute(&a.out.join(files::MANIFEST)).display()
    );
    if plan.design == crate::sweep::spec::Design::Saltelli && !plan.samples.is_power_of_two() {
        println!(
            "  note: {} base samples is not a power of two, which is fine here: zgc's Saltelli base matrices are i.i.d. uniform draws, not a Sobol' sequence (whose balance needs 2^k points, as SALib warns)",
            plan.samples
        );
    }
    println!(
        "next: zgc sweep run {} (or zgc sweep slurm {} --submit)",
        q(&a.out),
        q(&a.out)
    );
    Ok(())
}

fn run(a: RunArgs) -> Result<()> {
    let (plan, base) = Plan::load(&a.dir)?;
    if plan.zgc_version != env!("CARGO_PKG_VERSION") {
        eprintln!(
            "warning: the plan was made by zgc {} and this is zgc {}; results may differ from runs made by the other version",
            plan.zgc_version,
            env!("CARGO_PKG_VERSION")
        );
    }
    let shard = a
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|m| input(format!("--shard: {m}")))?;
    let only: Option<BTreeSet<usize>> = a
        .only
        .as_deref()
        .map(parse_ids)
        .transpose()
        .map_err(|m| input(format!("--only: {m}")))?;
    let mine =
        select(plan.n_runs(), only.as_ref(), shard).map_err(|m| input(format!("--only: {m}")))?;
    let todo: Vec<usize> = mine
        .iter()
        .copied()
        .filter(|&r| !is_done(&a.dir, r))
        .collect();
    let threads = super::thread_pool(a.threads)?.current_num_threads();
    let jobs = match a.jobs {
        Some(0) => return Err(input("--jobs must be at least 1")),
        Some(j) => j,
        None => threads,
    }
    .min(todo.len().max(1));
    let label = match shard {
        Some(s) => format!("sweep {} shard {}/{}", plan.name, s.index, s.count),
        None => format!("sweep {}", plan.name),
    };
    if todo.is_empty() {
        if !a.quiet {
            eprintln!(
                "{label}: all {} run(s) already done, nothing to run",
                mine.len()
            );
        }
        return Ok(());
    }
    if !a.quiet {
        eprintln!(
            "{label}: {} run(s) to do ({} already done), {jobs} at a time on {threads} thread(s)",
            todo.len(),
            mine.len() - todo.len()
        );
    }
    let warmups = if a.no_fork {
        Warmups::none()
    } else {
        Warmups::plan(&plan, &base, &todo)?
    };
    if let (Some(until), false) = (warmups.until(), a.quiet) {
        eprintln!(
            "{label}: every point is the same scenario until {until}; each replicate simulates those {} months once (--no-fork to simulate them in every run)",
            warmups.tick
        );
    }
    let quiet = a.quiet;
    let note = move |line: &str| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let opts = RunOptions {
        warmups: &warmups,
        checkpoint_every: a.checkpoint_every,
        note: &note,
    };
    let stop = super::interrupt_flag();
    let progress = Mutex::new(Progress::per_minute(
        todo.len() as u64,
        "runs",
        &label,
        a.quiet,
    ));
    let t0 = Instant::now();
    let results = Engine::new(threads).side_by_side(jobs).stop_on(&stop).run(
        todo.len(),
        |i| {
            if let Some(ms) = a.throttle_ms {
                std::thread::sleep(Duration::from_millis(ms));
            }
            let t = Instant::now();
            let r = run_and_write(&a.dir, &plan, &base, todo[i], &stop, &opts);
            (r, t.elapsed())
        },
        |i, (r, took)| {
            let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
            let run = todo[i];
            match r {
                Ok(true) => p.inc(1, &format!("(run {run} took {:.1} s)", took.as_secs_f64())),
                Ok(false) => {}
                Err(e) => {
                    p.println(&format!("run {run} failed: {e}"));
                    p.inc(1, &format!("(run {run} failed)"));
                }
            }
        },
    )?;
    progress.lock().unwrap_or_else(|e| e.into_inner()).finish();
    let mut done = 0;
    let mut failures: Vec<(usize, String)> = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Some((Ok(true), _)) => done += 1,
            Some((Err(e), _)) => failures.push((todo[i], e.to_string())),
            _ => {}
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    if stop.load(Ordering::SeqCst) {
        return Err(super::CliError::Interrupted(format!(
            "{label}: {done} run(s) finished and kept, {} not done; the same command resumes",
            todo.len() - done
        ))
        .into());
    }
    if !a.quiet {
        eprintln!(
            "{label}: {done} run(s) in {wall:.1} s ({:.1} runs/min); results in {}",
            60.0 * done as f64 / wall.max(1e-9),
            super::absolute(&a.dir.join("runs")).display()
        );
    }
    if !failures.is_empty() {
        let ids: Vec<usize> = failures.iter().map(|f| f.0).collect();
        return Err(SweepError::Io(format!(
            "{} run(s) failed: {} (first error: {})",
            failures.len(),
            abbreviate(&format_ids(&ids)),
            failures[0].1
        ))
        .into());
    }
    Ok(())
}

fn status(a: StatusArgs) -> Result<()> {
    let (plan, _) = Plan::load(&a.dir)?;
    let total = plan.n_runs();
    let (done, missing) = scan(&a.dir, total)?;
    println!(
        "sweep {}: {total} runs, {} done, {} missing",
        plan.name,
        done.len(),
        missing.len()
    );
    if missing.is_empty() {
        if a.dir.join(MERGED_CSV).is_file() {
            println!("complete");
        } else {
            println!("complete; next: zgc sweep merge {}", q(&a.dir));
        }
        return Ok(());
    }
    let ids = format_ids(&missing);
    println!("missing runs: {}", abbreviate(&ids));
    let zgc = zgc_exe()?;
    let dir = abs_dir(&a.dir);
    println!("resubmit: {} sweep run {} --only {ids}", q(&zgc), q(&dir));
    if let Some(s) = slurm::load_settings(&a.dir) {
        let tasks = s.tasks.min(missing.len()).max(1);
        println!(
            "resubmit on SLURM: {} sweep slurm {} --only {ids} {} --submit",
            q(&zgc),
            q(&dir),
            slurm::settings_flags(&s, tasks)
        );
    }
    Err(SweepError::Incomplete(format!("{} run(s) missing", missing.len())).into())
}

fn merge_cmd(a: MergeArgs) -> Result<()> {
    let (plan, _) = Plan::load(&a.dir)?;
    let t = Instant::now();
    let rep = merge(&a.dir, &plan, a.partial)?;
    println!(
        "merged {} of {} runs ({} rows) into {} and {} in {:.2} s",
        rep.merged,
        rep.total,
        rep.rows,
        super::absolute(&a.dir.join(MERGED_CSV)).display(),
        super::absolute(&a.dir.join(MERGED_PARQUET)).display(),
        t.elapsed().as_secs_f64()
    );
    if !rep.missing.is_empty() {
        println!(
            "PARTIAL: {} run(s) missing ({}); recorded in merged.json and the Parquet metadata (zgc.complete = false)",
            rep.missing.len(),
            abbreviate(&format_ids(&rep.missing))
        );
    }
    Ok(())
}

fn slurm_cmd(a: SlurmArgs) -> Result<()> {
    let (plan, base) = Plan::load(&a.dir)?;
    let only: Option<BTreeSet<usize>> = a
        .only
        .as_deref()
        .map(parse_ids)
        .transpose()
        .map_err(|m| input(format!("--only: {m}")))?;
    let runs =
        select(plan.n_runs(), only.as_ref(), None).map_err(|m| input(format!("--only: {m}")))?;
    let tasks = match a.tasks {
        Some(0) => return Err(input("--tasks must be at least 1")),
        Some(t) => t,
        None => runs.len().min(32),
    };
    if tasks > runs.len() {
        return Err(input(format!(
            "--tasks {tasks} is more than the {} run(s) to do; use at most {}",
            runs.len(),
            runs.len()
        )));
    }
    if a.cpus_per_task == 0 {
        return Err(input("--cpus-per-task must be at least 1"));
    }
    if a.max_running == Some(0) {
        return Err(input("--max-running must be at least 1"));
    }
    if a.max_array_size == Some(0) {
        return Err(input("--max-array-size must be at least 1"));
    }
    if let Some(p) = &a.zgc_path {
        if !p.is_absolute() {
            return Err(input(format!(
                "--zgc-path {}: expected an absolute path (the scripts run on other nodes, in other folders)",
                p.display()
            )));
        }
    }
    let mem_per_cpu_mib = if a.mem.is_some() {
        None
    } else {
        Some(run_memory_mib(&plan, &base)?)
    };
    let settings = SlurmSettings {
        tasks,
        time: a.time.clone(),
        cpus_per_task: a.cpus_per_task,
        partition: a.partition.clone(),
        max_running: a.max_running,
        mem: a.mem.clone(),
        account: a.account.clone(),
        throttle_ms: a.throttle_ms,
        checkpoint_every: a.checkpoint_every,
        mem_per_cpu_mib,
        zgc_path: a.zgc_path.clone(),
        modules: a.modules.clone(),
        setup: a.setup.clone(),
        max_array_size: a
            .max_array_size
            .or_else(slurm::cluster_max_array_size)
            .unwrap_or(slurm::DEFAULT_MAX_ARRAY_SIZE),
    };
    let zgc = zgc_exe()?;
    let dir = abs_dir(&a.dir);
    let only_text = only
        .as_ref()
        .map(|s| format_ids(&s.iter().copied().collect::<Vec<_>>()));
    let arrays = slurm::array_scripts(&zgc, &dir, &plan.name, &settings, only_text.as_deref());
    let merge_s = slurm::merge_script(&zgc, &dir, &plan.name, &settings);
    let (_, merge_path) = slurm::script_paths(&dir);
    std::fs::create_dir_all(dir.join(slurm::SLURM_DIR)).context("creating the slurm folder")?;
    std::fs::create_dir_all(dir.join(files::LOGS)).context("creating the logs folder")?;
    // Scripts of chunks a previous, larger submission left behind would be confusing.
    for i in arrays.len().. {
        let p = slurm::chunk_path(&dir, i);
        if i > 0 && !p.exists() {
            break;
        }
        if i > 0 {
            std::fs::remove_file(&p).ok();
        }
    }
    let array_paths: Vec<PathBuf> = (0..arrays.len())
        .map(|i| slurm::chunk_path(&dir, i))
        .collect();
    for (p, text) in array_paths.iter().zip(&arrays) {
        write_atomic(p, text.as_bytes())?;
    }
    write_atomic(&merge_path, merge_s.as_bytes())?;
    write_atomic(
        &dir.join(slurm::SLURM_DIR).join(slurm::SETTINGS),
        serde_json::to_string_pretty(&settings)?.as_bytes(),
    )?;
    println!(
        "wrote {} ({tasks} task(s) for {} run(s){}{}) and {}",
        array_paths
            .iter()
            .map(|p| super::absolute(p).display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        runs.len(),
        if arrays.len() > 1 {
            format!(
                " in {} array jobs: the cluster's MaxArraySize is {}",
                arrays.len(),
                settings.max_array_size
            )
        } else {
            String::new()
        },
        match (&settings.mem, settings.mem_per_cpu_mib) {
            (Some(m), _) => format!(", --mem {m}"),
            (None, Some(mib)) => format!(", --mem-per-cpu {mib}M from zgc's estimate"),
            _ => String::new(),
        },
        super::absolute(&merge_path).display()
    );
    if a.submit {
        let ids = array_paths
            .iter()
            .map(|p| slurm::sbatch(p, &[]))
            .collect::<Result<Vec<_>, _>>()?;
        let after = ids.join(":");
        let merge_id = slurm::sbatch(&merge_path, &[format!("--dependency=afterany:{after}")])?;
        println!(
            "submitted array job(s) {} and merge job {merge_id} (afterany:{after})",
            ids.join(", ")
        );
        println!(
            "follow: squeue -j {},{merge_id}; logs in {}",
            ids.join(","),
            dir.join(files::LOGS).display()
        );
        println!("then:   {} sweep status {}", q(&zgc), q(&dir));
    } else {
        println!("submit with:");
        let mut deps = Vec::new();
        for (i, p) in array_paths.iter().enumerate() {
            println!("  j{i}=$(sbatch --parsable {})", q(p));
            deps.push(format!("$j{i}"));
        }
        println!(
            "  sbatch --dependency=afterany:{} {}",
            deps.join(":"),
            q(&merge_path)
        );
        println!("or run this command again with --submit");
    }
    Ok(())
}

fn sobol(a: SobolArgs) -> Result<()> {
    let (plan, _) = Plan::load(&a.dir)?;
    if !(a.level > 0.0 && a.level < 1.0) {
        return Err(input(format!(
            "--level must be in (0, 1), found {}",
            a.level
        )));
    }
    if a.bootstrap < 2 {
        return Err(input("--bootstrap must be at least 2"));
    }
    let indicators = choose_indicators(&plan, &a.indicators)?;
    let opts = SobolOptions {
        indicators: indicators.clone(),
        tick: a.tick,
        bootstrap: a.bootstrap,
        level: a.level,
    };
    // Check the design before reading the table, for a clear error.
    check_design(&plan)?;
    let outputs = read_outputs(&a.dir, &plan, &indicators, a.tick)?;
    let results = analyse(&plan, &indicators, &outputs, &opts)?;
    let pct = format!("{:.0}%", 100.0 * a.level);
    let wp = plan
        .params
        .iter()
        .map(|p| p.column.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let wi = indicators.iter().map(String::len).max().unwrap_or(9).max(9);
    println!(
        "Sobol indices of sweep {} ({} base samples, {} parameters, {} replicate(s) averaged per point; {pct} bootstrap CIs, {} resamples)",
        plan.name,
        plan.samples,
        plan.params.len(),
        plan.replicates,
        a.bootstrap
    );
    println!(
        "{:<wi$}  {:<wp$}  {:>26}  {:>26}",
        "indicator",
        "parameter",
        format!("S1 [{pct} CI]"),
        format!("ST [{pct} CI]")
    );
    let chart_dir = a.dir.join("sobol");
    std::fs::create_dir_all(&chart_dir).context("creating the sobol folder")?;
    for r in &results {
        match &r.result {
            Ok(idx) => {
                for s in idx {
                    println!(
                        "{:<wi$}  {:<wp$}  {:>26}  {:>26}",
                        r.indicator,
                        plan.params[s.param].column,
                        format!("{:.3} [{:.3}, {:.3}]", s.first, s.first_ci.0, s.first_ci.1),
                        format!("{:.3} [{:.3}, {:.3}]", s.total, s.total_ci.0, s.total_ci.1),
                    );
                }
                let series =
                    |label: &str, f: &dyn Fn(&crate::stats::SobolIndex) -> (f64, f64, f64)| {
                        IntervalSeries {
                            label: label.to_string(),
                            value: idx.iter().map(|s| f(s).0).collect(),
                            lo: idx.iter().map(|s| f(s).1).collect(),
                            hi: idx.iter().map(|s| f(s).2).collect(),
                        }
                    };
                let chart = IntervalChart {
                    title: format!("Sobol indices: {} (sweep {})", r.indicator, plan.name),
                    x_label: format!("index ({pct} bootstrap CI)"),
                    categories: plan.params.iter().map(|p| p.column.clone()).collect(),
                    series: vec![
                        series("first order S1", &|s| (s.first, s.first_ci.0, s.first_ci.1)),
                        series("total ST", &|s| (s.total, s.total_ci.0, s.total_ci.1)),
                    ],
                };
                write_atomic(
                    &chart_dir.join(format!("{}.svg", r.indicator)),
                    interval_chart_svg(&chart)?.as_bytes(),
                )?;
                write_atomic(
                    &chart_dir.join(format!("{}.png", r.indicator)),
                    &interval_chart_png_bytes(&chart)?,
                )?;
            }
            Err(why) => println!("{:<wi$}  skipped: {why}", r.indicator),
        }
    }
    write_atomic(&a.dir.join("sobol.csv"), &sobol_csv(&plan, &results)?)?;
    println!(
        "wrote {} and charts in {}",
        super::absolute(&a.dir.join("sobol.csv")).display(),
        super::absolute(&chart_dir).display()
    );
    Ok(())
}
