//! Calibration by approximate Bayesian computation (rejection) over a merged sweep: every point
//! of `merged.csv` scored against the baseline targets (December snapshots, flows × 12), the
//! points ranked by score and the best fraction accepted; written as `calibration.csv` and
//! `calibration.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, Context, Result};

use super::tables::table_text;
use super::{evaluate, score, short, tally, Observations, Outcome, Runs, SnapshotObs, Split};

/// Why a merged sweep cannot be scored: bad input (exit 2) or a failure to read it (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// The folder, the table or `--accept` is not what calibration needs.
    #[error("{0}")]
    Input(String),
    /// The table could not be read.
    #[error(transparent)]
    Read(#[from] anyhow::Error),
}

/// One scored design point.
pub struct Point {
    /// The point's id in the sweep.
    pub id: i64,
    /// Its parameter values, as in the table (in [`Calibration::params`] order).
    pub values: Vec<String>,
    /// Its score ([`super::score`]: lower is better).
    pub score: f64,
    /// Every target's outcome over the point's runs.
    pub outcomes: Vec<Outcome>,
}

/// A scored sweep: the points best first, the first `accepted` of them the ABC posterior.
pub struct Calibration {
    /// The sweep's parameter columns.
    pub params: Vec<String>,
    /// The points, best first (ties by point id).
    pub points: Vec<Point>,
    /// How many of the best points are accepted.
    pub accepted: usize,
    /// The fraction asked for.
    pub accept: f64,
}

impl Calibration {
    /// Score the merged table of sweep folder `dir` and accept the best fraction `accept`.
    pub fn score(dir: &Path, accept: f64) -> Result<Calibration, CalibrationError> {
        if !(accept > 0.0 && accept <= 1.0) {
            return Err(CalibrationError::Input("--accept must be in (0, 1]".into()));
        }
        let merged = dir.join(crate::sweep::merge::MERGED_CSV);
        if !merged.is_file() {
            return Err(CalibrationError::Input(format!(
                "{} not found: run `zgc sweep merge {}` first",
                merged.display(),
                dir.display()
            )));
        }
        let (params, runs) = read_points(&merged)?;
        if runs.is_empty() {
            return Err(CalibrationError::Input(format!(
                "{} has no runs",
                merged.display()
            )));
        }
        let mut points: Vec<Point> = runs
            .into_iter()
            .map(|(id, (values, runs))| {
                let obs: Vec<&dyn Observations> =
                    runs.values().map(|o| o as &dyn Observations).collect();
                let outcomes = evaluate(Runs {
                    base: &obs,
                    ..Runs::default()
                });
                Point {
                    id,
                    values,
                    score: score(&outcomes),
                    outcomes,
                }
            })
            .collect();
        points.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.id.cmp(&b.id)));
        let accepted = ((points.len() as f64 * accept).ceil() as usize).clamp(1, points.len());
        Ok(Calibration {
            params,
            points,
            accepted,
            accept,
        })
    }

    /// `calibration.csv`: rank, point, parameter values, score, calibration targets passed, whether
    /// accepted, and every target's simulated mean.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let ids: Vec<&str> = self.points[0]
            .outcomes
            .iter()
            .map(|o| o.target.id)
            .collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head = vec!["rank".to_string(), "point".into()];
        head.extend(self.params.iter().cloned());
        head.extend(["score".into(), "passed".into(), "accepted".into()]);
        head.extend(ids.iter().map(|s| s.to_string()));
        w.write_record(&head)?;
        for (rank, p) in self.points.iter().enumerate() {
            let mut r = vec![(rank + 1).to_string(), p.id.to_string()];
            r.extend(p.values.iter().cloned());
            r.push(crate::output::num(p.score));
            r.push(tally(&p.outcomes, Split::Calibration).0.to_string());
            r.push((rank < self.accepted).to_string());
            r.extend(p.outcomes.iter().map(|o| {
                o.summary
                    .as_ref()
                    .map_or(String::new(), |s| crate::output::num(s.mean))
            }));
            w.write_record(&r)?;
        }
        w.into_inner().map_err(|e| anyhow!("{e}"))
    }

    /// `calibration.md`: the accepted parameter ranges and the best point's table.
    pub fn markdown(&self, dir: &Path) -> String {
        let best = &self.points[0];
        let mut md = String::new();
        let _ = writeln!(md, "# Calibration: ABC rejection over {}\n", dir.display());
        let _ = writeln!(
            md,
            "{} points scored against {} baseline calibration targets (December snapshots, flows × 12); the best {} ({}%) are accepted. Holdout targets are shown, never scored.\n",
            self.points.len(),
            tally(&best.outcomes, Split::Calibration).1,
            self.accepted,
            (self.accept * 100.0).round()
        );
        let _ = writeln!(
            md,
            "| parameter | best point | accepted mean | accepted min | accepted max |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|");
        for (j, name) in self.params.iter().enumerate() {
            let acc: Vec<f64> = self.points[..self.accepted]
                .iter()
                .filter_map(|p| p.values[j].parse::<f64>().ok())
                .collect();
            let mean = acc.iter().sum::<f64>() / acc.len().max(1) as f64;
            let min = acc.iter().copied().fold(f64::INFINITY, f64::min);
            let max = acc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let _ = writeln!(
                md,
                "| `{name}` | {} | {} | {} | {} |",
                best.values[j],
                short(mean),
                short(min),
                short(max)
            );
        }
        let _ = writeln!(
            md,
            "\nBest point {} (score {}):\n",
            best.id,
            short(best.score)
        );
        let _ = writeln!(md, "```\n{}```", table_text(&best.outcomes));
        let _ = writeln!(
            md,
            "\nHoldout targets over the {} accepted points (never scored):\n",
            self.accepted
        );
        let _ = writeln!(md, "| target | band | passes at | lowest | highest |");
        let _ = writeln!(md, "|---|---|---|---|---|");
        let accepted = &self.points[..self.accepted];
        for (k, o) in best.outcomes.iter().enumerate() {
            if o.target.split != Split::Holdout {
                continue;
            }
            let means: Vec<f64> = accepted
                .iter()
                .filter_map(|p| p.outcomes[k].summary.as_ref().map(|s| s.mean))
                .collect();
            let passes = accepted.iter().filter(|p| p.outcomes[k].pass).count();
            let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let _ = writeln!(
                md,
                "| `{}` | {} | {passes} of {} | {} | {} |",
                o.target.id,
                o.target.band(),
                accepted.len(),
                short(lo),
                short(hi)
            );
        }
        let _ = writeln!(
            md,
            "\nNot shown: targets read from runs the sweep does not make ({}; `zgc validate` \
             runs them).",
            super::targets()
                .iter()
                .filter(|t| t.scenario != super::Scenario::Baseline)
                .map(|t| format!("`{}`", t.id))
                .collect::<Vec<_>>()
                .join(", ")
        );
        md
    }
}

/// A point's parameter values and its runs' observations (run id → observations).
type PointRuns = (Vec<String>, BTreeMap<i64, SnapshotObs>);

/// The parameter columns of a merged table and its rows grouped by point.
fn read_points(merged: &Path) -> Result<(Vec<String>, BTreeMap<i64, PointRuns>), CalibrationError> {
    let mut rdr =
        csv::Reader::from_path(merged).with_context(|| format!("reading {}", merged.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .with_context(|| format!("reading {}", merged.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_run), Some(c_point), Some(c_seed), Some(c_tick), Some(c_date)) = (
        col("run"),
        col("point"),
        col("seed"),
        col("tick"),
        col("date"),
    ) else {
        return Err(CalibrationError::Input(format!(
            "{} is not a merged sweep table",
            merged.display()
        )));
    };
    let params: Vec<usize> = (c_seed + 1..c_tick).collect();
    let indicators: Vec<usize> = (c_date + 1..header.len()).collect();
    let mut points: BTreeMap<i64, PointRuns> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.with_context(|| format!("reading {}", merged.display()))?;
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
    let names = params.iter().map(|&c| header[c].clone()).collect();
    Ok((names, points))
}
