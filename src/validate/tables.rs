//! The validation results as text: the terminal table, `validation.csv` and `validation.md`.

use std::fmt::Write as _;

use anyhow::{anyhow, Result};

use super::{of_split, short, tally, unresolved, Outcome, Split, ZGC_VALUE_ADDED};
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

/// The terminal table: the calibration targets, then the holdout targets.
pub fn table_text(outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    for split in [Split::Calibration, Split::Holdout] {
        let (passed, n) = tally(outcomes, split);
        if n == 0 {
            continue;
        }
        let open = match unresolved(outcomes, split) {
            0 => String::new(),
            u => format!(", {u} unresolved"),
        };
        let _ = writeln!(
            s,
            "{} targets ({passed} of {n} pass{open}){}",
            split.name(),
            if split == Split::Holdout {
                ": never used to choose a parameter"
            } else {
                ""
            }
        );
        table_rows(&mut s, of_split(outcomes, split));
    }
    s
}

fn table_rows<'a>(s: &mut String, outcomes: impl Iterator<Item = &'a Outcome>) {
    let _ = writeln!(
        s,
        "  {:<36} {:<8} {:<14} {:>10} {:<22} {:<16} result",
        "target", "pattern", "observed", "simulated", "95% CI", "band"
    );
    for o in outcomes {
        let (m, ci) = mean_ci(o);
        let _ = writeln!(
            s,
            "  {:<36} {:<8} {:<14} {:>10} {:<22} {:<16} {}",
            o.target.id,
            o.target.pattern,
            o.target.observed,
            m,
            ci,
            o.target.band(),
            o.result()
        );
    }
}

/// `validation.csv`: one row per target with its replicate summary, band and result.
pub fn csv_text(outcomes: &[Outcome]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "target",
        "split",
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
        "resolved",
        "pass",
    ])?;
    let num = |v: Option<f64>| v.map_or(String::new(), crate::output::num);
    for o in outcomes {
        let s = o.summary.as_ref();
        w.write_record([
            o.target.id.to_string(),
            o.target.split.name().to_string(),
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
            o.resolved.to_string(),
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
    let (cal, n_cal) = tally(outcomes, Split::Calibration);
    let (hold, n_hold) = tally(outcomes, Split::Holdout);
    let _ = writeln!(s, "# zgc validation\n");
    let _ = writeln!(
        s,
        "`{command}`: {setting}. **{cal} of {n_cal} calibration targets and {hold} of {n_hold} holdout targets pass.**\n"
    );
    let _ = writeln!(
        s,
        "A target passes when the replicate mean lies in its acceptance band; the 95% interval is Student-t over replicates. \
         A target whose interval is wider than its band is *unresolved*: it neither passes nor fails (run at a larger `--scale`).\n"
    );
    for split in [Split::Calibration, Split::Holdout] {
        if of_split(outcomes, split).next().is_none() {
            continue;
        }
        let _ = writeln!(
            s,
            "## {} targets\n\n{}\n",
            if split == Split::Holdout {
                "Holdout"
            } else {
                "Calibration"
            },
            if split == Split::Holdout {
                "Never used to choose a parameter: a test of the calibrated model."
            } else {
                "The parameters were chosen, by hand and by ABC (`zgc validate --from-sweep`), to meet these."
            }
        );
        markdown_rows(&mut s, of_split(outcomes, split));
    }
    let _ = writeln!(s, "## Model output → 亿元\n");
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

fn markdown_rows<'a>(s: &mut String, outcomes: impl Iterator<Item = &'a Outcome>) {
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
            match o.result() {
                "pass" => "pass",
                "FAIL" => "**fail**",
                _ => "unresolved (95% CI wider than the band: too few agents at this scale)",
            }
        );
    }
    let _ = writeln!(s);
}
