//! The small `report.html` of one run: what was run, the final month's indicators, a few
//! time-series charts and the maps of the final state.

use anyhow::Result;

use super::numbers::{fmt_value, plain};
use super::{chart_svg, Band, Chart, HtmlReport};
use crate::calendar::YearMonth;
use crate::metrics::{TickRow, INDICATORS};

/// Charts of a run report: title and the indicators drawn together (same unit).
pub const RUN_CHARTS: &[(&str, &[&str])] = &[
    ("Operating start-ups", &["startups_alive"]),
    (
        "Start-ups founded, closed and graduating",
        &["startups_born", "startups_died", "startups_graduated"],
    ),
    ("Innovation output", &["innovation_output"]),
    ("Value added", &["value_added", "value_added_parks"]),
    (
        "One-way commute",
        &["mean_commute_min", "huilongguan_commute_min"],
    ),
    (
        "Office rent",
        &["rent_office_core", "rent_office_periphery"],
    ),
    (
        "Jobs per resident worker in Huilongguan",
        &["huilongguan_jobs_housing"],
    ),
];

/// What a run report shows.
pub struct RunReport<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Scenario description.
    pub description: &'a str,
    /// Key facts (seed, scale, period, …) as label–value pairs.
    pub facts: Vec<(String, String)>,
    /// Every tick's indicator row.
    pub rows: &'a [TickRow],
    /// Policy events, `YYYY-MM: text`.
    pub events: &'a [String],
    /// Maps of the final state: PNG bytes and a caption.
    pub maps: Vec<(&'a [u8], String)>,
}

/// Fractional year of a `YYYY-MM` date (mid-month), NaN if it does not parse.
pub fn year_fraction(date: &str) -> f64 {
    YearMonth::parse(date).map_or(f64::NAN, |d| d.year as f64 + (d.month as f64 - 0.5) / 12.0)
}

/// Index of an indicator in `INDICATORS`.
fn index(name: &str) -> Option<usize> {
    INDICATORS.iter().position(|i| i.name == name)
}

impl RunReport<'_> {
    /// Build the HTML report.
    pub fn build(&self) -> Result<HtmlReport> {
        let mut r = HtmlReport::new(format!("zgc run: {}", self.scenario));
        r.section("The run");
        if !self.description.is_empty() {
            r.paragraph(self.description);
        }
        r.table(
            &["setting", "value"],
            &self
                .facts
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect::<Vec<_>>(),
        );
        if !self.events.is_empty() {
            r.paragraph("Policy events:");
            r.preformatted(self.events.join("\n"));
        }

        if let Some(last) = self.rows.last() {
            r.section(format!("The final month ({})", last.date));
            let rows: Vec<Vec<String>> = INDICATORS
                .iter()
                .zip(&last.values)
                .map(|(ind, &v)| {
                    vec![
                        ind.name.to_string(),
                        fmt_value(v),
                        ind.unit.to_string(),
                        plain(ind.description),
                    ]
                })
                .collect();
            r.table(&["indicator", "value", "unit", "meaning"], &rows);
        }

        r.section("Over time");
        r.paragraph("Monthly values of this one run (no uncertainty band: use `zgc compare` with replicates for confidence intervals).");
        let x: Vec<f64> = self.rows.iter().map(|t| year_fraction(&t.date)).collect();
        for (title, names) in RUN_CHARTS {
            let ks: Vec<usize> = names.iter().filter_map(|n| index(n)).collect();
            let Some(&k0) = ks.first() else { continue };
            let series = ks
                .iter()
                .map(|&k| {
                    Band::line(
                        crate::metrics::label(&INDICATORS[k]),
                        x.clone(),
                        self.rows.iter().map(|t| t.values[k]).collect(),
                    )
                })
                .collect();
            let chart = Chart {
                title: (*title).to_string(),
                x_label: "year".into(),
                y_label: INDICATORS[k0].unit.to_string(),
                series,
            };
            r.svg(chart_svg(&chart)?);
        }

        if !self.maps.is_empty() {
            r.section("Maps of the final month");
            r.paragraph("Grey cells have no data (no floor space of that use, or nobody living there). The same maps are in maps/*.png, the values in grids/*.asc.");
            let images: Vec<(&[u8], String)> = self
                .maps
                .iter()
                .map(|(png, caption)| (*png, caption.clone()))
                .collect();
            r.png_grid(&images, 2);
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_readable() {
        assert!((year_fraction("2010-01") - (2010.0 + 0.5 / 12.0)).abs() < 1e-12);
        assert!(year_fraction("x").is_nan());
    }

    #[test]
    fn report_has_charts_and_table() {
        let rows: Vec<TickRow> = (0..3)
            .map(|t| TickRow {
                tick: t,
                date: format!("2009-{:02}", t + 1),
                values: (0..INDICATORS.len())
                    .map(|k| (k as u32 * t) as f64)
                    .collect(),
            })
            .collect();
        let html = RunReport {
            scenario: "s",
            description: "d",
            facts: vec![("seed".into(), "7".into())],
            rows: &rows,
            events: &[],
            maps: Vec::new(),
        }
        .build()
        .unwrap()
        .to_html();
        assert_eq!(html.matches("<svg").count(), RUN_CHARTS.len());
        assert!(html.contains("The final month (2009-03)"));
        assert!(html.contains("startups_alive"));
    }
}
