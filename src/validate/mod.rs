//! Validation targets: the article's and DOMAIN.md's observed figures, how each is computed
//! from a run's yearly values, the acceptance band (and why), and the statistics over
//! replicates. Pure (no threads; no I/O but `calibration` reading a merged sweep table). The
//! command is `cli::validate`; the targets and their bands are documented in docs/ODD.md §8.
//!
//! A target reads a run through [`Observations`]: the value of a metric key (as
//! [`Metric::key`](crate::compare::Metric::key): `name` for city-wide indicators,
//! `scope/name` for regions and parks, e.g. `park:haidian/output_per_km2`) in a calendar
//! year. [`SeriesObs`] serves a [`RunSeries`] (yearly aggregates, as `zgc compare`);
//! [`SnapshotObs`] serves the December rows a sweep records (flows × 12), for calibration.

pub mod calibration;
pub mod robustness;
pub mod tables;
pub mod targets;

pub use targets::targets;

use std::collections::BTreeMap;

use crate::compare::RunSeries;
use crate::metrics::{Aggregation, INDICATORS, PARK_INDICATORS, REGION_INDICATORS};
use crate::stats::Summary;

/// Confidence level of the intervals.
pub const LEVEL: f64 = 0.95;

/// Year of the cross-park patterns (output per km², high-tech shares, revenue share). The
/// article's figures are for 2006–2007, before the model starts in 2009-01; 2010 is the
/// first calendar year after the model's first-year transient.
pub const PARK_YEAR: i32 = 2010;

/// The article's Zhongguancun value added, 亿元 (nominal): 2010 and 2014.
pub const ZGC_VALUE_ADDED: (f64, f64) = (2615.0, 4954.0);

/// Which scenario a target is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// The baseline.
    Baseline,
    /// The e-mall conversion / Innovation Street scenario.
    Emall,
    /// The baseline at [`FIRM_SIZE_SCALE`] to December [`FIRM_SIZE_LAST_YEAR`]: the firm-size
    /// tail. At scale `s` a firm agent stands for `1/s` firms of its size and holds at most
    /// `s` times its cell's jobs, so at the default scale 0.01 no firm exceeds a few hundred
    /// employees and the fitted tail is cut short (its exponent about 1.9 where scale 0.3
    /// gives about 1.2): the tail is only measured where the cut lies well above it.
    FirmSizes,
}

/// Scale of the firm-size runs ([`Scenario::FirmSizes`]; `zgc validate --firm-size-scale`).
pub const FIRM_SIZE_SCALE: f64 = 0.3;

/// Replicates of the firm-size runs (`zgc validate --firm-size-replicates`).
pub const FIRM_SIZE_REPLICATES: u32 = 3;

/// Last year the firm-size runs simulate (the target reads December 2017–2019).
pub const FIRM_SIZE_LAST_YEAR: i32 = 2019;

/// Whether a target was used to calibrate the model or held out to test it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// Fitted: the parameters were chosen (by hand and by ABC) to meet it.
    Calibration,
    /// Held out: never used to choose a parameter; a test of the calibrated model.
    Holdout,
}

impl Split {
    /// Name as written in `validation.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Calibration => "calibration",
            Split::Holdout => "holdout",
        }
    }
}

/// Scale on which a target's distance to its observed value is measured (calibration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Differences.
    Linear,
    /// Log ratios (for ratios spanning orders of magnitude).
    Log,
}

/// Read access to one run's yearly values.
pub trait Observations {
    /// The value of metric `key` in calendar `year` (NaN when missing).
    fn get(&self, key: &str, year: i32) -> f64;
    /// The calendar years covered, in order.
    fn years(&self) -> Vec<i32>;
}

/// A [`RunSeries`] as [`Observations`]: the period values (yearly aggregates).
pub struct SeriesObs<'a> {
    series: &'a RunSeries,
    index: BTreeMap<String, usize>,
}

impl<'a> SeriesObs<'a> {
    /// Index a run's series.
    pub fn new(series: &'a RunSeries) -> Self {
        let index = series
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key(), i))
            .collect();
        SeriesObs { series, index }
    }
}

impl Observations for SeriesObs<'_> {
    fn get(&self, key: &str, year: i32) -> f64 {
        let Some(&m) = self.index.get(key) else {
            return f64::NAN;
        };
        self.series
            .periods
            .iter()
            .position(|p| p.end.year == year)
            .and_then(|p| self.series.values[m].get(p).copied())
            .unwrap_or(f64::NAN)
    }

    fn years(&self) -> Vec<i32> {
        self.series.periods.iter().map(|p| p.end.year).collect()
    }
}

/// One recorded value per key and year (e.g. a sweep's December rows). Monthly flows are
/// annualised (× 12), so a flow's yearly value is approximated by its December month and
/// a mean's by its December value.
#[derive(Clone, Debug, Default)]
pub struct SnapshotObs {
    values: BTreeMap<(String, i32), f64>,
}

impl SnapshotObs {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record `key` in `year` from a recorded monthly value.
    pub fn insert(&mut self, key: &str, year: i32, monthly: f64) {
        let v = if aggregation_of(key) == Some(Aggregation::Flow) {
            monthly * 12.0
        } else {
            monthly
        };
        self.values.insert((key.to_string(), year), v);
    }
}

impl Observations for SnapshotObs {
    fn get(&self, key: &str, year: i32) -> f64 {
        self.values
            .get(&(key.to_string(), year))
            .copied()
            .unwrap_or(f64::NAN)
    }

    fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self.values.keys().map(|(_, y)| *y).collect();
        y.sort_unstable();
        y.dedup();
        y
    }
}

/// The aggregation of a metric key's indicator (city, region or park), if known.
pub fn aggregation_of(key: &str) -> Option<Aggregation> {
    match key.rsplit_once('/') {
        None => INDICATORS
            .iter()
            .find(|i| i.name == key)
            .map(|i| i.aggregation),
        Some((scope, name)) => {
            let list =
                if scope.starts_with("park:") && PARK_INDICATORS.iter().any(|i| i.name == name) {
                    PARK_INDICATORS
                } else {
                    REGION_INDICATORS
                };
            list.iter().find(|i| i.name == name).map(|i| i.aggregation)
        }
    }
}

/// A validation target.
#[derive(Clone, Copy)]
pub struct Target {
    /// Short identifier (CSV key).
    pub id: &'static str,
    /// Pattern of docs/ODD.md §1 it checks.
    pub pattern: &'static str,
    /// What is measured, in words.
    pub what: &'static str,
    /// Where the observed figure comes from.
    pub source: &'static str,
    /// The observed figure as text.
    pub observed: &'static str,
    /// The observed figure as a number, when there is one (calibration distance).
    pub observed_value: Option<f64>,
    /// Acceptance band `[lo, hi]` for the replicate mean.
    pub lo: f64,
    /// Upper edge (may be infinite).
    pub hi: f64,
    /// Why this band.
    pub band_reason: &'static str,
    /// Scenario it is computed from.
    pub scenario: Scenario,
    /// Calibration or holdout.
    pub split: Split,
    /// Distance scale for calibration.
    pub scale: Scale,
    /// The value of one run.
    pub compute: fn(&dyn Observations) -> f64,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("id", &self.id).finish()
    }
}

impl Target {
    /// `v` in the target's scale: itself, or its logarithm for ratios spanning orders of
    /// magnitude.
    fn scaled(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => v,
            Scale::Log => v.max(1e-12).ln(),
        }
    }

    /// Whether an interval `ci` resolves the target: no wider than the band, in the target's
    /// scale (one-sided bands and single runs, which have no interval, always do).
    pub fn resolves(&self, ci: Option<(f64, f64)>) -> bool {
        let t = |x| self.scaled(x);
        match ci {
            Some((lo, hi)) if self.lo.is_finite() && self.hi.is_finite() => {
                t(hi) - t(lo) <= t(self.hi) - t(self.lo)
            }
            _ => true,
        }
    }

    /// Whether `v` lies in the band.
    pub fn accepts(&self, v: f64) -> bool {
        v.is_finite() && v >= self.lo && v <= self.hi
    }

    /// The band as text.
    pub fn band(&self) -> String {
        if self.hi.is_infinite() {
            format!("≥ {}", short(self.lo))
        } else if self.lo.is_infinite() {
            format!("≤ {}", short(self.hi))
        } else {
            format!("[{}, {}]", short(self.lo), short(self.hi))
        }
    }

    /// Calibration distance of a value: |T(v) − T(observed)| over the band's half-width in
    /// T-space (T = identity or ln); for a target without an observed number or with an
    /// open band, the distance outside the band over its lower edge's magnitude. 0 inside
    /// one-sided bands; NaN values count as 10 (far off).
    pub fn distance(&self, v: f64) -> f64 {
        let t = |x| self.scaled(x);
        if !v.is_finite() {
            return 10.0;
        }
        match (self.observed_value, self.hi.is_finite()) {
            (Some(obs), true) => {
                let half = 0.5 * (t(self.hi) - t(self.lo));
                ((t(v) - t(obs)) / half.max(1e-12)).abs().min(10.0)
            }
            _ => {
                let below = (t(self.lo) - t(v)).max(0.0);
                let above = if self.hi.is_finite() {
                    (t(v) - t(self.hi)).max(0.0)
                } else {
                    0.0
                };
                ((below + above) / t(self.lo).abs().max(0.05)).min(10.0)
            }
        }
    }
}

/// A number with about four significant digits.
pub fn short(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .into()
    } else {
        let digits = (-a.log10().floor()) as usize + 3;
        format!("{v:.digits$}")
    }
}

/// The model-output → yuan mapping of value added: `k` such that
/// `ZGC value added (亿元, nominal) = k · value_added_parks (亿元 per year, nominal: the
/// model's money grows with its price index P_t)`, fixed so that 2010 matches the article.
/// `k` is the share of the parks' value added that belongs to firms registered in the zone.
pub fn value_added_factor(o: &dyn Observations) -> f64 {
    ZGC_VALUE_ADDED.0 / o.get("value_added_parks", 2010)
}

/// The result of one target over replicates.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The target.
    pub target: Target,
    /// Per replicate.
    pub values: Vec<f64>,
    /// Mean and CI (None when no replicate has a value).
    pub summary: Option<Summary>,
    /// Whether the replicates resolve the target: its 95% interval is no wider than its band
    /// (in the target's scale). A target standing on a handful of agents (Daxing's high-tech
    /// share at scale 0.01) is not resolved, and cannot pass: its mean says nothing.
    pub resolved: bool,
    /// Whether the target is resolved and the mean lies in the band.
    pub pass: bool,
}

impl Outcome {
    /// `pass`, `FAIL` or `unresolved`.
    pub fn result(&self) -> &'static str {
        match (self.resolved, self.pass) {
            (false, _) => "unresolved",
            (true, true) => "pass",
            (true, false) => "FAIL",
        }
    }
}

/// The replicate runs of each [`Scenario`] a validation reads (empty: not run, and its
/// targets are left out).
#[derive(Clone, Copy, Default)]
pub struct Runs<'a> {
    /// The baseline.
    pub base: &'a [&'a dyn Observations],
    /// The e-mall conversion scenario.
    pub emall: &'a [&'a dyn Observations],
    /// The baseline at the firm-size scale.
    pub firm_sizes: &'a [&'a dyn Observations],
}

/// Evaluate every target on the runs of its scenario; targets whose scenario has no runs
/// are left out.
pub fn evaluate(runs: Runs<'_>) -> Vec<Outcome> {
    targets()
        .into_iter()
        .filter_map(|t| {
            let runs = match t.scenario {
                Scenario::Baseline => runs.base,
                Scenario::Emall => runs.emall,
                Scenario::FirmSizes => runs.firm_sizes,
            };
            if runs.is_empty() {
                return None;
            }
            let values: Vec<f64> = runs.iter().map(|o| (t.compute)(*o)).collect();
            let summary = Summary::of(&values, LEVEL).ok();
            let resolved = t.resolves(summary.as_ref().and_then(|s| s.ci()));
            let pass = resolved && summary.as_ref().is_some_and(|s| t.accepts(s.mean));
            Some(Outcome {
                target: t,
                values,
                summary,
                resolved,
                pass,
            })
        })
        .collect()
}

/// The outcomes of one split, in table order.
pub fn of_split(outcomes: &[Outcome], split: Split) -> impl Iterator<Item = &Outcome> {
    outcomes.iter().filter(move |o| o.target.split == split)
}

/// Targets of one split that the replicates do not resolve ([`Outcome::resolved`]).
pub fn unresolved(outcomes: &[Outcome], split: Split) -> usize {
    of_split(outcomes, split).filter(|o| !o.resolved).count()
}

/// (targets passed, targets) of one split.
pub fn tally(outcomes: &[Outcome], split: Split) -> (usize, usize) {
    let n = of_split(outcomes, split).count();
    (of_split(outcomes, split).filter(|o| o.pass).count(), n)
}

/// Calibration score of a point: the root mean square of the calibration targets'
/// distances ([`Target::distance`]) of the replicate means; lower is better. Holdout targets
/// never enter it.
pub fn score(outcomes: &[Outcome]) -> f64 {
    let d: Vec<f64> = of_split(outcomes, Split::Calibration)
        .map(|o| {
            o.target
                .distance(o.summary.as_ref().map_or(f64::NAN, |s| s.mean))
        })
        .collect();
    if d.is_empty() {
        return f64::NAN;
    }
    (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_resolved_only_by_an_interval_no_wider_than_its_band() {
        let t = targets();
        let by = |id: &str| t.iter().find(|x| x.id == id).unwrap().clone();
        let daxing = by("high_tech_share_daxing"); // band [0.20, 0.40], linear
        assert!(daxing.resolves(Some((0.25, 0.40))));
        assert!(!daxing.resolves(Some((0.19, 0.71))), "wider than the band");
        assert!(daxing.resolves(None), "a single run has no interval");
        let ratio = by("output_ratio_daxing"); // ×÷1.5 around 0.0018: log scale
        assert!(ratio.resolves(Some((0.0018 / 1.4, 0.0018 * 1.4))));
        assert!(!ratio.resolves(Some((0.0018 / 1.6, 0.0018 * 1.6))));
        let open = by("firms_left_core"); // ≥ 100
        assert!(
            open.resolves(Some((0.0, 1e9))),
            "one-sided bands always are"
        );
        let base: Vec<SnapshotObs> = (0..4)
            .map(|k| {
                let mut o = SnapshotObs::new();
                for y in 2009..=2011 {
                    o.insert(
                        "park:daxing_biomedicine/high_tech_share_zone",
                        y,
                        k as f64 / 3.0,
                    );
                }
                o
            })
            .collect();
        let b: Vec<&dyn Observations> = base.iter().map(|o| o as &dyn Observations).collect();
        let out = evaluate(Runs {
            base: &b,
            ..Runs::default()
        });
        let d = out
            .iter()
            .find(|o| o.target.id == "high_tech_share_daxing")
            .unwrap();
        assert!(!d.resolved && !d.pass && d.result() == "unresolved");
    }

    fn obs(pairs: &[(&str, i32, f64)]) -> SnapshotObs {
        let mut o = SnapshotObs::new();
        for &(k, y, v) in pairs {
            o.values.insert((k.to_string(), y), v);
        }
        o
    }

    #[test]
    fn ratios_and_bands() {
        let o = obs(&[
            ("park:haidian/output_per_km2", 2010, 111.0),
            ("park:changping/output_per_km2", 2010, 30.0),
            ("park:electronic_city/output_per_km2", 2010, 50.0),
            ("park:tongzhou/output_per_km2", 2010, 1.0),
            ("park:daxing_biomedicine/output_per_km2", 2010, 0.2),
        ]);
        let out = evaluate(Runs {
            base: &[&o],
            ..Runs::default()
        });
        let get = |id: &str| out.iter().find(|x| x.target.id == id).unwrap();
        assert!(get("output_ratio_inner").pass);
        assert!(get("output_ratio_tongzhou").pass);
        assert!(get("output_ratio_daxing").pass);
        assert_eq!(get("output_gradient_ordered").values, vec![1.0]);
        // No e-mall runs: the Innovation Street target is left out.
        assert!(out
            .iter()
            .all(|x| x.target.id != "innovation_street_startups_per_day"));
        // Missing values fail.
        assert!(!get("revenue_share_haidian").pass);
    }

    #[test]
    fn distance_is_zero_at_the_observation_and_grows() {
        let t = targets()
            .into_iter()
            .find(|t| t.id == "output_ratio_tongzhou")
            .unwrap();
        assert!(t.distance(1.0 / 111.0) < 1e-9);
        // At the band's edge (×1.5) the distance is 1.
        assert!((t.distance(1.5 / 111.0) - 1.0).abs() < 1e-9);
        assert!(t.distance(3.0 / 111.0) > t.distance(1.5 / 111.0));
        assert_eq!(t.distance(f64::NAN), 10.0);
        let open = targets()
            .into_iter()
            .find(|t| t.id == "core_rent_growth_ratio")
            .unwrap();
        assert_eq!(open.distance(1.5), 0.0);
        assert!(open.distance(0.5) > 0.0);
    }

    #[test]
    fn holdout_targets_never_enter_the_score() {
        let all = targets();
        let holdout = all.iter().filter(|t| t.split == Split::Holdout).count();
        assert!(holdout >= 5, "{holdout} holdout targets");
        // Every calibration target met exactly, every holdout target missing: score 0.
        let outcomes: Vec<Outcome> = all
            .into_iter()
            .map(|t| {
                let v = match t.split {
                    Split::Holdout => f64::NAN,
                    Split::Calibration => {
                        t.observed_value
                            .unwrap_or(if t.lo.is_finite() { t.lo } else { t.hi })
                    }
                };
                Outcome {
                    target: t,
                    values: vec![v, v],
                    summary: Summary::of(&[v, v], LEVEL).ok(),
                    resolved: true,
                    pass: false,
                }
            })
            .collect();
        assert!(score(&outcomes) < 1e-9, "{}", score(&outcomes));
        let ids: Vec<&str> = outcomes.iter().map(|o| o.target.id).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "target ids are unique");
    }

    #[test]
    fn snapshot_flows_are_annualised() {
        let mut o = SnapshotObs::new();
        o.insert("startups_born", 2010, 10.0);
        o.insert("survival_1y", 2010, 0.8);
        assert_eq!(o.get("startups_born", 2010), 120.0);
        assert_eq!(o.get("survival_1y", 2010), 0.8);
        assert_eq!(o.years(), vec![2010]);
    }

    /// Observations that note every key a target reads (each value 1).
    struct KeyLog(std::cell::RefCell<std::collections::BTreeSet<String>>);

    impl Observations for KeyLog {
        fn get(&self, key: &str, _year: i32) -> f64 {
            self.0.borrow_mut().insert(key.to_string());
            1.0
        }
        fn years(&self) -> Vec<i32> {
            (2009..=2028).collect()
        }
    }

    /// The keys each target reads, by target.
    fn keys_read() -> Vec<(Target, Vec<String>)> {
        targets()
            .into_iter()
            .map(|t| {
                let log = KeyLog(Default::default());
                let _ = (t.compute)(&log);
                let keys = log.0.into_inner().into_iter().collect();
                (t, keys)
            })
            .collect()
    }

    #[test]
    fn every_target_key_is_an_indicator() {
        for (t, keys) in keys_read() {
            assert!(!keys.is_empty(), "{} reads nothing", t.id);
            for key in keys {
                assert!(aggregation_of(&key).is_some(), "{}: {key}", t.id);
            }
        }
    }

    #[test]
    fn the_calibration_sweep_records_what_the_baseline_targets_read() {
        let sweep: toml::Table = toml::from_str(include_str!(
            "../../scenarios/sweeps/calibration_sweep.toml"
        ))
        .unwrap();
        let recorded: Vec<&str> = sweep["record"]["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for (t, keys) in keys_read() {
            if t.scenario != Scenario::Baseline {
                continue;
            }
            for key in keys {
                assert!(
                    recorded.contains(&key.as_str()),
                    "{}: {key} not recorded",
                    t.id
                );
            }
        }
    }
}
