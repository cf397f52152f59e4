//! The sweep file (TOML): its schema, and validation into a [`SweepSpec`] with errors that
//! name the file and the key.
//!
//! ```toml
//! [sweep]
//! name = "example"
//! base = "../baseline.toml"   # relative to this file; leave out for the embedded baseline
//! design = "factorial"        # factorial | random | lhs | saltelli
//! samples = 8                 # points (random, lhs) or base samples N (saltelli)
//! replicates = 2
//! seed = 2024                 # master seed
//!
//! [set]                       # fixed changes to the base scenario
//! run.scale = 0.002
//! run.ticks = 24
//!
//! [record]
//! indicators = ["startups_alive", "innovation_output"]   # or ["all"]
//! when = "final"              # final | yearly | every_tick
//!
//! [[param]]
//! key = "params.startups.base_hazard"
//! values = [0.005, 0.01]      # or range = [lo, hi] + steps = n, or uniform = [lo, hi], ...
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Value;

use super::keypath::{flatten, KeyPath};
use super::SweepError;
use crate::metrics::INDICATORS;
use crate::stats::normal_quantile;

/// The design: how parameter points are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Every combination of every parameter's levels (`values` or `range`).
    Factorial,
    /// `samples` points drawn independently.
    Random,
    /// `samples` points of a Latin hypercube.
    Lhs,
    /// A Saltelli design with `samples` base points: `samples · (k + 2)` points, for Sobol indices.
    Saltelli,
}

impl Design {
    /// The name as written in sweep files.
    pub fn name(self) -> &'static str {
        match self {
            Design::Factorial => "factorial",
            Design::Random => "random",
            Design::Lhs => "lhs",
            Design::Saltelli => "saltelli",
        }
    }
}

/// When indicators are recorded during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// The last tick only.
    Final,
    /// Every December (the model's year-end).
    Yearly,
    /// Every tick.
    EveryTick,
}

impl When {
    /// The name as written in sweep files.
    pub fn name(self) -> &'static str {
        match self {
            When::Final => "final",
            When::Yearly => "yearly",
            When::EveryTick => "every_tick",
        }
    }
}

/// How a parameter's values are given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Values {
    /// Explicit values (numbers, strings or booleans).
    List(Vec<Value>),
    /// `steps` evenly spaced values from `lo` to `hi`, both included.
    Range {
        /// First value.
        lo: f64,
        /// Last value.
        hi: f64,
        /// Number of values.
        steps: usize,
    },
    /// Uniform on `[lo, hi)`.
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Log-uniform on `[lo, hi)`, `0 < lo < hi`.
    LogUniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Normal with mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Uniform on the integers `lo..=hi`.
    Integer {
        /// Smallest value.
        lo: i64,
        /// Largest value.
        hi: i64,
    },
}

impl Values {
    /// The levels of a discrete specification (`values`, `range`), `None` for distributions.
    pub fn levels(&self) -> Option<Vec<Value>> {
        match self {
            Values::List(v) => Some(v.clone()),
            Values::Range { lo, hi, steps } => Some(
                (0..*steps)
                    .map(|i| {
                        if *steps == 1 {
                            Value::Float(*lo)
                        } else if i + 1 == *steps {
                            Value::Float(*hi)
                        } else {
                            Value::Float(lo + (hi - lo) * i as f64 / (*steps - 1) as f64)
                        }
                    })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The value for a unit coordinate `u` in `[0, 1)`: a level chosen uniformly for
    /// discrete specifications, the inverse distribution function otherwise.
    pub fn at(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0 - f64::EPSILON / 2.0);
        if let Some(levels) = self.levels() {
            let i = ((u * levels.len() as f64) as usize).min(levels.len().saturating_sub(1));
            return levels[i].clone();
        }
        match *self {
            Values::Uniform { lo, hi } => Value::Float(lo + u * (hi - lo)),
            Values::LogUniform { lo, hi } => Value::Float((lo.ln() + u * (hi / lo).ln()).exp()),
            Values::Normal { mean, sd } => {
                let p = u.clamp(1e-12, 1.0 - 1e-12);
                Value::Float(mean + sd * normal_quantile(p))
            }
            Values::Integer { lo, hi } => {
                let span = (hi - lo) as f64 + 1.0;
                Value::Integer((lo + (u * span) as i64).min(hi))
            }
            Values::List(_) | Values::Range { .. } => unreachable!("handled above"),
        }
    }

    /// Whether values are given explicitly (and must not be rounded).
    pub fn is_list(&self) -> bool {
        matches!(self, Values::List(_))
    }

    /// A short description, e.g. `uniform [0.1, 0.5)`.
    pub fn describe(&self) -> String {
        match self {
            Values::List(v) => format!(
                "values [{}]",
                v.iter().map(value_text).collect::<Vec<_>>().join(", ")
            ),
            Values::Range { lo, hi, steps } => format!("range [{lo}, {hi}] in {steps} steps"),
            Values::Uniform { lo, hi } => format!("uniform [{lo}, {hi})"),
            Values::LogUniform { lo, hi } => format!("log-uniform [{lo}, {hi})"),
            Values::Normal { mean, sd } => format!("normal (mean {mean}, sd {sd})"),
            Values::Integer { lo, hi } => format!("integers {lo}..={hi}"),
        }
    }
}

/// One swept parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Key path into the scenario.
    pub key: String,
    /// Column name in the manifest and merged table (default: the key path).
    pub column: String,
    /// Its values.
    pub values: Values,
}

/// What to record from each run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Indicator names, in `INDICATORS` order.
    pub indicators: Vec<String>,
    /// When.
    pub when: When,
}

/// A validated sweep file.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// Where the file is.
    pub file: PathBuf,
    /// Its text (copied into the plan folder).
    pub text: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The base scenario file (`None`: the embedded baseline).
    pub base: Option<PathBuf>,
    /// Fixed changes to the base, as key paths.
    pub set: Vec<(String, Value)>,
    /// Design.
    pub design: Design,
    /// Points (random, lhs) or base samples (saltelli); unused for factorial.
    pub samples: usize,
    /// Replicates per point.
    pub replicates: usize,
    /// Master seed.
    pub seed: u64,
    /// Seeds per replicate rather than per run (common random numbers across points).
    pub common_random_numbers: bool,
    /// Parameters.
    pub params: Vec<ParamSpec>,
    /// What to record.
    pub record: Record,
}

/// The most runs a plan may hold.
pub const MAX_RUNS: usize = 10_000_000;

/// Column names that parameters may not take.
pub const RESERVED_COLUMNS: &[&str] = &["run", "point", "replicate", "seed", "tick", "date"];

// The raw file, as serde sees it.

/// A scalar TOML value as text for tables: numbers in shortest round-trip form.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => crate::output::num(*f),
        Value::String(s) => s.clone(),
        Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

impl SweepSpec {
    /// Read and validate a sweep file.
    pub fn load(path: &Path) -> Result<SweepSpec, SweepError> {
        let name = path.display().to_string();
        let text =
            crate::scenario::source::read_input(path, crate::scenario::source::MAX_SCENARIO_BYTES)
                .map_err(|e| SweepError::input(&name, "", format!("cannot read the file: {e}")))?;
        SweepSpec::parse(&text, path)
    }

    /// Validate sweep file text; `path` names it in errors and anchors a relative `base`.
    pub fn parse(text: &str, path: &Path) -> Result<SweepSpec, SweepError> {
        let fname = path.display().to_string();
        // Parse once for the positions of every key, so that errors say file:line:column.
        let (table, locs) = crate::scenario::source::parse(text, &fname)
            .map_err(|e| SweepError::Input(e.to_string()))?;
        let ctx = crate::scenario::error::Ctx {
            label: &fname,
            locs: &locs,
        };
        let err = |key: &str, msg: String| SweepError::Input(ctx.value(key, msg).to_string());
        let raw: RawFile =
            serde_path_to_error::deserialize(Value::Table(table.clone())).map_err(|e| {
                SweepError::Input(crate::scenario::serde_error(&e, &table, &ctx).to_string())
            })?;
        let s = raw.sweep;
        if s.name.trim().is_empty()
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(err(
                "sweep.name",
                format!(
                    "expected a short name of letters, digits, `-`, `_` or `.`, found {:?}",
                    s.name
                ),
            ));
        }
        let (design, samples) = design_and_samples(&s.design, s.samples, &err)?;
        let replicates = s.replicates.unwrap_or(1);
        if !(1..=1_000_000).contains(&replicates) {
            return Err(err(
                "sweep.replicates",
                format!("expected at least 1, found {replicates}"),
            ));
        }
        if s.seed < 0 {
            return Err(err(
                "sweep.seed",
                format!("expected a non-negative integer, found {}", s.seed),
            ));
        }
        let base = s.base.map(|b| {
            let p = PathBuf::from(&b);
            if p.is_absolute() {
                p
            } else {
                path.parent().unwrap_or(Path::new("")).join(p)
            }
        });

        let mut set = Vec::new();
        if let Some(t) = raw.set {
            flatten("", &Value::Table(t), &mut set);
        }
        for (k, _) in &set {
            KeyPath::parse(k).map_err(|m| err(&format!("set.{k}"), m))?;
            if k == "run.seed" {
                return Err(err(
                    "set.run.seed",
                    "each run's seed derives from `sweep.seed` and the run id; set `sweep.seed` instead".into(),
                ));
            }
        }

        let record = record(raw.record, &err)?;

        if raw.param.is_empty() {
            return Err(err(
                "param",
                "expected at least one [[param]] with a `key` and its values".into(),
            ));
        }
        let mut params: Vec<ParamSpec> = Vec::new();
        for (i, p) in raw.param.into_iter().enumerate() {
            let spec = param(i, p, &params, design, &err)?;
            params.push(spec);
        }
        for (k, _) in &set {
            let kp = KeyPath::parse(k).map_err(|m| err(&format!("set.{k}"), m))?;
            for p in &params {
                let pk = KeyPath::parse(&p.key).map_err(|m| err(&format!("set.{k}"), m))?;
                if kp.starts_with(&pk) || pk.starts_with(&kp) {
                    return Err(err(
                        &format!("set.{k}"),
                        format!("`{k}` is also swept as `{}`", p.key),
                    ));
                }
            }
        }
        let spec = SweepSpec {
            file: path.to_path_buf(),
            text: text.to_string(),
            name: s.name,
            description: s.description,
            base,
            set,
            design,
            samples,
            replicates: replicates as usize,
            seed: s.seed as u64,
            common_random_numbers: s.common_random_numbers,
            params,
            record,
        };
        let points = spec.n_points();
        match points.and_then(|p| p.checked_mul(spec.replicates)) {
            Some(r) if r <= MAX_RUNS => Ok(spec),
            _ => Err(err(
                "sweep",
                format!(
                    "the sweep has more than {MAX_RUNS} runs; use fewer levels, samples or replicates"
                ),
            )),
        }
    }

    /// Number of design points, `None` on overflow.
    pub fn n_points(&self) -> Option<usize> {
        let k = self.params.len();
        match self.design {
            Design::Factorial => {
                let levels: Vec<usize> = self
                    .params
                    .iter()
                    .map(|p| p.values.levels().map_or(0, |l| l.len()))
                    .collect();
                crate::stats::full_factorial_size(&levels)
            }
            Design::Random | Design::Lhs => Some(self.samples),
            Design::Saltelli => self.samples.checked_mul(k + 2),
        }
    }
}

/// Whether a recorded indicator is scoped (`scope/name`): a park's or a region's.
pub fn is_scoped(key: &str) -> bool {
    key.contains('/')
}

/// Where a scoped indicator comes from: `(true, park index in PARK_INDICATORS)` for
/// `park:<park>/<park indicator>`, `(false, index in REGION_INDICATORS)` for
/// `<region>/<region indicator>` (regions of `regions.csv`, parks as `park:<name>` too);
/// `None` when the name is not an indicator of its kind or the scope is empty.
pub fn scoped_indicator(key: &str) -> Option<(String, bool, usize)> {
    use crate::metrics::{PARK_INDICATORS, REGION_INDICATORS};
    let (scope, name) = key.rsplit_once('/')?;
    if scope.is_empty() {
        return None;
    }
    if scope.starts_with("park:") {
        if let Some(k) = PARK_INDICATORS.iter().position(|i| i.name == name) {
            return Some((scope.to_string(), true, k));
        }
    }
    REGION_INDICATORS
        .iter()
        .position(|i| i.name == name)
        .map(|k| (scope.to_string(), false, k))
}

#[path = "spec_check.rs"]
mod check;
use check::{design_and_samples, param, record, RawFile};

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
