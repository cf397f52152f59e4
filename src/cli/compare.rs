//! `zgc compare`: run a base scenario and alternatives with the same replicate seeds (common
//! random numbers), in parallel, then write `comparison.csv`, `report.html`, maps and every
//! run's folder, and print the key differences with their confidence intervals.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use rayon::prelude::*;

use super::load_scenario;
use super::progress::Progress;
use super::CliError;
use crate::compare::{self, Comparison, RunSeries, LEVEL};
use crate::metrics::TickRow;
use crate::output::compare_maps::{map_groups, Geometry, MapRuns, MAP_FIELDS};
use crate::output::comparison::{compare_summary, write_comparison};
use crate::output::grids::{self, Field};
use crate::output::run_folder::{Extras, RunFolder};
use crate::output::{maps, Staging};
use crate::report::compare_report::{CompareReport, ScenarioInfo};
use crate::report::numbers::fmt_value;
use crate::report::Place;
use crate::runner::collect::CompareSettings;
use crate::runner::{self, Overrides};
use crate::scenario::policy::When;
use crate::scenario::Scenario;

/// Flags of `zgc compare`.
#[derive(Args, Debug, Clone)]
pub struct CompareArgs {
    /// The base scenario file, then one or more alternatives (TOML).
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Replicate runs per scenario; replicate k of every scenario uses the same seed.
    #[arg(long, short = 'n', default_value_t = crate::compare::DEFAULT_REPLICATES)]
    pub replicates: u32,
    /// Master seed (default: the base scenario's); replicate k runs with mix(seed, k).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of monthly ticks (default: the base scenario's), the same for every scenario.
    #[arg(long)]
    pub ticks: Option<u32>,
    /// Agents per real agent, in (0, 1] (default: the base scenario's), the same for every scenario.
    #[arg(long)]
    pub scale: Option<f64>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: results/compare-<base>-<alternatives>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace an output folder that does not hold a previous zgc run or comparison.
    #[arg(long)]
    pub force: bool,
    /// The year the terminal table and the report's year sections show (default: the last).
    #[arg(long, value_name = "YEAR", conflicts_with = "at")]
    pub period: Option<i32>,
    /// The reporting period ending in this month (`YYYY-MM`: a December, or the run's last
    /// month), instead of the last.
    #[arg(long, value_name = "YYYY-MM")]
    pub at: Option<String>,
    /// Cell side of the maps and Δ GeoTIFFs in km, a multiple of the grid's (e.g. 2): counts
    /// are summed and other values averaged over blocks of cells, so that local effects too
    /// small for single cells show (default: the grid's own cells).
    #[arg(long, value_name = "KM")]
    pub map_cell_km: Option<f64>,
    /// Simulate every run from the first month. By default an alternative that is the base
    /// scenario up to a month (same world, parameters and earlier policies) continues each
    /// replicate from the base's state at that month; the outputs are identical either way.
    #[arg(long)]
    pub no_fork: bool,
}

/// The block size (cells per map cell side) of `--map-cell-km`.
fn map_block(args: &CompareArgs, cell_km: f64) -> Result<usize> {
    let Some(km) = args.map_cell_km else {
        return Ok(1);
    };
    let k = km / cell_km;
    if !(k >= 1.0 && (k - k.round()).abs() < 1e-9 && k <= 1000.0) {
        return Err(CliError::Input(format!(
            "--map-cell-km {km}: expected a whole multiple of the grid's {cell_km} km cells (e.g. {})",
            2.0 * cell_km
        ))
        .into());
    }
    Ok(k.round() as usize)
}

/// What one run hands back to the comparison.
struct JobOutput {
    series: RunSeries,
    /// Values over the plan's policy spans (`Plan::spans`).
    spans: RunSeries,
    /// The final state's `MAP_FIELDS`, in order.
    fields: Vec<Field>,
    last: Option<TickRow>,
}

/// What every job shares: the plan, when to stop, and the progress.
struct Shared<'a> {
    plan: &'a Plan,
    stop: Stop<'a>,
    progress: Mutex<Progress>,
    runs_done: AtomicUsize,
    n_jobs: usize,
}

/// When to stop early: on Ctrl-C, or when another run failed.
struct Stop<'a> {
    interrupted: &'a AtomicBool,
    failed: AtomicBool,
}

impl Stop<'_> {
    fn now(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst) || self.failed.load(Ordering::SeqCst)
    }
}

/// The validated plan of a comparison.
struct Plan {
    scenarios: Vec<Scenario>,
    /// Folder names of the scenarios.
    folders: Vec<String>,
    /// Seed, scale, ticks and replicates of every run.
    settings: CompareSettings,
    /// The reporting period the table and the report's year sections show (`--period`,
    /// `--at`); `None`: the last.
    report_end: Option<crate::calendar::YearMonth>,
    /// Per scenario, the index in `spans` of its policies' period (first start to last end,
    /// or the run's end); `None` for the base and scenarios without policies.
    span_of: Vec<Option<usize>>,
    /// The distinct policy periods, as first and last tick.
    spans: Vec<(usize, usize)>,
    /// Per scenario, the regions its policies name, as `name` or as the place a disc is
    /// `around` (the tracked ones are shown in the terminal table).
    targets: Vec<Vec<String>>,
    /// Per scenario, the tick its runs continue from the base's (0: from the first month).
    forks: Vec<u32>,
}

impl Plan {
    fn seed_of(&self, replicate: usize) -> u64 {
        runner::jobs::replicate_seed(self.settings.seed, replicate)
    }

    /// Replicates run side by side; each world's structure is still checked.
    fn overrides(&self, replicate: usize) -> Overrides {
        self.settings.overrides(replicate)
    }

    fn run_dir(&self, s: usize, replicate: usize) -> String {
        format!("runs/{}/rep{replicate}", self.folders[s])
    }
}

/// A scenario name as a folder name: letters, digits, `-`, `_` and `.` kept, others `_`.
pub fn folder_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "scenario".into()
    } else {
        s
    }
}

fn plan(args: &CompareArgs) -> Result<Plan> {
    let scenarios: Vec<Scenario> = args
        .scenarios
        .iter()
        .map(|p| load_scenario(&Some(p.clone())))
        .collect::<Result<_>>()?;
    if args.replicates == 0 {
        return Err(CliError::Input("--replicates must be at least 1".into()).into());
    }
    let folders: Vec<String> = scenarios.iter().map(|s| folder_name(s.name())).collect();
    for i in 0..scenarios.len() {
        for j in 0..i {
            if folders[i] == folders[j] {
                return Err(CliError::Input(format!(
                    "{} and {} are both named {:?}; the name labels runs, tables and the report, so give each scenario its own `[scenario] name`",
                    args.scenarios[j].display(),
                    args.scenarios[i].display(),
                    scenarios[i].name()
                ))
                .into());
            }
        }
    }
    let base = &scenarios[0];
    for (s, path) in scenarios.iter().zip(&args.scenarios).skip(1) {
        if s.start != base.start {
            return Err(CliError::Input(format!(
                "{}: `run.start` is {} but the base scenario starts in {}; compared scenarios must cover the same months",
                path.display(),
                s.start,
                base.start
            ))
            .into());
        }
    }
    let ticks = args.ticks.unwrap_or(base.ticks);
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut span_of = vec![None];
    let mut targets = vec![Vec::new()];
    for s in scenarios.iter().skip(1) {
        span_of.push(s.policy_span(ticks).map(|w| {
            spans.iter().position(|x| *x == w).unwrap_or_else(|| {
                spans.push(w);
                spans.len() - 1
            })
        }));
        targets.push(
            s.file
                .policies
                .iter()
                .filter_map(|p| {
                    let r = p.region.as_ref()?;
                    r.name.clone().or_else(|| r.around.clone())
                })
                .fold(Vec::new(), |mut v, n| {
                    if !v.contains(&n) {
                        v.push(n);
                    }
                    v
                }),
        );
    }
    let settings = CompareSettings::of(
        base,
        args.seed,
        args.scale,
        args.ticks,
        args.replicates as usize,
    );
    let forks: Vec<u32> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 || args.no_fork {
                0
            } else {
                runner::fork::fork_tick(&scenarios[0], s, settings.ticks)
            }
        })
        .collect();
    if !args.quiet {
        for (s, &t) in scenarios.iter().zip(&forks).skip(1) {
            if t > 0 {
                eprintln!(
                    "note: {} is the base scenario until {}; its runs continue from the base's ({t} months simulated once; --no-fork to simulate them again)",
                    s.name(),
                    s.start.plus(t)
                );
            }
        }
    }
    let mut p = Plan {
        forks,
        settings,
        report_end: None,
        scenarios,
        folders,
        span_of,
        spans,
        targets,
    };
    // Differences of setting between the base and an alternative: compare runs every scenario
    // with the base's seed, scale and period, so say so; a different world is a different
    // question (its effect mixes with the policies').
    let base = &p.scenarios[0];
    let base_world = toml::Value::try_from(&base.file.world).ok();
    let base_end = base.start.plus(base.ticks.saturating_sub(1));
    for (s, path) in p.scenarios.iter().zip(&args.scenarios).skip(1) {
        let r = &s.file.run;
        let mut diffs = Vec::new();
        if args.scale.is_none() && r.scale != p.settings.scale {
            diffs.push(format!("scale {} (base {})", r.scale, p.settings.scale));
        }
        if args.ticks.is_none() && s.ticks != p.settings.ticks {
            let end = s.start.plus(s.ticks.saturating_sub(1));
            diffs.push(format!(
                "period {} … {end} (base {} … {base_end})",
                s.start, base.start
            ));
        }
        if args.seed.is_none() && r.seed != p.settings.seed {
            diffs.push(format!("seed {} (base {})", r.seed, p.settings.seed));
        }
        if !diffs.is_empty() {
            eprintln!(
                "warning: {} differs from the base scenario in {}; it runs with the comparison's settings (seed {}, scale {}, {} ticks), so the differences show its policies and parameters only",
                path.display(),
                diffs.join(", "),
                p.settings.seed,
                p.settings.scale,
                p.settings.ticks
            );
        }
        if toml::Value::try_from(&s.file.world).ok() != base_world {
            eprintln!(
                "warning: {} has another world than the base scenario (`{}`): its differences mix the change of world with its policies'",
                path.display(),
                args.scenarios[0].display()
            );
        }
    }
    // The reporting periods end each December and in the run's last month: check the choice
    // before any run.
    let start = p.scenarios[0].start;
    let ends: Vec<crate::calendar::YearMonth> = (0..p.settings.ticks)
        .map(|t| start.plus(t))
        .filter(|d| d.month == 12 || *d == start.plus(p.settings.ticks - 1))
        .collect();
    let listed = || {
        ends.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(y) = args.period {
        // One period ends in each year: its December, or the run's last month.
        let end = ends.iter().find(|d| d.year == y).ok_or_else(|| {
            CliError::Input(format!("--period {y}: the compared months ({start} to {}) have no such year; periods end {}", start.plus(p.settings.ticks - 1), listed()))
        })?;
        p.report_end = Some(*end);
    }
    if let Some(at) = &args.at {
        let end = crate::calendar::YearMonth::parse(at)
            .filter(|d| ends.contains(d))
            .ok_or_else(|| {
                CliError::Input(format!("--at {at}: expected a month \"YYYY-MM\" that ends a reporting period (each December and the run's last month): {}", listed()))
            })?;
        p.report_end = Some(end);
    }
    if !args.quiet && p.settings.replicates == 1 {
        eprintln!("note: with one replicate there are no confidence intervals; use --replicates 10 or more to tell effects from noise");
    }
    Ok(p)
}

/// The index of the reporting period the plan shows (`--period`, `--at`, checked by [`plan`]),
/// or the last.
fn chosen_period(c: &Comparison, plan: &Plan) -> usize {
    plan.report_end
        .and_then(|end| c.periods.iter().position(|p| p.end == end))
        .unwrap_or_else(|| c.last_period())
}

/// Run the command.
pub fn main(args: CompareArgs) -> Result<()> {
    let wall = Instant::now();
    let plan = plan(&args)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}", plan.folders.join("-")))
    });
    let pool = super::thread_pool(args.threads)?;
    let threads = pool.current_num_threads();

    // Fail on bad input (e.g. a policy region that does not resolve) before any long run.
    let geometry = pool.install(|| -> Result<Geometry> {
        let worlds: Vec<_> = plan
            .scenarios
            .par_iter()
            .map(|s| runner::prepare(s, &plan.overrides(0)))
            .collect::<Result<_, _>>()
            .map_err(CliError::from)?;
        let world = &worlds[0].0.world;
        // The alternatives' policy sites first (kept where labels collide), then the places.
        let mut marks: Vec<Place> = worlds
            .iter()
            .skip(1)
            .flat_map(|(sim, _)| crate::output::policies::places(&sim.world, &sim.policy.policies))
            .collect();
        marks.extend(maps::places(world));
        Ok((world.grid, marks, world.georef, maps::outlines(world)))
    })?;

    // --map-cell-km is checked against the world's grid before any long run.
    map_block(&args, geometry.0.cell_km)?;
    let interrupted = super::interrupt_flag();
    let staging = super::staging(&out, args.force)?;
    let result = pool.install(|| {
        execute(
            &plan,
            &args,
            &staging,
            threads,
            &interrupted,
            &geometry,
            wall,
        )
    });
    match result {
        Ok((comparison, policy)) => {
            if interrupted.load(Ordering::SeqCst) {
                staging.abandon();
                return Err(CliError::Interrupted(format!(
                    "nothing was written to {}",
                    out.display()
                ))
                .into());
            }
            let dest = super::absolute(&staging.finish()?);
            print_table(
                &comparison,
                policy.as_ref(),
                &plan,
                chosen_period(&comparison, &plan),
            );
            println!(
                "{} runs ({} scenarios × {} replicates, {} ticks at scale {}) in {:.1} s",
                plan.scenarios.len() * plan.settings.replicates,
                plan.scenarios.len(),
                plan.settings.replicates,
                plan.settings.ticks,
                plan.settings.scale,
                wall.elapsed().as_secs_f64()
            );
            println!(
                "outputs in {}: comparison.csv, report.html, maps/, grids/ (GeoTIFF Δ maps), runs/",
                dest.display()
            );
            Ok(())
        }
        Err(e) => {
            staging.abandon();
            if interrupted.load(Ordering::SeqCst) {
                return Err(CliError::Interrupted(format!(
                    "stopped before all runs finished; nothing was written to {}",
                    out.display()
                ))
                .into());
            }
            Err(e)
        }
    }
}

fn run_job(
    sh: &Shared,
    (s, replicate): (usize, usize),
    dir: &Path,
    from: Option<crate::state::State>,
    caps: &mut runner::fork::Captures,
) -> Result<Option<JobOutput>> {
    let (plan, stop, n_jobs) = (sh.plan, &sh.stop, sh.n_jobs);
    if stop.now() {
        return Ok(None);
    }
    let started = Instant::now();
    let threads = rayon::current_num_threads();
    let scenario = &plan.scenarios[s];
    let mut folder = RunFolder::create(dir)?;
    let mut recorder = compare::Recorder::new();
    let mut io_error: Option<anyhow::Error> = None;
    let keep_history = caps.wants_any();
    let mut before = |sim: &crate::tick::Simulation,
                      history: &[crate::tick::TickReport],
                      stats: &runner::RunStats| {
        caps.offer(scenario, sim, history, stats);
        !stop.now()
    };
    let o = plan.overrides(replicate);
    let start = runner::Start { from, keep_history };
    let outcome = runner::run_from(scenario, &o, start, &mut before, &mut |report, _sim| {
        let regions = &report.regions;
        if let Err(e) = folder.record(report, regions) {
            io_error = Some(e);
            return false;
        }
        recorder.record(&report.row, regions, &report.parks);
        if let Ok(mut p) = sh.progress.lock() {
            let msg = format!("{}/{n_jobs} runs done", sh.runs_done.load(Ordering::SeqCst));
            p.inc(1, &msg);
        }
        !stop.now()
    })
    .map_err(CliError::from)?;
    if let Some(e) = io_error {
        return Err(e);
    }
    if stop.now() {
        return Ok(None);
    }
    let last = folder.rows().last().cloned();
    folder
        .finish(
            scenario,
            &outcome,
            threads,
            started,
            Extras { pictures: true },
        )
        .with_context(|| format!("writing {}", dir.display()))?;
    let mut all = grids::fields(&outcome.sim.world);
    let fields = MAP_FIELDS
        .iter()
        .filter_map(|n| {
            let k = all.iter().position(|f| f.name == *n)?;
            Some(all.swap_remove(k))
        })
        .collect();
    sh.runs_done.fetch_add(1, Ordering::SeqCst);
    Ok(Some(JobOutput {
        series: recorder.finish(),
        spans: recorder.over(&plan.spans),
        fields,
        last,
    }))
}

fn execute(
    plan: &Plan,
    args: &CompareArgs,
    staging: &Staging,
    threads: usize,
    interrupted: &AtomicBool,
    geometry: &Geometry,
    wall: Instant,
) -> Result<(Comparison, Option<Comparison>)> {
    let n_jobs = plan.scenarios.len() * plan.settings.replicates;
    let shared = Shared {
        plan,
        stop: Stop {
            interrupted,
            failed: AtomicBool::new(false),
        },
        progress: Mutex::new(Progress::new(
            (n_jobs as u64) * plan.settings.ticks as u64,
            "ticks",
            "compare",
            args.quiet,
        )),
        runs_done: AtomicUsize::new(0),
        n_jobs,
    };
    let outputs = runner::fork::run_forked(
        plan.scenarios.len(),
        plan.settings.replicates,
        threads,
        &plan.forks,
        interrupted,
        |s, r, from, caps| {
            let res = run_job(
                &shared,
                (s, r),
                &staging.path(&plan.run_dir(s, r)),
                from,
                caps,
            );
            if res.is_err() {
                shared.stop.failed.store(true, Ordering::SeqCst);
            }
            res
        },
    );
    if let Ok(p) = shared.progress.lock() {
        p.finish();
    }
    let outputs: Vec<Vec<JobOutput>> =
        outputs?.ok_or_else(|| CliError::Interrupted("stopped before all runs finished".into()))?;
    let runs: Vec<Vec<RunSeries>> = outputs
        .iter()
        .map(|reps| reps.iter().map(|o| o.series.clone()).collect())
        .collect();
    let names: Vec<String> = plan
        .scenarios
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    let comparison = Comparison::build(names.clone(), &runs, LEVEL, plan.settings.scale)?;
    write_comparison(&comparison, &staging.path("comparison.csv"))?;
    // Over each alternative's policy period (paired as the years are).
    let policy = if plan.spans.is_empty() {
        None
    } else {
        let span_runs: Vec<Vec<RunSeries>> = outputs
            .iter()
            .map(|reps| reps.iter().map(|o| o.spans.clone()).collect())
            .collect();
        let c = Comparison::build(names.clone(), &span_runs, LEVEL, plan.settings.scale)?;
        write_comparison(&c, &staging.path("policy_periods.csv"))?;
        Some(c)
    };
    let period = chosen_period(&comparison, plan);

    let block = map_block(args, geometry.0.cell_km)?;
    let map_runs = MapRuns {
        names: &names,
        folders: &plan.folders,
        fields: outputs
            .iter()
            .map(|reps| reps.iter().map(|o| o.fields.as_slice()).collect())
            .collect(),
    };
    let groups = map_groups(&map_runs, geometry, staging, block)?;
    let report = CompareReport {
        comparison: &comparison,
        period,
        policy: policy.as_ref().map(|c| (c, plan.span_of.clone())),
        scenarios: plan
            .scenarios
            .iter()
            .zip(&args.scenarios)
            .map(|(s, path)| ScenarioInfo {
                name: s.name().to_string(),
                file: path.display().to_string(),
                description: s.file.scenario.description.clone(),
                policies: s
                    .file
                    .policies
                    .iter()
                    .map(|p| {
                        format!(
                            "{} ({}, from {})",
                            p.name.clone().unwrap_or_else(|| p.kind.clone()),
                            p.kind,
                            match &p.start {
                                When::Tick(t) => format!("tick {t}"),
                                When::Date(d) => d.clone(),
                            }
                        )
                    })
                    .collect(),
            })
            .collect(),
        facts: facts(plan, &comparison),
        maps: groups,
        runs: runs_table(plan, &outputs),
    };
    report
        .build()?
        .write(&staging.path("report.html"))
        .context("writing report.html")?;

    let listed: Vec<(&Scenario, &Path, &str)> = plan
        .scenarios
        .iter()
        .zip(&args.scenarios)
        .zip(&plan.folders)
        .map(|((s, path), folder)| (s, path.as_path(), folder.as_str()))
        .collect();
    let summary = compare_summary(
        &listed,
        &plan.settings,
        threads,
        wall.elapsed().as_secs_f64(),
    );
    crate::files::write_atomic(
        &staging.path(crate::output::COMPLETE_MARKER),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    Ok((comparison, policy))
}

fn facts(plan: &Plan, c: &Comparison) -> Vec<(String, String)> {
    let start = plan.scenarios[0].start;
    vec![
        (
            "period".into(),
            format!(
                "{start} to {} ({} months)",
                start.plus(plan.settings.ticks - 1),
                plan.settings.ticks
            ),
        ),
        (
            "replicates".into(),
            format!(
                "{} per scenario, seeds mix({}, k) for k = 0…{}",
                plan.settings.replicates,
                plan.settings.seed,
                plan.settings.replicates - 1
            ),
        ),
        (
            "scale".into(),
            format!(
                "{} (one agent stands for {:.0} real ones)",
                plan.settings.scale,
                1.0 / plan.settings.scale
            ),
        ),
        (
            "confidence level".into(),
            format!("{:.0}% (two-sided Student t)", 100.0 * c.level),
        ),
    ]
}

fn runs_table(plan: &Plan, outputs: &[Vec<JobOutput>]) -> (Vec<String>, Vec<Vec<String>>) {
    let shown = ["startups_alive", "innovation_output", "mean_commute_min"];
    let mut h: Vec<String> = ["scenario", "replicate", "seed", "folder"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(shown.iter().map(|n| format!("final {n}")));
    let mut rows = Vec::new();
    for (s, reps) in outputs.iter().enumerate() {
        for (r, o) in reps.iter().enumerate() {
            let mut row = vec![
                plan.scenarios[s].name().to_string(),
                r.to_string(),
                plan.seed_of(r).to_string(),
                format!("{}/", plan.run_dir(s, r)),
            ];
            for n in shown {
                row.push(
                    o.last
                        .as_ref()
                        .and_then(|l| l.get(n))
                        .map_or("–".into(), fmt_value),
                );
            }
            rows.push(row);
        }
    }
    (h, rows)
}

#[path = "compare_table.rs"]
mod table;
use table::print_table;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_safe() {
        assert_eq!(folder_name("hui_plus"), "hui_plus");
        assert_eq!(folder_name("Hui+ 2015/v2"), "Hui__2015_v2");
        assert_eq!(folder_name(".."), "scenario");
        assert_eq!(folder_name(""), "scenario");
    }
}
