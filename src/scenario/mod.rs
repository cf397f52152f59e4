//! Scenario files: the TOML schema, defaults, and turning a scenario into a world, parameters
//! and policies. The only place serde sees model inputs; everything past it is validated types.

pub mod policy;
// Stopgap until the scenario branch lands (see value.rs).
mod value;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::tick::policy::Policy;
use crate::tick::YearMonth;
use crate::world::layers::WorldLayers;
use crate::world::World;

pub use policy::{PolicySpec, RegionSpec};
pub use value::load_resolved_value;

/// The embedded baseline scenario (`scenarios/baseline.toml`).
pub const BASELINE_TOML: &str = include_str!("../../scenarios/baseline.toml");

/// An input error: the file, where in it, the key path, and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{file}{loc}: {key}{message}")]
pub struct ScenarioError {
    /// File (or `<embedded>`).
    pub file: String,
    /// `:line:column` where known, else empty.
    pub loc: String,
    /// Key path followed by ": ", or empty.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ScenarioError {
    /// An error about a key (no position).
    pub fn at(file: &str, key: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            loc: String::new(),
            key: if key.is_empty() {
                String::new()
            } else {
                format!("`{key}`: ")
            },
            message: message.into(),
        }
    }
}

/// `[scenario]`: name and description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short name (used in output folders and reports).
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
    /// Agents per real agent (1.0 = about 12 million workers).
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// First month, `YYYY-MM`.
    #[serde(default = "default_start")]
    pub start: String,
    /// Last month (inclusive), `YYYY-MM`; ignored when `ticks` is given.
    #[serde(default)]
    pub end: Option<String>,
    /// Number of monthly ticks.
    #[serde(default)]
    pub ticks: Option<u32>,
}

fn default_seed() -> u64 {
    42
}
fn default_scale() -> f64 {
    0.01
}
fn default_start() -> String {
    "2009-01".into()
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            seed: default_seed(),
            scale: default_scale(),
            start: default_start(),
            end: Some("2028-12".into()),
            ticks: None,
        }
    }
}

/// `[world]`: which world to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    /// Embedded preset (`beijing`).
    #[serde(default = "default_preset")]
    pub preset: String,
}

fn default_preset() -> String {
    "beijing".into()
}

impl Default for WorldSpec {
    fn default() -> Self {
        WorldSpec {
            preset: default_preset(),
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
    /// Policies, applied in file order within a tick.
    #[serde(default, rename = "policy")]
    pub policies: Vec<PolicySpec>,
}

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The parsed file with defaults filled in.
    pub file: ScenarioFile,
    /// Where it came from (`None` for the embedded baseline).
    pub source: Option<PathBuf>,
    /// First month.
    pub start: YearMonth,
    /// Number of ticks.
    pub ticks: u32,
}

impl Scenario {
    /// The embedded baseline.
    pub fn baseline() -> Scenario {
        Scenario::from_str(BASELINE_TOML, "<embedded baseline>", None)
            .expect("the embedded baseline is valid")
    }

    /// Load and validate a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::at(&name, "", format!("cannot read the file: {e}")))?;
        Scenario::from_str(&text, &name, Some(path.to_path_buf()))
    }

    /// Parse and validate scenario text.
    pub fn from_str(
        text: &str,
        file: &str,
        source: Option<PathBuf>,
    ) -> Result<Scenario, ScenarioError> {
        let parsed: ScenarioFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        Scenario::from_file(parsed, file, source)
    }

    /// Validate a parsed file.
    pub fn from_file(
        file: ScenarioFile,
        name: &str,
        source: Option<PathBuf>,
    ) -> Result<Scenario, ScenarioError> {
        let start = YearMonth::parse(&file.run.start).ok_or_else(|| {
            ScenarioError::at(
                name,
                "run.start",
                format!("expected a date `YYYY-MM`, found {:?}", file.run.start),
            )
        })?;
        let ticks = match (file.run.ticks, &file.run.end) {
            (Some(t), _) => t,
            (None, Some(end)) => {
                let e = YearMonth::parse(end).ok_or_else(|| {
                    ScenarioError::at(
                        name,
                        "run.end",
                        format!("expected a date `YYYY-MM`, found {end:?}"),
                    )
                })?;
                let m = start.months_until(e) + 1;
                if m < 1 {
                    return Err(ScenarioError::at(
                        name,
                        "run.end",
                        format!("{end} is before run.start {}", file.run.start),
                    ));
                }
                m as u32
            }
            (None, None) => 240,
        };
        if ticks == 0 {
            return Err(ScenarioError::at(
                name,
                "run.ticks",
                "expected at least 1 tick",
            ));
        }
        let s = file.run.scale;
        if !(s > 0.0 && s <= 1.0) {
            return Err(ScenarioError::at(
                name,
                "run.scale",
                format!("expected a number in (0, 1], found {s}"),
            ));
        }
        if file.world.preset != "beijing" {
            return Err(ScenarioError::at(
                name,
                "world.preset",
                format!(
                    "unknown preset {:?}; expected \"beijing\"",
                    file.world.preset
                ),
            ));
        }
        for (i, p) in file.policies.iter().enumerate() {
            p.validate(start, ticks).map_err(|(key, msg)| {
                ScenarioError::at(name, &format!("policy[{i}].{key}"), msg)
            })?;
        }
        Ok(Scenario {
            file,
            source,
            start,
            ticks,
        })
    }

    /// The fully resolved scenario as TOML (defaults filled in).
    pub fn resolved_toml(&self) -> String {
        let mut f = self.file.clone();
        f.run.ticks = Some(self.ticks);
        f.run.end = Some(self.start.plus(self.ticks - 1).to_string());
        toml::to_string_pretty(&f).unwrap_or_default()
    }

    /// SHA-256 of the resolved TOML, hex.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        let d = sha2::Sha256::digest(self.resolved_toml().as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.file.scenario.name
    }

    /// The world's input layers.
    pub fn layers(&self) -> WorldLayers {
        crate::world::beijing::layers(&self.file.params)
    }

    /// The policies with their regions resolved against a built world.
    pub fn policies(&self, world: &World) -> Result<Vec<Policy>, ScenarioError> {
        let name = self
            .source
            .as_ref()
            .map_or("<embedded>".to_string(), |p| p.display().to_string());
        self.file
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                p.resolve(world, self.start).map_err(|(key, msg)| {
                    ScenarioError::at(&name, &format!("policy[{i}].{key}"), msg)
                })
            })
            .collect()
    }
}

/// Turn a TOML error into a `ScenarioError` with line and column.
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    let loc = e
        .span()
        .map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
            format!(":{line}:{col}")
        })
        .unwrap_or_default();
    ScenarioError {
        file: file.to_string(),
        loc,
        key: String::new(),
        message: e.message().to_string(),
    }
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
    }

    #[test]
    fn unknown_key_gives_line_and_column() {
        let e = Scenario::from_str(
            "[scenario]\nname = \"x\"\n[run]\ntiks = 3\n",
            "f.toml",
            None,
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("f.toml:4:1"), "{msg}");
        assert!(msg.contains("tiks"), "{msg}");
    }
}
