//! The sweep file's raw TOML form (`RawFile`: what serde reads) and the checks of its parts
//! (`[sweep]` design and samples, `[record]`, each `[[param]]` and its values), used by
//! `SweepSpec::parse`.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) sweep: RawSweep,
    #[serde(default)]
    pub(super) set: Option<toml::Table>,
    #[serde(default)]
    pub(super) record: Option<RawRecord>,
    #[serde(default)]
    pub(super) param: Vec<RawParam>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSweep {
    pub(super) name: String,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) base: Option<String>,
    pub(super) design: String,
    #[serde(default)]
    pub(super) samples: Option<i64>,
    #[serde(default)]
    pub(super) replicates: Option<i64>,
    pub(super) seed: i64,
    #[serde(default)]
    pub(super) common_random_numbers: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecord {
    #[serde(default)]
    pub(super) indicators: Option<Vec<String>>,
    #[serde(default)]
    pub(super) when: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawParam {
    pub(super) key: String,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) values: Option<Vec<Value>>,
    #[serde(default)]
    pub(super) range: Option<[f64; 2]>,
    #[serde(default)]
    pub(super) steps: Option<i64>,
    #[serde(default)]
    pub(super) uniform: Option<[f64; 2]>,
    #[serde(default)]
    pub(super) log_uniform: Option<[f64; 2]>,
    #[serde(default)]
    pub(super) normal: Option<[f64; 2]>,
    #[serde(default)]
    pub(super) integer: Option<[i64; 2]>,
}

/// An error at a key of the sweep file (file, line, column).
pub(super) type Err<'a> = dyn Fn(&str, String) -> SweepError + 'a;

/// `sweep.design` and `sweep.samples`, checked together.
pub(super) fn design_and_samples(
    name: &str,
    samples: Option<i64>,
    err: &Err,
) -> Result<(Design, usize), SweepError> {
    let design = match name {
        "factorial" => Design::Factorial,
        "random" => Design::Random,
        "lhs" | "latin_hypercube" => Design::Lhs,
        "saltelli" | "sobol" => Design::Saltelli,
        other => {
            return Err(err(
                "sweep.design",
                format!(
                    "unknown design {other:?}; expected \"factorial\", \"random\", \"lhs\" or \"saltelli\""
                ),
            ))
        }
    };
    let samples = match (design, samples) {
        (Design::Factorial, Some(_)) => {
            return Err(err(
                "sweep.samples",
                "a factorial design takes every combination of levels; leave `samples` out".into(),
            ))
        }
        (Design::Factorial, None) => 0,
        (_, None) => {
            return Err(err(
                "sweep.samples",
                format!(
                    "the {} design needs `samples` ({})",
                    design.name(),
                    if design == Design::Saltelli {
                        "the number of base samples N; runs = N·(parameters + 2)·replicates"
                    } else {
                        "the number of points"
                    }
                ),
            ))
        }
        (d, Some(n)) => {
            let min = if d == Design::Saltelli { 2 } else { 1 };
            if n < min {
                return Err(err(
                    "sweep.samples",
                    format!("expected at least {min}, found {n}"),
                ));
            }
            n as usize
        }
    };
    Ok((design, samples))
}

/// `[record]`: which indicators each run records, and when.
pub(super) fn record(raw: Option<RawRecord>, err: &Err) -> Result<Record, SweepError> {
    let r = raw.unwrap_or(RawRecord {
        indicators: None,
        when: None,
    });
    let when = match r.when.as_deref().unwrap_or("final") {
        "final" => When::Final,
        "yearly" | "every_year" => When::Yearly,
        "every_tick" | "monthly" => When::EveryTick,
        other => {
            return Err(err(
                "record.when",
                format!("unknown time {other:?}; expected \"final\", \"yearly\" or \"every_tick\""),
            ))
        }
    };
    let asked = r.indicators.unwrap_or_else(|| vec!["all".into()]);
    let indicators: Vec<String> = if asked.iter().any(|a| a == "all") {
        INDICATORS.iter().map(|i| i.name.to_string()).collect()
    } else {
        for a in asked.iter().filter(|a| !is_scoped(a)) {
            if !INDICATORS.iter().any(|i| i.name == a) {
                let near = INDICATORS
                    .iter()
                    .map(|i| (strsim::jaro_winkler(a, i.name), i.name))
                    .max_by(|x, y| x.0.total_cmp(&y.0))
                    .filter(|(s, _)| *s > 0.8)
                    .map(|(_, n)| format!(" (did you mean {n:?}?)"))
                    .unwrap_or_default();
                return Err(err(
                        "record.indicators",
                        format!(
                            "unknown indicator {a:?}{near}; the indicators are the columns of timeseries.csv (docs/sweeps.md), or \"all\""
                        ),
                    ));
            }
        }
        for a in asked.iter().filter(|a| is_scoped(a)) {
            if scoped_indicator(a).is_none() {
                return Err(err(
                        "record.indicators",
                        format!(
                            "unknown indicator {a:?}; a scoped indicator is `park:<park>/<park indicator>` or `<region>/<region indicator>` (docs/sweeps.md)"
                        ),
                    ));
            }
        }
        // INDICATORS order, without duplicates, then scoped ones in the order given.
        let mut v: Vec<String> = INDICATORS
            .iter()
            .filter(|i| asked.iter().any(|a| a == i.name))
            .map(|i| i.name.to_string())
            .collect();
        for a in asked.iter().filter(|a| is_scoped(a)) {
            if !v.contains(a) {
                v.push(a.clone());
            }
        }
        v
    };
    if indicators.is_empty() {
        return Err(err(
            "record.indicators",
            "expected at least one indicator".into(),
        ));
    }
    Ok(Record { indicators, when })
}

/// One `[[param]]` (index `i`), checked against the parameters before it and the design.
pub(super) fn param(
    i: usize,
    p: RawParam,
    params: &[ParamSpec],
    design: Design,
    err: &Err,
) -> Result<ParamSpec, SweepError> {
    let at = |field: &str| format!("param[{i}].{field}");
    let kp = KeyPath::parse(&p.key).map_err(|m| err(&at("key"), m))?;
    if kp.segments() == ["run", "seed"] {
        return Err(err(
            &at("key"),
            "each run's seed derives from `sweep.seed` and the run id; it cannot be swept".into(),
        ));
    }
    if kp.segments()[0] == "scenario" {
        return Err(err(
            &at("key"),
            "`scenario.*` (name, description) does not change a run".into(),
        ));
    }
    for q in params {
        let other = KeyPath::parse(&q.key).map_err(|m| err(&at("key"), m))?;
        if kp.starts_with(&other) || other.starts_with(&kp) {
            return Err(err(
                &at("key"),
                format!("`{}` overlaps the parameter `{}`", p.key, q.key),
            ));
        }
    }
    let column = p.name.clone().unwrap_or_else(|| kp.as_string());
    if RESERVED_COLUMNS.contains(&column.as_str())
        || INDICATORS.iter().any(|ind| ind.name == column)
    {
        return Err(err(
            &at(if p.name.is_some() { "name" } else { "key" }),
            format!("the column name {column:?} is taken by the merged table; give the parameter another `name`"),
        ));
    }
    if params.iter().any(|q| q.column == column) {
        return Err(err(
            &at("name"),
            format!("two parameters have the column name {column:?}"),
        ));
    }
    let mut given: Vec<&str> = Vec::new();
    let checks = [
        ("values", p.values.is_some()),
        ("range", p.range.is_some()),
        ("uniform", p.uniform.is_some()),
        ("log_uniform", p.log_uniform.is_some()),
        ("normal", p.normal.is_some()),
        ("integer", p.integer.is_some()),
    ];
    for (n, on) in checks {
        if on {
            given.push(n);
        }
    }
    if given.len() != 1 {
        return Err(err(
            &at("key"),
            format!(
                "`{}` needs exactly one of `values`, `range` (+ `steps`), `uniform`, `log_uniform`, `normal` or `integer`{}",
                p.key,
                if given.is_empty() { String::new() } else { format!("; found {}", given.join(", ")) }
            ),
        ));
    }
    if p.steps.is_some() && p.range.is_none() {
        return Err(err(&at("steps"), "`steps` goes with `range`".into()));
    }
    let values = values(&p, &at, err)?;
    if design == Design::Factorial && values.levels().is_none() {
        return Err(err(
            &at("key"),
            format!(
                "a factorial design needs levels: give `{}` as `values` or `range` + `steps`, or choose the random, lhs or saltelli design",
                p.key
            ),
        ));
    }
    Ok(ParamSpec {
        key: kp.as_string(),
        column,
        values,
    })
}

/// The values of a `[[param]]`: exactly one of `values`, `range` + `steps`, `uniform`,
/// `log_uniform`, `normal` or `integer`, checked.
pub(super) fn values(
    p: &RawParam,
    at: &dyn Fn(&str) -> String,
    err: &Err,
) -> Result<Values, SweepError> {
    let finite = |field: &str, xs: &[f64]| -> Result<(), SweepError> {
        if xs.iter().all(|x| x.is_finite()) {
            Ok(())
        } else {
            Err(err(&at(field), "expected finite numbers".into()))
        }
    };
    let values = if let Some(v) = &p.values {
        if v.is_empty() {
            return Err(err(&at("values"), "expected at least one value".into()));
        }
        for x in v {
            match x {
                Value::Integer(_) | Value::String(_) | Value::Boolean(_) => {}
                Value::Float(f) if f.is_finite() => {}
                other => {
                    return Err(err(
                        &at("values"),
                        format!("expected numbers, strings or booleans, found {other}"),
                    ))
                }
            }
        }
        Values::List(v.clone())
    } else if let Some([lo, hi]) = p.range {
        finite("range", &[lo, hi])?;
        if lo > hi {
            return Err(err(
                &at("range"),
                format!("expected [first, last] with first ≤ last, found [{lo}, {hi}]; write the levels from low to high"),
            ));
        }
        let steps = p.steps.ok_or_else(|| {
            err(&at("steps"), "`range` needs `steps`, the number of values from the first to the last, both included".into())
        })?;
        if !(1..=1_000_000).contains(&steps) {
            return Err(err(
                &at("steps"),
                format!("expected at least 1, found {steps}"),
            ));
        }
        Values::Range {
            lo,
            hi,
            steps: steps as usize,
        }
    } else if let Some([lo, hi]) = p.uniform {
        finite("uniform", &[lo, hi])?;
        if lo >= hi {
            return Err(err(
                &at("uniform"),
                format!("expected [low, high] with low < high, found [{lo}, {hi}]"),
            ));
        }
        Values::Uniform { lo, hi }
    } else if let Some([lo, hi]) = p.log_uniform {
        finite("log_uniform", &[lo, hi])?;
        if !(lo > 0.0 && lo < hi) {
            return Err(err(
                &at("log_uniform"),
                format!("expected [low, high] with 0 < low < high, found [{lo}, {hi}]"),
            ));
        }
        Values::LogUniform { lo, hi }
    } else if let Some([mean, sd]) = p.normal {
        finite("normal", &[mean, sd])?;
        if sd <= 0.0 {
            return Err(err(
                &at("normal"),
                format!("expected [mean, sd] with sd > 0, found [{mean}, {sd}]"),
            ));
        }
        Values::Normal { mean, sd }
    } else if let Some([lo, hi]) = p.integer {
        if lo > hi {
            return Err(err(
                &at("integer"),
                format!("expected [low, high] with low ≤ high, found [{lo}, {hi}]"),
            ));
        }
        Values::Integer { lo, hi }
    } else {
        unreachable!("exactly one given")
    };
    Ok(values)
}
