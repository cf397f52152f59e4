//! `comparison.csv`: one row per metric, scenario and reporting period, with the replicate
//! mean, standard deviation and confidence interval and, for alternatives, the paired
//! difference against the base with its interval and the relative change; and the
//! comparison's `summary.json`.

use std::path::Path;

use anyhow::{Context, Result};

use serde_json::json;

use super::num;
use crate::compare::{Comparison, LEVEL};
use crate::runner::collect::CompareSettings;
use crate::runner::jobs::replicate_seed;
use crate::scenario::Scenario;

/// Header of `comparison.csv`.
pub const COMPARISON_HEADER: &[&str] = &[
    "scope",
    "indicator",
    "unit",
    "aggregation",
    "scenario",
    "period_end",
    "months",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "diff_n",
    "diff_mean",
    "diff_sd",
    "diff_ci_low",
    "diff_ci_high",
    "rel_change",
    "diff_excludes_zero",
    "agents_per_run",
];

/// The records of `comparison.csv`, metric by metric, then scenario (base first), then period.
pub fn comparison_records(c: &Comparison) -> Vec<Vec<String>> {
    let opt = |v: Option<f64>| v.map_or(String::new(), num);
    let mut out = Vec::new();
    for (m, metric) in c.metrics.iter().enumerate() {
        for (s, scenario) in c.scenarios.iter().enumerate() {
            for (p, period) in c.periods.iter().enumerate() {
                let st = c.stat(m, s, p);
                let mut r = vec![
                    metric.scope.clone(),
                    metric.indicator.name.to_string(),
                    metric.unit(),
                    metric.indicator.aggregation.name().to_string(),
                    scenario.clone(),
                    period.label(),
                    period.months.to_string(),
                ];
                match &st.summary {
                    Some(x) => r.extend([
                        x.n.to_string(),
                        num(x.mean),
                        opt(x.sd),
                        opt(x.ci_low),
                        opt(x.ci_high),
                    ]),
                    None => r.extend([
                        "0".to_string(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]),
                }
                match &st.diff {
                    Some(d) => r.extend([
                        d.n.to_string(),
                        num(d.mean_diff),
                        opt(d.sd_diff),
                        opt(d.ci_low),
                        opt(d.ci_high),
                        opt(d.rel_change),
                        d.excludes_zero.to_string(),
                    ]),
                    None => r.extend(vec![String::new(); 7]),
                }
                // Agents behind a count's mean in one run (fewer than MIN_AGENTS: unresolved).
                r.push(opt(c.agents(m, s, p)));
                out.push(r);
            }
        }
    }
    out
}

/// Write `comparison.csv`.
pub fn write_comparison(c: &Comparison, path: &Path) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COMPARISON_HEADER)?;
    for r in comparison_records(c) {
        w.write_record(&r)?;
    }
    let bytes = w.into_inner().context("writing comparison.csv")?;
    crate::files::write_atomic(path, &bytes)
}

/// The `summary.json` of a comparison: provenance (model, commit, scenarios with their files
/// and hashes, seeds, scale, ticks, period, confidence level) and performance.
pub fn compare_summary(
    scenarios: &[(&Scenario, &Path, &str)],
    settings: &CompareSettings,
    threads: usize,
    wall_s: f64,
) -> serde_json::Value {
    let listed: Vec<serde_json::Value> = scenarios
        .iter()
        .map(|(s, path, folder)| {
            json!({
                "name": s.name(),
                "file": path.display().to_string(),
                "hash": s.hash(),
                "runs": format!("runs/{folder}"),
            })
        })
        .collect();
    let base = scenarios[0].0;
    let start = base.start;
    json!({
        "provenance": {
            "model": "zgc",
            "model_version": env!("CARGO_PKG_VERSION"),
            "git_commit": super::git_commit(),
            "command": "compare",
            "base": base.name(),
            "scenarios": listed,
            "seed": settings.seed,
            "replicate_seeds": (0..settings.replicates).map(|r| replicate_seed(settings.seed, r)).collect::<Vec<_>>(),
            "replicates": settings.replicates,
            "scale": settings.scale,
            "ticks": settings.ticks,
            "start": start.to_string(),
            "end": start.plus(settings.ticks - 1).to_string(),
            "confidence_level": LEVEL,
        },
        "performance": {
            "threads": threads,
            "wall_s": wall_s,
            "runs": scenarios.len() * settings.replicates,
        },
    })
}
