//! Helpers shared by the integration tests: the binary's path, temporary folders, running commands.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the `zgc` binary under test: `$ZGC_TEST_BIN` if set (e.g. a copy, when several
/// worktrees share one target folder and its `release/zgc`), else the one built for these tests.
pub fn zgc_bin() -> PathBuf {
    std::env::var_os("ZGC_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_zgc")))
}

/// A `zgc` command with a clean environment for determinism (`RAYON_NUM_THREADS` unset).
pub fn zgc() -> Command {
    let mut c = Command::new(zgc_bin());
    c.env_remove("RAYON_NUM_THREADS");
    c
}

/// Run `zgc` with arguments in a folder; returns the output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    zgc()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("zgc runs")
}

/// Assert success, printing stdout and stderr otherwise.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "zgc failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A fresh temporary folder (removed on drop).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Project root (for `scenarios/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tiny but complete scenario: the Beijing world at a small scale for a few years.
pub const TINY: &str = r#"
[scenario]
name = "tiny"
description = "a small, short run for tests"

[run]
seed = 7
scale = 0.002
start = "2009-01"
ticks = 36

[world]
preset = "beijing"
"#;

/// Write `text` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// Files of a run folder that must be identical between deterministic runs.
pub const DETERMINISTIC_FILES: &[&str] = &[
    "timeseries.csv",
    "parks.csv",
    "regions.csv",
    "grids/office_rent.asc",
    "grids/residential_rent.asc",
    "grids/jobs.asc",
    "grids/residents.asc",
    "grids/startups.asc",
    "grids/commute.asc",
    "grids/knowledge.asc",
    "policies.csv",
    "events.csv",
];

/// The `final` and `provenance` parts of `summary.json` without thread count (deterministic).
pub fn summary_core(dir: &Path) -> serde_json::Value {
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    serde_json::json!({"final": s["final"], "provenance": s["provenance"]})
}

/// TINY with a policy: a 2.0 incubator in Huilongguan from the sixth month.
pub fn tiny_alt() -> String {
    TINY.replace("name = \"tiny\"", "name = \"tiny_alt\"")
        + r#"
[[policy]]
kind = "incubator"
name = "test incubator"
start = "2009-06"
region = { name = "huilongguan" }
generation = "2.0"
seats = 3000
"#
}

/// Write the two tiny scenarios (36 months; shorten runs with `--ticks`) and return their paths.
pub fn tiny_pair(dir: &Path) -> (PathBuf, PathBuf) {
    (
        write(dir, "tiny.toml", TINY),
        write(dir, "tiny_alt.toml", &tiny_alt()),
    )
}
