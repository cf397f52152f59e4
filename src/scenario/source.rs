//! Reading scenario text: TOML parsing with positions, the `extends` chain (relative paths,
//! cycles reported), merging a file over its parent, and making grid-file paths absolute.
//!
//! Merge rules (documented in `docs/scenarios.md`): tables merge key by key; a non-empty array
//! of tables (`[[policy]]`, `[[world.place]]`, ...) is appended to the parent's; an empty
//! array clears it; any other value replaces the parent's. The `[scenario]` table is never
//! inherited. `run.ticks` and `run.end` replace each other, as do `world.preset` and
//! `world.grids`.

use std::path::{Path, PathBuf};

use toml::Value;

use super::error::{index, join, Ctx, Loc, Locs, Pos, ScenarioError};

/// A scenario value with the positions of its keys and the files it was read from.
#[derive(Clone, Debug, Default)]
pub struct Located {
    /// The merged TOML (a table), `extends` removed.
    pub value: toml::Table,
    /// Where each key was written.
    pub locs: Locs,
    /// The files read, the scenario's own first, then its parent, and so on.
    pub chain: Vec<PathBuf>,
}

/// Largest scenario (or sweep) file read, in bytes: far above any hand-written file.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Read a text file a user named, refusing what is not a regular file (a device such as
/// `/dev/zero` or a FIFO would never end) and a file of more than `max` bytes, without reading
/// more than `max + 1` bytes of it.
pub fn read_input(path: &Path, max: u64) -> std::io::Result<String> {
    let bytes = read_input_bytes(path, max)?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// [`read_input`] for binary files (GeoTIFF grids): the same checks, the bytes as they are.
pub fn read_input_bytes(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "larger than the {} a file may have",
                crate::limits::human_bytes(max)
            ),
        ));
    }
    Ok(bytes)
}

/// Read a file and its `extends` chain into one merged value.
pub fn load(path: &Path) -> Result<Located, ScenarioError> {
    let mut stack = Vec::new();
    load_inner(path, &mut stack, None)
}

/// Parse a text (not from a file, or from a file already read) and resolve its `extends`
/// relative to `dir`.
pub fn parse_text(text: &str, label: &str, dir: &Path) -> Result<Located, ScenarioError> {
    let (table, locs) = parse(text, label)?;
    let mut stack = Vec::new();
    finish(table, locs, label, dir, &mut stack)
}

/// Resolve the `extends` of a value that came without positions (e.g. edited by a sweep),
/// relative to `dir`.
pub fn resolve_value(
    value: toml::Table,
    label: &str,
    dir: &Path,
) -> Result<Located, ScenarioError> {
    let mut stack = Vec::new();
    finish(value, Locs::new(), label, dir, &mut stack)
}

fn load_inner(
    path: &Path,
    stack: &mut Vec<(PathBuf, String)>,
    from: Option<(&str, Option<Pos>)>,
) -> Result<Located, ScenarioError> {
    let label = path.display().to_string();
    let fail = |msg: String| match from {
        Some((file, pos)) => ScenarioError {
            file: file.to_string(),
            pos,
            key: "extends".into(),
            message: msg,
        },
        None => ScenarioError::in_file(&label, None, msg),
    };
    let text = read_input(path, MAX_SCENARIO_BYTES).map_err(|e| {
        fail(if from.is_some() {
            format!("cannot read the scenario it extends, `{label}`: {e}")
        } else {
            format!("cannot read the file: {e}")
        })
    })?;
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if let Some(i) = stack.iter().position(|p| p.0 == canon) {
        let mut cycle: Vec<String> = stack[i..].iter().map(|p| p.1.clone()).collect();
        cycle.push(label.clone());
        return Err(fail(format!(
            "`extends` forms a cycle: {}",
            cycle.join(" → ")
        )));
    }
    let (table, locs) = parse(&text, &label)?;
    stack.push((canon, label.clone()));
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut out = finish(table, locs, &label, dir, stack)?;
    stack.pop();
    out.chain.insert(0, path.to_path_buf());
    Ok(out)
}

/// The value of `extends` that names the embedded baseline (Beijing 2009-01 … 2028-12, seed
/// 42, scale 0.01), so that a scenario can build on it without a copy of `baseline.toml`.
pub const BUILTIN_BASELINE: &str = "builtin:baseline";

/// Make grid paths absolute, then merge over the parent named by `extends`.
fn finish(
    mut table: toml::Table,
    mut locs: Locs,
    label: &str,
    dir: &Path,
    stack: &mut Vec<(PathBuf, String)>,
) -> Result<Located, ScenarioError> {
    absolutize_grids(&mut table, dir);
    let Some(ext) = table.remove("extends") else {
        return Ok(Located {
            value: table,
            locs,
            chain: Vec::new(),
        });
    };
    let ctx = Ctx { label, locs: &locs };
    let Value::String(rel) = &ext else {
        return Err(ctx.value(
            "extends",
            format!(
                "expected a path to another scenario file (a string), found {}",
                super::error::show(&ext)
            ),
        ));
    };
    let pos = locs.get("extends").and_then(|l| l.value.or(l.key));
    let file_of_extends = locs
        .get("extends")
        .map_or(label.to_string(), |l| l.file.clone());
    locs.remove("extends");
    let parent = if rel == BUILTIN_BASELINE {
        // The embedded baseline: what `zgc run` runs without a file (it extends nothing).
        let (t, l) = parse(super::BASELINE_TOML, "<embedded baseline>")?;
        let mut p = finish(t, l, "<embedded baseline>", Path::new("."), stack)?;
        p.chain.insert(0, PathBuf::from("<embedded baseline>"));
        p
    } else {
        let parent_path = normalize(&dir.join(rel));
        load_inner(&parent_path, stack, Some((&file_of_extends, pos)))?
    };
    let mut merged = parent.value;
    let mut merged_locs = parent.locs;
    merge_table(&mut merged, table, "", &mut merged_locs, &locs);
    Ok(Located {
        value: merged,
        locs: merged_locs,
        chain: parent.chain,
    })
}

/// Parse TOML text into a table and the positions of its keys.
pub fn parse(text: &str, label: &str) -> Result<(toml::Table, Locs), ScenarioError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(label, text, &e))?;
    let mut locs = Locs::new();
    if let Ok(doc) = toml_edit::ImDocument::parse(text) {
        walk_table(doc.as_table(), "", text, label, &mut locs);
        check_floats(doc.as_item(), "", text, label)?;
    }
    Ok((table, locs))
}

/// Refuse a non-zero number written so small that it reads as 0 (`1e-400`): the TOML parser
/// rounds it silently, and a rate of 0 is not what the author wrote.
fn check_floats(
    item: &toml_edit::Item,
    path: &str,
    text: &str,
    label: &str,
) -> Result<(), ScenarioError> {
    use toml_edit::{Item, Value as V};
    fn value(v: &V, path: &str, text: &str, label: &str) -> Result<(), ScenarioError> {
        match v {
            V::Float(f) if *f.value() == 0.0 => {
                let raw = f.span().and_then(|s| text.get(s.clone())).unwrap_or("");
                let mantissa = raw.split(['e', 'E']).next().unwrap_or("");
                if mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
                    let pos = f.span().map(|s| Pos::of_offset(text, s.start));
                    let mut e = ScenarioError::in_file(
                        label,
                        pos,
                        format!("`{raw}` is too small to represent and would be read as 0; expected 0 or a number of at least 1e-300 in size"),
                    );
                    e.key = path.to_string();
                    return Err(e);
                }
                Ok(())
            }
            V::Array(a) => a
                .iter()
                .enumerate()
                .try_for_each(|(i, x)| value(x, &index(path, i), text, label)),
            V::InlineTable(t) => t
                .iter()
                .try_for_each(|(k, x)| value(x, &join(path, k), text, label)),
            _ => Ok(()),
        }
    }
    match item {
        Item::Table(t) => t
            .iter()
            .try_for_each(|(k, x)| check_floats(x, &join(path, k), text, label)),
        Item::ArrayOfTables(a) => a.iter().enumerate().try_for_each(|(i, t)| {
            t.iter()
                .try_for_each(|(k, x)| check_floats(x, &join(&index(path, i), k), text, label))
        }),
        Item::Value(v) => value(v, path, text, label),
        Item::None => Ok(()),
    }
}

/// Turn a TOML syntax error into a `ScenarioError` with line and column.
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    let pos = e.span().map(|s| Pos::of_offset(text, s.start));
    // One line: the toml crate puts the detail (e.g. "duplicate key `run` in document root")
    // on a line of its own.
    let msg = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    let msg = match msg.strip_prefix("invalid table header: duplicate key `") {
        Some(rest) => {
            let name = rest.split('`').next().unwrap_or_default();
            format!("the table `[{name}]` appears twice; write each table once (merge the two into one)")
        }
        None => msg,
    };
    ScenarioError::in_file(file, pos, format!("invalid TOML: {msg}"))
}

fn pos_of(span: Option<std::ops::Range<usize>>, text: &str) -> Option<Pos> {
    span.map(|s| Pos::of_offset(text, s.start))
}

fn walk_table(t: &toml_edit::Table, path: &str, text: &str, file: &str, locs: &mut Locs) {
    for (k, _) in t.iter() {
        let Some((key, item)) = t.get_key_value(k) else {
            continue;
        };
        let p = join(path, k);
        walk_item(item, Some(key), &p, text, file, locs);
    }
}

fn walk_item(
    item: &toml_edit::Item,
    key: Option<&toml_edit::Key>,
    p: &str,
    text: &str,
    file: &str,
    locs: &mut Locs,
) {
    let key_pos = key.and_then(|k| pos_of(k.span(), text));
    match item {
        toml_edit::Item::Table(t) => {
            let header = pos_of(t.span(), text).or(key_pos);
            locs.insert(
                p.to_string(),
                Loc {
                    file: file.into(),
                    key: header,
                    value: header,
                },
            );
            walk_table(t, p, text, file, locs);
        }
        toml_edit::Item::ArrayOfTables(a) => {
            locs.insert(
                p.to_string(),
                Loc {
                    file: file.into(),
                    key: key_pos,
                    value: pos_of(a.span(), text).or(key_pos),
                },
            );
            for (i, t) in a.iter().enumerate() {
                let ip = index(p, i);
                let header = pos_of(t.span(), text);
                locs.insert(
                    ip.clone(),
                    Loc {
                        file: file.into(),
                        key: header,
                        value: header,
                    },
                );
                walk_table(t, &ip, text, file, locs);
            }
        }
        toml_edit::Item::Value(v) => walk_value(v, key_pos, p, text, file, locs),
        toml_edit::Item::None => {}
    }
}

fn walk_value(
    v: &toml_edit::Value,
    key_pos: Option<Pos>,
    p: &str,
    text: &str,
    file: &str,
    locs: &mut Locs,
) {
    let vpos = pos_of(v.span(), text);
    locs.insert(
        p.to_string(),
        Loc {
            file: file.into(),
            key: key_pos.or(vpos),
            value: vpos.or(key_pos),
        },
    );
    match v {
        toml_edit::Value::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                walk_value(e, None, &index(p, i), text, file, locs);
            }
        }
        toml_edit::Value::InlineTable(t) => {
            for (k, _) in t.iter() {
                if let Some((key, item)) = t.get_key_value(k) {
                    let kp = pos_of(key.span(), text);
                    if let Some(val) = item.as_value() {
                        walk_value(val, kp, &join(p, k), text, file, locs);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Turn the relative paths under `world.grids` into paths relative to `dir` (absolute when
/// `dir` is), so that a merged scenario finds its grids whichever file named them.
fn absolutize_grids(table: &mut toml::Table, dir: &Path) {
    let base = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    let Some(Value::Table(world)) = table.get_mut("world") else {
        return;
    };
    let Some(Value::Table(grids)) = world.get_mut("grids") else {
        return;
    };
    fn fix(v: &mut Value, base: &Path) {
        match v {
            Value::String(s) => {
                let p = Path::new(s.as_str());
                if p.is_relative() {
                    *s = normalize(&base.join(p)).display().to_string();
                }
            }
            Value::Table(t) => {
                for (_, v) in t.iter_mut() {
                    fix(v, base);
                }
            }
            _ => {}
        }
    }
    for (_, v) in grids.iter_mut() {
        fix(v, &base);
    }
}

/// Remove `.` and `..` components lexically (the path need not exist).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let up = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if up {
                    out.pop();
                } else if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Keys that replace each other when a child sets one of them: (table path, [key, key]).
const EXCLUSIVE: &[(&str, [&str; 2])] =
    &[("run", ["ticks", "end"]), ("world", ["preset", "grids"])];

fn has_prefix(k: &str, p: &str) -> bool {
    k == p
        || (k.starts_with(p)
            && (k.as_bytes().get(p.len()) == Some(&b'.')
                || k.as_bytes().get(p.len()) == Some(&b'[')))
}

fn drop_locs(locs: &mut Locs, p: &str) {
    locs.retain(|k, _| !has_prefix(k, p));
}

fn copy_locs(into: &mut Locs, from: &Locs, p: &str, to: &str) {
    for (k, l) in from.iter().filter(|(k, _)| has_prefix(k, p)) {
        into.insert(format!("{to}{}", &k[p.len()..]), l.clone());
    }
}

fn is_table_array(a: &[Value]) -> bool {
    a.iter().all(|v| v.is_table())
}

/// Merge `over` into `base` (see the module doc for the rules).
pub fn merge_table(
    base: &mut toml::Table,
    mut over: toml::Table,
    path: &str,
    locs: &mut Locs,
    over_locs: &Locs,
) {
    if path.is_empty() {
        // The scenario table is never inherited: a child without one has none.
        base.remove("scenario");
        drop_locs(locs, "scenario");
    }
    for (table, pair) in EXCLUSIVE {
        if *table == path {
            for (a, b) in [(pair[0], pair[1]), (pair[1], pair[0])] {
                if over.contains_key(a) && !over.contains_key(b) && base.remove(b).is_some() {
                    drop_locs(locs, &join(path, b));
                }
            }
        }
    }
    let keys: Vec<String> = over.keys().cloned().collect();
    for k in keys {
        let v = over.remove(&k).expect("key listed");
        let p = join(path, &k);
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => {
                if let Some(l) = over_locs.get(&p) {
                    locs.insert(p.clone(), l.clone());
                }
                merge_table(b, o, &p, locs, over_locs);
            }
            (Some(Value::Array(b)), Value::Array(o))
                if !o.is_empty() && !b.is_empty() && is_table_array(b) && is_table_array(&o) =>
            {
                let n = b.len();
                for (i, item) in o.into_iter().enumerate() {
                    copy_locs(locs, over_locs, &index(&p, i), &index(&p, n + i));
                    b.push(item);
                }
            }
            (_, v) => {
                drop_locs(locs, &p);
                copy_locs(locs, over_locs, &p, &p);
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> toml::Table {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn positions_of_keys_and_values() {
        let (_, locs) = parse(
            "[run]\nticks = 12\n\n[[policy]]\nkind = \"x\"\nregion = { name = \"a\" }\n",
            "f.toml",
        )
        .unwrap();
        let l = &locs["run.ticks"];
        assert_eq!(l.key, Some(Pos { line: 2, column: 1 }));
        assert_eq!(l.value, Some(Pos { line: 2, column: 9 }));
        assert_eq!(locs["policy[0].kind"].key.unwrap().line, 5);
        assert_eq!(
            locs["policy[0].region.name"].value,
            Some(Pos {
                line: 6,
                column: 19
            })
        );
        assert_eq!(locs["policy[0]"].key.unwrap().line, 4);
    }

    #[test]
    fn merge_appends_policies_and_replaces_values() {
        let mut base =
            t("[scenario]\nname='b'\n[run]\nend='2028-12'\nseed=1\n[[policy]]\nkind='a'\n");
        let over = t("[scenario]\nname='c'\n[run]\nticks=12\n[[policy]]\nkind='b'\n");
        let mut locs = Locs::new();
        let mut ol = Locs::new();
        ol.insert(
            "policy[0].kind".into(),
            Loc {
                file: "c".into(),
                key: None,
                value: None,
            },
        );
        merge_table(&mut base, over, "", &mut locs, &ol);
        assert_eq!(base["run"]["ticks"].as_integer(), Some(12));
        assert!(base["run"].get("end").is_none(), "ticks replaces end");
        assert_eq!(base["run"]["seed"].as_integer(), Some(1));
        let p = base["policy"].as_array().unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1]["kind"].as_str(), Some("b"));
        assert!(locs.contains_key("policy[1].kind"));
        assert_eq!(base["scenario"]["name"].as_str(), Some("c"));
    }

    #[test]
    fn empty_array_clears() {
        let mut base = t("[[policy]]\nkind='a'\n");
        merge_table(
            &mut base,
            t("policy = []"),
            "",
            &mut Locs::new(),
            &Locs::new(),
        );
        assert!(base["policy"].as_array().unwrap().is_empty());
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(
            normalize(Path::new("../../a.toml")),
            PathBuf::from("../../a.toml")
        );
        assert_eq!(
            normalize(Path::new("aux/../b.toml")),
            PathBuf::from("b.toml")
        );
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d.asc")),
            PathBuf::from("/a/c/d.asc")
        );
    }
}
