//! Scenarios as TOML values: read a file into a `toml::Value` and validate a value as a scenario.
//!
//! STOPGAP for the `sweep` branch. The `scenario` work in parallel provides the real
//! `scenario::load_resolved_value` (with the `extends` chain merged) and
//! `Scenario::from_value`; at merge time, delete this file and its two lines in
//! `scenario/mod.rs` (`mod value;` and the `pub use`) and keep theirs. `sweep` calls only
//! these two names, with these signatures.

use std::path::{Path, PathBuf};

use super::{toml_error, Scenario, ScenarioError};

/// Read a scenario file into a TOML value. (Stopgap: no `extends` support.)
pub fn load_resolved_value(path: &Path) -> Result<toml::Value, ScenarioError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::at(&name, "", format!("cannot read the file: {e}")))?;
    toml::from_str::<toml::Value>(&text).map_err(|e| toml_error(&name, &text, &e))
}

impl Scenario {
    /// Validate a scenario given as a TOML value. (Stopgap: serialises the value back to
    /// TOML text and parses that.)
    pub fn from_value(
        value: toml::Value,
        file_label: &str,
        source: Option<PathBuf>,
    ) -> Result<Scenario, ScenarioError> {
        let text = toml::to_string(&value)
            .map_err(|e| ScenarioError::at(file_label, "", format!("not a TOML document: {e}")))?;
        Scenario::from_str(&text, file_label, source)
    }
}
