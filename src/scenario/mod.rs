//! Scenario files: the TOML language users describe simulations in (`docs/scenarios.md`), its
//! defaults, `extends` chains, validation with precise errors, and turning a scenario into a
//! world, parameters and policies. The only place serde sees model inputs; everything past it
//! is validated types.
//!
//! The pipeline: text → [`source`] (parse with positions, merge the `extends` chain) → a
//! `toml::Value` → key checks with suggestions ([`policy::check_keys`], serde with
//! `deny_unknown_fields`) → [`ScenarioFile`] → semantic checks (run dates, parameter ranges,
//! grid files, regions and places) → [`Scenario`], with every default filled in.

pub mod asc;
pub mod error;
pub mod geotiff;
pub mod params_schema;
pub mod policy;
pub mod source;
pub mod template;
pub mod valid_policy;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Value;

use crate::calendar::YearMonth;
use crate::params::Params;
use crate::tick::policy::Policy;
use crate::world::layers::WorldLayers;
use crate::world::World;

pub use crate::world::regions::RegionSpec;
pub use error::ScenarioError;
use error::{did_you_mean, humanize_serde, index, join, one_of, show, Ctx};
pub use policy::PolicySpec;
pub use valid_policy::{Action, ValidPolicy};
pub use world::WorldSpec;

/// The embedded baseline scenario (`scenarios/baseline.toml`).
pub const BASELINE_TOML: &str = include_str!("../../scenarios/baseline.toml");

/// The top-level sections of a scenario file (besides `extends`).
pub const TOP_KEYS: &[&str] = &["extends", "scenario", "run", "world", "params", "policy"];

/// `[scenario]`: name and description. Not inherited through `extends`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short name: letters, digits, `_`, `-` and `.` (it names the output folder).
    pub name: String,
    /// What the scenario represents.
    #[serde(default)]
    pub description: String,
}

/// `[run]`: the run settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// Master seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Agents per real agent, in (0, 1] (1.0 = about 12 million workers in Beijing).
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// First month, `YYYY-MM`.
    #[serde(default = "default_start")]
    pub start: String,
    /// Last month (inclusive), `YYYY-MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Number of monthly ticks (instead of `end`; both may be given if they agree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticks: Option<u32>,
}

/// Default master seed.
pub const DEFAULT_SEED: u64 = 42;
/// Default scale.
pub const DEFAULT_SCALE: f64 = 0.01;
/// Default first month.
pub const DEFAULT_START: &str = "2009-01";
/// Most travel zones a world may have (`params.commute.zone_cells` sets their size): the
/// travel-time matrices hold their square.
pub const MAX_TRAVEL_ZONES: usize = 8000;
/// Default number of ticks when neither `ticks` nor `end` is given.
pub const DEFAULT_TICKS: u32 = 240;
/// Most ticks a run may have (200 years of months); `--ticks` is held to it too.
pub const MAX_TICKS: u32 = 2400;

fn default_seed() -> u64 {
    DEFAULT_SEED
}
fn default_scale() -> f64 {
    DEFAULT_SCALE
}
fn default_start() -> String {
    DEFAULT_START.into()
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            seed: default_seed(),
            scale: default_scale(),
            start: default_start(),
            end: None,
            ticks: None,
        }
    }
}

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name and description.
    pub scenario: Meta,
    /// Run settings.
    #[serde(default)]
    pub run: RunSettings,
    /// World.
    #[serde(default)]
    pub world: WorldSpec,
    /// Behavioural parameters (defaults for anything not given).
    #[serde(default)]
    pub params: Params,
    /// Policies, applied in file order within a tick (a parent's before its child's).
    #[serde(default, rename = "policy", skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicySpec>,
}

/// A validated scenario: every default filled in, grid files read, regions checked.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The parsed file with defaults filled in.
    pub file: ScenarioFile,
    /// Where it came from (`None` for the embedded baseline or a value built in memory).
    pub source: Option<PathBuf>,
    /// First month.
    pub start: YearMonth,
    /// Number of ticks.
    pub ticks: u32,
    label: String,
    chain: Vec<PathBuf>,
    grids: Option<Arc<world::GridData>>,
    /// `file.policies` validated and typed, in file order.
    policies: Vec<ValidPolicy>,
}

/// Read a scenario file with its `extends` chain merged, as a TOML value (grid-file paths
/// absolute). Set key paths in it and build a scenario with [`Scenario::from_value`].
pub fn load_resolved_value(path: &Path) -> Result<toml::Value, ScenarioError> {
    source::load(path).map(|l| Value::Table(l.value))
}

impl Scenario {
    /// The embedded baseline.
    pub fn baseline() -> Scenario {
        Scenario::from_str(BASELINE_TOML, "<embedded baseline>", None)
            .expect("the embedded baseline is valid")
    }

    /// Load and validate a scenario file (following its `extends` chain).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let located = source::load(path)?;
        Scenario::from_located(
            located,
            &path.display().to_string(),
            Some(path.to_path_buf()),
        )
    }

    /// Parse and validate scenario text. `extends` and grid paths are relative to `source`'s
    /// folder (the working folder without one).
    pub fn from_str(
        text: &str,
        file_label: &str,
        source: Option<PathBuf>,
    ) -> Result<Scenario, ScenarioError> {
        let dir = source_dir(source.as_deref());
        let located = source::parse_text(text, file_label, &dir)?;
        Scenario::from_located(located, file_label, source)
    }

    /// Validate a scenario value (e.g. from [`load_resolved_value`] with key paths set by a
    /// sweep). Errors name `file_label` and the key path; relative paths resolve against
    /// `source`'s folder.
    pub fn from_value(
        value: toml::Value,
        file_label: &str,
        source: Option<PathBuf>,
    ) -> Result<Scenario, ScenarioError> {
        let Value::Table(table) = value else {
            return Err(ScenarioError::at(
                file_label,
                "",
                format!(
                    "expected a table of scenario sections, found {}",
                    show(&value)
                ),
            ));
        };
        let dir = source_dir(source.as_deref());
        let located = source::resolve_value(table, file_label, &dir)?;
        Scenario::from_located(located, file_label, source)
    }

    fn from_located(
        located: source::Located,
        label: &str,
        source: Option<PathBuf>,
    ) -> Result<Scenario, ScenarioError> {
        let ctx = Ctx {
            label,
            locs: &located.locs,
        };
        let value = located.value;
        check_top_keys(&value, &ctx)?;
        if let Some(p) = value.get("policy") {
            let Value::Array(list) = p else {
                return Err(ctx.value(
                    "policy",
                    format!(
                        "expected `[[policy]]` tables (an array of tables), found {}",
                        show(p)
                    ),
                ));
            };
            for (i, v) in list.iter().enumerate() {
                policy::check_keys(v, &index("policy", i), &ctx)?;
            }
        }
        if let Some(w) = value.get("world") {
            world::check_keys(w, &ctx)?;
        }
        let labour_force_given = value
            .get("params")
            .and_then(|p| p.get("population"))
            .and_then(|p| p.get("labour_force"))
            .is_some();
        let mut file: ScenarioFile = serde_path_to_error::deserialize(Value::Table(value.clone()))
            .map_err(|e| serde_error(&e, &value, &ctx))?;

        // [scenario]
        let name = &file.scenario.name;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            || name.starts_with('.')
        {
            return Err(ctx.value(
                "scenario.name",
                format!("expected a name of letters, digits, `_`, `-` or `.` (it names the output folder), found \"{name}\""),
            ));
        }

        // [run]
        let run = &file.run;
        let start = YearMonth::parse_checked(&run.start).map_err(|m| ctx.value("run.start", m))?;
        let from_end = match &run.end {
            Some(end) => {
                let e = YearMonth::parse_checked(end).map_err(|m| ctx.value("run.end", m))?;
                let m = start.months_until(e) + 1;
                if m < 1 {
                    return Err(ctx.value(
                        "run.end",
                        format!("expected a month not before `run.start` ({start}), found {end}"),
                    ));
                }
                Some(m as u32)
            }
            None => None,
        };
        let ticks = match (run.ticks, from_end) {
            (Some(t), Some(e)) if t != e => {
                return Err(ctx.value(
                    "run.end",
                    format!(
                        "`ticks = {t}` and `end = \"{}\"` ({e} months from {start}) disagree; give one of them",
                        run.end.as_deref().unwrap_or_default()
                    ),
                ))
            }
            (Some(t), _) => t,
            (None, Some(e)) => e,
            (None, None) => DEFAULT_TICKS,
        };
        if ticks == 0 {
            return Err(ctx.value("run.ticks", "expected at least 1 tick, found 0"));
        }
        if ticks > MAX_TICKS {
            return Err(ctx.value(
                "run.ticks",
                format!("expected at most {MAX_TICKS} ticks (200 years), found {ticks}"),
            ));
        }
        let last = start.plus(ticks - 1);
        if last > YearMonth::LAST {
            let key = if run.ticks.is_some() {
                "run.ticks"
            } else {
                "run.end"
            };
            return Err(ctx.value(
                key,
                format!(
                    "the run would end in {last}, after the last month zgc's calendar has ({}); expected at most {} ticks from {start}",
                    YearMonth::LAST,
                    start.months_until(YearMonth::LAST) + 1
                ),
            ));
        }
        let s = run.scale;
        if !(s > 0.0 && s <= 1.0) {
            return Err(ctx.value(
                "run.scale",
                format!("expected a number in (0, 1] (agents per real agent), found {s}"),
            ));
        }
        file.run.ticks = Some(ticks);
        file.run.end = Some(start.plus(ticks - 1).to_string());

        // [params]
        if let Some(p) = value.get("params") {
            params_schema::check_ranges(p, &ctx)?;
        }
        params_schema::check_relations(&file.params, &ctx)?;

        // [world]
        let grids = world::validate(&mut file.world, &ctx)?;
        if let Some(g) = &grids {
            if !labour_force_given {
                // A grid world's labour force is its residents grid's total.
                file.params.population.labour_force = g.input.residents.iter().sum::<f64>();
            }
        }
        let layers = world::build_layers(&file.world, grids.as_deref(), &file.params)
            .map_err(|(k, m)| ctx.value(&k, m))?;
        let zc = file.params.commute.zone_cells.max(1) as usize;
        let zones = layers.grid.nx.div_ceil(zc) * layers.grid.ny.div_ceil(zc);
        if zones > MAX_TRAVEL_ZONES {
            return Err(ctx.value(
                "params.commute.zone_cells",
                format!(
                    "the grid of {} × {} cells makes {zones} travel zones of {zc} × {zc} cells; at most {MAX_TRAVEL_ZONES} are supported (the travel-time matrix grows with their square): raise `zone_cells`",
                    layers.grid.nx, layers.grid.ny
                ),
            ));
        }
        if (file.params.population.labour_force * s).round() < 1.0 {
            return Err(ctx.value(
                "run.scale",
                format!(
                    "scale {s} of a labour force of {} gives no worker agent; use a larger scale",
                    file.params.population.labour_force
                ),
            ));
        }

        // [[policy]]
        let policies = file
            .policies
            .iter_mut()
            .enumerate()
            .map(|(i, p)| {
                p.validate(start, ticks, &file.params, &layers, &layers.land_use)
                    .map_err(|(k, m)| ctx.value(&join(&index("policy", i), &k), m))
            })
            .collect::<Result<Vec<_>, _>>()?;

        Ok(Scenario {
            file,
            source,
            start,
            ticks,
            label: label.to_string(),
            chain: located.chain,
            grids,
            policies,
        })
    }

    /// The fully resolved scenario as TOML (after `extends`, with every default filled in).
    /// It is itself a valid scenario that gives the same run.
    pub fn resolved_toml(&self) -> String {
        toml::to_string_pretty(&self.file).unwrap_or_default()
    }

    /// SHA-256 (hex) of the resolved TOML and of the grid files' contents.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(self.resolved_toml().as_bytes());
        if let Some(g) = &self.grids {
            for (k, d) in &g.digests {
                h.update(format!("\n{k} {d}").as_bytes());
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// SHA-256 (hex) of the world section and the grid files' contents: what the built world
    /// depends on besides the seed, the scale and the parameters.
    pub fn world_hash(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(
            toml::to_string(&self.file.world)
                .unwrap_or_default()
                .as_bytes(),
        );
        if let Some(g) = &self.grids {
            for (k, d) in &g.digests {
                h.update(format!("\n{k} {d}").as_bytes());
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The world's name as a run reports it.
    pub fn world_name(&self) -> String {
        let w = &self.file.world;
        w.name
            .clone()
            .or_else(|| w.preset.clone())
            .unwrap_or_else(|| "beijing".into())
    }

    /// The months the policies act, as first and last tick of a run of `ticks` months: from the
    /// earliest start to the latest end (a policy without an end acts to the run's end).
    pub fn policy_span(&self, ticks: u32) -> Option<(usize, usize)> {
        let last = ticks.saturating_sub(1) as i64;
        let mut span: Option<(i64, i64)> = None;
        for p in &self.file.policies {
            let a = p.start.tick(self.start).ok()?.clamp(0, last);
            let b = match &p.end {
                Some(e) => e.tick(self.start).ok()?.clamp(a, last),
                None => last,
            };
            span = Some(span.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
        }
        span.map(|(a, b)| (a as usize, b as usize))
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.file.scenario.name
    }

    /// The label errors name (the file, or what the caller named the scenario).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The files read: the scenario's own, then the one it extends, and so on.
    pub fn chain(&self) -> &[PathBuf] {
        &self.chain
    }

    /// The world's input layers (the preset, or the grid files read at validation, with the
    /// scenario's places, parks, districts, areas, incubators and links).
    pub fn layers(&self) -> Result<WorldLayers, ScenarioError> {
        world::build_layers(&self.file.world, self.grids.as_deref(), &self.file.params)
            .map_err(|(k, m)| ScenarioError::at(&self.label, &k, m))
    }

    /// The policies with their regions resolved against a built world.
    pub fn policies(&self, world: &World) -> Result<Vec<Policy>, ScenarioError> {
        self.policies_on(world, &world.cells.land_use)
    }

    /// The policies resolved against a world's places and the land-use zones `land_use` (a
    /// saved state's world may have been rezoned since the start; regions resolve against the
    /// zones of the start).
    pub fn policies_on(
        &self,
        world: &World,
        land_use: &[crate::types::LandUse],
    ) -> Result<Vec<Policy>, ScenarioError> {
        self.policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                p.resolve(world, land_use).map_err(|(k, m)| {
                    ScenarioError::at(&self.label, &join(&index("policy", i), &k), m)
                })
            })
            .collect()
    }
}

fn source_dir(source: Option<&Path>) -> PathBuf {
    match source.and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn check_top_keys(value: &toml::Table, ctx: &Ctx) -> Result<(), ScenarioError> {
    for (k, v) in value {
        if !TOP_KEYS.contains(&k.as_str()) {
            // A parameter section written without `params.` is a common slip.
            let sections = [
                "population",
                "firms",
                "startups",
                "incubators",
                "workers",
                "land",
                "commute",
                "knowledge",
            ];
            let hint = if sections.contains(&k.as_str()) {
                format!("; parameters go under `[params.{k}]`")
            } else {
                did_you_mean(k, TOP_KEYS.iter().copied())
            };
            return Err(ctx.key(
                k,
                format!(
                    "unknown section `{k}`{hint}; a scenario has {}",
                    one_of(&TOP_KEYS[1..])
                ),
            ));
        }
        if k != "policy" && k != "extends" && !v.is_table() {
            return Err(ctx.value(k, format!("expected a table `[{k}]`, found {}", show(v))));
        }
    }
    if !value.contains_key("scenario") {
        return Err(ctx.key(
            "scenario",
            "missing `[scenario]` with `name = \"...\"` (every file needs its own; it is not inherited through `extends`)",
        ));
    }
    Ok(())
}

/// The value at a serde path, if any.
fn value_at<'a>(root: &'a toml::Table, path: &serde_path_to_error::Path) -> Option<&'a Value> {
    use serde_path_to_error::Segment;
    let mut cur: Option<&Value> = None;
    let mut table = Some(root);
    for seg in path.iter() {
        let next = match seg {
            Segment::Map { key } => table.and_then(|t| t.get(key.as_str())),
            Segment::Seq { index } => cur.and_then(|c| c.as_array()).and_then(|a| a.get(*index)),
            _ => None,
        };
        cur = Some(next?);
        table = cur.and_then(|c| c.as_table());
    }
    cur
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut s = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Map { key } => s = join(&s, key),
            Segment::Seq { index: i } => s = index(&s, *i),
            Segment::Enum { variant } => s = join(&s, variant),
            Segment::Unknown => {}
        }
    }
    s
}

/// A serde error of a TOML file as a positioned error naming the key path: an unknown key
/// lists the keys its table takes (with a suggestion), a missing key says where a key of that
/// name stands instead (a `design` written under `[set]`), a wrong value says what was expected.
/// Used for scenarios and sweep files.
pub fn serde_error(
    e: &serde_path_to_error::Error<toml::de::Error>,
    root: &toml::Table,
    ctx: &Ctx,
) -> ScenarioError {
    let path = path_string(e.path());
    let msg = e.inner().message().trim().to_string();
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (name, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let name = name.trim_matches('`');
        let keys = error::backticked(expected);
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let table = path
            .rsplit_once(['.', '['])
            .map(|(t, _)| t.to_string())
            .unwrap_or_default();
        let table = if table.is_empty() {
            "the file".to_string()
        } else {
            format!("`[{table}]`")
        };
        let expected = if refs.is_empty() {
            "no keys here".to_string()
        } else if refs.len() > 12 {
            format!(
                "one of its {} keys (`zgc check --defaults` lists them)",
                refs.len()
            )
        } else {
            one_of(&refs)
        };
        return ctx.key(
            &path,
            format!(
                "unknown key `{name}` in {table}{}; expected {expected}",
                did_you_mean(name, refs.iter().copied()),
            ),
        );
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let name = rest.trim_matches('`');
        let key = join(&path, name);
        // A key of that name in another top-level table (not inside a list such as
        // [[policy]]): probably meant here.
        let stray = ctx
            .locs
            .iter()
            .filter(|(k, _)| !k.contains('[') && **k != key)
            .find(|(k, _)| k.split_once('.').is_some_and(|(_, rest)| rest == name));
        let hint = match stray {
            Some((k, loc)) => format!(
                "; a `{name}` stands as `{k}`{}: move it into `[{path}]`",
                loc.key
                    .map_or(String::new(), |p| format!(" at line {}", p.line))
            ),
            None => String::new(),
        };
        return ctx.key(&key, format!("missing `{name}`{hint}"));
    }
    let found = value_at(root, e.path());
    let mut text = humanize_serde(&msg, found);
    if path == "run.ticks" {
        // The type's own limit (u32) is not the one that matters.
        text = format!("{text}; a run has at most {MAX_TICKS} ticks (200 years)");
    }
    ctx.value(&path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_parses_and_round_trips() {
        let s = Scenario::baseline();
        assert_eq!(s.ticks, 240);
        let again = Scenario::from_str(&s.resolved_toml(), "resolved", None).unwrap();
        assert_eq!(again.hash(), s.hash());
        assert_eq!(again.resolved_toml(), s.resolved_toml());
    }

    #[test]
    fn unknown_key_gives_line_column_and_suggestion() {
        let e = Scenario::from_str(
            "[scenario]\nname = \"x\"\n[run]\ntiks = 3\n",
            "f.toml",
            None,
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("f.toml:4:1"), "{msg}");
        assert!(msg.contains("did you mean `ticks`?"), "{msg}");
    }

    #[test]
    fn edited_values_validate_with_key_paths() {
        let mut v = Value::Table(source::parse(BASELINE_TOML, "b").unwrap().0);
        v.as_table_mut().unwrap().insert(
            "params".into(),
            toml::toml! { [firms] growth_rate = -1.0 }.into(),
        );
        let e = Scenario::from_value(v, "sweep point 3", None).unwrap_err();
        assert_eq!(e.file, "sweep point 3");
        assert_eq!(e.key, "params.firms.growth_rate");
        assert!(e.message.contains("≥ 0"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_value_found() {
        let e = Scenario::from_str(
            "[scenario]\nname = \"x\"\n[run]\nscale = \"big\"\n",
            "f.toml",
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.toml:4:9: `run.scale`: expected a number, found \"big\""
        );
    }
}
