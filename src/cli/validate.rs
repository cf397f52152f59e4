//! `zgc validate`: run the baseline (and the e-mall conversion scenario) over replicates,
//! compare each validation target of `crate::validate` with its observed figure and band,
//! print the table and write `validation.csv`, `validation.md`, charts and `summary.json`.
//! With `--from-sweep DIR` it scores a merged calibration sweep against the same targets
//! instead (approximate Bayesian computation by rejection) and writes `calibration.csv` and
//! `calibration.md` into the sweep folder; with `--robustness` as well it checks the shipped
//! scenarios' headline effects over the accepted points (`cli::robustness`). Exit codes: 0
//! all targets pass (or every headline is robust), 1 a target fails (or a headline is not
//! robust, or a runtime failure), 2 bad input.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Result};
use clap::Args;
use serde_json::json;

use super::progress::Progress;
use super::CliError;
use crate::compare::{self, RunSeries};
use crate::files::write_atomic;
use crate::report::{chart_png, Band, Chart};
use crate::runner::jobs::run_jobs;
use crate::runner::{self, Overrides};
use crate::scenario::{Scenario, BASELINE_TOML};
use crate::stats::Summary;
use crate::validate::calibration::{Calibration, CalibrationError};
use crate::validate::tables::{csv_text, markdown, table_text};
use crate::validate::{self, evaluate, short, Observations, Runs, Scenario as Set, SeriesObs};

/// The e-mall conversion scenario shipped with zgc (used when `--emall` is not given and
/// `scenarios/emall_conversion.toml` is not in the working folder).
const EMALL_TOML: &str = include_str!("../../scenarios/emall_conversion.toml");

/// Flags of `zgc validate`.
#[derive(Args, Debug, Clone)]
pub struct ValidateArgs {
    /// Replicate runs per scenario (replicate k of both scenarios uses the same seed).
    #[arg(long, short = 'n', default_value_t = 10)]
    pub replicates: u32,
    /// Master seed (default: the baseline's); replicate k runs with mix(seed, k).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Agents per real agent, in (0, 1] (default: the baseline's, 0.01).
    #[arg(long)]
    pub scale: Option<f64>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: results/validate).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The baseline scenario (default: the embedded baseline).
    #[arg(long, value_name = "SCENARIO")]
    pub base: Option<PathBuf>,
    /// The e-mall conversion scenario for the Innovation Street target (default:
    /// scenarios/emall_conversion.toml, or the copy built into zgc).
    #[arg(long, value_name = "SCENARIO")]
    pub emall: Option<PathBuf>,
    /// Score the runs of a merged calibration sweep (its folder) against the targets
    /// instead of running: writes calibration.csv and calibration.md into it.
    #[arg(long, value_name = "DIR")]
    pub from_sweep: Option<PathBuf>,
    /// With --from-sweep: the share of points accepted by ABC rejection (lowest scores).
    #[arg(long, default_value_t = 0.1)]
    pub accept: f64,
    /// With --from-sweep: compare each shipped policy scenario with the baseline at every
    /// accepted point (--replicates paired runs each) and report whether its headline effects
    /// keep the article's sign over the posterior: robustness.csv and robustness.md (into
    /// the sweep folder, or --out).
    #[arg(long, requires = "from_sweep")]
    pub robustness: bool,
    /// With --robustness: the folder of the shipped scenarios, baseline.toml and the policy
    /// scenarios with headline effects (hui_plus.toml, emall_conversion.toml, maker_town.toml,
    /// incubator_3_0.toml, red_line.toml, smart_manufacturing_street.toml, jing_jin_ji.toml;
    /// default: scenarios).
    #[arg(long, value_name = "DIR", requires = "robustness")]
    pub scenarios: Option<PathBuf>,
    /// Scale of the firm-size runs: baseline replicates to December 2019 that only the
    /// firm-size target reads (at the default scale agents cut the firm-size tail short).
    #[arg(long, default_value_t = validate::FIRM_SIZE_SCALE)]
    pub firm_size_scale: f64,
    /// Replicates of the firm-size runs (0 skips them and leaves the firm-size target out).
    #[arg(long, default_value_t = validate::FIRM_SIZE_REPLICATES)]
    pub firm_size_replicates: u32,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace an output folder that does not hold a previous zgc output.
    #[arg(long)]
    pub force: bool,
}

/// The e-mall scenario built into zgc: its `extends = "baseline.toml"` resolved against the
/// embedded baseline.
fn embedded_emall() -> Result<Scenario> {
    let parse = |t: &str| -> Result<toml::Table> { Ok(toml::from_str::<toml::Table>(t)?) };
    let mut emall = parse(EMALL_TOML)?;
    emall.remove("extends");
    for (k, v) in parse(BASELINE_TOML)? {
        if k != "scenario" {
            emall.entry(k).or_insert(v);
        }
    }
    Ok(Scenario::from_value(
        toml::Value::Table(emall),
        "<embedded emall_conversion>",
        None,
    )
    .map_err(CliError::from)?)
}

fn load(path: &Path) -> Result<Scenario> {
    if !path.is_file() {
        return Err(CliError::Input(format!("{}: no such scenario file", path.display())).into());
    }
    Ok(Scenario::load(path).map_err(CliError::from)?)
}

/// The run sets of a validation: `n` replicates of the baseline and of the e-mall scenario,
/// and `n_fs` firm-size runs (the baseline at `fs_scale` for `fs_ticks` months).
struct Sets<'a> {
    base: &'a Scenario,
    emall: &'a Scenario,
    n: usize,
    ticks: u32,
    scale: f64,
    seed: u64,
    n_fs: usize,
    fs_ticks: u32,
    fs_scale: f64,
}

impl Sets<'_> {
    /// The overrides of replicate `k` of a set.
    fn overrides(&self, set: Set, k: usize) -> Overrides {
        let (ticks, scale) = if set == Set::FirmSizes {
            (self.fs_ticks, self.fs_scale)
        } else {
            (self.ticks, self.scale)
        };
        Overrides {
            seed: Some(crate::runner::jobs::replicate_seed(self.seed, k)),
            ticks: Some(ticks),
            scale: Some(scale),
            // No memory estimate for the default-scale runs, as for `compare`.
            memory_limit: None,
        }
    }

    /// Run every set and gather each set's replicates in order, indexed by [`Set`];
    /// `Ok(None)` when interrupted. The first error in job order wins.
    fn run(
        &self,
        threads: usize,
        quiet: bool,
        interrupted: &std::sync::atomic::AtomicBool,
    ) -> Result<Option<[Vec<RunSeries>; 3]>> {
        // Jobs: the firm-size runs first (the longest), then both scenarios replicate-major.
        let jobs: Vec<(Set, usize)> = (0..self.n_fs)
            .map(|k| (Set::FirmSizes, k))
            .chain((0..self.n).flat_map(|k| [(Set::Baseline, k), (Set::Emall, k)]))
            .collect();
        // Progress in ticks at the validation scale: a firm-size tick counts as many (its
        // cost grows with the agents).
        let fs_weight = (self.fs_scale / self.scale).max(1.0).round() as u64;
        let weight = |set: Set| if set == Set::FirmSizes { fs_weight } else { 1 };
        let total = 2 * self.n as u64 * self.ticks as u64
            + self.n_fs as u64 * self.fs_ticks as u64 * fs_weight;
        let progress = Mutex::new(Progress::new(total, "ticks", "validate", quiet));
        let done = AtomicUsize::new(0);
        let results = run_jobs(jobs.len(), threads, |j| -> Result<Option<RunSeries>> {
            if interrupted.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let (set, k) = jobs[j];
            let scenario = if set == Set::Emall {
                self.emall
            } else {
                self.base
            };
            let mut rec = compare::Recorder::new();
            runner::run(scenario, &self.overrides(set, k), &mut |report, _sim| {
                rec.record(&report.row, &report.regions, &report.parks);
                if let Ok(mut p) = progress.lock() {
                    let msg = format!("{}/{} runs done", done.load(Ordering::SeqCst), jobs.len());
                    p.inc(weight(set), &msg);
                }
                !interrupted.load(Ordering::SeqCst)
            })
            .map_err(CliError::from)?;
            done.fetch_add(1, Ordering::SeqCst);
            Ok(Some(rec.finish()))
        })?;
        if let Ok(p) = progress.lock() {
            p.finish();
        }
        let mut sets: [Vec<RunSeries>; 3] = Default::default();
        for (&(set, _), res) in jobs.iter().zip(results) {
            match res? {
                Some(series) => sets[set as usize].push(series),
                None => return Ok(None),
            }
        }
        Ok(Some(sets))
    }
}

/// Run the command.
pub fn main(args: ValidateArgs) -> Result<()> {
    if let Some(dir) = &args.from_sweep {
        return from_sweep(dir, &args);
    }
    let wall = Instant::now();
    if args.replicates == 0 {
        return Err(CliError::Input("--replicates must be at least 1".into()).into());
    }
    let base = match &args.base {
        Some(p) => load(p)?,
        None => Scenario::baseline(),
    };
    let default_emall = Path::new("scenarios/emall_conversion.toml");
    let emall = match &args.emall {
        Some(p) => load(p)?,
        None if default_emall.is_file() => load(default_emall)?,
        None => embedded_emall()?,
    };
    let scale = args.scale.unwrap_or(base.file.run.scale);
    if !(scale > 0.0 && scale <= 1.0) {
        return Err(CliError::Input(format!("--scale must be in (0, 1], found {scale}")).into());
    }
    let fs_scale = args.firm_size_scale;
    if !(fs_scale > 0.0 && fs_scale <= 1.0) {
        return Err(CliError::Input(format!(
            "--firm-size-scale must be in (0, 1], found {fs_scale}"
        ))
        .into());
    }
    let seed = args.seed.unwrap_or(base.file.run.seed);
    let ticks = base.ticks;
    // The firm-size runs stop after December of the target's last year (none when the
    // baseline starts later).
    let last = crate::calendar::YearMonth {
        year: validate::FIRM_SIZE_LAST_YEAR,
        month: 12,
    };
    let fs_ticks = (base.start.months_until(last) + 1).clamp(0, ticks as i64) as u32;
    let n_fs = if fs_ticks > 0 {
        args.firm_size_replicates as usize
    } else {
        0
    };
    if emall.start != base.start {
        return Err(CliError::Input(format!(
            "the e-mall scenario starts in {} but the baseline in {}",
            emall.start, base.start
        ))
        .into());
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results/validate"));
    let pool = super::thread_pool(args.threads)?;
    let threads = pool.current_num_threads();
    let n = args.replicates as usize;
    let sets = Sets {
        base: &base,
        emall: &emall,
        n,
        ticks,
        scale,
        seed,
        n_fs,
        fs_ticks,
        fs_scale,
    };
    // Bad input (a policy region that does not resolve) fails before any long run.
    pool.install(|| -> Result<()> {
        runner::prepare(&base, &sets.overrides(Set::Baseline, 0)).map_err(CliError::from)?;
        runner::prepare(&emall, &sets.overrides(Set::Emall, 0)).map_err(CliError::from)?;
        Ok(())
    })?;
    let staging = super::staging(&out, args.force)?;
    let interrupted = super::interrupt_flag();
    let gathered = sets.run(threads, args.quiet, &interrupted);
    let series = match gathered {
        Ok(Some(series)) if !interrupted.load(Ordering::SeqCst) => series,
        Ok(_) => {
            staging.abandon();
            return Err(
                CliError::Interrupted(format!("nothing was written to {}", out.display())).into(),
            );
        }
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    let obs =
        |set: Set| -> Vec<SeriesObs> { series[set as usize].iter().map(SeriesObs::new).collect() };
    let base_obs = obs(Set::Baseline);
    let emall_obs = obs(Set::Emall);
    let fs_obs = obs(Set::FirmSizes);
    let b: Vec<&dyn Observations> = base_obs.iter().map(|o| o as &dyn Observations).collect();
    let e: Vec<&dyn Observations> = emall_obs.iter().map(|o| o as &dyn Observations).collect();
    let f: Vec<&dyn Observations> = fs_obs.iter().map(|o| o as &dyn Observations).collect();
    let outcomes = evaluate(Runs {
        base: &b,
        emall: &e,
        firm_sizes: &f,
    });
    let k_values: Vec<f64> = b.iter().map(|o| validate::value_added_factor(*o)).collect();
    let k = Summary::of(&k_values, validate::LEVEL).ok();

    let setting = format!(
        "{n} replicates per scenario, scale {scale}, master seed {seed}, {ticks} ticks from {}; \
         firm sizes from {n_fs} baseline runs at scale {fs_scale}, {fs_ticks} ticks",
        base.start
    );
    let command = format!(
        "zgc validate --replicates {n} --scale {scale} --seed {seed} --firm-size-scale {fs_scale} \
         --firm-size-replicates {}{}",
        args.firm_size_replicates,
        args.base
            .as_ref()
            .map_or(String::new(), |p| format!(" --base {}", p.display()))
    );
    let write = || -> Result<()> {
        write_atomic(
            &staging.path("validation.csv"),
            csv_text(&outcomes)?.as_bytes(),
        )?;
        write_atomic(
            &staging.path("validation.md"),
            markdown(&outcomes, &setting, &command, k.as_ref()).as_bytes(),
        )?;
        charts(&staging, &b)?;
        let summary = json!({
            "command": "validate",
            "zgc_version": env!("CARGO_PKG_VERSION"),
            "git_commit": crate::output::git_commit(),
            "baseline": { "name": base.name(), "hash": base.hash() },
            "emall": { "name": emall.name(), "hash": emall.hash() },
            "replicates": n, "scale": scale, "seed": seed, "ticks": ticks,
            "firm_size_runs": { "replicates": n_fs, "scale": fs_scale, "ticks": fs_ticks },
            "targets": outcomes.len(),
            "passed": outcomes.iter().filter(|o| o.pass).count(),
            "value_added_factor": k.as_ref().map(|s| s.mean),
            "performance": { "wall_s": wall.elapsed().as_secs_f64(), "threads": threads },
        });
        write_atomic(
            &staging.path("summary.json"),
            serde_json::to_string_pretty(&summary)?.as_bytes(),
        )?;
        Ok(())
    };
    if let Err(e) = write() {
        staging.abandon();
        return Err(e);
    }
    let dest = staging.finish()?;
    print!("{}", table_text(&outcomes));
    if let Some(k) = &k {
        println!(
            "value added mapping: ZGC value added (亿元) = {} × value_added_parks (亿元/year, nominal)",
            short(k.mean)
        );
    }
    let failed = outcomes.iter().filter(|o| !o.pass).count();
    println!(
        "{setting}; {} of {} targets pass; {:.1} s",
        outcomes.len() - failed,
        outcomes.len(),
        wall.elapsed().as_secs_f64()
    );
    println!(
        "outputs in {}: validation.csv, validation.md, commute.png, rents.png",
        super::absolute(&dest).display()
    );
    if failed > 0 {
        let names: Vec<&str> = outcomes
            .iter()
            .filter(|o| !o.pass)
            .map(|o| o.target.id)
            .collect();
        let open = outcomes.iter().filter(|o| !o.resolved).count();
        return Err(anyhow!(
            "{failed} of {} validation targets do not pass{}: {}",
            outcomes.len(),
            if open > 0 {
                format!(" ({open} of them unresolved at this scale)")
            } else {
                String::new()
            },
            names.join(", ")
        ));
    }
    Ok(())
}

/// Per year: mean and CI over replicates of `f(obs, year)`.
fn yearly_band(
    label: &str,
    obs: &[&dyn Observations],
    f: &dyn Fn(&dyn Observations, i32) -> f64,
) -> Band {
    let years = obs.first().map(|o| o.years()).unwrap_or_default();
    let (mut x, mut mean, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for y in years {
        let vals: Vec<f64> = obs.iter().map(|o| f(*o, y)).collect();
        let s = Summary::of(&vals, validate::LEVEL).ok();
        x.push(y as f64 + 1.0);
        let m = s.as_ref().map_or(f64::NAN, |s| s.mean);
        mean.push(m);
        let (a, b) = s.as_ref().and_then(|s| s.ci()).unwrap_or((m, m));
        lo.push(a);
        hi.push(b);
    }
    Band {
        label: label.into(),
        x,
        mean,
        lo: Some(lo),
        hi: Some(hi),
    }
}

fn charts(staging: &crate::output::Staging, obs: &[&dyn Observations]) -> Result<()> {
    let commute = Chart {
        title: "Mean one-way commute: Huilongguan residents and the city (P6)".into(),
        x_label: "year".into(),
        y_label: "minutes".into(),
        series: vec![
            yearly_band("Huilongguan", obs, &|o, y| {
                o.get("huilongguan_commute_min", y)
            }),
            yearly_band("city mean", obs, &|o, y| o.get("mean_commute_min", y)),
        ],
    };
    chart_png(&commute, &staging.path("commute.png"))?;
    let rent = |key: &'static str| {
        move |o: &dyn Observations, y: i32| {
            let first = o.years().first().copied().unwrap_or(y);
            o.get(key, y) / o.get(key, first)
        }
    };
    let rents = Chart {
        title: "Office rent relative to the first year: core and periphery (P4)".into(),
        x_label: "year".into(),
        y_label: "rent index".into(),
        series: vec![
            yearly_band("core", obs, &rent("rent_office_core")),
            yearly_band("periphery", obs, &rent("rent_office_periphery")),
        ],
    };
    chart_png(&rents, &staging.path("rents.png"))?;
    Ok(())
}

/// `--from-sweep DIR`: score every point of a merged sweep (`validate::calibration`), write
/// `calibration.csv` and `calibration.md` and print the best points.
fn from_sweep(dir: &Path, args: &ValidateArgs) -> Result<()> {
    let cal = Calibration::score(dir, args.accept).map_err(|e| match e {
        CalibrationError::Input(m) => CliError::Input(m).into(),
        CalibrationError::Read(e) => e,
    })?;
    if args.robustness {
        return super::robustness::main(dir, args, &cal);
    }
    let out_dir = args.out.clone().unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out_dir)?;
    write_atomic(&out_dir.join("calibration.csv"), &cal.csv()?)?;
    write_atomic(
        &out_dir.join("calibration.md"),
        cal.markdown(dir).as_bytes(),
    )?;
    println!(
        "{} points; best {}:",
        cal.points.len(),
        cal.accepted.min(10)
    );
    for p in cal.points.iter().take(cal.accepted.min(10)) {
        let (cal_pass, cal_n) = validate::tally(&p.outcomes, validate::Split::Calibration);
        let (hold_pass, hold_n) = validate::tally(&p.outcomes, validate::Split::Holdout);
        println!(
            "  point {:>4}  score {:>7}  calibration {cal_pass}/{cal_n}, holdout {hold_pass}/{hold_n} pass  {}",
            p.id,
            short(p.score),
            cal.params
                .iter()
                .zip(&p.values)
                .map(|(name, v)| format!("{name}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    println!(
        "wrote {}/calibration.csv and calibration.md",
        out_dir.display()
    );
    Ok(())
}
