//! Sobol' indices of a Saltelli sweep: read the merged table, average each design point's
//! replicates, and estimate first-order and total indices with bootstrap confidence
//! intervals for each indicator (`stats::sobol_indices`).
//!
//! The output of a run is the indicator at the last recorded tick (or at `tick`). Points
//! are in Saltelli design order in the plan, so point `p` is design row `p`.

use std::collections::BTreeMap;
use std::path::Path;

use super::merge::{MERGED_CSV, MERGED_JSON};
use super::plan::Plan;
use super::spec::Design;
use super::SweepError;
use crate::rng::mix;
use crate::stats::{sobol_indices, SobolIndex, StatsError};

/// Indices of one indicator, or why there are none.
#[derive(Debug, Clone)]
pub struct IndicatorSobol {
    /// Indicator.
    pub indicator: String,
    /// One per parameter, in plan order; `Err` says why the indicator was skipped.
    pub result: Result<Vec<SobolIndex>, String>,
}

/// Options of the analysis.
#[derive(Debug, Clone)]
pub struct SobolOptions {
    /// Indicators (empty: all recorded).
    pub indicators: Vec<String>,
    /// Tick to analyse (`None`: each run's last recorded tick).
    pub tick: Option<u32>,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Confidence level.
    pub level: f64,
}

/// Per indicator, the output of each run (NaN where missing or empty).
pub fn read_outputs(
    dir: &Path,
    plan: &Plan,
    indicators: &[String],
    tick: Option<u32>,
) -> Result<Vec<Vec<f64>>, SweepError> {
    let path = dir.join(MERGED_CSV);
    let summary: serde_json::Value = std::fs::read_to_string(dir.join(MERGED_JSON))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| {
            SweepError::Input(format!(
                "{} has no merged table; run `zgc sweep merge {}` first",
                dir.display(),
                dir.display()
            ))
        })?;
    if summary["complete"] != serde_json::Value::Bool(true) {
        return Err(SweepError::Incomplete(format!(
            "the merged table of {} is partial (runs {} missing); Sobol indices need every run of the design",
            dir.display(),
            summary["missing_runs"].as_str().unwrap_or("?")
        )));
    }
    let mut r = csv::Reader::from_path(&path)
        .map_err(|e| SweepError::Io(format!("{}: {e}", path.display())))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| SweepError::Io(format!("{}: {e}", path.display())))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| -> Result<usize, SweepError> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| SweepError::Input(format!("{} has no column {name:?}", path.display())))
    };
    let (c_run, c_tick) = (col("run")?, col("tick")?);
    let c_ind: Vec<usize> = indicators
        .iter()
        .map(|i| col(i))
        .collect::<Result<_, _>>()?;
    let n_runs = plan.n_runs();
    let mut out = vec![vec![f64::NAN; n_runs]; indicators.len()];
    let mut best_tick: Vec<Option<u32>> = vec![None; n_runs];
    for rec in r.records() {
        let rec = rec.map_err(|e| SweepError::Io(format!("{}: {e}", path.display())))?;
        let parse_err = || SweepError::Io(format!("{}: bad row {:?}", path.display(), rec));
        let run: usize = rec
            .get(c_run)
            .and_then(|s| s.parse().ok())
            .ok_or_else(parse_err)?;
        let t: u32 = rec
            .get(c_tick)
            .and_then(|s| s.parse().ok())
            .ok_or_else(parse_err)?;
        if run >= n_runs {
            return Err(parse_err());
        }
        let take = match tick {
            Some(want) => t == want,
            None => match best_tick[run] {
                None => true,
                Some(b) => t > b,
            },
        };
        if take {
            best_tick[run] = Some(t);
            for (k, &c) in c_ind.iter().enumerate() {
                out[k][run] = rec
                    .get(c)
                    .filter(|s| !s.is_empty())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(f64::NAN);
            }
        }
    }
    if let Some(run) = best_tick.iter().position(Option::is_none) {
        return Err(SweepError::Input(match tick {
            Some(t) => format!("run {run} has no row at tick {t} in {}", path.display()),
            None => format!("run {run} has no row in {}", path.display()),
        }));
    }
    Ok(out)
}

/// Sobol' indices need a Saltelli design.
pub fn check_design(plan: &Plan) -> Result<(), SweepError> {
    if plan.design == Design::Saltelli {
        Ok(())
    } else {
        Err(SweepError::Input(format!(
            "Sobol indices need a Saltelli design; sweep {:?} has the {} design (set `design = \"saltelli\"` and plan again)",
            plan.name,
            plan.design.name()
        )))
    }
}

/// Sobol' indices for each indicator from per-run outputs (`outputs[indicator][run]`).
pub fn analyse(
    plan: &Plan,
    indicators: &[String],
    outputs: &[Vec<f64>],
    opts: &SobolOptions,
) -> Result<Vec<IndicatorSobol>, SweepError> {
    check_design(plan)?;
    let k = plan.params.len();
    let n = plan.samples;
    let reps = plan.replicates;
    let seed = mix(plan.seed, &[3]);
    Ok(indicators
        .iter()
        .zip(outputs)
        .map(|(name, runs)| {
            let per_point: Vec<f64> = runs
                .chunks(reps)
                .map(|c| c.iter().sum::<f64>() / reps as f64)
                .collect();
            let result = if let Some(p) = per_point.iter().position(|v| !v.is_finite()) {
                Err(format!(
                    "no value for point {p} (runs {}..{}): the indicator is undefined there",
                    p * reps,
                    p * reps + reps - 1
                ))
            } else {
                match sobol_indices(k, n, &per_point, opts.bootstrap, seed, opts.level) {
                    Ok(v) => Ok(v),
                    Err(StatsError::ZeroVariance) => {
                        Err("the indicator does not vary across the design".to_string())
                    }
                    Err(e) => Err(e.to_string()),
                }
            };
            IndicatorSobol {
                indicator: name.clone(),
                result,
            }
        })
        .collect())
}

/// `sobol.csv`: one row per indicator and parameter.
pub fn sobol_csv(plan: &Plan, results: &[IndicatorSobol]) -> Result<Vec<u8>, SweepError> {
    use crate::output::num;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| SweepError::Io(format!("sobol.csv: {e}"));
    w.write_record([
        "indicator",
        "parameter",
        "s1",
        "s1_low",
        "s1_high",
        "st",
        "st_low",
        "st_high",
    ])
    .map_err(io)?;
    for r in results {
        if let Ok(idx) = &r.result {
            for s in idx {
                w.write_record([
                    r.indicator.clone(),
                    plan.params[s.param].column.clone(),
                    num(s.first),
                    num(s.first_ci.0),
                    num(s.first_ci.1),
                    num(s.total),
                    num(s.total_ci.0),
                    num(s.total_ci.1),
                ])
                .map_err(io)?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| SweepError::Io(format!("sobol.csv: {e}")))
}

/// The indicators to analyse: those asked (checked against the plan) or all recorded.
pub fn choose_indicators(plan: &Plan, asked: &[String]) -> Result<Vec<String>, SweepError> {
    if asked.is_empty() {
        return Ok(plan.record.indicators.clone());
    }
    let recorded: BTreeMap<&str, ()> = plan
        .record
        .indicators
        .iter()
        .map(|s| (s.as_str(), ()))
        .collect();
    for a in asked {
        if !recorded.contains_key(a.as_str()) {
            return Err(SweepError::Input(format!(
                "the sweep did not record {a:?}; it recorded {}",
                plan.record.indicators.join(", ")
            )));
        }
    }
    Ok(asked.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::merge::merge;
    use crate::sweep::runs::write_result;
    use crate::sweep::spec::SweepSpec;
    use std::f64::consts::PI;

    /// Analytic (first, total) indices of Ishigami with a = 7, b = 0.1.
    fn ishigami_analytic() -> [(f64, f64); 3] {
        let (a, b) = (7.0f64, 0.1f64);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
    }

    const ISHIGAMI: &str = r#"
[sweep]
name = "ishigami"
design = "saltelli"
samples = 256
replicates = 1
seed = 11
[set]
run.ticks = 1
[record]
indicators = ["workers"]
[[param]]
key = "params.commute.terminal_minutes"
name = "x1"
uniform = [0.0, 6.283185307179586]
[[param]]
key = "params.knowledge.university_weight"
name = "x2"
uniform = [0.0, 6.283185307179586]
[[param]]
key = "params.commute.rail_access_minutes"
name = "x3"
uniform = [0.0, 6.283185307179586]
"#;

    /// Ishigami outputs of each run, computed from the parameter values as the manifest
    /// prints them (shortest round-trip text).
    fn ishigami_of_manifest(manifest: &str) -> Vec<(usize, f64)> {
        manifest
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                // The carriers' valid ranges are non-negative: the design is on [0, 2π], shifted to [−π, π].
                let x: Vec<f64> = f[4..7]
                    .iter()
                    .map(|s| s.parse::<f64>().unwrap() - PI)
                    .collect();
                let y = x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
                (f[0].parse().unwrap(), y)
            })
            .collect()
    }

    fn check(res: &[IndicatorSobol], max_width: f64) {
        let idx = res[0].result.as_ref().unwrap();
        for (s, (first, total)) in idx.iter().zip(ishigami_analytic()) {
            assert!(
                s.first_ci.0 <= first && first <= s.first_ci.1,
                "S{}: {first} not in {s:?}",
                s.param
            );
            assert!(
                s.total_ci.0 <= total && total <= s.total_ci.1,
                "ST{}: {total} not in {s:?}",
                s.param
            );
            assert!(s.first_ci.1 - s.first_ci.0 < max_width, "{s:?}");
            assert!(s.total_ci.1 - s.total_ci.0 < max_width, "{s:?}");
        }
    }

    /// The whole sweep path on an analytic model: sweep file → plan folder → manifest values
    /// → one result file per run (Ishigami written as the "workers" indicator) → merge →
    /// merged.csv → indices. The analytic indices must lie in the CIs.
    #[test]
    fn ishigami_through_plan_files_merge_and_analysis() {
        let spec = SweepSpec::parse(ISHIGAMI, Path::new("ishigami.toml")).unwrap();
        let (plan, base) = Plan::build(&spec).unwrap();
        let dir = tempfile::tempdir().unwrap();
        plan.write(dir.path(), &base, ISHIGAMI, false).unwrap();
        let manifest = std::fs::read_to_string(dir.path().join("manifest.csv")).unwrap();
        for (run, y) in ishigami_of_manifest(&manifest) {
            let csv = format!("tick,date,workers\n0,2009-01,{y}\n");
            write_result(dir.path(), run, plan.seed_of(run), csv.as_bytes(), 0.0).unwrap();
        }
        let rep = merge(dir.path(), &plan, false).unwrap();
        assert_eq!(rep.merged, 256 * 5);
        let inds = vec!["workers".to_string()];
        let outputs = read_outputs(dir.path(), &plan, &inds, None).unwrap();
        let opts = SobolOptions {
            indicators: inds.clone(),
            tick: None,
            bootstrap: 500,
            level: 0.99,
        };
        let res = analyse(&plan, &inds, &outputs, &opts).unwrap();
        check(&res, 0.6);
        let csv = String::from_utf8(sobol_csv(&plan, &res).unwrap()).unwrap();
        assert!(csv.starts_with("indicator,parameter,s1,"));
        assert!(csv.contains("\nworkers,x2,"));
    }

    /// The same with 4,096 base samples and 2 replicates per point (averaged), in memory:
    /// tight intervals that still hold the analytic values.
    #[test]
    fn ishigami_large_design_with_replicates() {
        let text = ISHIGAMI
            .replace("samples = 256", "samples = 4096")
            .replace("replicates = 1", "replicates = 2");
        let spec = SweepSpec::parse(&text, Path::new("ishigami.toml")).unwrap();
        let (plan, _) = Plan::build(&spec).unwrap();
        let manifest = String::from_utf8(plan.manifest_csv().unwrap()).unwrap();
        let mut y = vec![f64::NAN; plan.n_runs()];
        for (run, v) in ishigami_of_manifest(&manifest) {
            // Replicates differ by a little noise that averages out exactly.
            y[run] = v + if plan.replicate_of(run) == 0 {
                0.25
            } else {
                -0.25
            };
        }
        let inds = vec!["workers".to_string()];
        let opts = SobolOptions {
            indicators: inds.clone(),
            tick: None,
            bootstrap: 300,
            level: 0.99,
        };
        let res = analyse(&plan, &inds, &[y], &opts).unwrap();
        check(&res, 0.15);
        let wrong = analyse(
            &Plan {
                design: Design::Lhs,
                ..plan
            },
            &inds,
            &[vec![]],
            &opts,
        );
        assert!(wrong.unwrap_err().to_string().contains("Saltelli"));
    }
}
