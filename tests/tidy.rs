//! Tidy checks on the source tree and the model documentation: every Rust file opens with a
//! `//!` doc line, no file is over 800 lines and no function over 200, the code map names
//! every file, and `docs/ODD.md` documents every parameter (with its true default), every
//! indicator and every policy kind.
//!
//! The ODD convention these tests rely on: each parameter has one table row that starts with
//! its scenario key path in backticks, and whose second column is its default written as a
//! TOML literal in backticks, e.g.
//! ``| `params.firms.growth_rate` | `0.06` | 1/month | … |``. Per-sector, per-use and
//! per-generation tables are one row with an inline TOML table as the default.

use std::path::{Path, PathBuf};

use toml::Value;

use crate::common::root;

fn odd_text() -> String {
    let path = root().join("docs/ODD.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let root = root();
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "examples", "python/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    if root.join("build.rs").is_file() {
        files.push(root.join("build.rs"));
    }
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    let bad: Vec<String> = files
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.lines().next().is_some_and(|l| l.starts_with("//!"))
        })
        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
        .collect();
    assert!(
        bad.is_empty(),
        "these files do not start with a `//!` line saying what they are for:\n  {}",
        bad.join("\n  ")
    );
}

/// The default parameters as `(key path, value)` pairs, e.g. `("params.firms.growth_rate", 0.06)`.
/// Table-valued parameters (per sector, use or generation) are one pair holding the table.
fn default_params() -> Vec<(String, Value)> {
    let text = toml::to_string(&zgc::params::Params::default()).expect("serialise the defaults");
    let table: toml::Table = text.parse().expect("the serialised defaults parse");
    let mut out = Vec::new();
    for (group, fields) in &table {
        let fields = fields
            .as_table()
            .unwrap_or_else(|| panic!("params.{group} is not a table"));
        for (field, value) in fields {
            out.push((format!("params.{group}.{field}"), value.clone()));
        }
    }
    assert!(out.len() > 50, "only {} parameters found", out.len());
    out
}

/// Every key path a scenario may write under `[params]`: groups, fields and sub-keys of tables.
fn valid_paths(params: &[(String, Value)]) -> Vec<String> {
    let mut paths = Vec::new();
    for (key, value) in params {
        let group = key.rsplit_once('.').map(|(g, _)| g.to_string()).unwrap();
        paths.push(group);
        paths.push(key.clone());
        if let Some(t) = value.as_table() {
            paths.extend(t.keys().map(|k| format!("{key}.{k}")));
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// Numbers compare by value (an integer in the docs may stand for a float default).
fn same_value(a: &Value, b: &Value) -> bool {
    let num = |v: &Value| match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Table(x), Value::Table(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| same_value(p, q)))
        }
        _ => match (num(a), num(b)) {
            (Some(p), Some(q)) => p == q || (p - q).abs() <= 1e-12 * p.abs().max(q.abs()),
            _ => a == b,
        },
    }
}

/// The cells of a markdown table row (`| a | b |` → `["a", "b"]`).
fn cells(line: &str) -> Vec<&str> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(str::trim).collect()
}

#[test]
fn odd_documents_every_parameter_with_its_default() {
    let odd = odd_text();
    let mut problems = Vec::new();
    for (key, default) in default_params() {
        let head = format!("`{key}`");
        let rows: Vec<&str> = odd
            .lines()
            .filter(|l| {
                let c = cells(l);
                l.trim_start().starts_with('|') && c.first() == Some(&head.as_str())
            })
            .collect();
        let row = match rows.as_slice() {
            [row] => *row,
            [] => {
                problems.push(format!("{key}: no table row starts with {head}"));
                continue;
            }
            _ => {
                problems.push(format!(
                    "{key}: {} table rows start with {head}",
                    rows.len()
                ));
                continue;
            }
        };
        let c = cells(row);
        let Some(lit) = c
            .get(1)
            .and_then(|d| d.strip_prefix('`'))
            .and_then(|d| d.strip_suffix('`'))
        else {
            problems.push(format!(
                "{key}: the default column is not a TOML literal in backticks"
            ));
            continue;
        };
        match format!("v = {lit}").parse::<toml::Table>() {
            Ok(t) if same_value(&t["v"], &default) => {}
            Ok(t) => problems.push(format!(
                "{key}: the ODD says the default is {}, the code says {default}",
                t["v"]
            )),
            Err(e) => problems.push(format!("{key}: default `{lit}` is not valid TOML: {e}")),
        }
        if c.len() < 5 || c[2..].iter().any(|s| s.is_empty()) {
            problems.push(format!(
                "{key}: the row needs non-empty unit, meaning and source columns"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/ODD.md is out of step with src/params.rs:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn odd_names_no_parameter_that_does_not_exist() {
    let odd = odd_text();
    let valid = valid_paths(&default_params());
    let mut unknown = Vec::new();
    for (pos, _) in odd.match_indices("`params.") {
        let rest = &odd[pos + 1..];
        let Some(end) = rest.find('`') else { continue };
        // An element of an array parameter may be written `params.group.field[r]`.
        let path = rest[..end].split('[').next().unwrap_or_default();
        if valid.binary_search(&path.to_string()).is_err() {
            unknown.push(path.to_string());
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "docs/ODD.md names parameters that src/params.rs does not have: {unknown:?}"
    );
}

#[test]
fn odd_documents_every_indicator() {
    let odd = odd_text();
    let missing: Vec<&str> = zgc::metrics::INDICATORS
        .iter()
        .chain(zgc::metrics::PARK_INDICATORS)
        .map(|i| i.name)
        .filter(|n| !odd.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/ODD.md does not document these indicators (as `name`): {missing:?}"
    );
}

#[test]
fn odd_documents_every_policy_kind() {
    let odd = odd_text();
    let missing: Vec<&str> = zgc::scenario::policy::KINDS
        .iter()
        .copied()
        .filter(|k| !odd.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/ODD.md does not document these policy kinds (as `kind`): {missing:?}"
    );
}

/// The bullets of ARCHITECTURE.md's code map: (the path a bullet starts with, its text).
fn code_map() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let start = text
        .find("## Code map")
        .expect("ARCHITECTURE.md has a code map");
    let end = text[start + 3..]
        .find("\n## ")
        .map_or(text.len(), |i| start + 3 + i);
    let mut bullets: Vec<(String, String)> = Vec::new();
    for line in text[start..end].lines() {
        if let Some(rest) = line.strip_prefix("- `") {
            let path = rest.split('`').next().unwrap_or("").to_string();
            bullets.push((path, line.to_string()));
        } else if let Some(b) = bullets.last_mut() {
            b.1.push('\n');
            b.1.push_str(line);
        }
    }
    bullets
}

#[test]
fn the_code_map_names_every_source_file() {
    let map = code_map();
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut missing = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let named = match rel.rsplit_once('/') {
            // A top-level file has a bullet of its own, `src/x.rs`.
            None => map.iter().any(|(p, _)| *p == format!("src/{rel}")),
            // A module's file is named (`x.rs`) in its folder's bullet; `mod.rs` by the bullet.
            // A file's unit tests beside it (`x_tests.rs`) are named by their file (`x.rs`).
            Some((dir, name)) => {
                let name = match name.strip_suffix("_tests.rs") {
                    Some(stem) => format!("{stem}.rs"),
                    None => name.to_string(),
                };
                map.iter().any(|(p, text)| {
                    *p == format!("src/{dir}/")
                        && (name == "mod.rs" || text.contains(&format!("`{name}`")))
                })
            }
        };
        if !named {
            missing.push(rel);
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name: {missing:?} (a top-level file needs a bullet `src/x.rs`; a module's file is named as `x.rs` in its folder's bullet)"
    );
}

/// Longest source file (lines) and function (lines from `fn` to its closing brace) in `src/`
/// (ARCHITECTURE.md, "Size"): a file past it is split by meaning, a function into named steps.
const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 200;

#[test]
fn no_source_file_over_800_lines_and_no_function_over_200() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut too_long = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&src).unwrap().display().to_string();
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > MAX_FILE_LINES {
            too_long.push(format!("{rel}: {} lines", lines.len()));
        }
        // A function starts at a line `[pub[(…)] ][const ]fn name` and ends at the first line
        // that is its indentation followed by `}` (rustfmt's layout).
        for (k, line) in lines.iter().enumerate() {
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            let body = body
                .strip_prefix("pub(crate) ")
                .or_else(|| body.strip_prefix("pub(super) "))
                .or_else(|| body.strip_prefix("pub "))
                .unwrap_or(body);
            let body = body.strip_prefix("const ").unwrap_or(body);
            let Some(name) = body.strip_prefix("fn ") else {
                continue;
            };
            // A declaration (`;`) or a one-line function (`{ … }`) has no closing line.
            if line.trim_end().ends_with(';') || line.trim_end().ends_with('}') {
                continue;
            }
            let close = format!("{indent}}}");
            if let Some(end) = lines[k + 1..].iter().position(|l| *l == close) {
                let n = end + 2;
                if n > MAX_FN_LINES {
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    too_long.push(format!("{rel}:{}: fn {name}: {n} lines", k + 1));
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "over {MAX_FILE_LINES} lines a file or {MAX_FN_LINES} a function: {too_long:#?}"
    );
}
