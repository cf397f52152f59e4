//! The validation results as text: the terminal table, `validation.csv` and `validation.md`.

use std::fmt::Write as _;

use anyhow::{anyhow, Result};

use super::{short, Outcome, ZGC_VALUE_ADDED};
use crate::stats::Summary;

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

/// `validation.csv`: one row per target with its replicate summary, band and result.
pub fn csv_text(outcomes: &[Outcome]) -> Result<String> {
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

/// `validation.md`: the table with sources and band reasons, the value-added mapping and the charts.
pub fn markdown(outcomes: &[Outcome], setting: &str, command: &str, k: Option<&Summary>) -> String {
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
