//! `zgc validate --from-sweep DIR --robustness`: each shipped policy scenario against the
//! baseline at every accepted point of the calibration (the ABC posterior), paired replicates
//! over the scenario's policy period; whether each headline effect of
//! `validate::robustness::HEADLINES` keeps the article's sign at every draw. Writes
//! `robustness.csv` and `robustness.md`; exits 1 when a headline is not robust.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Result};

use super::progress::Progress;
use super::validate::ValidateArgs;
use super::CliError;
use crate::compare::{Comparison, RunSeries, LEVEL};
use crate::files::write_atomic;
use crate::runner::collect::{run_recorded, CompareRunError, CompareSettings};
use crate::scenario::Scenario;
use crate::sweep::plan::{resolve_with, Plan};
use crate::validate::calibration::Calibration;
use crate::validate::robustness::{self, metric_of, Draw, Robustness, HEADLINES};

/// The baseline and the headline scenarios from `dir`, as resolved TOML values, base first.
fn scenario_values(dir: &Path) -> Result<Vec<(PathBuf, toml::Value)>> {
    let mut names = vec!["baseline"];
    names.extend(robustness::scenarios());
    names
        .iter()
        .map(|n| {
            let path = dir.join(format!("{n}.toml"));
            if !path.is_file() {
                return Err(CliError::Input(format!(
                    "{}: no such scenario file (the shipped scenarios are looked for in {}; give their folder with --scenarios DIR)",
                    path.display(),
                    dir.display()
                ))
                .into());
            }
            let s = Scenario::load(&path).map_err(CliError::from)?;
            let v: toml::Value = toml::from_str(&s.resolved_toml())?;
            Ok((path, v))
        })
        .collect()
}

/// The scenarios of one draw: each of `values` with the draw's parameter values set.
fn draw_scenarios(
    values: &[(PathBuf, toml::Value)],
    plan: &Plan,
    point: usize,
) -> Result<Vec<Scenario>> {
    let set: Vec<(String, toml::Value)> = plan
        .params
        .iter()
        .zip(&plan.points[point])
        .map(|(p, v)| (p.key.clone(), v.clone()))
        .collect();
    values
        .iter()
        .map(|(path, v)| {
            let label = path.display().to_string();
            let (s, _) = resolve_with(
                v.clone(),
                &label,
                Some(path.clone()),
                &set,
                "plan.json",
                "",
                "`zgc check` prints a scenario's keys",
            )
            .map_err(CliError::from)?;
            Ok(s)
        })
        .collect()
}

/// The headline effects of one draw from its runs: for each headline, its scenario against
/// the baseline over the scenario's policy period.
fn effects(
    scenarios: &[Scenario],
    runs: &[Vec<crate::compare::Recorder>],
    settings: &CompareSettings,
) -> Result<Vec<Option<crate::stats::PairedDiff>>> {
    let order = robustness::scenarios();
    let mut out = Vec::with_capacity(HEADLINES.len());
    for h in HEADLINES {
        // `scenarios` is the baseline, then `robustness::scenarios()` in order.
        let s = 1 + order
            .iter()
            .position(|&n| n == h.scenario)
            .expect("every headline's scenario is in robustness::scenarios()");
        let Some(span) = scenarios[s].policy_span(settings.ticks) else {
            out.push(None);
            continue;
        };
        let over =
            |k: usize| -> Vec<RunSeries> { runs[k].iter().map(|r| r.over(&[span])).collect() };
        let names = vec![
            scenarios[0].name().to_string(),
            scenarios[s].name().to_string(),
        ];
        let c = Comparison::build(names, &[over(0), over(s)], LEVEL, settings.scale)?;
        out.push(metric_of(&c, h).and_then(|m| c.stat(m, 1, 0).diff.clone()));
    }
    Ok(out)
}

/// Run the robustness check over the accepted points of `cal` (sweep folder `dir`).
pub fn main(dir: &Path, args: &ValidateArgs, cal: &Calibration) -> Result<()> {
    let wall = Instant::now();
    if args.replicates < 2 {
        return Err(CliError::Input(
            "--robustness needs --replicates of at least 2 (an interval per draw)".into(),
        )
        .into());
    }
    let (plan, _) = Plan::load(dir).map_err(|e| CliError::Input(e.to_string()))?;
    let sdir = args
        .scenarios
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios"));
    let values = scenario_values(&sdir)?;
    let accepted = &cal.points[..cal.accepted];
    let mut draws = Vec::new();
    let mut per_draw = Vec::new();
    for (rank, p) in accepted.iter().enumerate() {
        let point = usize::try_from(p.id)
            .ok()
            .filter(|&i| i < plan.points.len())
            .ok_or_else(|| {
                CliError::Input(format!(
                    "point {} of the merged table is not in {}/plan.json",
                    p.id,
                    dir.display()
                ))
            })?;
        per_draw.push(draw_scenarios(&values, &plan, point)?);
        draws.push(Draw {
            point: p.id,
            rank: rank + 1,
            values: cal
                .params
                .iter()
                .zip(&p.values)
                .map(|(name, v)| format!("{name}={v}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let base = &per_draw[0][0];
    let settings = CompareSettings::of(base, args.seed, args.scale, None, args.replicates as usize);
    if !(settings.scale > 0.0 && settings.scale <= 1.0) {
        return Err(CliError::Input(format!(
            "--scale must be in (0, 1], found {}",
            settings.scale
        ))
        .into());
    }
    let pool = super::thread_pool(args.threads)?;
    let threads = pool.current_num_threads();
    let interrupted = super::interrupt_flag();
    let per = per_draw[0].len() * settings.replicates;
    let total = per * per_draw.len();
    let progress = Mutex::new(Progress::new(
        total as u64,
        "runs",
        "robustness",
        args.quiet,
    ));
    let mut all_effects = Vec::new();
    for (d, scenarios) in per_draw.iter().enumerate() {
        let msg = format!(
            "draw {}/{} (point {})",
            d + 1,
            per_draw.len(),
            draws[d].point
        );
        let tick = |_: usize, _: usize| {
            if let Ok(mut p) = progress.lock() {
                p.inc(1, &msg);
            }
        };
        let runs = pool
            .install(|| run_recorded(scenarios, &settings, threads, &interrupted, &tick))
            .map_err(|e| -> anyhow::Error {
                match e {
                    CompareRunError::Scenario(e) => CliError::from(e).into(),
                    CompareRunError::Stopped => {
                        CliError::Interrupted("nothing was written".into()).into()
                    }
                    e => e.into(),
                }
            })?;
        all_effects.push(effects(scenarios, &runs, &settings)?);
    }
    if let Ok(p) = progress.lock() {
        p.finish();
    }
    let r = Robustness {
        draws,
        effects: all_effects,
    };
    let out_dir = args.out.clone().unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out_dir)?;
    let setting = format!(
        "{} accepted points of {} (--accept {}), {} paired replicates per scenario, scale {}, master seed {}, {} ticks",
        cal.accepted,
        cal.points.len(),
        cal.accept,
        settings.replicates,
        settings.scale,
        settings.seed,
        settings.ticks
    );
    let mut command = format!(
        "zgc validate --from-sweep {} --accept {} --robustness --replicates {}",
        dir.display(),
        cal.accept,
        settings.replicates
    );
    if let Some(x) = args.scale {
        command += &format!(" --scale {x}");
    }
    if let Some(x) = args.seed {
        command += &format!(" --seed {x}");
    }
    if let Some(x) = &args.scenarios {
        command += &format!(" --scenarios {}", x.display());
    }
    write_atomic(&out_dir.join("robustness.csv"), &r.csv()?)?;
    write_atomic(
        &out_dir.join("robustness.md"),
        r.markdown(&setting, &command).as_bytes(),
    )?;
    print!("{}", r.table_text());
    println!(
        "{setting}; {total} runs in {:.1} s",
        wall.elapsed().as_secs_f64()
    );
    println!(
        "wrote {}/robustness.csv and robustness.md",
        out_dir.display()
    );
    let fragile: Vec<String> = HEADLINES
        .iter()
        .enumerate()
        .filter(|&(i, _)| !r.verdict(i).robust())
        .map(|(_, h)| format!("{}/{}", h.scenario, h.metric))
        .collect();
    if !fragile.is_empty() {
        return Err(anyhow!(
            "{} of {} headline effects do not keep the article's sign at every draw of the posterior: {}",
            fragile.len(),
            HEADLINES.len(),
            fragile.join(", ")
        ));
    }
    Ok(())
}
