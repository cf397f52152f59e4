//! Robust conclusions: the headline effects of the shipped policy scenarios (the article's
//! claims, with the direction it gives) and, for each, whether its paired effect keeps that
//! sign at every draw of the ABC posterior (the accepted points of a calibration sweep); the
//! tables of `zgc validate --from-sweep DIR --robustness` (`robustness.csv`, `robustness.md`).

use std::fmt::Write as _;

use anyhow::{anyhow, Result};

use crate::compare::{Comparison, CITY};
use crate::report::numbers::{fmt_ci, fmt_signed};
use crate::stats::PairedDiff;

/// The direction the article gives an effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The policy raises the indicator.
    Up,
    /// The policy lowers it.
    Down,
}

impl Direction {
    /// `up` or `down`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// +1 or −1.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Up => 1.0,
            Direction::Down => -1.0,
        }
    }
}

/// A shipped scenario's headline effect: an indicator the article says its policy moves, over
/// the scenario's policy period (first start to last end), against the baseline.
#[derive(Clone, Copy, Debug)]
pub struct Headline {
    /// The scenario (`scenarios/<name>.toml`).
    pub scenario: &'static str,
    /// The metric, as `comparison.csv` keys it: `indicator` (city-wide) or `region/indicator`.
    pub metric: &'static str,
    /// The article's direction.
    pub direction: Direction,
    /// The claim, in a few words (docs/ODD.md §8.8).
    pub claim: &'static str,
}

const fn h(
    scenario: &'static str,
    metric: &'static str,
    d: Direction,
    claim: &'static str,
) -> Headline {
    Headline {
        scenario,
        metric,
        direction: d,
        claim,
    }
}

/// The headline effects of the shipped policy scenarios, in scenario order.
pub const HEADLINES: &[Headline] = &[
    h(
        "hui_plus",
        "huilongguan_commute_min",
        Direction::Down,
        "Huilongguan's commute shortens",
    ),
    h(
        "hui_plus",
        "huilongguan_jobs_housing",
        Direction::Up,
        "jobs–housing balance in Huilongguan",
    ),
    h(
        "hui_plus",
        "huilongguan/startups_alive",
        Direction::Up,
        "local start-ups",
    ),
    h(
        "emall_conversion",
        "startups_born_avenue",
        Direction::Up,
        "start-ups along the Avenue",
    ),
    h(
        "emall_conversion",
        "startups_born_core",
        Direction::Up,
        "start-ups in the core",
    ),
    h(
        "emall_conversion",
        "innovation_output",
        Direction::Up,
        "innovation output",
    ),
    h(
        "maker_town",
        "northern_haidian/startups_alive",
        Direction::Up,
        "makers' start-ups in northern Haidian",
    ),
    h(
        "incubator_3_0",
        "startups_alive",
        Direction::Up,
        "specialised services keep start-ups alive",
    ),
    h(
        "red_line",
        "rent_office_core",
        Direction::Up,
        "no new floor space: dearer core offices",
    ),
    h(
        "smart_manufacturing_street",
        "startups_alive",
        Direction::Up,
        "hardware start-ups from 0 to 1",
    ),
    h(
        "jing_jin_ji",
        "firms_to_partner_sites",
        Direction::Up,
        "manufacturing relocates to partner sites",
    ),
];

/// The scenarios of [`HEADLINES`], in order, each once.
pub fn scenarios() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for h in HEADLINES {
        if !out.contains(&h.scenario) {
            out.push(h.scenario);
        }
    }
    out
}

/// The index of `headline`'s metric in a comparison (`region/indicator` or a city indicator).
pub fn metric_of(c: &Comparison, headline: &Headline) -> Option<usize> {
    match headline.metric.split_once('/') {
        Some((scope, name)) => c.metric(scope, name),
        None => c.metric(CITY, headline.metric),
    }
}

/// One posterior draw: an accepted point of the calibration sweep.
#[derive(Clone, Debug)]
pub struct Draw {
    /// Its point id in the sweep.
    pub point: i64,
    /// Its rank in the calibration (1 = best).
    pub rank: usize,
    /// Its parameter values, as `name=value`.
    pub values: String,
}

/// The headline effects at every draw: `effects[draw][headline]`, the paired difference
/// (alternative − baseline, same seeds) over the scenario's policy period.
pub struct Robustness {
    /// The draws.
    pub draws: Vec<Draw>,
    /// `[draw][headline]`; `None` when the metric has no value.
    pub effects: Vec<Vec<Option<PairedDiff>>>,
}

/// How one headline fares over the draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Draws with an effect.
    pub draws: usize,
    /// Draws whose mean effect has the article's sign.
    pub kept: usize,
    /// Draws whose interval excludes zero on the article's side.
    pub resolved: usize,
    /// Draws whose interval excludes zero on the other side.
    pub reversed: usize,
}

impl Verdict {
    /// Every draw's mean effect has the article's sign.
    pub fn robust(&self) -> bool {
        self.draws > 0 && self.kept == self.draws
    }

    /// In words: `robust and resolved` (every draw's interval excludes zero on the article's
    /// side), `robust` (every draw's mean has its sign), `reversed` (some draw's interval
    /// excludes zero on the other side) or `not robust`.
    pub fn word(&self) -> &'static str {
        if self.reversed > 0 {
            "reversed"
        } else if self.robust() && self.resolved == self.draws {
            "robust and resolved"
        } else if self.robust() {
            "robust"
        } else {
            "not robust"
        }
    }
}

/// One draw's effect against the article's sign (+1 or −1): whether its mean has that sign,
/// whether its interval excludes zero on that side, and whether on the other side.
fn judge(d: &PairedDiff, sign: f64) -> (bool, bool, bool) {
    let (lo, hi) = match (d.ci_low, d.ci_high) {
        (Some(lo), Some(hi)) => (lo * sign, hi * sign),
        _ => (f64::NAN, f64::NAN),
    };
    (
        d.mean_diff * sign > 0.0,
        lo > 0.0 && hi > 0.0,
        lo < 0.0 && hi < 0.0,
    )
}

impl Robustness {
    /// The verdict of headline `h`.
    pub fn verdict(&self, h: usize) -> Verdict {
        let sign = HEADLINES[h].direction.sign();
        let mut v = Verdict {
            draws: 0,
            kept: 0,
            resolved: 0,
            reversed: 0,
        };
        for d in self.effects.iter().filter_map(|e| e[h].as_ref()) {
            let (kept, resolved, reversed) = judge(d, sign);
            v.draws += 1;
            v.kept += usize::from(kept);
            v.resolved += usize::from(resolved);
            v.reversed += usize::from(reversed);
        }
        v
    }

    /// Every headline keeps its sign at every draw.
    pub fn robust(&self) -> bool {
        (0..HEADLINES.len()).all(|h| self.verdict(h).robust())
    }

    /// `robustness.csv`: one row per draw and headline.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "rank",
            "point",
            "scenario",
            "metric",
            "direction",
            "base",
            "difference",
            "ci_low",
            "ci_high",
            "pairs",
            "sign_kept",
            "resolved",
        ])?;
        let num = |v: Option<f64>| v.map_or(String::new(), crate::output::num);
        for (draw, effects) in self.draws.iter().zip(&self.effects) {
            for (h, e) in HEADLINES.iter().zip(effects) {
                let judged = e.as_ref().map(|d| judge(d, h.direction.sign()));
                w.write_record([
                    draw.rank.to_string(),
                    draw.point.to_string(),
                    h.scenario.to_string(),
                    h.metric.to_string(),
                    h.direction.name().to_string(),
                    num(e.as_ref().map(|d| d.mean_base)),
                    num(e.as_ref().map(|d| d.mean_diff)),
                    num(e.as_ref().and_then(|d| d.ci_low)),
                    num(e.as_ref().and_then(|d| d.ci_high)),
                    e.as_ref().map_or(String::new(), |d| d.n.to_string()),
                    judged.map_or(String::new(), |j| j.0.to_string()),
                    judged.map_or(String::new(), |j| j.1.to_string()),
                ])?;
            }
        }
        w.into_inner().map_err(|e| anyhow!("{e}"))
    }

    /// The summary table: per headline, the article's direction and the draws that keep it.
    pub fn table_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "  {:<26} {:<31} {:<5} {:>9} {:>13} {:>8}  verdict",
            "scenario", "metric", "claim", "sign kept", "CI excludes 0", "reversed"
        );
        for (i, h) in HEADLINES.iter().enumerate() {
            let v = self.verdict(i);
            let _ = writeln!(
                s,
                "  {:<26} {:<31} {:<5} {:>9} {:>13} {:>8}  {}",
                h.scenario,
                h.metric,
                h.direction.name(),
                format!("{}/{}", v.kept, v.draws),
                format!("{}/{}", v.resolved, v.draws),
                format!("{}/{}", v.reversed, v.draws),
                v.word()
            );
        }
        s
    }

    /// `robustness.md`: the summary table, then every draw's effects with their intervals.
    pub fn markdown(&self, setting: &str, command: &str) -> String {
        let mut s = String::from("# Robust conclusions over the ABC posterior\n\n");
        let _ = writeln!(
            s,
            "Each shipped policy scenario against the baseline at every accepted point of the calibration \
             ({setting}); the effect is the paired difference over the scenario's policy period \
             (flows per year), with its 95% interval. Made by `{command}`.\n"
        );
        s.push_str("| scenario | metric | article | sign kept | CI excludes 0 | reversed (CI) | verdict |\n");
        s.push_str("|---|---|---|---|---|---|---|\n");
        for (i, h) in HEADLINES.iter().enumerate() {
            let v = self.verdict(i);
            let _ = writeln!(
                s,
                "| `{}` | `{}` | {} ({}) | {}/{} | {}/{} | {}/{} | {} |",
                h.scenario,
                h.metric,
                h.direction.name(),
                h.claim,
                v.kept,
                v.draws,
                v.resolved,
                v.draws,
                v.reversed,
                v.draws,
                if v.robust() {
                    "robust"
                } else {
                    "**not robust**"
                }
            );
        }
        s.push_str("\n## Effects at each draw\n\n| rank | point | parameters |");
        for h in HEADLINES {
            let _ = write!(s, " {} `{}` |", h.scenario, h.metric);
        }
        s.push_str("\n|---|---|---|");
        s.push_str(&"---|".repeat(HEADLINES.len()));
        s.push('\n');
        for (draw, effects) in self.draws.iter().zip(&self.effects) {
            let _ = write!(s, "| {} | {} | {} |", draw.rank, draw.point, draw.values);
            for e in effects {
                let cell = e.as_ref().map_or("–".to_string(), |d| {
                    let ci = d.ci_low.zip(d.ci_high);
                    format!("{} {}", fmt_signed(d.mean_diff), fmt_ci(ci, true))
                });
                let _ = write!(s, " {cell} |");
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(mean: f64, lo: f64, hi: f64) -> Option<PairedDiff> {
        Some(PairedDiff {
            n: 4,
            skipped: 0,
            mean_diff: mean,
            sd_diff: Some(1.0),
            level: 0.95,
            ci_low: Some(lo),
            ci_high: Some(hi),
            mean_base: 10.0,
            rel_change: Some(mean / 10.0),
            excludes_zero: lo * hi > 0.0,
        })
    }

    #[test]
    fn every_headline_names_a_direction_and_a_known_indicator() {
        let known = |n: &str| {
            crate::metrics::INDICATORS.iter().any(|i| i.name == n)
                || crate::metrics::REGION_INDICATORS
                    .iter()
                    .any(|i| i.name == n)
        };
        for h in HEADLINES {
            let name = h.metric.rsplit('/').next().unwrap();
            assert!(known(name), "{}: {}", h.scenario, h.metric);
        }
        assert!(scenarios().contains(&"hui_plus") && scenarios().contains(&"emall_conversion"));
    }

    #[test]
    fn a_headline_is_robust_only_if_every_draw_keeps_the_article_sign() {
        let n = HEADLINES.len();
        let up = HEADLINES
            .iter()
            .position(|h| h.direction == Direction::Up)
            .unwrap();
        let down = HEADLINES
            .iter()
            .position(|h| h.direction == Direction::Down)
            .unwrap();
        let mut effects = vec![vec![diff(1.0, 0.5, 1.5); n], vec![diff(1.0, -0.5, 2.5); n]];
        effects[0][down] = diff(-1.0, -1.5, -0.5);
        effects[1][down] = diff(0.3, 0.1, 0.5);
        let r = Robustness {
            draws: vec![],
            effects,
        };
        let v = r.verdict(up);
        assert_eq!((v.draws, v.kept, v.resolved, v.reversed), (2, 2, 1, 0));
        assert!(v.robust());
        let v = r.verdict(down);
        assert_eq!((v.draws, v.kept, v.resolved, v.reversed), (2, 1, 1, 1));
        assert!(!v.robust() && !r.robust());
    }
}
