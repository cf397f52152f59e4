//! The terminal table of `zgc compare`: per alternative, its policies' own period and the
//! chosen year, with the key indicators and those of the regions its policies name, each a
//! paired difference with its interval.

use super::Plan;
use crate::compare::{self, Comparison, CITY, KEY_INDICATORS};
use crate::report::compare_report::MARK;
use crate::report::numbers::{fmt_ci, fmt_pct, fmt_signed, fmt_value};

/// The metrics of the terminal table for alternative `s`: the key city-wide indicators, then
/// the indicators of the tracked regions its policies name (`huilongguan: jobs`).
fn table_metrics(c: &Comparison, plan: &Plan, s: usize) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = KEY_INDICATORS
        .iter()
        .filter_map(|n| c.metric(CITY, n).map(|m| (n.to_string(), m)))
        .collect();
    for region in &plan.targets[s] {
        for ind in crate::metrics::REGION_INDICATORS {
            let m = c
                .metric(region, ind.name)
                .or_else(|| c.metric(&format!("park:{region}"), ind.name));
            if let Some(m) = m {
                out.push((format!("{region}: {}", ind.name), m));
            }
        }
    }
    out
}

/// One table of alternative `s` against the base in period `p` of `c`.
fn print_block(c: &Comparison, s: usize, p: usize, metrics: &[(String, usize)], title: &str) {
    let level = format!("{:.0}%", 100.0 * c.level);
    println!();
    println!(
        "{} − {}, {title} ({} paired replicates; means and differences with {level} CIs)",
        c.scenarios[s], c.scenarios[0], c.replicates
    );
    let mut rows: Vec<[String; 7]> = vec![[
        "indicator".into(),
        "unit".into(),
        c.scenarios[0].clone(),
        c.scenarios[s].clone(),
        format!("difference [{level} CI]"),
        String::new(),
        "change".into(),
    ]];
    for (label, m) in metrics {
        let m = *m;
        let mean = |s: usize| c.stat(m, s, p).summary.as_ref().map(|x| x.mean);
        let shown = |v: Option<f64>| v.map_or("–".into(), fmt_value);
        // Counts with too few agents behind them: the interval would mislead.
        let (d, mark, rel) = match (&c.stat(m, s, p).diff, c.too_few_agents(m, s, p)) {
            (Some(_), Some(n)) => (
                format!("too few agents to resolve (≈{n:.0} per run; scale up)"),
                String::new(),
                "–".into(),
            ),
            (Some(d), None) => (
                format!("{} {}", fmt_signed(d.mean_diff), fmt_ci(d.ci(), true))
                    .trim_end()
                    .to_string(),
                if d.excludes_zero { MARK } else { "" }.to_string(),
                fmt_pct(d.rel_change),
            ),
            (None, _) => ("–".into(), String::new(), "–".into()),
        };
        rows.push([
            label.clone(),
            c.metrics[m].unit(),
            shown(mean(0)),
            shown(mean(s)),
            d,
            mark,
            rel,
        ]);
    }
    let width = |k: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0);
    let w: Vec<usize> = (0..7).map(width).collect();
    for r in &rows {
        println!(
            "  {:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$} {:<w5$}  {:>w6$}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
            w5 = w[5].max(1),
            w6 = w[6]
        );
    }
}

/// The terminal table: per alternative, its policies' own period (from `policy`) and the
/// chosen year `p` (the last unless `--period`/`--at`), with the key indicators and those of
/// the regions its policies name.
pub(super) fn print_table(c: &Comparison, policy: Option<&Comparison>, plan: &Plan, p: usize) {
    let Some(period) = c.periods.get(p) else {
        return;
    };
    for s in 1..c.scenarios.len() {
        if let (Some(pc), Some(w)) = (policy, plan.span_of[s]) {
            let span = plan.spans[w];
            let first = plan.scenarios[0].start.plus(span.0 as u32);
            let title = format!(
                "over its policies' period {first} … {} ({} months; flows per year)",
                pc.periods[w].end, pc.periods[w].months
            );
            print_block(pc, s, w, &table_metrics(pc, plan, s), &title);
        }
        let title = format!("year to {}", period.label());
        print_block(c, s, p, &table_metrics(c, plan, s), &title);
    }
    println!();
    println!(
        "{MARK} the {:.0}% confidence interval of the paired difference (alternative − base, same seeds) excludes zero.",
        100.0 * c.level
    );
    println!("Flows are per year (the last year annualised if partial); levels are the last month's; shares, rents and commutes are means over the year. Counts with fewer than {:.0} agents behind them per run (flows: over the period) are not resolved at this scale.", compare::MIN_AGENTS);
    println!("Other years: --period YEAR or --at YYYY-MM; every year and region is in comparison.csv, the policy periods in policy_periods.csv.");
}
