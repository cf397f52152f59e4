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
pub mod tables;

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
    /// Whether `v` lies in the band.
    pub fn accepts(&self, v: f64) -> bool {
        v.is_finite() && v >= self.lo && v <= self.hi
    }

    /// The band as text.
    pub fn band(&self) -> String {
        if self.hi.is_infinite() {
            format!("≥ {}", short(self.lo))
        } else {
            format!("[{}, {}]", short(self.lo), short(self.hi))
        }
    }

    /// Calibration distance of a value: |T(v) − T(observed)| over the band's half-width in
    /// T-space (T = identity or ln); for a target without an observed number or with an
    /// open band, the distance outside the band over its lower edge's magnitude. 0 inside
    /// one-sided bands; NaN values count as 10 (far off).
    pub fn distance(&self, v: f64) -> f64 {
        let t = |x: f64| match self.scale {
            Scale::Linear => x,
            Scale::Log => x.max(1e-12).ln(),
        };
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

fn opk(o: &dyn Observations, park: &str) -> f64 {
    o.get(&format!("park:{park}/output_per_km2"), PARK_YEAR)
}

/// A park's high-tech share, the mean of the years around [`PARK_YEAR`] (2009–2011): the
/// outer parks hold only a few firm agents at scale 0.01, so one year's share is granular.
fn ht(o: &dyn Observations, park: &str) -> f64 {
    mean_over(
        o,
        &format!("park:{park}/high_tech_share_zone"),
        PARK_YEAR - 1..=PARK_YEAR + 1,
    )
}

fn inner(o: &dyn Observations) -> f64 {
    0.5 * (opk(o, "changping") + opk(o, "electronic_city"))
}

fn last_year(o: &dyn Observations) -> i32 {
    o.years().last().copied().unwrap_or(0)
}

fn first_year(o: &dyn Observations) -> i32 {
    o.years().first().copied().unwrap_or(0)
}

/// Mean of a key's yearly values over `years` (finite ones only).
fn mean_over(o: &dyn Observations, key: &str, years: impl Iterator<Item = i32>) -> f64 {
    let (s, n) = years
        .map(|y| o.get(key, y))
        .filter(|v| v.is_finite())
        .fold((0.0, 0), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

const FACTOR3: &str = "within a factor of 3 of the article's ratio: single-year rounded figures for 2006, model park boundaries are stylised discs and rectangles (docs/ODD.md §5.6), and the outer parks hold few agents at scale 0.01";
const HT_HIGH: &str = "the article's bound (above 70%) as stated";
const HT_LOW: &str = "the article's range (20–40%) as stated";
const SURVIVAL: &str = "±10 points: the public figure is a cross-country rule of thumb, first-year survival ranges about 75–85% across OECD economies";

/// The validation targets, in table order.
pub fn targets() -> Vec<Target> {
    let mut t = spatial_targets();
    t.extend(dynamic_targets());
    t
}

/// The spatial patterns: output per km² falling outward, high-tech shares by park, Haidian's
/// share of revenue.
fn spatial_targets() -> Vec<Target> {
    let high = |id, park: &'static str| Target {
        id,
        pattern: "P2",
        what: "high-tech share of the park's technology firms (mean 2009–2011)",
        source: "article (2007): above 70% in Haidian, Changping, Fengtai",
        observed: "> 0.70",
        observed_value: None,
        lo: 0.70,
        hi: 1.0,
        band_reason: HT_HIGH,
        scenario: Scenario::Baseline,
        scale: Scale::Linear,
        compute: match park {
            "haidian" => |o| ht(o, "haidian"),
            "changping" => |o| ht(o, "changping"),
            _ => |o| ht(o, "fengtai"),
        },
    };
    let low = |id, park: &'static str| Target {
        id,
        pattern: "P2",
        what: "high-tech share of the park's technology firms (mean 2009–2011)",
        source: "article (2007): 20–40% in Tongzhou, Daxing bio-medicine base, Shijingshan",
        observed: "0.20–0.40",
        observed_value: Some(0.30),
        lo: 0.20,
        hi: 0.40,
        band_reason: HT_LOW,
        scenario: Scenario::Baseline,
        scale: Scale::Linear,
        compute: match park {
            "tongzhou" => |o| ht(o, "tongzhou"),
            "daxing_biomedicine" => |o| ht(o, "daxing_biomedicine"),
            _ => |o| ht(o, "shijingshan"),
        },
    };
    vec![
        Target {
            id: "output_ratio_inner",
            pattern: "P1",
            what: "output/km² of Changping and Electronic City (mean) ÷ Haidian (2010)",
            source: "article (2006): 40 : 111 亿元/km²",
            observed: "0.360",
            observed_value: Some(40.0 / 111.0),
            lo: 40.0 / 111.0 / 3.0,
            hi: 40.0 / 111.0 * 3.0,
            band_reason: FACTOR3,
            scenario: Scenario::Baseline,
            scale: Scale::Log,
            compute: |o| inner(o) / opk(o, "haidian"),
        },
        Target {
            id: "output_ratio_tongzhou",
            pattern: "P1",
            what: "output/km² of Tongzhou ÷ Haidian (2010)",
            source: "article (2006): 1 : 111",
            observed: "0.0090",
            observed_value: Some(1.0 / 111.0),
            lo: 1.0 / 111.0 / 3.0,
            hi: 1.0 / 111.0 * 3.0,
            band_reason: FACTOR3,
            scenario: Scenario::Baseline,
            scale: Scale::Log,
            compute: |o| opk(o, "tongzhou") / opk(o, "haidian"),
        },
        Target {
            id: "output_ratio_daxing",
            pattern: "P1",
            what: "output/km² of the Daxing bio-medicine base ÷ Haidian (2010)",
            source: "article (2006): 0.2 : 111",
            observed: "0.0018",
            observed_value: Some(0.2 / 111.0),
            lo: 0.2 / 111.0 / 3.0,
            hi: 0.2 / 111.0 * 3.0,
            band_reason: FACTOR3,
            scenario: Scenario::Baseline,
            scale: Scale::Log,
            compute: |o| opk(o, "daxing_biomedicine") / opk(o, "haidian"),
        },
        Target {
            id: "output_gradient_ordered",
            pattern: "P1",
            what: "share of replicates with Haidian > Changping/EC > Tongzhou > Daxing in output/km² (2010)",
            source: "article (2006): falling outward from Haidian",
            observed: "1",
            observed_value: None,
            lo: 0.9,
            hi: 1.0,
            band_reason: "the order holds in at least 9 of 10 replicates",
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| {
                let (h, i, t, d) = (
                    opk(o, "haidian"),
                    inner(o),
                    opk(o, "tongzhou"),
                    opk(o, "daxing_biomedicine"),
                );
                if [h, i, t, d].iter().any(|v| !v.is_finite()) {
                    f64::NAN
                } else {
                    (h > i && i > t && t > d) as u8 as f64
                }
            },
        },
        high("high_tech_share_haidian", "haidian"),
        high("high_tech_share_changping", "changping"),
        high("high_tech_share_fengtai", "fengtai"),
        low("high_tech_share_tongzhou", "tongzhou"),
        low("high_tech_share_daxing", "daxing_biomedicine"),
        low("high_tech_share_shijingshan", "shijingshan"),
        Target {
            id: "revenue_share_haidian",
            pattern: "P3",
            what: "Haidian park's share of the revenue of all parks (2010)",
            source: "article: close to 50%",
            observed: "≈ 0.50",
            observed_value: Some(0.5),
            lo: 0.40,
            hi: 0.60,
            band_reason: "\"close to 50%\" read as ±10 points",
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| o.get("park:haidian/revenue_share", PARK_YEAR),
        },
    ]
}

/// The dynamic patterns: survival, commutes and jobs–housing in Huilongguan, core rents and
/// firms leaving the core, Innovation Street's start-ups, value-added growth.
fn dynamic_targets() -> Vec<Target> {
    vec![
        Target {
            id: "survival_1y",
            pattern: "P7",
            what: "start-ups alive 12 months after birth (cohorts pooled, final year)",
            source: "DOMAIN.md public figure: about 80%",
            observed: "0.80",
            observed_value: Some(0.80),
            lo: 0.70,
            hi: 0.90,
            band_reason: SURVIVAL,
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| o.get("survival_1y", last_year(o)),
        },
        Target {
            id: "survival_5y",
            pattern: "P7",
            what: "start-ups alive 60 months after birth (cohorts pooled, final year)",
            source: "DOMAIN.md public figure: about 50%",
            observed: "0.50",
            observed_value: Some(0.50),
            lo: 0.40,
            hi: 0.60,
            band_reason: SURVIVAL,
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| o.get("survival_5y", last_year(o)),
        },
        Target {
            id: "survival_10y",
            pattern: "P7",
            what: "start-ups alive 120 months after birth (cohorts pooled, final year)",
            source: "DOMAIN.md public figure: about 35%",
            observed: "0.35",
            observed_value: Some(0.35),
            lo: 0.25,
            hi: 0.45,
            band_reason: SURVIVAL,
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| o.get("survival_10y", last_year(o)),
        },
        Target {
            id: "huilongguan_commute_ratio",
            pattern: "P6",
            what: "lowest yearly ratio of Huilongguan residents' mean commute to the city mean",
            source: "article: a \"sleeping city\" whose workers commute to Wudaokou and Shangdi in a daily tide",
            observed: "> 1 (longer)",
            observed_value: None,
            lo: 1.0,
            hi: f64::INFINITY,
            band_reason: "longer than the city mean in every year of the run",
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| {
                o.years()
                    .into_iter()
                    .map(|y| o.get("huilongguan_commute_min", y) / o.get("mean_commute_min", y))
                    .fold(f64::INFINITY, |a, v| if v.is_nan() { f64::NAN } else { a.min(v) })
            },
        },
        Target {
            id: "huilongguan_jobs_housing",
            pattern: "P6",
            what: "jobs per resident worker in Huilongguan (mean over the run)",
            source: "article: a residential \"sleeping city\" of ~400,000 tech workers, few jobs",
            observed: "low (city ≈ 1)",
            observed_value: None,
            lo: 0.0,
            hi: 0.5,
            band_reason: "at most half a job per resident worker, where the city as a whole has about one",
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| mean_over(o, "huilongguan_jobs_housing", o.years().into_iter()),
        },
        Target {
            id: "core_rent_growth_ratio",
            pattern: "P4",
            what: "growth of core office rent ÷ growth of peripheral office rent (first to last year)",
            source: "article: core land prices rise faster than the periphery",
            observed: "> 1",
            observed_value: None,
            lo: 1.0,
            hi: f64::INFINITY,
            band_reason: "core rents grow faster than peripheral ones",
            scenario: Scenario::Baseline,
            scale: Scale::Linear,
            compute: |o| {
                let (a, b) = (first_year(o), last_year(o));
                (o.get("rent_office_core", b) / o.get("rent_office_core", a))
                    / (o.get("rent_office_periphery", b) / o.get("rent_office_periphery", a))
            },
        },
        Target {
            id: "firms_left_core",
            pattern: "P4",
            what: "firms moving out of the innovation core per year (real scale, mean over the run)",
            source: "article: high rents push some firms out of the core",
            observed: "> 0",
            observed_value: None,
            lo: 100.0,
            hi: f64::INFINITY,
            band_reason: "a steady outflow: at least 100 real firms a year (one agent at scale 0.01)",
            scenario: Scenario::Baseline,
            scale: Scale::Log,
            compute: |o| mean_over(o, "firms_left_core", o.years().into_iter()),
        },
        Target {
            id: "innovation_street_startups_per_day",
            pattern: "policy",
            what: "start-ups founded at Innovation Street per day, real scale, 2015–2017 (e-mall conversion scenario)",
            source: "article: about 1.6 start-ups incubated a day",
            observed: "1.6",
            observed_value: Some(1.6),
            lo: 0.8,
            hi: 3.2,
            band_reason: "within a factor of 2: a single promotional figure, and at scale 0.01 each agent born there stands for 100 start-ups",
            scenario: Scenario::Emall,
            scale: Scale::Log,
            compute: |o| mean_over(o, "startups_born_innovation_street", 2015..=2017) / 365.0,
        },
        Target {
            id: "value_added_growth_2010_2014",
            pattern: "VA",
            what: "growth of the parks' value added (nominal, as the model's price index) 2014 ÷ 2010",
            source: "DOMAIN.md (article): 2,615 → 4,954 亿元",
            observed: "1.894",
            observed_value: Some(ZGC_VALUE_ADDED.1 / ZGC_VALUE_ADDED.0),
            lo: 1.0 + (ZGC_VALUE_ADDED.1 / ZGC_VALUE_ADDED.0 - 1.0) * 2.0 / 3.0,
            hi: 1.0 + (ZGC_VALUE_ADDED.1 / ZGC_VALUE_ADDED.0 - 1.0) * 4.0 / 3.0,
            band_reason: "the observed growth (+89%) within ±1/3 of itself",
            scenario: Scenario::Baseline,
            scale: Scale::Log,
            compute: |o| {
                o.get("value_added_parks", 2014) / o.get("value_added_parks", 2010)
            },
        },
    ]
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
    /// Whether the mean lies in the band.
    pub pass: bool,
}

/// Evaluate every target on the runs of its scenario (`base` and `emall` replicates).
pub fn evaluate(base: &[&dyn Observations], emall: &[&dyn Observations]) -> Vec<Outcome> {
    targets()
        .into_iter()
        .filter_map(|t| {
            let runs = match t.scenario {
                Scenario::Baseline => base,
                Scenario::Emall => emall,
            };
            if runs.is_empty() {
                return None;
            }
            let values: Vec<f64> = runs.iter().map(|o| (t.compute)(*o)).collect();
            let summary = Summary::of(&values, LEVEL).ok();
            let pass = summary.as_ref().is_some_and(|s| t.accepts(s.mean));
            Some(Outcome {
                target: t,
                values,
                summary,
                pass,
            })
        })
        .collect()
}

/// Calibration score of a point: the root mean square of the targets' distances
/// ([`Target::distance`]) of the replicate means; lower is better.
pub fn score(outcomes: &[Outcome]) -> f64 {
    let d: Vec<f64> = outcomes
        .iter()
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
        let out = evaluate(&[&o], &[]);
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
        assert!((t.distance(3.0 / 111.0) - 1.0).abs() < 1e-9);
        assert!(t.distance(9.0 / 111.0) > t.distance(3.0 / 111.0));
        assert_eq!(t.distance(f64::NAN), 10.0);
        let open = targets()
            .into_iter()
            .find(|t| t.id == "core_rent_growth_ratio")
            .unwrap();
        assert_eq!(open.distance(1.5), 0.0);
        assert!(open.distance(0.5) > 0.0);
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

    #[test]
    fn every_target_key_is_an_indicator() {
        for key in [
            "park:haidian/output_per_km2",
            "park:haidian/high_tech_share_zone",
            "park:haidian/revenue_share",
            "huilongguan_commute_min",
            "value_added_parks",
            "startups_born_innovation_street",
        ] {
            assert!(aggregation_of(key).is_some(), "{key}");
        }
    }
}
