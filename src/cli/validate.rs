//! `zgc validate`: run the baseline (and the e-mall conversion scenario) over replicates,
//! compare each validation target of `crate::validate` with its observed figure and band,
//! print the table and write `validation.csv`, `validation.md`, charts and `summary.json`.
//! With `--from-sweep DIR` it scores a merged calibration sweep against the same targets
//! instead (approximate Bayesian computation by rejection) and writes `calibration.csv` and
//! `calibration.md` into the sweep folder. Exit codes: 0 all targets pass, 1 a target fails
//! (or a runtime failure), 2 bad input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
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
use crate::validate::{
    self, evaluate, short, Observations, Outcome, SeriesObs, SnapshotObs, ZGC_VALUE_ADDED,
};

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
    let seed = args.seed.unwrap_or(base.file.run.seed);
    let ticks = base.ticks;
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
    let overrides = |k: usize| Overrides {
        seed: Some(crate::runner::jobs::replicate_seed(seed, k)),
        ticks: Some(ticks),
        scale: Some(scale),
        // No memory estimate for the default-scale runs, as for `compare`.
        memory_limit: None,
    };
    // Bad input (a policy region that does not resolve) fails before any long run.
    pool.install(|| -> Result<()> {
        runner::prepare(&base, &overrides(0)).map_err(CliError::from)?;
        runner::prepare(&emall, &overrides(0)).map_err(CliError::from)?;
        Ok(())
    })?;
    let staging = super::run::staging(&out, args.force)?;
    let interrupted = super::run::interrupt_flag();
    let scenarios = [&base, &emall];
    let jobs: Vec<(usize, usize)> = (0..n).flat_map(|k| [(0, k), (1, k)]).collect();
    let progress = Mutex::new(Progress::new(
        jobs.len() as u64 * ticks as u64,
        "ticks",
        "validate",
        args.quiet,
    ));
    let done = AtomicUsize::new(0);
    let results = run_jobs(jobs.len(), threads, |j| -> Result<Option<RunSeries>> {
        let (s, k) = jobs[j];
        if interrupted.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let mut rec = compare::Recorder::new();
        runner::run(scenarios[s], &overrides(k), &mut |report, _sim| {
            rec.record(&report.row, &report.regions, &report.parks);
            if let Ok(mut p) = progress.lock() {
                let msg = format!("{}/{} runs done", done.load(Ordering::SeqCst), jobs.len());
                p.inc(1, &msg);
            }
            !interrupted.load(Ordering::SeqCst)
        })
        .map_err(CliError::from)?;
        done.fetch_add(1, Ordering::SeqCst);
        Ok(Some(rec.finish()))
    });
    if let Ok(p) = progress.lock() {
        p.finish();
    }
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    if interrupted.load(Ordering::SeqCst) {
        staging.abandon();
        return Err(
            CliError::Interrupted(format!("nothing was written to {}", out.display())).into(),
        );
    }
    let mut series: [Vec<RunSeries>; 2] = [Vec::new(), Vec::new()];
    for (r, &(s, _)) in results.into_iter().zip(&jobs) {
        match r {
            Ok(Some(x)) => series[s].push(x),
            Ok(None) => {}
            Err(e) => {
                staging.abandon();
                return Err(e);
            }
        }
    }
    let base_obs: Vec<SeriesObs> = series[0].iter().map(SeriesObs::new).collect();
    let emall_obs: Vec<SeriesObs> = series[1].iter().map(SeriesObs::new).collect();
    let b: Vec<&dyn Observations> = base_obs.iter().map(|o| o as &dyn Observations).collect();
    let e: Vec<&dyn Observations> = emall_obs.iter().map(|o| o as &dyn Observations).collect();
    let outcomes = evaluate(&b, &e);
    let k_values: Vec<f64> = b.iter().map(|o| validate::value_added_factor(*o)).collect();
    let k = Summary::of(&k_values, validate::LEVEL).ok();

    let setting = format!(
        "{n} replicates per scenario, scale {scale}, master seed {seed}, {ticks} ticks from {}",
        base.start
    );
    let command = format!(
        "zgc validate --replicates {n} --scale {scale} --seed {seed}{}",
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
        return Err(anyhow!(
            "{failed} of {} validation targets fail: {}",
            outcomes.len(),
            names.join(", ")
        ));
    }
    Ok(())
}

fn mean_ci(o: &Outcome) -> (String, String) {
    match &o.summary {
        Some(s) => (
            short(s.mean),
            s.ci().map_or("–".into(), |(a, b)| {
                format!("[{}, {}]", short(a), short(b))
            }),
        ),
        None => ("–".into(), "–".into()),
    }
}

/// The terminal table.
pub fn table_text(outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<36} {:<8} {:<14} {:>10} {:<22} {:<16} result",
        "target", "pattern", "observed", "simulated", "95% CI", "band"
    );
    for o in outcomes {
        let (m, ci) = mean_ci(o);
        let _ = writeln!(
            s,
            "{:<36} {:<8} {:<14} {:>10} {:<22} {:<16} {}",
            o.target.id,
            o.target.pattern,
            o.target.observed,
            m,
            ci,
            o.target.band(),
            if o.pass { "pass" } else { "FAIL" }
        );
    }
    s
}

fn csv_text(outcomes: &[Outcome]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "target",
        "pattern",
        "scenario",
        "what",
        "source",
        "observed",
        "replicates",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "band_low",
        "band_high",
        "band_reason",
        "pass",
    ])?;
    let num = |v: Option<f64>| v.map_or(String::new(), crate::output::num);
    for o in outcomes {
        let s = o.summary.as_ref();
        w.write_record([
            o.target.id.to_string(),
            o.target.pattern.to_string(),
            format!("{:?}", o.target.scenario).to_lowercase(),
            o.target.what.to_string(),
            o.target.source.to_string(),
            o.target.observed.to_string(),
            s.map_or(0, |s| s.n).to_string(),
            num(s.map(|s| s.mean)),
            num(s.and_then(|s| s.sd)),
            num(s.and_then(|s| s.ci_low)),
            num(s.and_then(|s| s.ci_high)),
            crate::output::num(o.target.lo),
            crate::output::num(o.target.hi),
            o.target.band_reason.to_string(),
            o.pass.to_string(),
        ])?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow!("{e}"))?,
    )?)
}

fn markdown(outcomes: &[Outcome], setting: &str, command: &str, k: Option<&Summary>) -> String {
    let mut s = String::new();
    let passed = outcomes.iter().filter(|o| o.pass).count();
    let _ = writeln!(s, "# zgc validation\n");
    let _ = writeln!(
        s,
        "`{command}`: {setting}. **{passed} of {} targets pass.**\n",
        outcomes.len()
    );
    let _ = writeln!(
        s,
        "A target passes when the replicate mean lies in its acceptance band; the 95% interval is Student-t over replicates.\n"
    );
    let _ = writeln!(
        s,
        "| target | pattern | source | observed | simulated mean | 95% CI | band | why this band | result |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for o in outcomes {
        let (m, ci) = mean_ci(o);
        let _ = writeln!(
            s,
            "| `{}` — {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            o.target.id,
            o.target.what,
            o.target.pattern,
            o.target.source,
            o.target.observed,
            m,
            ci,
            o.target.band(),
            o.target.band_reason,
            if o.pass { "pass" } else { "**fail**" }
        );
    }
    let _ = writeln!(s, "\n## Model output → 亿元\n");
    let _ = writeln!(
        s,
        "The model's `value_added_parks` is the value added of all firms in the parks' cells, in 亿元 per year, nominal \
         (revenue per worker grows with the price index P_t, docs/ODD.md §7.1). \
         Zhongguancun's value added in the article (2,615 亿元 in 2010, 4,954 亿元 in 2014) counts the firms registered in the zone. \
         The mapping is `ZGC value added = k × value_added_parks`, with `k` (the registered firms' share of the parks' value added) \
         fixed so that 2010 matches {} 亿元: k = {} (mean over replicates). The growth 2010→2014 is the tested quantity.\n",
        ZGC_VALUE_ADDED.0,
        k.map_or("–".into(), |k| short(k.mean))
    );
    let _ = writeln!(s, "## Charts\n");
    let _ = writeln!(s, "![Huilongguan and city mean commute](commute.png)\n");
    let _ = writeln!(s, "![Office rents, core and periphery](rents.png)");
    s
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

/// `--from-sweep DIR`: score every point of a merged sweep.
fn from_sweep(dir: &Path, args: &ValidateArgs) -> Result<()> {
    if !(args.accept > 0.0 && args.accept <= 1.0) {
        return Err(CliError::Input("--accept must be in (0, 1]".into()).into());
    }
    let merged = dir.join(crate::sweep::merge::MERGED_CSV);
    if !merged.is_file() {
        return Err(CliError::Input(format!(
            "{} not found: run `zgc sweep merge {}` first",
            merged.display(),
            dir.display()
        ))
        .into());
    }
    let mut rdr =
        csv::Reader::from_path(&merged).with_context(|| format!("reading {}", merged.display()))?;
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_run), Some(c_point), Some(c_seed), Some(c_tick), Some(c_date)) = (
        col("run"),
        col("point"),
        col("seed"),
        col("tick"),
        col("date"),
    ) else {
        return Err(
            CliError::Input(format!("{} is not a merged sweep table", merged.display())).into(),
        );
    };
    let params: Vec<usize> = (c_seed + 1..c_tick).collect();
    let indicators: Vec<usize> = (c_date + 1..header.len()).collect();
    // point → (parameter values, run → observations)
    let mut points: BTreeMap<i64, (Vec<String>, BTreeMap<i64, SnapshotObs>)> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let int = |c: usize| rec.get(c).and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
        let (run, point) = (int(c_run), int(c_point));
        let Some(year) = rec
            .get(c_date)
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<i32>().ok())
        else {
            continue;
        };
        let entry = points.entry(point).or_insert_with(|| {
            (
                params
                    .iter()
                    .map(|&c| rec.get(c).unwrap_or("").to_string())
                    .collect(),
                BTreeMap::new(),
            )
        });
        let obs = entry.1.entry(run).or_default();
        for &c in &indicators {
            let v = rec
                .get(c)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
            obs.insert(&header[c], year, v);
        }
    }
    if points.is_empty() {
        return Err(CliError::Input(format!("{} has no runs", merged.display())).into());
    }
    let mut scored: Vec<(i64, Vec<String>, f64, Vec<Outcome>)> = points
        .iter()
        .map(|(p, (vals, runs))| {
            let obs: Vec<&dyn Observations> =
                runs.values().map(|o| o as &dyn Observations).collect();
            let out = evaluate(&obs, &[]);
            (*p, vals.clone(), validate::score(&out), out)
        })
        .collect();
    scored.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
    let n_accept = ((scored.len() as f64 * args.accept).ceil() as usize).clamp(1, scored.len());
    let ids: Vec<&str> = scored[0].3.iter().map(|o| o.target.id).collect();

    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["rank".to_string(), "point".into()];
    head.extend(params.iter().map(|&c| header[c].clone()));
    head.extend(["score".into(), "passed".into(), "accepted".into()]);
    head.extend(ids.iter().map(|s| s.to_string()));
    w.write_record(&head)?;
    for (rank, (p, vals, sc, out)) in scored.iter().enumerate() {
        let mut r = vec![(rank + 1).to_string(), p.to_string()];
        r.extend(vals.iter().cloned());
        r.push(crate::output::num(*sc));
        r.push(out.iter().filter(|o| o.pass).count().to_string());
        r.push((rank < n_accept).to_string());
        r.extend(out.iter().map(|o| {
            o.summary
                .as_ref()
                .map_or(String::new(), |s| crate::output::num(s.mean))
        }));
        w.write_record(&r)?;
    }
    let csv_bytes = w.into_inner().map_err(|e| anyhow!("{e}"))?;
    let out_dir = args.out.clone().unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out_dir)?;
    write_atomic(&out_dir.join("calibration.csv"), &csv_bytes)?;

    let mut md = String::new();
    let _ = writeln!(md, "# Calibration: ABC rejection over {}\n", dir.display());
    let _ = writeln!(
        md,
        "{} points scored against {} baseline targets (December snapshots, flows × 12); the best {} ({}%) are accepted.\n",
        scored.len(),
        ids.len(),
        n_accept,
        (args.accept * 100.0).round()
    );
    let _ = writeln!(
        md,
        "| parameter | best point | accepted mean | accepted min | accepted max |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|");
    for (j, &c) in params.iter().enumerate() {
        let acc: Vec<f64> = scored[..n_accept]
            .iter()
            .filter_map(|x| x.1[j].parse::<f64>().ok())
            .collect();
        let mean = acc.iter().sum::<f64>() / acc.len().max(1) as f64;
        let min = acc.iter().copied().fold(f64::INFINITY, f64::min);
        let max = acc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} |",
            header[c],
            scored[0].1[j],
            short(mean),
            short(min),
            short(max)
        );
    }
    let _ = writeln!(
        md,
        "\nBest point {} (score {}):\n",
        scored[0].0,
        short(scored[0].2)
    );
    let _ = writeln!(md, "```\n{}```", table_text(&scored[0].3));
    write_atomic(&out_dir.join("calibration.md"), md.as_bytes())?;

    println!("{} points; best {}:", scored.len(), n_accept.min(10));
    for (p, vals, sc, out) in scored.iter().take(n_accept.min(10)) {
        println!(
            "  point {p:>4}  score {:>7}  {}/{} pass  {}",
            short(*sc),
            out.iter().filter(|o| o.pass).count(),
            out.len(),
            params
                .iter()
                .zip(vals)
                .map(|(&c, v)| format!("{}={v}", header[c]))
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
