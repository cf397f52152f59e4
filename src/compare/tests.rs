//! Unit tests of the comparison: periods, aggregation and statistics against hand-computed values.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + b.abs())
}

fn row(t: u32, date: YearMonth, v: f64) -> TickRow {
    TickRow {
        tick: t,
        date: date.to_string(),
        values: vec![v; INDICATORS.len()],
    }
}

fn region(name: &str, v: f64) -> RegionRow {
    RegionRow {
        tick: 0,
        date: String::new(),
        region: name.into(),
        residents: v,
        jobs: 2.0 * v,
        jobs_housing_ratio: 2.0,
        mean_commute_min: v,
        startups_born: 1.0,
        startups_alive: v,
        rent_office: 100.0,
    }
}

fn park(name: &str, output: f64) -> ParkRow {
    ParkRow {
        year: 0,
        months: 12,
        park: name.into(),
        area_km2: 1.0,
        firms: 10.0,
        high_tech_share: 0.7,
        high_tech_share_zone: 0.8,
        revenue_yi: output,
        value_added_yi: output / 4.0,
        output_per_km2: output,
        revenue_share: 0.5,
        startups: 1.0,
        mean_office_rent: 1.0,
        residents: 1.0,
        jobs: 1.0,
        jobs_housing_ratio: 1.0,
    }
}

#[test]
fn aggregation_by_kind() {
    let v = [1.0, f64::NAN, 3.0, 4.0];
    assert_eq!(aggregate(&v, Aggregation::Level), 4.0);
    assert_eq!(aggregate(&v, Aggregation::Yearly), 4.0);
    assert!(close(aggregate(&v, Aggregation::Mean), 8.0 / 3.0));
    // A flow over 4 months is annualised: (1 + 3 + 4) × 12 / 4.
    assert_eq!(aggregate(&v, Aggregation::Flow), 24.0);
    assert_eq!(aggregate(&[2.0; 12], Aggregation::Flow), 24.0);
    for agg in [
        Aggregation::Level,
        Aggregation::Mean,
        Aggregation::Flow,
        Aggregation::Yearly,
    ] {
        assert!(aggregate(&[], agg).is_nan());
    }
    assert!(aggregate(&[f64::NAN, f64::NAN], Aggregation::Mean).is_nan());
    assert!(aggregate(&[f64::NAN], Aggregation::Flow).is_nan());
}

#[test]
fn flows_are_per_year() {
    let born = INDICATORS
        .iter()
        .find(|i| i.name == "startups_born")
        .unwrap();
    assert_eq!(period_unit(born), "firms/year");
    let va = INDICATORS.iter().find(|i| i.name == "value_added").unwrap();
    assert_eq!(period_unit(va), "1e8 yuan/year");
    let rent = INDICATORS
        .iter()
        .find(|i| i.name == "rent_office_core")
        .unwrap();
    assert_eq!(period_unit(rent), "yuan/m²/month");
}

/// A run from 2009-11 for 15 months whose every value in month `t` is `t + offset`, with one
/// region and, at each period's end, one park row.
fn recorded(offset: f64) -> RunSeries {
    let start = YearMonth {
        year: 2009,
        month: 11,
    };
    let mut r = Recorder::new();
    for t in 0..15u32 {
        let d = start.plus(t);
        let v = t as f64 + offset;
        let parks = if d.month == 12 || t == 14 {
            vec![park("haidian", 100.0 + v)]
        } else {
            Vec::new()
        };
        r.record(&row(t, d, v), &[region("huilongguan", v)], &parks);
    }
    r.finish()
}

#[test]
fn periods_end_in_december_and_at_the_last_month() {
    let s = recorded(0.0);
    let labels: Vec<(String, u32)> = s.periods.iter().map(|p| (p.label(), p.months)).collect();
    assert_eq!(
        labels,
        vec![
            ("2009-12".to_string(), 2),
            ("2010-12".to_string(), 12),
            ("2011-01".to_string(), 1)
        ]
    );
    assert_eq!(
        s.metrics.len(),
        INDICATORS.len() + REGION_INDICATORS.len() + PARK_INDICATORS.len()
    );
    let find = |scope: &str, name: &str| {
        s.metrics
            .iter()
            .position(|m| m.scope == scope && m.indicator.name == name)
            .unwrap()
    };
    // Level: the last month's value (ticks 1, 13, 14).
    assert_eq!(s.values[find(CITY, "workers")], vec![1.0, 13.0, 14.0]);
    // Mean: ticks 0–1, 2–13, 14.
    assert_eq!(
        s.values[find(CITY, "high_tech_share")],
        vec![0.5, 7.5, 14.0]
    );
    // Flow, annualised: (0 + 1) × 6, (2 + … + 13), 14 × 12.
    assert_eq!(
        s.values[find(CITY, "startups_born")],
        vec![6.0, 90.0, 168.0]
    );
    // Regions: monthly rows, aggregated the same way.
    assert_eq!(
        s.values[find("huilongguan", "mean_commute_min")],
        vec![0.5, 7.5, 14.0]
    );
    assert_eq!(
        s.values[find("huilongguan", "startups_born")],
        vec![12.0, 12.0, 12.0]
    );
    // Parks: the row of the period's last month.
    assert_eq!(
        s.values[find("park:haidian", "output_per_km2")],
        vec![101.0, 113.0, 114.0]
    );
    assert_eq!(
        s.values[find("park:haidian", "high_tech_share")],
        vec![0.7; 3]
    );
    let born = &s.metrics[find(CITY, "startups_born")];
    assert_eq!(born.description(), "start-ups founded");
    let va = &s.metrics[find(CITY, "value_added")];
    assert_eq!(
        va.description(),
        "value added of all firms (100 million yuan per year)"
    );
    let m = &s.metrics[find("park:haidian", "output_per_km2")];
    assert_eq!(m.key(), "park:haidian/output_per_km2");
    assert_eq!(m.unit(), "1e8 yuan/km²/year");
}

/// `RunSeries` of one metric and one period with the given replicate values.
fn one_value(v: f64) -> RunSeries {
    RunSeries {
        metrics: vec![Metric {
            scope: CITY.into(),
            indicator: INDICATORS[0],
            source: Source::City,
        }],
        periods: vec![Period {
            end: YearMonth {
                year: 2010,
                month: 12,
            },
            months: 12,
        }],
        values: vec![vec![v]],
    }
}

#[test]
fn comparison_rows_match_hand_computed_statistics() {
    let base = [10.0, 12.0, 9.0, 11.0, 13.0];
    let alt = [11.0, 14.0, 9.0, 13.0, 14.0];
    let runs = vec![
        base.iter().map(|&v| one_value(v)).collect::<Vec<_>>(),
        alt.iter().map(|&v| one_value(v)).collect(),
    ];
    let c = Comparison::build(vec!["base".into(), "alt".into()], &runs, LEVEL, 1.0).unwrap();
    assert_eq!((c.replicates, c.last_period()), (5, 0));
    assert_eq!(c.metric(CITY, INDICATORS[0].name), Some(0));

    // Base: mean 11, sd √2.5, t(0.975, 4) = 2.776445105.
    let b = c.stat(0, 0, 0);
    let s = b.summary.as_ref().unwrap();
    assert_eq!((s.n, s.mean), (5, 11.0));
    assert!(close(s.sd.unwrap(), 1.5811388300841898));
    assert!(close(s.ci_low.unwrap(), 9.03675683852244));
    assert!(close(s.ci_high.unwrap(), 12.96324316147756));
    assert!(b.diff.is_none(), "the base has no difference");

    // Alternative: mean 12.2, sd √4.7.
    let a = c.stat(0, 1, 0);
    let s = a.summary.as_ref().unwrap();
    assert!(close(s.mean, 12.2));
    assert!(close(s.sd.unwrap(), 2.16794833886788));
    assert!(close(s.ci_low.unwrap(), 9.508136597662094));
    assert!(close(s.ci_high.unwrap(), 14.891863402337904));

    // Paired differences 1, 2, 0, 2, 1: mean 1.2, sd √0.7, CI excludes 0 although the two
    // unpaired intervals overlap — what common random numbers buy.
    let d = a.diff.as_ref().unwrap();
    assert!(close(d.mean_diff, 1.2));
    assert!(close(d.sd_diff.unwrap(), 0.8366600265340756));
    assert!(close(d.ci_low.unwrap(), 0.1611493663164303));
    assert!(close(d.ci_high.unwrap(), 2.23885063368357));
    assert!(close(d.rel_change.unwrap(), 1.2 / 11.0));
    assert!(d.excludes_zero);
}

#[test]
fn comparison_of_recorded_runs_and_missing_values() {
    // Three replicates per scenario; the alternative is the base plus 2 in every month.
    let runs = vec![
        vec![recorded(0.0), recorded(1.0), recorded(5.0)],
        vec![recorded(2.0), recorded(3.0), recorded(7.0)],
    ];
    let c = Comparison::build(vec!["base".into(), "plus2".into()], &runs, LEVEL, 1.0).unwrap();
    assert_eq!(c.periods.len(), 3);
    assert_eq!(c.scopes(), vec![CITY, "huilongguan", "park:haidian"]);
    let m = c.metric(CITY, "workers").unwrap();
    let d = c.stat(m, 1, 1).diff.as_ref().unwrap();
    assert_eq!((d.n, d.mean_diff, d.sd_diff), (3, 2.0, Some(0.0)));
    assert_eq!(d.ci(), Some((2.0, 2.0)));
    assert!(d.excludes_zero);
    // Base means of workers in 2010: 13, 14, 18.
    assert!(close(c.stat(m, 0, 1).summary.as_ref().unwrap().mean, 15.0));

    // A metric without values anywhere has no statistics, and that is no error.
    let mut runs = runs;
    for reps in &mut runs {
        for r in reps.iter_mut() {
            r.values[m] = vec![f64::NAN; 3];
        }
    }
    let c = Comparison::build(vec!["base".into(), "plus2".into()], &runs, LEVEL, 1.0).unwrap();
    assert_eq!(
        c.stat(m, 1, 2),
        &Stat {
            summary: None,
            diff: None
        }
    );
}

#[test]
fn mismatched_runs_are_refused() {
    let names = || vec!["base".to_string(), "alt".to_string()];
    let e = Comparison::build(names(), &[vec![one_value(1.0)], vec![]], LEVEL, 1.0).unwrap_err();
    assert!(matches!(e, CompareError::Mismatch(_)), "{e}");
    let mut other = one_value(1.0);
    other.periods[0].months = 6;
    let e =
        Comparison::build(names(), &[vec![one_value(1.0)], vec![other]], LEVEL, 1.0).unwrap_err();
    assert!(e.to_string().contains("periods"), "{e}");
    let mut other = one_value(1.0);
    other.metrics[0].scope = "elsewhere".into();
    let e =
        Comparison::build(names(), &[vec![one_value(1.0)], vec![other]], LEVEL, 1.0).unwrap_err();
    assert!(e.to_string().contains("regions"), "{e}");
    assert!(matches!(
        Comparison::build(names(), &[vec![], vec![]], LEVEL, 1.0),
        Err(CompareError::Empty(_))
    ));
    assert!(matches!(
        Comparison::build(vec![], &[], LEVEL, 1.0),
        Err(CompareError::Empty(_))
    ));
}

#[test]
fn field_means_and_differences() {
    let a = [1.0, f64::NAN, 3.0, f64::NAN];
    let b = [3.0, 2.0, f64::NAN, f64::NAN];
    let m = mean_field(&[&a, &b]).unwrap();
    assert_eq!(m[..3], [2.0, 2.0, 3.0]);
    assert!(m[3].is_nan());
    let d = difference(&m, &[1.0, 1.0, 1.0, 1.0]);
    assert_eq!(d[..3], [1.0, 1.0, 2.0]);
    assert!(d[3].is_nan());
    assert!(mean_field(&[]).is_err());
    assert!(mean_field(&[&a, &b[..2]]).is_err());
}
