//! Plans: a validated sweep turned into design points, runs and seeds, and the plan folder
//! (`plan.json`, `manifest.csv`, `base.toml`, `sweep.toml`) that `sweep run` needs and
//! nothing else.
//!
//! Run ids: `run = point · replicates + replicate`, so the replicates of a point are
//! neighbours. A run's seed is a function of the master seed and the run id only
//! (`runner::jobs::sweep_run_seed`, 53 bits so that every tool reads it exactly), or of the
//! master seed and the replicate with `common_random_numbers = true`
//! (`runner::jobs::sweep_replicate_seed`). Shards, order
//! and threads therefore never change a run's result.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Value;

use super::keypath::KeyPath;
use super::spec::{value_text, Design, ParamSpec, Record, SweepSpec};
use super::SweepError;
use crate::files::write_atomic;
use crate::rng::mix;
use crate::runner::jobs::{sweep_replicate_seed, sweep_run_seed};
use crate::scenario::{load_resolved_value, Scenario, ScenarioError, BASELINE_TOML};

/// Format version of `plan.json`.
pub const PLAN_FORMAT: u32 = 1;

/// File names in a plan folder.
pub mod files {
    /// The plan (JSON).
    pub const PLAN: &str = "plan.json";
    /// One row per run.
    pub const MANIFEST: &str = "manifest.csv";
    /// The resolved base scenario, with the sweep's `[set]` applied.
    pub const BASE: &str = "base.toml";
    /// A copy of the sweep file.
    pub const SWEEP: &str = "sweep.toml";
    /// Per-run results and done markers.
    pub const RUNS: &str = "runs";
    /// Batch logs.
    pub const LOGS: &str = "logs";
}

/// A plan: everything needed to run, merge and analyse a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `PLAN_FORMAT`.
    pub format: u32,
    /// zgc version that made the plan.
    pub zgc_version: String,
    /// Sweep name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The sweep file as given to `sweep plan`.
    pub sweep_file: String,
    /// The base scenario file (`None`: embedded baseline).
    pub base_file: Option<String>,
    /// SHA-256 of the resolved base scenario.
    pub base_hash: String,
    /// Design.
    pub design: Design,
    /// Samples (random, lhs, saltelli).
    pub samples: usize,
    /// Replicates per point.
    pub replicates: usize,
    /// Master seed.
    pub seed: u64,
    /// Seeds per replicate instead of per run.
    pub common_random_numbers: bool,
    /// Parameters.
    pub params: Vec<ParamSpec>,
    /// What each run records.
    pub record: Record,
    /// Parameter values of each point (design order), already converted to the type the
    /// scenario expects.
    pub points: Vec<Vec<Value>>,
}

impl Plan {
    /// Build and validate a plan: resolve the base, apply `[set]`, draw the design, and check
    /// that every point makes a valid scenario. Returns the plan and the resolved base.
    pub fn build(spec: &SweepSpec) -> Result<(Plan, Value), SweepError> {
        let fname = spec.file.display().to_string();
        let (base, label) = match &spec.base {
            Some(p) => (
                load_resolved_value(p).map_err(|e| SweepError::Input(e.to_string()))?,
                p.display().to_string(),
            ),
            None => (
                toml::from_str::<Value>(BASELINE_TOML).map_err(|e| {
                    SweepError::input("<embedded baseline>", "", e.message().to_string())
                })?,
                "<embedded baseline>".to_string(),
            ),
        };
        let (scenario, resolved) = resolve_with(
            base,
            &label,
            spec.base.clone(),
            &spec.set,
            &fname,
            "set.",
            SWEEP_KEYS,
        )
        .map_err(|e| SweepError::Input(e.to_string()))?;

        // Each key must exist in the resolved base, or be a new key of an existing table.
        let mut keys = Vec::new();
        let mut targets = Vec::new();
        for (i, p) in spec.params.iter().enumerate() {
            let kp = KeyPath::parse(&p.key)
                .map_err(|m| SweepError::input(&fname, &format!("param[{i}].key"), m))?;
            let existing = kp.get(&resolved).cloned();
            if existing.is_none() {
                check_new_key(&resolved, &kp, SWEEP_KEYS)
                    .map_err(|m| SweepError::input(&fname, &format!("param[{i}].key"), m))?;
                let mut probe = resolved.clone();
                kp.set(&mut probe, Value::Boolean(false)).map_err(|m| {
                    SweepError::input(
                        &fname,
                        &format!("param[{i}].key"),
                        format!("{m} (the keys are those of the resolved base scenario: run `zgc sweep plan` and look at base.toml)"),
                    )
                })?;
            }
            if let Some(e) = &existing {
                if matches!(e, Value::Table(_) | Value::Array(_)) {
                    return Err(SweepError::input(
                        &fname,
                        &format!("param[{i}].key"),
                        format!(
                            "`{}` is a {} in the scenario; sweep one of its values (e.g. `{}.…`)",
                            p.key,
                            e.type_str(),
                            p.key
                        ),
                    ));
                }
            }
            keys.push(kp);
            targets.push(existing);
        }

        let n_points = spec.n_points().unwrap_or(0);
        let design_seed = mix(spec.seed, &[0xDE51_6E5E]);
        let k = spec.params.len();
        let units: Vec<Vec<f64>> = match spec.design {
            Design::Factorial => Vec::new(),
            Design::Random => crate::stats::uniform_random(k, spec.samples, design_seed),
            Design::Lhs => crate::stats::latin_hypercube(k, spec.samples, design_seed),
            Design::Saltelli => {
                crate::stats::saltelli_design(k, spec.samples, design_seed).to_rows()
            }
        };
        let raw_points: Vec<Vec<Value>> = match spec.design {
            Design::Factorial => {
                let levels: Vec<Vec<Value>> = spec
                    .params
                    .iter()
                    .map(|p| p.values.levels().unwrap_or_default())
                    .collect();
                let sizes: Vec<usize> = levels.iter().map(Vec::len).collect();
                crate::stats::full_factorial(&sizes)
                    .into_iter()
                    .map(|idx| {
                        idx.iter()
                            .zip(&levels)
                            .map(|(&i, l)| l[i].clone())
                            .collect()
                    })
                    .collect()
            }
            _ => units
                .iter()
                .map(|u| {
                    u.iter()
                        .zip(&spec.params)
                        .map(|(&x, p)| p.values.at(x))
                        .collect()
                })
                .collect(),
        };
        debug_assert_eq!(raw_points.len(), n_points);
        let mut points = Vec::with_capacity(raw_points.len());
        for (pi, raw) in raw_points.into_iter().enumerate() {
            let mut row = Vec::with_capacity(k);
            for (i, v) in raw.into_iter().enumerate() {
                let v = coerce(v, targets[i].as_ref(), spec.params[i].values.is_list()).map_err(
                    |m| {
                        SweepError::input(
                            &fname,
                            &format!("param[{i}] ({})", spec.params[i].key),
                            m,
                        )
                    },
                )?;
                row.push(v);
            }
            // Validate the point as a scenario: every point of plans up to 2,000 points, a
            // sample of larger ones (points differ only in values of a type already checked).
            if n_points <= 2000 || pi % 97 == 0 {
                let mut v = resolved.clone();
                for (kp, x) in keys.iter().zip(&row) {
                    kp.set(&mut v, x.clone())
                        .map_err(|m| SweepError::input(&fname, "param", m))?;
                }
                Scenario::from_value(v, &format!("sweep point {pi}"), None).map_err(|e| {
                    SweepError::input(
                        &fname,
                        "param",
                        format!(
                            "point {pi} ({}) is not a valid scenario: {e}",
                            point_text(&spec.params, &row)
                        ),
                    )
                })?;
            }
            points.push(row);
        }
        let plan = Plan {
            format: PLAN_FORMAT,
            zgc_version: env!("CARGO_PKG_VERSION").to_string(),
            name: spec.name.clone(),
            description: spec.description.clone(),
            sweep_file: fname,
            base_file: spec.base.as_ref().map(|p| p.display().to_string()),
            base_hash: scenario.hash(),
            design: spec.design,
            samples: spec.samples,
            replicates: spec.replicates,
            seed: spec.seed,
            common_random_numbers: spec.common_random_numbers,
            params: spec.params.clone(),
            record: spec.record.clone(),
            points,
        };
        Ok((plan, resolved))
    }

    /// Number of runs.
    pub fn n_runs(&self) -> usize {
        self.points.len() * self.replicates
    }

    /// The design point of a run.
    pub fn point_of(&self, run: usize) -> usize {
        run / self.replicates
    }

    /// The replicate number of a run (0-based).
    pub fn replicate_of(&self, run: usize) -> usize {
        run % self.replicates
    }

    /// The seed of a run: from the master seed and the run id (or the replicate with common
    /// random numbers), 53 bits.
    pub fn seed_of(&self, run: usize) -> u64 {
        if self.common_random_numbers {
            sweep_replicate_seed(self.seed, self.replicate_of(run))
        } else {
            sweep_run_seed(self.seed, run)
        }
    }

    /// The scenario of a run's point: the resolved base with the point's values set.
    pub fn scenario_of(&self, base: &Value, run: usize) -> Result<Scenario, SweepError> {
        let point = self.point_of(run);
        let mut v = base.clone();
        for (p, x) in self.params.iter().zip(&self.points[point]) {
            let kp =
                KeyPath::parse(&p.key).map_err(|m| SweepError::input("plan.json", &p.key, m))?;
            kp.set(&mut v, x.clone())
                .map_err(|m| SweepError::input("plan.json", &p.key, m))?;
        }
        Scenario::from_value(v, &format!("sweep run {run} (point {point})"), None)
            .map_err(|e| SweepError::Input(e.to_string()))
    }

    /// Header of the manifest: `run, point, replicate, seed`, then the parameter columns.
    pub fn manifest_header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["run", "point", "replicate", "seed"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        h.extend(self.params.iter().map(|p| p.column.clone()));
        h
    }

    /// A run's manifest record.
    pub fn manifest_record(&self, run: usize) -> Vec<String> {
        let mut r = vec![
            run.to_string(),
            self.point_of(run).to_string(),
            self.replicate_of(run).to_string(),
            self.seed_of(run).to_string(),
        ];
        r.extend(self.points[self.point_of(run)].iter().map(value_text));
        r
    }

    /// The manifest as CSV bytes.
    pub fn manifest_csv(&self) -> Result<Vec<u8>, SweepError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| SweepError::Io(format!("manifest: {e}"));
        w.write_record(self.manifest_header()).map_err(io)?;
        for run in 0..self.n_runs() {
            w.write_record(self.manifest_record(run)).map_err(io)?;
        }
        w.into_inner()
            .map_err(|e| SweepError::Io(format!("manifest: {e}")))
    }

    /// Write the plan folder. Refuses a folder that holds anything but a previous plan of the
    /// same sweep without results, unless `force` (which deletes previous results).
    pub fn write(
        &self,
        dir: &Path,
        base: &Value,
        spec_text: &str,
        force: bool,
    ) -> Result<(), SweepError> {
        let d = dir.display();
        if dir.exists() {
            let entries: Vec<_> = fs::read_dir(dir)
                .map_err(|e| SweepError::Io(format!("cannot read {d}: {e}")))?
                .filter_map(Result::ok)
                .collect();
            if !entries.is_empty() && !force {
                let is_plan = dir.join(files::PLAN).is_file();
                return Err(SweepError::Input(if is_plan {
                    format!("{d} already holds a sweep plan; choose another --out, or pass --force to replace it and delete its results")
                } else {
                    format!("{d} exists and is not empty; choose another --out")
                }));
            }
            if force && !entries.is_empty() {
                if !dir.join(files::PLAN).is_file() {
                    return Err(SweepError::Input(format!(
                        "{d} is not a sweep plan folder; --force only replaces a previous plan"
                    )));
                }
                for sub in [files::RUNS, "slurm"] {
                    let p = dir.join(sub);
                    if p.exists() {
                        fs::remove_dir_all(&p).map_err(|e| {
                            SweepError::Io(format!("cannot remove {}: {e}", p.display()))
                        })?;
                    }
                }
                for f in ["merged.csv", "merged.parquet", "merged.json", "sobol.csv"] {
                    fs::remove_file(dir.join(f)).ok();
                }
            }
        }
        for sub in ["", files::RUNS, files::LOGS] {
            let p = dir.join(sub);
            fs::create_dir_all(&p)
                .map_err(|e| SweepError::Io(format!("cannot create {}: {e}", p.display())))?;
        }
        let io = |e: anyhow::Error| SweepError::Io(format!("{e:#}"));
        let base_text =
            toml::to_string_pretty(base).map_err(|e| SweepError::Io(format!("base.toml: {e}")))?;
        write_atomic(&dir.join(files::SWEEP), spec_text.as_bytes()).map_err(io)?;
        write_atomic(&dir.join(files::BASE), base_text.as_bytes()).map_err(io)?;
        write_atomic(&dir.join(files::MANIFEST), &self.manifest_csv()?).map_err(io)?;
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| SweepError::Io(format!("plan.json: {e}")))?;
        // plan.json last: its presence means the folder is a complete plan.
        write_atomic(&dir.join(files::PLAN), json.as_bytes()).map_err(io)?;
        Ok(())
    }

    /// Load a plan folder: the plan and the resolved base.
    pub fn load(dir: &Path) -> Result<(Plan, Value), SweepError> {
        let p = dir.join(files::PLAN);
        let text = fs::read_to_string(&p).map_err(|e| {
            SweepError::Input(format!(
                "{} is not a sweep plan folder ({}: {e}); make one with `zgc sweep plan SWEEP.toml --out {}`",
                dir.display(),
                files::PLAN,
                dir.display()
            ))
        })?;
        let plan: Plan = serde_json::from_str(&text)
            .map_err(|e| SweepError::input(&p.display().to_string(), "", e.to_string()))?;
        if plan.format != PLAN_FORMAT {
            return Err(SweepError::Input(format!(
                "{}: plan format {} is not supported by this zgc (format {PLAN_FORMAT}); plan the sweep again",
                p.display(),
                plan.format
            )));
        }
        if plan.replicates == 0 || plan.points.iter().any(|r| r.len() != plan.params.len()) {
            return Err(SweepError::input(
                &p.display().to_string(),
                "points",
                "inconsistent plan",
            ));
        }
        let bp = dir.join(files::BASE);
        let btext = fs::read_to_string(&bp)
            .map_err(|e| SweepError::Input(format!("cannot read {}: {e}", bp.display())))?;
        let base: Value = toml::from_str(&btext).map_err(|e| {
            SweepError::Input(
                crate::scenario::source::toml_error(&bp.display().to_string(), &btext, &e)
                    .to_string(),
            )
        })?;
        Ok((plan, base))
    }

    /// Path of a run's result file.
    pub fn result_path(dir: &Path, run: usize) -> PathBuf {
        dir.join(files::RUNS).join(format!("{run}.csv"))
    }

    /// Path of a run's done marker.
    pub fn done_path(dir: &Path, run: usize) -> PathBuf {
        dir.join(files::RUNS).join(format!("{run}.done"))
    }
}

/// A key that the resolved base lacks may only be added inside an array element (a policy
/// field left out); anywhere else it is a misspelling, reported with the nearest key.
/// Where a sweep's user finds the keys a key path may name.
pub const SWEEP_KEYS: &str = "base.toml in a plan folder";

fn check_new_key(resolved: &Value, kp: &KeyPath, keys_hint: &str) -> Result<(), String> {
    let segs = kp.segments();
    // The deepest existing ancestor.
    let mut depth = segs.len();
    while depth > 0 {
        let parent = KeyPath::parse(&segs[..depth - 1].join(".")).ok();
        let pv = match &parent {
            Some(p) => p.get(resolved),
            None => Some(resolved),
        };
        if let Some(pv) = pv {
            let in_array_element = segs[..depth - 1].iter().any(|s| s.parse::<usize>().is_ok());
            if depth == segs.len() && in_array_element {
                return Ok(());
            }
            let missing = &segs[depth - 1];
            let near = match pv {
                Value::Table(t) => t
                    .keys()
                    .map(|k| (strsim::jaro_winkler(missing, k), k))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .filter(|(sc, _)| *sc > 0.7)
                    .map(|(_, k)| {
                        format!(" (did you mean `{}`?)", {
                            let mut v = segs[..depth - 1].to_vec();
                            v.push(k.clone());
                            v.join(".")
                        })
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            };
            return Err(format!(
                "the scenario has no `{}`{near}; keys are those of the resolved base scenario ({keys_hint})",
                segs[..depth].join(".")
            ));
        }
        depth -= 1;
    }
    Ok(())
}

/// `key=value` pairs of a point, for messages.
pub fn point_text(params: &[ParamSpec], row: &[Value]) -> String {
    params
        .iter()
        .zip(row)
        .map(|(p, v)| format!("{}={}", p.column, value_text(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolve a scenario value (defaults filled in), set key paths in it and resolve it again:
/// a sweep's `[set]`, or the `params` of the Python package's `zgc.run`. A key must exist in
/// the resolved scenario or be a new key of an existing table (a policy's optional `end`);
/// values take the type of the value they replace. Errors name `set_file` and
/// `key_prefix` + the key path (sweeps say `set.run.scale`); `keys_hint` says where the
/// user sees the keys. Returns the scenario and its resolved value.
pub fn resolve_with(
    base: Value,
    label: &str,
    source: Option<std::path::PathBuf>,
    set: &[(String, Value)],
    set_file: &str,
    key_prefix: &str,
    keys_hint: &str,
) -> Result<(Scenario, Value), ScenarioError> {
    let resolve = |v: Value, what: &str| -> Result<(Scenario, Value), ScenarioError> {
        let scenario = Scenario::from_value(v, what, source.clone())?;
        let resolved: Value = toml::from_str(&scenario.resolved_toml())
            .map_err(|e| ScenarioError::at(label, "", format!("resolved scenario: {e}")))?;
        Ok((scenario, resolved))
    };
    // Resolve the base (defaults filled in), apply the settings to it, and resolve again.
    let (scenario, mut resolved) = resolve(base, label)?;
    if set.is_empty() {
        return Ok((scenario, resolved));
    }
    let has = |k: &str| set.iter().any(|(s, _)| s == k);
    if (has("run.end") || has("run.start")) && !has("run.ticks") {
        // `run.ticks` wins over `run.end`: let the new dates define the length.
        if let Some(Value::Table(run)) = resolved.get_mut("run") {
            run.remove("ticks");
        }
    }
    for (k, v) in set {
        let at = format!("{key_prefix}{k}");
        let err = |m: String| ScenarioError::at(set_file, &at, m);
        let kp = KeyPath::parse(k).map_err(err)?;
        if kp.get(&resolved).is_none() {
            check_new_key(&resolved, &kp, keys_hint).map_err(err)?;
        }
        let v = coerce(v.clone(), kp.get(&resolved), true).map_err(err)?;
        kp.set(&mut resolved, v).map_err(err)?;
    }
    let what = if key_prefix == "set." {
        format!("{label} with the [set] of {set_file}")
    } else {
        format!("{label} with the settings of {set_file}")
    };
    resolve(resolved, &what)
}

/// Convert a value to the type of the value it replaces: floats into integer fields are
/// rounded (an error for explicit `values` that are not whole), integers into float fields
/// become floats.
pub fn coerce(v: Value, existing: Option<&Value>, exact: bool) -> Result<Value, String> {
    match (existing, v) {
        (Some(Value::Integer(_)), Value::Float(f)) => {
            if exact && f.fract() != 0.0 {
                Err(format!("expects a whole number, found {f}"))
            } else if f.is_finite() && f.abs() < 9.0e15 {
                Ok(Value::Integer(f.round() as i64))
            } else {
                Err(format!("expects an integer, found {f}"))
            }
        }
        (Some(Value::Float(_)), Value::Integer(i)) => Ok(Value::Float(i as f64)),
        (_, v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn spec(text: &str) -> SweepSpec {
        SweepSpec::parse(text, Path::new("test.toml")).unwrap()
    }

    const FACT: &str = r#"
[sweep]
name = "t"
design = "factorial"
replicates = 2
seed = 5
[set]
run.scale = 0.002
run.ticks = 6
[record]
indicators = ["firms"]
[[param]]
key = "params.startups.base_hazard"
values = [0.005, 0.01]
[[param]]
key = "params.startups.graduation_size"
range = [5.0, 15.0]
steps = 3
[[param]]
key = "params.land.max_rise"
values = [1, 2]
"#;

    #[test]
    fn factorial_plan_seeds_and_types() {
        let (plan, base) = Plan::build(&spec(FACT)).unwrap();
        assert_eq!(plan.points.len(), 12);
        assert_eq!(plan.n_runs(), 24);
        // Integers for an integer field, floats for float fields.
        assert_eq!(plan.points[0][1], Value::Integer(5));
        assert_eq!(plan.points[2][1], Value::Integer(10));
        assert_eq!(plan.points[0][2], Value::Float(1.0));
        assert_eq!(plan.point_of(5), 2);
        assert_eq!(plan.replicate_of(5), 1);
        let seeds: std::collections::BTreeSet<u64> = (0..24).map(|r| plan.seed_of(r)).collect();
        assert_eq!(seeds.len(), 24);
        assert!(seeds.iter().all(|&s| s < 1 << 53));
        let s = plan.scenario_of(&base, 5).unwrap();
        assert_eq!(s.ticks, 6);
        assert_eq!(s.file.params.startups.graduation_size, 10);
        let csv = String::from_utf8(plan.manifest_csv().unwrap()).unwrap();
        assert!(csv.starts_with(
            "run,point,replicate,seed,params.startups.base_hazard,params.startups.graduation_size,params.land.max_rise\n"
        ));
        assert_eq!(csv.lines().count(), 25);
        // The same plan again: identical.
        let (again, _) = Plan::build(&spec(FACT)).unwrap();
        assert_eq!(plan, again);
    }

    #[test]
    fn bad_keys_and_values_are_input_errors() {
        let e = Plan::build(&spec(
            &FACT.replace("params.land.max_rise", "params.land.max_rize"),
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("`params.land.max_rize`")
                && e.contains("did you mean `params.land.max_rise`"),
            "{e}"
        );
        let e = Plan::build(&spec(
            &FACT.replace("params.land.max_rise", "params.lands.max_rise"),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("`params.lands`"), "{e}");
        let e = Plan::build(&spec(
            &FACT.replace("range = [5.0, 15.0]\nsteps = 3", "values = [5.5]"),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("whole number"), "{e}");
        let e = Plan::build(&spec(&FACT.replace("params.land.max_rise", "params.land")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("table"), "{e}");
    }

    #[test]
    fn random_designs_are_seeded() {
        let text = FACT
            .replace("\"factorial\"", "\"lhs\"\nsamples = 5")
            .replace("values = [0.005, 0.01]", "uniform = [0.005, 0.01]");
        let (a, _) = Plan::build(&spec(&text)).unwrap();
        assert_eq!(a.points.len(), 5);
        let (b, _) = Plan::build(&spec(&text.replace("seed = 5", "seed = 6"))).unwrap();
        assert_ne!(a.points, b.points);
        let salt = text.replace("\"lhs\"", "\"saltelli\"");
        let (s, _) = Plan::build(&spec(&salt)).unwrap();
        assert_eq!(s.points.len(), 5 * (3 + 2));
    }
}
