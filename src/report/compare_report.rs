//! The `report.html` of `zgc compare`: what was compared and how, the final-year differences
//! with confidence intervals, time-series charts with CI bands per scenario, effects over
//! time, park and region tables, maps of each scenario and difference maps, and the runs
//! behind every figure.

use anyhow::Result;

use super::numbers::{fmt_ci, fmt_pct, fmt_signed, fmt_value, plain};
use super::{chart_svg, Band, Chart, HtmlReport};
use crate::compare::{Comparison, Source, CITY, KEY_INDICATORS};

/// A scenario as the report introduces it.
#[derive(Clone, Debug)]
pub struct ScenarioInfo {
    /// Name.
    pub name: String,
    /// File it came from.
    pub file: String,
    /// Its description.
    pub description: String,
    /// Its policies, one line each.
    pub policies: Vec<String>,
}

/// A group of maps of one field: each scenario's mean, then the differences.
#[derive(Clone, Debug)]
pub struct MapGroup {
    /// Heading.
    pub title: String,
    /// PNG bytes and caption of each scenario's map.
    pub maps: Vec<(Vec<u8>, String)>,
    /// PNG bytes and caption of each difference map.
    pub differences: Vec<(Vec<u8>, String)>,
}

/// Everything the comparison report shows.
pub struct CompareReport<'a> {
    /// The statistics.
    pub comparison: &'a Comparison,
    /// The reporting period the year sections show (index into `comparison.periods`).
    pub period: usize,
    /// The comparison over policy periods, with each scenario's index into its periods.
    pub policy: Option<(&'a Comparison, Vec<Option<usize>>)>,
    /// The scenarios, base first.
    pub scenarios: Vec<ScenarioInfo>,
    /// Run settings as label–value pairs.
    pub facts: Vec<(String, String)>,
    /// Map groups.
    pub maps: Vec<MapGroup>,
    /// One row per run: scenario, replicate, seed, folder, and a few final values.
    pub runs: (Vec<String>, Vec<Vec<String>>),
}

/// The mark of a difference whose confidence interval excludes zero.
pub const MARK: &str = "*";

/// Region indicators shown in the regions table.
const REGION_TABLE: &[&str] = &[
    "jobs_housing_ratio",
    "mean_commute_min",
    "startups_born",
    "rent_office",
];

/// Park indicators shown in the parks table.
const PARK_TABLE: &[&str] = &["output_per_km2", "high_tech_share"];

impl CompareReport<'_> {
    /// Build the HTML report.
    pub fn build(&self) -> Result<HtmlReport> {
        let c = self.comparison;
        let level = format!("{:.0}%", 100.0 * c.level);
        let p_last = self.period;
        let last = c.periods.get(p_last).map_or(String::new(), |p| p.label());
        let mut r = HtmlReport::new(format!(
            "zgc compare: {} against {}",
            c.scenarios[1..].join(", "),
            c.scenarios[0]
        ));

        r.section("What was compared");
        r.paragraph(format!(
            "Every scenario ran {n} times with the same {n} replicate seeds (common random numbers), so replicate k of an alternative differs from replicate k of the base only by its policies. Means are over replicates with {level} Student-t confidence intervals; differences are alternative − base, paired by replicate, with {level} paired-t intervals. {MARK} marks a difference whose interval excludes zero. Flows (start-ups founded, output, value added, …) are sums over each year; levels are the value in the year's last month; shares, rents and commutes are means over the year's months.",
            n = c.replicates
        ));
        let rows: Vec<Vec<String>> = self
            .scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    if i == 0 {
                        format!("{} (base)", s.name)
                    } else {
                        s.name.clone()
                    },
                    s.file.clone(),
                    s.description.clone(),
                    if s.policies.is_empty() {
                        "none".into()
                    } else {
                        s.policies.join("; ")
                    },
                ]
            })
            .collect();
        r.table(&["scenario", "file", "description", "policies"], &rows);
        r.table(
            &["setting", "value"],
            &self
                .facts
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect::<Vec<_>>(),
        );

        if let Some((pc, span_of)) = &self.policy {
            r.section("Differences over each policy's period");
            r.paragraph(format!(
                "Each alternative against the base over the months its policies act (from the first start to the last end, or to the run's end): flows as a mean year, levels in the last month, means over the months; {MARK}: the {level} interval excludes zero."
            ));
            let keys: Vec<usize> = KEY_INDICATORS
                .iter()
                .filter_map(|n| pc.metric(CITY, n))
                .collect();
            for (s, w) in span_of.iter().enumerate().skip(1) {
                if let Some(w) = w {
                    let p = &pc.periods[*w];
                    r.paragraph(format!(
                        "{} − {}, {} months to {}:",
                        pc.scenarios[s],
                        pc.scenarios[0],
                        p.months,
                        p.label()
                    ));
                    r.table(&diff_header(pc, s, &level), &diff_rows(pc, s, *w, &keys));
                }
            }
        }
        r.section(format!("Differences in the year to {last}"));
        r.paragraph(format!(
            "Replicate means of each scenario and the paired difference alternative − base with its {level} confidence interval; {MARK}: the interval excludes zero. The key indicators first, then every city-wide indicator."
        ));
        for s in 1..c.scenarios.len() {
            r.paragraph(format!(
                "Key indicators, {} − {}:",
                c.scenarios[s], c.scenarios[0]
            ));
            let keys: Vec<usize> = KEY_INDICATORS
                .iter()
                .filter_map(|n| c.metric(CITY, n))
                .collect();
            r.table(&diff_header(c, s, &level), &diff_rows(c, s, p_last, &keys));
        }
        let all: Vec<usize> = (0..c.metrics.len())
            .filter(|&m| c.metrics[m].scope == CITY)
            .collect();
        for s in 1..c.scenarios.len() {
            r.paragraph(format!(
                "All city-wide indicators, {} − {}:",
                c.scenarios[s], c.scenarios[0]
            ));
            r.table(&diff_header(c, s, &level), &diff_rows(c, s, p_last, &all));
        }

        r.section("Key indicators over time");
        r.paragraph(format!(
            "Yearly values (the last year may be partial: flows are then annualised). Lines are replicate means, shaded bands their {level} confidence intervals."
        ));
        for name in KEY_INDICATORS {
            if let Some(m) = c.metric(CITY, name) {
                r.svg(chart_svg(&level_chart(c, m, &level))?);
            }
        }

        if c.scenarios.len() > 1 {
            r.section("Effects over time");
            r.paragraph(format!(
                "Alternative − base, mean of the paired differences with its {level} confidence interval; where the band does not cover the zero line the effect is distinguishable from replicate noise."
            ));
            for name in KEY_INDICATORS {
                if let Some(m) = c.metric(CITY, name) {
                    r.svg(chart_svg(&effect_chart(c, m, &level))?);
                }
            }
        }

        r.section(format!("Parks in the year to {last}"));
        let parks: Vec<&str> = c
            .scopes()
            .into_iter()
            .filter(|s| s.starts_with("park:"))
            .collect();
        for name in PARK_TABLE {
            if let Some(m0) = parks.iter().find_map(|p| c.metric(p, name)) {
                let ind = &c.metrics[m0];
                r.paragraph(format!(
                    "{} ({}): {}.",
                    ind.indicator.name,
                    ind.unit(),
                    plain(&ind.description())
                ));
                let (h, rows) = scope_table(c, &parks, name, p_last, Source::Park, &level);
                r.table(&h, &rows);
            }
        }

        r.section(format!("Regions in the year to {last}"));
        let regions: Vec<&str> = c
            .scopes()
            .into_iter()
            .filter(|s| *s != CITY && !s.starts_with("park:"))
            .collect();
        for name in REGION_TABLE {
            if let Some(m0) = regions.iter().find_map(|p| c.metric(p, name)) {
                let ind = &c.metrics[m0];
                r.paragraph(format!(
                    "{} ({}): {}.",
                    ind.indicator.name,
                    ind.unit(),
                    plain(&ind.description())
                ));
                let (h, rows) = scope_table(c, &regions, name, p_last, Source::Region, &level);
                r.table(&h, &rows);
            }
        }

        if !self.maps.is_empty() {
            r.section("Maps of the final month");
            r.paragraph(format!(
                "Each scenario's map is the mean over its {} replicates, cell by cell; maps of one quantity share a colour scale. Difference maps show alternative − base of those means (blue: lower, red: higher than the base). Grey cells have no data.",
                c.replicates
            ));
            for g in &self.maps {
                r.paragraph(g.title.clone());
                for maps in [&g.maps, &g.differences] {
                    let images: Vec<(&[u8], String)> = maps
                        .iter()
                        .map(|(png, caption)| (png.as_slice(), caption.clone()))
                        .collect();
                    r.png_grid(&images, 2);
                }
            }
        }

        r.section("Other indicators over time");
        for (m, metric) in c.metrics.iter().enumerate() {
            if metric.scope == CITY && !KEY_INDICATORS.contains(&metric.indicator.name) {
                r.svg(chart_svg(&level_chart(c, m, &level))?);
            }
        }

        r.section("Runs");
        r.paragraph("Every figure above comes from these runs; each folder holds the run's timeseries.csv, regions.csv, parks.csv, grids, maps, report.html and summary.json. comparison.csv holds every statistic of this report for every year.");
        r.table(&self.runs.0, &self.runs.1);
        Ok(r)
    }
}

fn diff_header(c: &Comparison, s: usize, level: &str) -> Vec<String> {
    vec![
        "indicator".into(),
        "unit".into(),
        c.scenarios[0].clone(),
        c.scenarios[s].clone(),
        format!("difference [{level} CI]"),
        "change".into(),
        String::new(),
    ]
}

/// Non-breaking spaces, so that a number with its interval stays on one line.
fn keep_together(s: String) -> String {
    s.replace(' ', "\u{a0}")
}

/// A scenario's replicate mean.
fn mean(c: &Comparison, m: usize, s: usize, p: usize) -> String {
    c.stat(m, s, p)
        .summary
        .as_ref()
        .map_or("–".into(), |x| fmt_value(x.mean))
}

/// `mean ± half-width` of a scenario's summary.
fn mean_pm(c: &Comparison, m: usize, s: usize, p: usize) -> String {
    match &c.stat(m, s, p).summary {
        Some(x) => keep_together(match x.half_width() {
            Some(h) => format!("{} ± {}", fmt_value(x.mean), fmt_value(h)),
            None => fmt_value(x.mean),
        }),
        None => "–".into(),
    }
}

/// `Δ [lo, hi]`, relative change and mark of an alternative.
fn diff_cells(c: &Comparison, m: usize, s: usize, p: usize) -> [String; 3] {
    match &c.stat(m, s, p).diff {
        Some(d) => [
            keep_together(
                format!("{} {}", fmt_signed(d.mean_diff), fmt_ci(d.ci(), true))
                    .trim_end()
                    .to_string(),
            ),
            fmt_pct(d.rel_change),
            if d.excludes_zero {
                MARK.into()
            } else {
                String::new()
            },
        ],
        None => ["–".into(), "–".into(), String::new()],
    }
}

fn diff_rows(c: &Comparison, s: usize, p: usize, metrics: &[usize]) -> Vec<Vec<String>> {
    metrics
        .iter()
        .map(|&m| {
            let [d, rel, mark] = diff_cells(c, m, s, p);
            vec![
                c.metrics[m].indicator.name.to_string(),
                c.metrics[m].unit(),
                mean(c, m, 0, p),
                mean(c, m, s, p),
                d,
                rel,
                mark,
            ]
        })
        .collect()
}

/// One indicator across scopes: base mean, then per alternative its mean and difference.
fn scope_table(
    c: &Comparison,
    scopes: &[&str],
    name: &str,
    p: usize,
    source: Source,
    level: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut h = vec![
        "where".to_string(),
        format!("{} (± {level} CI)", c.scenarios[0]),
    ];
    for s in &c.scenarios[1..] {
        h.push(s.clone());
        h.push(format!("difference [{level} CI]"));
        h.push(String::new());
    }
    let rows = scopes
        .iter()
        .filter_map(|scope| {
            let m = c.metric(scope, name)?;
            if c.metrics[m].source != source {
                return None;
            }
            let mut row = vec![scope.to_string(), mean_pm(c, m, 0, p)];
            for s in 1..c.scenarios.len() {
                row.push(mean(c, m, s, p));
                let [d, _, mark] = diff_cells(c, m, s, p);
                row.push(d);
                row.push(mark);
            }
            Some(row)
        })
        .collect();
    (h, rows)
}

/// x values of the periods: their years.
fn years(c: &Comparison) -> Vec<f64> {
    c.periods.iter().map(|p| p.end.year as f64).collect()
}

/// Title of a metric's chart: its name and meaning.
fn chart_title(c: &Comparison, m: usize) -> String {
    let metric = &c.metrics[m];
    plain(&format!(
        "{}: {}",
        metric.indicator.name,
        metric.description()
    ))
}

/// Replicate means per scenario with CI bands.
pub fn level_chart(c: &Comparison, m: usize, level: &str) -> Chart {
    let x = years(c);
    let series = (0..c.scenarios.len())
        .map(|s| {
            let col = |f: &dyn Fn(&crate::stats::Summary) -> Option<f64>| -> Vec<f64> {
                (0..c.periods.len())
                    .map(|p| {
                        c.stat(m, s, p)
                            .summary
                            .as_ref()
                            .and_then(f)
                            .unwrap_or(f64::NAN)
                    })
                    .collect()
            };
            let mean = col(&|x| Some(x.mean));
            if c.replicates < 2 {
                return Band::line(c.scenarios[s].clone(), x.clone(), mean);
            }
            Band::with_band(
                format!("{} ({level} CI)", c.scenarios[s]),
                x.clone(),
                mean,
                col(&|x| x.ci_low),
                col(&|x| x.ci_high),
            )
        })
        .collect();
    Chart {
        title: chart_title(c, m),
        x_label: "year".into(),
        y_label: c.metrics[m].unit(),
        series,
    }
}

/// Paired differences per alternative with CI bands, and the zero line.
pub fn effect_chart(c: &Comparison, m: usize, level: &str) -> Chart {
    let x = years(c);
    let mut series: Vec<Band> = (1..c.scenarios.len())
        .map(|s| {
            let col = |f: &dyn Fn(&crate::stats::PairedDiff) -> Option<f64>| -> Vec<f64> {
                (0..c.periods.len())
                    .map(|p| {
                        c.stat(m, s, p)
                            .diff
                            .as_ref()
                            .and_then(f)
                            .unwrap_or(f64::NAN)
                    })
                    .collect()
            };
            let label = format!("{} − {}", c.scenarios[s], c.scenarios[0]);
            let mean = col(&|d| Some(d.mean_diff));
            if c.replicates < 2 {
                return Band::line(label, x.clone(), mean);
            }
            Band::with_band(
                format!("{label} ({level} CI)"),
                x.clone(),
                mean,
                col(&|d| d.ci_low),
                col(&|d| d.ci_high),
            )
        })
        .collect();
    series.push(Band::line("no difference", x.clone(), vec![0.0; x.len()]));
    Chart {
        title: format!("Effect on {}", c.metrics[m].indicator.name),
        x_label: "year".into(),
        y_label: format!("difference, {}", c.metrics[m].unit()),
        series,
    }
}
