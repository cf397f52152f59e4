//! The `[params.*]` tables: the allowed range of every model parameter, range checks with
//! precise messages, and each parameter's documentation (read from the doc comments of
//! `src/params.rs`, so the two never drift apart).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use toml::Value;

use super::error::{join, show, Ctx, ScenarioError};
use crate::params::Params;

/// The allowed values of a parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// A probability in [0, 1].
    Prob,
    /// A share in [0, 1].
    Share,
    /// A share in (0, 1].
    PosShare,
    /// A number ≥ 0.
    NonNeg,
    /// A number > 0.
    Pos,
    /// A whole number ≥ 1.
    Count,
    /// A number ≥ the bound.
    AtLeast(f64),
    /// A number in [lo, hi].
    Between(f64, f64),
    /// Any finite number.
    Finite,
}

impl Rule {
    /// Whether `v` satisfies the rule.
    pub fn allows(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Rule::Prob | Rule::Share => (0.0..=1.0).contains(&v),
                Rule::PosShare => v > 0.0 && v <= 1.0,
                Rule::NonNeg => v >= 0.0,
                Rule::Pos => v > 0.0,
                Rule::Count => v >= 1.0 && v.fract() == 0.0,
                Rule::AtLeast(lo) => v >= lo,
                Rule::Between(lo, hi) => v >= lo && v <= hi,
                Rule::Finite => true,
            }
    }

    /// What the rule expects, in words.
    pub fn describe(self) -> String {
        match self {
            Rule::Prob => "a probability between 0 and 1".into(),
            Rule::Share => "a share between 0 and 1".into(),
            Rule::PosShare => "a share in (0, 1]".into(),
            Rule::NonNeg => "a number ≥ 0".into(),
            Rule::Pos => "a number > 0".into(),
            Rule::Count => "a whole number ≥ 1".into(),
            Rule::AtLeast(lo) => format!("a number ≥ {lo}"),
            Rule::Between(lo, hi) => format!("a number between {lo} and {hi}"),
            Rule::Finite => "a finite number".into(),
        }
    }

    /// Short form for comments: `[0, 1]`, `≥ 0`, ...
    pub fn short(self) -> String {
        match self {
            Rule::Prob | Rule::Share => "0–1".into(),
            Rule::PosShare => "(0, 1]".into(),
            Rule::NonNeg => "≥ 0".into(),
            Rule::Pos => "> 0".into(),
            Rule::Count => "whole number ≥ 1".into(),
            Rule::AtLeast(lo) => format!("≥ {lo}"),
            Rule::Between(lo, hi) => format!("{lo}–{hi}"),
            Rule::Finite => "any number".into(),
        }
    }
}

/// The rule of every parameter, by path inside `[params]`. `x.*` matches every key of the
/// per-sector / per-use / per-generation table `x`; `x[]` every element of the array `x`.
/// The first match wins. A unit test checks that every parameter has one.
pub const RULES: &[(&str, Rule)] = &[
    // population
    ("population.labour_force", Rule::Pos),
    ("population.initial_unemployment", Rule::Between(0.0, 0.9)),
    ("population.tech_share", Rule::Between(0.0, 0.95)),
    ("population.college_share", Rule::Share),
    ("population.growth_per_year", Rule::Between(-0.5, 0.5)),
    ("population.growth_years", Rule::NonNeg),
    ("population.graduates_per_year", Rule::Share),
    ("population.retirement_age", Rule::Between(21.0, 99.0)),
    ("population.home_m2_per_worker", Rule::Pos),
    ("population.firm_size_exponent", Rule::Between(0.1, 10.0)),
    ("population.firm_size_max", Rule::Count),
    ("population.incumbent_size", Rule::Count),
    // firms
    ("firms.revenue_per_worker.*", Rule::Pos),
    ("firms.value_added_share.*", Rule::Share),
    ("firms.wage.*", Rule::NonNeg),
    ("firms.high_tech_premium", Rule::Pos),
    ("firms.tfp_sigma", Rule::NonNeg),
    ("firms.spillover_elasticity", Rule::NonNeg),
    ("firms.m2_per_worker.residential", Rule::NonNeg),
    ("firms.m2_per_worker.*", Rule::Pos),
    ("firms.capital_share", Rule::Share),
    ("firms.target_margin", Rule::Between(-1.0, 1.0)),
    ("firms.hiring_slack_gain", Rule::NonNeg),
    ("firms.growth_rate", Rule::NonNeg),
    ("firms.shrink_rate", Rule::NonNeg),
    ("firms.initial_cash_months", Rule::NonNeg),
    ("firms.exit_debt_months", Rule::NonNeg),
    ("firms.base_exit_hazard", Rule::Prob),
    ("firms.entry_rate", Rule::Prob),
    ("firms.relocation_threshold", Rule::NonNeg),
    ("firms.relocation_slope", Rule::NonNeg),
    ("firms.relocation_max", Rule::Prob),
    ("firms.relocation_base", Rule::Prob),
    ("firms.relocation_space_constrained", Rule::Prob),
    ("firms.productivity_growth", Rule::Between(-0.5, 1.0)),
    ("firms.location_candidates", Rule::Count),
    ("firms.beta_knowledge", Rule::NonNeg),
    ("firms.beta_rent", Rule::NonNeg),
    ("firms.beta_distance", Rule::NonNeg),
    ("firms.beta_jobs", Rule::NonNeg),
    ("firms.innovation_rate.*", Rule::NonNeg),
    ("firms.incumbent_innovation", Rule::NonNeg),
    ("firms.innovation_spillover", Rule::NonNeg),
    // startups
    ("startups.found_rate_tech", Rule::Prob),
    ("startups.found_rate_other", Rule::Prob),
    ("startups.talent_elasticity", Rule::NonNeg),
    ("startups.spillover_gain", Rule::NonNeg),
    ("startups.age_multiplier[]", Rule::NonNeg),
    ("startups.college_multiplier", Rule::NonNeg),
    ("startups.incubator_access_gain", Rule::NonNeg),
    ("startups.subsidy_founding_gain", Rule::NonNeg),
    ("startups.founder_cash_months[]", Rule::NonNeg),
    ("startups.quality_median", Rule::Pos),
    ("startups.quality_sigma", Rule::NonNeg),
    ("startups.revenue_ramp_months", Rule::Pos),
    ("startups.funding_rate[]", Rule::Prob),
    ("startups.round_size[]", Rule::NonNeg),
    ("startups.staff_after_round[]", Rule::Between(0.0, 65535.0)),
    ("startups.investor_gain", Rule::NonNeg),
    ("startups.base_hazard", Rule::Prob),
    ("startups.graduation_size", Rule::Count),
    ("startups.industrialisation_age", Rule::NonNeg),
    ("startups.high_tech_share_tech", Rule::Share),
    ("startups.tech_sector_mix.*", Rule::NonNeg),
    ("startups.location_candidates", Rule::Count),
    // incubators
    ("incubators.rent_discount.*", Rule::Share),
    ("incubators.burn_reduction.*", Rule::Share),
    ("incubators.funding_multiplier.*", Rule::NonNeg),
    ("incubators.hazard_multiplier.*", Rule::NonNeg),
    ("incubators.innovation_multiplier.*", Rule::NonNeg),
    ("incubators.max_stay_months", Rule::Between(1.0, 255.0)),
    ("incubators.reach_km", Rule::NonNeg),
    ("incubators.m2_per_seat", Rule::Pos),
    // workers
    ("workers.on_the_job_search", Rule::Prob),
    ("workers.commute_search_gain", Rule::Prob),
    ("workers.job_candidates", Rule::Count),
    ("workers.search_decay_min", Rule::Pos),
    ("workers.beta_wage", Rule::NonNeg),
    ("workers.beta_commute", Rule::NonNeg),
    ("workers.move_rate", Rule::Prob),
    ("workers.move_commute_gain", Rule::Prob),
    ("workers.home_candidates", Rule::Count),
    ("workers.beta_home_rent", Rule::NonNeg),
    ("workers.switch_margin", Rule::NonNeg),
    ("workers.natural_unemployment", Rule::Share),
    ("workers.wage_flexibility", Rule::NonNeg),
    // land
    ("land.target_occupancy", Rule::PosShare),
    ("land.rent_elasticity", Rule::NonNeg),
    ("land.max_rise", Rule::NonNeg),
    ("land.max_fall", Rule::Share),
    ("land.rent_floor.*", Rule::NonNeg),
    ("land.build_cost_rent.*", Rule::Pos),
    ("land.development_rate", Rule::NonNeg),
    ("land.max_far", Rule::Pos),
    ("land.core_rent.*", Rule::NonNeg),
    ("land.unmet_demand_weight", Rule::NonNeg),
    // commute
    ("commute.zone_cells", Rule::Count),
    ("commute.street_speed_core", Rule::Pos),
    ("commute.street_speed_outer", Rule::Pos),
    ("commute.expressway_speed", Rule::Pos),
    ("commute.rail_speed", Rule::Pos),
    ("commute.terminal_minutes", Rule::NonNeg),
    ("commute.rail_access_minutes", Rule::NonNeg),
    ("commute.expressway_access_minutes", Rule::NonNeg),
    ("commute.bpr_alpha", Rule::NonNeg),
    ("commute.bpr_beta", Rule::NonNeg),
    ("commute.zone_capacity_per_km2", Rule::Pos),
    ("commute.link_capacity", Rule::NonNeg),
    ("commute.max_congestion", Rule::AtLeast(1.0)),
    ("commute.capacity_growth_per_year", Rule::Between(-0.5, 1.0)),
    ("commute.long_commute_min", Rule::Pos),
    // knowledge
    ("knowledge.decay_km", Rule::Pos),
    ("knowledge.cutoff_decays", Rule::Pos),
    ("knowledge.university_weight", Rule::NonNeg),
    ("knowledge.depreciation", Rule::Share),
    ("knowledge.worker_weight", Rule::NonNeg),
];

/// The rule pattern a parameter path (inside `[params]`) falls under, with its rule.
pub fn rule_of(path: &str) -> Option<(&'static str, Rule)> {
    let norm = normalize(path);
    RULES.iter().copied().find(|(pat, _)| {
        if let Some(prefix) = pat.strip_suffix(".*") {
            norm.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| !r.contains('.'))
        } else {
            *pat == norm
        }
    })
}

/// `startups.funding_rate[2]` → `startups.funding_rate[]`.
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_idx = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                in_idx = true;
                out.push('[');
            }
            ']' => {
                in_idx = false;
                out.push(']');
            }
            _ if in_idx => {}
            c => out.push(c),
        }
    }
    out
}

/// The leaves of a params value: (path inside `[params]`, value).
pub fn leaves(v: &Value) -> Vec<(String, Value)> {
    fn walk(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Table(t) => {
                for (k, x) in t {
                    walk(x, join(&path, k), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{path}[{i}]"), out);
                }
            }
            other => out.push((path, other.clone())),
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

/// Check the ranges of the parameters the scenario sets (`params` is the scenario's
/// `[params]` value, already known to have the right keys and types).
pub fn check_ranges(params: &Value, ctx: &Ctx) -> Result<(), ScenarioError> {
    for (path, v) in leaves(params) {
        let x = match &v {
            Value::Integer(i) => *i as f64,
            Value::Float(f) => *f,
            _ => continue,
        };
        let key = format!("params.{path}");
        if !x.is_finite() {
            return Err(ctx.value(
                &key,
                format!("expected a finite number, found {}", show(&v)),
            ));
        }
        if let Some((_, rule)) = rule_of(&path) {
            if !rule.allows(x) {
                return Err(ctx.value(
                    &key,
                    format!("expected {}, found {}", rule.describe(), show(&v)),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that involve more than one parameter.
pub fn check_relations(p: &Params, ctx: &Ctx) -> Result<(), ScenarioError> {
    let [lo, hi] = p.startups.founder_cash_months;
    if lo > hi {
        return Err(ctx.value(
            "params.startups.founder_cash_months",
            format!("expected [lower, upper] with lower ≤ upper, found [{lo}, {hi}]"),
        ));
    }
    let mix: f64 = p.startups.tech_sector_mix.to_array().iter().sum();
    if mix <= 0.0 {
        return Err(ctx.value(
            "params.startups.tech_sector_mix",
            "expected weights with a positive sum, found all zero",
        ));
    }
    if p.population.incumbent_size > p.population.firm_size_max {
        return Err(ctx.value(
            "params.population.incumbent_size",
            format!(
                "expected at most `firm_size_max` ({}), found {}",
                p.population.firm_size_max, p.population.incumbent_size
            ),
        ));
    }
    Ok(())
}

/// The parameter docs: path inside `[params]` (`firms.growth_rate`, or a section name) →
/// its doc comment in `src/params.rs`.
pub fn docs() -> &'static BTreeMap<String, String> {
    static DOCS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    DOCS.get_or_init(|| parse_docs(include_str!("../params.rs")))
}

/// Parse `pub struct X { /// doc \n pub field: T, }` blocks: struct → [(field, type, doc)].
fn struct_fields(src: &str) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut doc: Vec<String> = Vec::new();
    for line in src.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("pub struct ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            current = rest.trim_end().ends_with('{').then_some(name);
            doc.clear();
            continue;
        }
        if current.is_some() && l == "}" {
            current = None;
            continue;
        }
        let Some(st) = &current else { continue };
        if let Some(d) = l.strip_prefix("///") {
            doc.push(d.trim().to_string());
        } else if let Some(rest) = l.strip_prefix("pub ") {
            if let Some((field, ty)) = rest.split_once(':') {
                let ty = ty.trim().trim_end_matches(',').to_string();
                out.entry(st.clone()).or_default().push((
                    field.trim().to_string(),
                    ty,
                    doc.join(" "),
                ));
            }
            doc.clear();
        } else if !l.starts_with("#[") {
            doc.clear();
        }
    }
    out
}

fn parse_docs(src: &str) -> BTreeMap<String, String> {
    let structs = struct_fields(src);
    let mut out = BTreeMap::new();
    if let Some(sections) = structs.get("Params") {
        for (section, ty, doc) in sections {
            out.insert(section.clone(), doc.clone());
            if let Some(fields) = structs.get(ty) {
                for (f, _, d) in fields {
                    out.insert(format!("{section}.{f}"), d.clone());
                }
            }
        }
    }
    out
}

/// The parameters in the order of `src/params.rs`: (section, [field]).
pub fn order() -> Vec<(String, Vec<String>)> {
    let structs = struct_fields(include_str!("../params.rs"));
    structs
        .get("Params")
        .map(|sections| {
            sections
                .iter()
                .map(|(section, ty, _)| {
                    let fields = structs
                        .get(ty)
                        .map(|f| f.iter().map(|(name, _, _)| name.clone()).collect())
                        .unwrap_or_default();
                    (section.clone(), fields)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn short_value(v: &Value) -> String {
    match v {
        Value::Table(t) => t
            .iter()
            .map(|(k, x)| format!("{k} {}", short_value(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(short_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Float(f) => format!("{f}"),
        other => other.to_string(),
    }
}

/// One documented parameter: what `zgc check --defaults`, docs/scenarios.md and the Python
/// package's `zgc.defaults()` show.
#[derive(Clone, Debug)]
pub struct ParamDoc {
    /// Section inside `[params]` (`firms`).
    pub section: String,
    /// Field in the section (`growth_rate`).
    pub field: String,
    /// The default, as short text (`0.06`, `[0.1, 0.2]`, `gen1 0.3, gen2 0.5`).
    pub default: String,
    /// The allowed values, short (`≥ 0`, `[0, 1]`).
    pub allowed: String,
    /// The doc comment of `src/params.rs`.
    pub meaning: String,
}

/// Every parameter in the order of `src/params.rs`, with its default, range and meaning.
pub fn param_docs() -> Vec<ParamDoc> {
    let defaults = Value::try_from(Params::default()).unwrap_or(Value::Table(Default::default()));
    let d = docs();
    let mut out = Vec::new();
    for (section, fields) in order() {
        for f in fields {
            let path = format!("{section}.{f}");
            let v = defaults.get(&section).and_then(|s| s.get(&f));
            let allowed = rule_of(&path)
                .or_else(|| rule_of(&format!("{path}.x")))
                .or_else(|| rule_of(&format!("{path}[0]")))
                .map(|(_, r)| r.short())
                .unwrap_or_default();
            out.push(ParamDoc {
                default: v.map(short_value).unwrap_or_default(),
                allowed,
                meaning: d.get(&path).cloned().unwrap_or_default(),
                section: section.clone(),
                field: f,
            });
        }
    }
    out
}

/// Every parameter as Markdown tables, one per section: key, default, allowed values, meaning.
pub fn markdown() -> String {
    let d = docs();
    let mut out = String::new();
    let rows = param_docs();
    for (section, _) in order() {
        out.push_str(&format!(
            "#### `[params.{section}]` — {}\n\n| key | default | allowed | meaning |\n|---|---|---|---|\n",
            d.get(&section).map(String::as_str).unwrap_or("")
        ));
        for r in rows.iter().filter(|r| r.section == section) {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                r.field,
                r.default,
                r.allowed,
                r.meaning.replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out
}

/// Every parameter path (inside `[params]`) with its default value, as leaves.
pub fn default_leaves() -> Vec<(String, Value)> {
    let v = Value::try_from(Params::default()).unwrap_or(Value::Table(Default::default()));
    leaves(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_has_a_rule_its_default_satisfies() {
        for (path, v) in default_leaves() {
            let (_, rule) = rule_of(&path).unwrap_or_else(|| panic!("no rule for {path}"));
            let x = v
                .as_float()
                .or(v.as_integer().map(|i| i as f64))
                .unwrap_or_else(|| panic!("{path} is not a number"));
            assert!(rule.allows(x), "default of {path} = {x} breaks {rule:?}");
        }
    }

    #[test]
    fn every_rule_matches_a_parameter() {
        let leaves = default_leaves();
        for (pat, _) in RULES {
            assert!(
                leaves
                    .iter()
                    .any(|(p, _)| rule_of(p).map(|r| r.0) == Some(*pat)),
                "rule {pat} matches no parameter"
            );
        }
    }

    #[test]
    fn every_parameter_is_documented() {
        let d = docs();
        for (path, _) in default_leaves() {
            // Per-sector / per-use / array leaves take the doc of their table.
            let field = path.split('[').next().unwrap_or(&path);
            let parts: Vec<&str> = field.split('.').collect();
            let key = format!("{}.{}", parts[0], parts[1]);
            assert!(
                d.get(&key).is_some_and(|s| !s.is_empty()),
                "{key} has no doc"
            );
        }
        assert!(d["firms"].contains("firms"));
    }

    #[test]
    fn rule_lookup_handles_tables_and_arrays() {
        assert_eq!(rule_of("firms.wage.services").unwrap().1, Rule::NonNeg);
        assert_eq!(
            rule_of("firms.m2_per_worker.residential").unwrap().1,
            Rule::NonNeg
        );
        assert_eq!(rule_of("firms.m2_per_worker.office").unwrap().1, Rule::Pos);
        assert_eq!(rule_of("startups.funding_rate[1]").unwrap().1, Rule::Prob);
        assert!(rule_of("firms.nope").is_none());
    }
}
