//! Comparing scenarios over replicate runs: reporting periods, the yearly value of every
//! indicator in a run, means with confidence intervals across replicates, and paired
//! differences against the base scenario (common random numbers). Pure: no I/O, no threads.
//!
//! # What is compared
//!
//! A *metric* is an indicator in a scope: the city-wide indicators of
//! [`INDICATORS`](crate::metrics::INDICATORS) (scope `city`), the
//! [`REGION_INDICATORS`](crate::metrics::REGION_INDICATORS) of each tracked region (scope =
//! the region's name in `regions.csv`, e.g. `huilongguan` or `park:haidian`) and the
//! [`PARK_INDICATORS`](crate::metrics::PARK_INDICATORS) of each science park (scope
//! `park:<name>`).
//!
//! # Reporting periods
//!
//! Every calendar year of a run ends a period in December; the run's last month ends the
//! last period even when it is not a December. A period's value of a monthly indicator follows
//! its [`Aggregation`]: a `level` is the value in the period's last month, a `mean` the mean
//! of its months (months without a value are skipped), a `flow` the sum over its months,
//! annualised (× 12 / months) when the period is shorter than a year, as `parks.csv` does.
//! `yearly` park figures are taken from the park's row for that period.
//!
//! # Statistics
//!
//! For each metric, scenario and period: the mean over replicates with its sample standard
//! deviation and Student-t confidence interval ([`Summary`]); for each alternative, the mean
//! of the paired differences `alt[k] − base[k]` over replicates `k` that share their seed,
//! with a paired-t interval and the relative change ([`PairedDiff`]).

use crate::calendar::YearMonth;
use crate::metrics::{
    Aggregation, Indicator, ParkRow, RegionRow, TickRow, INDICATORS, PARK_INDICATORS,
    REGION_INDICATORS,
};
use crate::stats::{PairedDiff, Summary};
use crate::world::grid::GridSpec;

/// Confidence level of every interval of a comparison.
pub const LEVEL: f64 = 0.95;

/// Replicates per scenario when none are given (`zgc compare`, `zgc.compare`). 20, not 10: at
/// the default scale (0.01) ten replicates leave Hui+'s local start-up births unresolved
/// (docs/ODD.md §8.7, issue 17 item 6); twenty resolve every headline effect of the shipped
/// scenarios, that one at the edge.
pub const DEFAULT_REPLICATES: u32 = 20;

/// City-wide indicators shown first: on the terminal, at the top of the report.
pub const KEY_INDICATORS: &[&str] = &[
    "startups_born",
    "startups_alive",
    "innovation_output",
    "value_added",
    "mean_commute_min",
    "huilongguan_commute_min",
    "huilongguan_jobs_housing",
    "rent_office_core",
    "startups_born_core",
    "startups_born_avenue",
    "startups_born_innovation_street",
];

/// Scope name of the city-wide indicators.
pub const CITY: &str = "city";

/// Errors of a comparison: runs that cannot be compared.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CompareError {
    /// No scenario or no replicate.
    #[error("nothing to compare: {0}")]
    Empty(String),
    /// Runs that differ in shape (replicates, periods or metrics).
    #[error("runs cannot be compared: {0}")]
    Mismatch(String),
}

/// A reporting period: a calendar year, or its part covered by the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// Its last month.
    pub end: YearMonth,
    /// Months of the run in it (12 for a whole year).
    pub months: u32,
}

impl Period {
    /// `YYYY-MM` of the last month.
    pub fn label(&self) -> String {
        self.end.to_string()
    }
}

/// Where a metric's values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `timeseries.csv` (monthly).
    City,
    /// `regions.csv` (monthly).
    Region,
    /// `parks.csv` (yearly).
    Park,
}

/// One compared quantity: an indicator in a scope.
#[derive(Clone, Debug)]
pub struct Metric {
    /// `city`, a region name or `park:<name>`.
    pub scope: String,
    /// The indicator's definition.
    pub indicator: Indicator,
    /// Where its values come from.
    pub source: Source,
}

impl PartialEq for Metric {
    fn eq(&self, o: &Self) -> bool {
        self.scope == o.scope && self.indicator.name == o.indicator.name && self.source == o.source
    }
}

impl Metric {
    /// `name` for city-wide metrics, `scope/name` otherwise.
    pub fn key(&self) -> String {
        if self.scope == CITY {
            self.indicator.name.to_string()
        } else {
            format!("{}/{}", self.scope, self.indicator.name)
        }
    }

    /// Unit of the period values: flows are per year.
    pub fn unit(&self) -> String {
        period_unit(&self.indicator)
    }

    /// Meaning of the period values: a monthly flow's "this month" dropped and "per month"
    /// made "per year", as its period values are yearly.
    pub fn description(&self) -> String {
        let d = self.indicator.description;
        match self.indicator.aggregation {
            Aggregation::Flow => d
                .replace(" this month", "")
                .replace("per month", "per year"),
            _ => d.to_string(),
        }
    }
}

/// Unit of an indicator's period value: `…/month` flows become `…/year`.
pub fn period_unit(ind: &Indicator) -> String {
    match (ind.aggregation, ind.unit.strip_suffix("/month")) {
        (Aggregation::Flow, Some(stem)) => format!("{stem}/year"),
        _ => ind.unit.to_string(),
    }
}

/// The value of one period from its monthly values (in order), by aggregation. NaN when
/// there is no value to aggregate.
pub fn aggregate(monthly: &[f64], agg: Aggregation) -> f64 {
    let finite = || monthly.iter().copied().filter(|v| v.is_finite());
    match agg {
        Aggregation::Level | Aggregation::Yearly => monthly.last().copied().unwrap_or(f64::NAN),
        Aggregation::Mean => {
            let n = finite().count();
            if n == 0 {
                f64::NAN
            } else {
                finite().sum::<f64>() / n as f64
            }
        }
        Aggregation::Flow => {
            if monthly.is_empty() || finite().count() == 0 {
                f64::NAN
            } else {
                finite().sum::<f64>() * 12.0 / monthly.len() as f64
            }
        }
    }
}

/// What one run contributes: one value per metric and period.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSeries {
    /// The metrics, in order.
    pub metrics: Vec<Metric>,
    /// The periods, in order.
    pub periods: Vec<Period>,
    /// `values[metric][period]`.
    pub values: Vec<Vec<f64>>,
}

/// Collects a run's rows tick by tick and turns them into a [`RunSeries`].
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    dates: Vec<YearMonth>,
    /// Per city indicator, per tick.
    city: Vec<Vec<f64>>,
    /// Region names in row order.
    regions: Vec<String>,
    /// Per region, per region indicator, per tick.
    region: Vec<Vec<Vec<f64>>>,
    /// Park names in order of first appearance.
    parks: Vec<String>,
    /// Per park: (tick, values of `PARK_INDICATORS`).
    park: Vec<Vec<(usize, Vec<f64>)>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder {
            city: vec![Vec::new(); INDICATORS.len()],
            ..Default::default()
        }
    }

    /// Record one tick: its indicator row, the region rows and the park rows (if a period
    /// ended). A month whose date does not parse is skipped.
    pub fn record(&mut self, row: &TickRow, regions: &[RegionRow], parks: &[ParkRow]) {
        let Some(date) = YearMonth::parse(&row.date) else {
            return;
        };
        let t = self.dates.len();
        self.dates.push(date);
        for (k, col) in self.city.iter_mut().enumerate() {
            col.push(row.values.get(k).copied().unwrap_or(f64::NAN));
        }
        for r in regions {
            let i = match self.regions.iter().position(|n| *n == r.region) {
                Some(i) => i,
                None => {
                    self.regions.push(r.region.clone());
                    self.region
                        .push(vec![vec![f64::NAN; t]; REGION_INDICATORS.len()]);
                    self.regions.len() - 1
                }
            };
            for (col, v) in self.region[i].iter_mut().zip(r.values()) {
                col.push(v);
            }
        }
        // A region missing this tick gets NaN, so every column stays one value per tick.
        for cols in &mut self.region {
            for col in cols.iter_mut() {
                col.resize(t + 1, f64::NAN);
            }
        }
        for p in parks {
            let i = match self.parks.iter().position(|n| *n == p.park) {
                Some(i) => i,
                None => {
                    self.parks.push(p.park.clone());
                    self.park.push(Vec::new());
                    self.parks.len() - 1
                }
            };
            self.park[i].push((t, p.values().to_vec()));
        }
    }

    /// The reporting periods of the recorded months, each as (period, first tick, last tick).
    fn periods(&self) -> Vec<(Period, usize, usize)> {
        let mut out = Vec::new();
        let mut first = 0;
        for (t, d) in self.dates.iter().enumerate() {
            if d.month == 12 || t + 1 == self.dates.len() {
                out.push((
                    Period {
                        end: *d,
                        months: (t + 1 - first) as u32,
                    },
                    first,
                    t,
                ));
                first = t + 1;
            }
        }
        out
    }

    /// The run's values per metric and period.
    pub fn finish(&self) -> RunSeries {
        self.series(self.periods())
    }

    /// The run's values over spans of months given by their first and last tick (e.g. a
    /// policy's period): flows as a mean year (the sum × 12 / months), means over the months,
    /// levels at the last month; park figures from the park row of the last month (NaN where
    /// there is none). Spans past the recorded months are cut to them.
    pub fn over(&self, spans: &[(usize, usize)]) -> RunSeries {
        let n = self.dates.len();
        let periods = spans
            .iter()
            .filter(|_| n > 0)
            .map(|&(a, b)| {
                let b = b.min(n - 1);
                let a = a.min(b);
                (
                    Period {
                        end: self.dates[b],
                        months: (b + 1 - a) as u32,
                    },
                    a,
                    b,
                )
            })
            .collect();
        self.series(periods)
    }

    fn series(&self, periods: Vec<(Period, usize, usize)>) -> RunSeries {
        let mut metrics = Vec::new();
        let mut values = Vec::new();
        let per_period = |col: &[f64], agg: Aggregation| -> Vec<f64> {
            periods
                .iter()
                .map(|&(_, a, b)| aggregate(&col[a..=b], agg))
                .collect()
        };
        for (ind, col) in INDICATORS.iter().zip(&self.city) {
            metrics.push(Metric {
                scope: CITY.into(),
                indicator: *ind,
                source: Source::City,
            });
            values.push(per_period(col, ind.aggregation));
        }
        for (name, cols) in self.regions.iter().zip(&self.region) {
            for (ind, col) in REGION_INDICATORS.iter().zip(cols) {
                metrics.push(Metric {
                    scope: name.clone(),
                    indicator: *ind,
                    source: Source::Region,
                });
                values.push(per_period(col, ind.aggregation));
            }
        }
        for (name, rows) in self.parks.iter().zip(&self.park) {
            let scope = if name.starts_with("park:") {
                name.clone()
            } else {
                format!("park:{name}")
            };
            for (k, ind) in PARK_INDICATORS.iter().enumerate() {
                metrics.push(Metric {
                    scope: scope.clone(),
                    indicator: *ind,
                    source: Source::Park,
                });
                values.push(
                    periods
                        .iter()
                        .map(|&(_, _, last)| {
                            rows.iter()
                                .find(|(t, _)| *t == last)
                                .map_or(f64::NAN, |(_, v)| v[k])
                        })
                        .collect(),
                );
            }
        }
        RunSeries {
            metrics,
            periods: periods.into_iter().map(|p| p.0).collect(),
            values,
        }
    }
}

/// Units of indicators that count agents (real-size counts): their values × the scale are the
/// agents behind them.
pub const COUNT_UNITS: &[&str] = &["persons", "jobs", "firms", "firms/month", "seats"];

/// Fewest agents behind a count (per run and period) for its interval to mean something: with
/// fewer, the value moves in steps of 1/scale and its sampling noise dominates.
pub const MIN_AGENTS: f64 = 30.0;

/// Agents behind a count metric's mean value in one run over a period of `months` months:
/// `|mean| × scale` for levels; for flows (whose period values are per year) the agents of
/// the whole period, `|mean| × scale × months / 12` — a flow averaged over 20 years stands on
/// 20 years of events. `None` for metrics that are not counts.
pub fn agents_behind(metric: &Metric, mean: f64, scale: f64, months: u32) -> Option<f64> {
    let years = match metric.indicator.aggregation {
        Aggregation::Flow => months as f64 / 12.0,
        _ => 1.0,
    };
    COUNT_UNITS
        .contains(&metric.indicator.unit)
        .then(|| mean.abs() * scale * years)
}

/// The statistics of one metric, scenario and period.
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    /// Mean, sd and CI over replicates; `None` when no replicate has a value.
    pub summary: Option<Summary>,
    /// Paired difference against the base (alternatives only); `None` for the base or when
    /// no pair has values.
    pub diff: Option<PairedDiff>,
}

/// A whole comparison: every metric, scenario and period.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Scenario names, base first.
    pub scenarios: Vec<String>,
    /// Replicates per scenario.
    pub replicates: usize,
    /// The metrics.
    pub metrics: Vec<Metric>,
    /// The reporting periods.
    pub periods: Vec<Period>,
    /// Confidence level.
    pub level: f64,
    /// Scale of the runs (agents per real agent): counts × scale are the agents behind them.
    pub scale: f64,
    /// `[metric][scenario][period]`, flattened.
    stats: Vec<Stat>,
}

impl Comparison {
    /// Compare `runs[scenario][replicate]` (base first); replicate `k` of every scenario must
    /// have run with the same seed. Every run must have the same metrics and periods. `scale`
    /// is the runs' scale (counts × scale are the agents behind them).
    pub fn build(
        scenarios: Vec<String>,
        runs: &[Vec<RunSeries>],
        level: f64,
        scale: f64,
    ) -> Result<Comparison, CompareError> {
        if scenarios.is_empty() || scenarios.len() != runs.len() {
            return Err(CompareError::Empty(format!(
                "{} scenario names for {} sets of runs",
                scenarios.len(),
                runs.len()
            )));
        }
        let replicates = runs[0].len();
        let Some(first) = runs[0].first() else {
            return Err(CompareError::Empty("no replicate runs".into()));
        };
        for (s, reps) in runs.iter().enumerate() {
            if reps.len() != replicates {
                return Err(CompareError::Mismatch(format!(
                    "{} has {} replicates, {} has {replicates}",
                    scenarios[s],
                    reps.len(),
                    scenarios[0]
                )));
            }
            for (k, r) in reps.iter().enumerate() {
                if r.periods != first.periods {
                    return Err(CompareError::Mismatch(format!(
                        "replicate {k} of {} covers other periods than {}",
                        scenarios[s], scenarios[0]
                    )));
                }
                if r.metrics != first.metrics || r.values.len() != r.metrics.len() {
                    return Err(CompareError::Mismatch(format!(
                        "replicate {k} of {} tracks other regions or parks than {}",
                        scenarios[s], scenarios[0]
                    )));
                }
            }
        }
        let (n_m, n_s, n_p) = (first.metrics.len(), scenarios.len(), first.periods.len());
        let mut stats = Vec::with_capacity(n_m * n_s * n_p);
        for m in 0..n_m {
            for s in 0..n_s {
                for p in 0..n_p {
                    let column = |s: usize| -> Vec<f64> {
                        runs[s]
                            .iter()
                            .map(|r| r.values[m].get(p).copied().unwrap_or(f64::NAN))
                            .collect()
                    };
                    let xs = column(s);
                    let summary = Summary::of(&xs, level).ok();
                    let diff = (s > 0)
                        .then(|| PairedDiff::of(&xs, &column(0), level).ok())
                        .flatten();
                    stats.push(Stat { summary, diff });
                }
            }
        }
        Ok(Comparison {
            scenarios,
            replicates,
            metrics: first.metrics.clone(),
            periods: first.periods.clone(),
            level,
            scale,
            stats,
        })
    }

    /// The statistics of metric `m`, scenario `s` (0 = base) and period `p`.
    pub fn stat(&self, m: usize, s: usize, p: usize) -> &Stat {
        let (n_s, n_p) = (self.scenarios.len(), self.periods.len());
        &self.stats[(m * n_s + s) * n_p + p]
    }

    /// Agents behind the mean of count metric `m` in scenario `s` and period `p`, per run
    /// (for flows, over the whole period).
    pub fn agents(&self, m: usize, s: usize, p: usize) -> Option<f64> {
        let mean = self.stat(m, s, p).summary.as_ref()?.mean;
        agents_behind(&self.metrics[m], mean, self.scale, self.periods[p].months)
    }

    /// When metric `m` is a count that stands on fewer than [`MIN_AGENTS`] agents per run in
    /// both the base and scenario `s` in period `p`, so that its interval would mislead: the
    /// larger of the two agent counts.
    pub fn too_few_agents(&self, m: usize, s: usize, p: usize) -> Option<f64> {
        let (a, b) = (self.agents(m, 0, p)?, self.agents(m, s, p)?);
        (a < MIN_AGENTS && b < MIN_AGENTS).then_some(a.max(b))
    }

    /// Index of the metric `name` in `scope`.
    pub fn metric(&self, scope: &str, name: &str) -> Option<usize> {
        self.metrics
            .iter()
            .position(|m| m.scope == scope && m.indicator.name == name)
    }

    /// Index of the last period.
    pub fn last_period(&self) -> usize {
        self.periods.len().saturating_sub(1)
    }

    /// Scopes in order of first appearance.
    pub fn scopes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for m in &self.metrics {
            if !out.contains(&m.scope.as_str()) {
                out.push(&m.scope);
            }
        }
        out
    }
}

/// Per-cell mean over replicates of a final-state field (finite values only; NaN where no
/// replicate has a value). All replicates must have the same number of cells.
pub fn mean_field(replicates: &[&[f64]]) -> Result<Vec<f64>, CompareError> {
    let Some(n) = replicates.first().map(|r| r.len()) else {
        return Err(CompareError::Empty("no replicate fields".into()));
    };
    if replicates.iter().any(|r| r.len() != n) {
        return Err(CompareError::Mismatch("fields of different sizes".into()));
    }
    Ok((0..n)
        .map(|i| {
            let (s, c) = replicates
                .iter()
                .map(|r| r[i])
                .filter(|v| v.is_finite())
                .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
            if c == 0 {
                f64::NAN
            } else {
                s / c as f64
            }
        })
        .collect())
}

/// Per-cell paired differences `alt − base` over replicates (paired by index, common random
/// numbers): the mean paired difference (NaN where no pair has both values), and 1 where the
/// paired-t interval at `level` excludes zero, 0 where it does not, NaN where it is undefined
/// (fewer than two pairs).
pub fn paired_field(
    alt: &[&[f64]],
    base: &[&[f64]],
    level: f64,
) -> Result<(Vec<f64>, Vec<f64>), CompareError> {
    let n = base.first().map_or(0, |r| r.len());
    if alt.len() != base.len() || alt.iter().chain(base).any(|r| r.len() != n) {
        return Err(CompareError::Mismatch(
            "replicate fields of different counts or sizes".into(),
        ));
    }
    let (mut mean, mut sig) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    let (mut a, mut b) = (vec![0.0; alt.len()], vec![0.0; alt.len()]);
    for i in 0..n {
        for r in 0..alt.len() {
            a[r] = alt[r][i];
            b[r] = base[r][i];
        }
        if let Ok(d) = crate::stats::summary::PairedDiff::of(&a, &b, level) {
            mean[i] = d.mean_diff;
            if d.ci().is_some() {
                sig[i] = if d.excludes_zero { 1.0 } else { 0.0 };
            }
        }
    }
    Ok((mean, sig))
}

/// A grid coarsened by `k` × `k` blocks (the last blocks may be partial), from the same
/// south-west corner.
pub fn coarse_grid(grid: &GridSpec, k: usize) -> GridSpec {
    let k = k.max(1);
    GridSpec {
        nx: grid.nx.div_ceil(k),
        ny: grid.ny.div_ceil(k),
        x0_km: grid.x0_km,
        y0_km: grid.y0_km,
        cell_km: grid.cell_km * k as f64,
    }
}

/// A field on the [`coarse_grid`] of `k` × `k` blocks: counts (`sum`) add up, other values
/// average; NaN where a block has no value (rows south → north, as the grid).
pub fn coarsen(grid: &GridSpec, values: &[f64], k: usize, sum: bool) -> Vec<f64> {
    let k = k.max(1);
    let GridSpec { nx, ny, .. } = coarse_grid(grid, k);
    let mut total = vec![0.0; nx * ny];
    let mut count = vec![0u32; nx * ny];
    for r in 0..grid.ny {
        for c in 0..grid.nx {
            let v = values[r * grid.nx + c];
            if v.is_finite() {
                let i = (r / k) * nx + c / k;
                total[i] += v;
                count[i] += 1;
            }
        }
    }
    total
        .iter()
        .zip(&count)
        .map(|(&t, &n)| match (n, sum) {
            (0, _) => f64::NAN,
            (_, true) => t,
            (n, false) => t / n as f64,
        })
        .collect()
}

/// Per-cell `alt − base` (NaN where either is missing).
pub fn difference(alt: &[f64], base: &[f64]) -> Vec<f64> {
    alt.iter().zip(base).map(|(a, b)| a - b).collect()
}

#[cfg(test)]
mod tests;
