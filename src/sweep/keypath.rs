//! Key paths into a scenario's TOML value: `params.startups.base_hazard`, `policy.0.share`.
//!
//! A key path is a dot-separated list of segments. A segment names a key of a table, or,
//! where the value is an array (e.g. `[[policy]]` or `funding_rate = [..]`), is a 0-based
//! index into it. Setting a path replaces an existing value, or adds the last key to an
//! existing table (e.g. a policy field left out of the base); it never creates tables or
//! array elements, so a misspelt path is an error here or, for a new key, when the
//! scenario is validated (`deny_unknown_fields`).

use toml::Value;

/// A parsed key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPath {
    segments: Vec<String>,
}

impl KeyPath {
    /// Parse `a.b.0.c`. Errors on empty paths or empty segments.
    pub fn parse(text: &str) -> Result<KeyPath, String> {
        if text.trim().is_empty() {
            return Err("expected a key path such as `params.startups.base_hazard`".into());
        }
        let segments: Vec<String> = text.split('.').map(|s| s.trim().to_string()).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!(
                "{text:?} has an empty segment; write key paths as `params.startups.base_hazard` or `policy.0.share`"
            ));
        }
        Ok(KeyPath { segments })
    }

    /// The path as written, dot-separated.
    pub fn as_string(&self) -> String {
        self.segments.join(".")
    }

    /// The segments.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Whether `self` is `other` or inside it (`a.b` is within `a`).
    pub fn starts_with(&self, other: &KeyPath) -> bool {
        self.segments.len() >= other.segments.len()
            && self.segments[..other.segments.len()] == other.segments[..]
    }

    /// The value at the path, if any.
    pub fn get<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        let mut v = root;
        for seg in &self.segments {
            v = match v {
                Value::Table(t) => t.get(seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// Set the value at the path. The parent must exist; the last key may be new in a table.
    /// Setting `run.ticks` drops `run.end` and setting `run.end` drops `run.ticks` (the two
    /// say the same thing; the one set wins).
    pub fn set(&self, root: &mut Value, value: Value) -> Result<(), String> {
        if self.segments.len() == 2 && self.segments[0] == "run" {
            let other = match self.segments[1].as_str() {
                "ticks" => Some("end"),
                "end" => Some("ticks"),
                _ => None,
            };
            if let (Some(other), Some(Value::Table(run))) = (other, root.get_mut("run")) {
                run.remove(other);
            }
        }
        let (last, parents) = self
            .segments
            .split_last()
            .ok_or_else(|| "empty key path".to_string())?;
        let mut v = root;
        for (depth, seg) in parents.iter().enumerate() {
            let here = self.segments[..depth + 1].join(".");
            v = match v {
                Value::Table(t) => t
                    .get_mut(seg)
                    .ok_or_else(|| format!("the scenario has no `{here}`"))?,
                Value::Array(a) => {
                    let n = a.len();
                    let i = seg.parse::<usize>().map_err(|_| {
                        format!("`{here}`: `{seg}` must be an index into an array of {n}")
                    })?;
                    a.get_mut(i).ok_or_else(|| {
                        format!("`{here}`: index {i} is out of range for an array of {n}")
                    })?
                }
                other => {
                    return Err(format!(
                        "`{}` is a {}, not a table or an array",
                        self.segments[..depth].join("."),
                        other.type_str()
                    ))
                }
            };
        }
        let path = self.as_string();
        match v {
            Value::Table(t) => {
                t.insert(last.clone(), value);
                Ok(())
            }
            Value::Array(a) => {
                let n = a.len();
                let i = last.parse::<usize>().map_err(|_| {
                    format!("`{path}`: `{last}` must be an index into an array of {n}")
                })?;
                let slot = a.get_mut(i).ok_or_else(|| {
                    format!("`{path}`: index {i} is out of range for an array of {n}")
                })?;
                *slot = value;
                Ok(())
            }
            other => Err(format!(
                "`{}` is a {}, not a table or an array",
                parents.join("."),
                other.type_str()
            )),
        }
    }
}

/// Flatten a table into `(key path, leaf value)` pairs, in key order. Arrays are leaves.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Table(t) => {
            for (k, v) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        leaf => out.push((prefix.to_string(), leaf.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        toml::from_str(
            "[params.startups]\nbase_hazard = 0.01\nfunding_rate = [0.1, 0.2, 0.3]\n\
             [[policy]]\nkind = \"rent_subsidy\"\nshare = 0.5\n",
        )
        .unwrap()
    }

    #[test]
    fn get_and_set_tables_and_arrays() {
        let mut d = doc();
        let p = KeyPath::parse("params.startups.base_hazard").unwrap();
        assert_eq!(p.get(&d), Some(&Value::Float(0.01)));
        p.set(&mut d, Value::Float(0.02)).unwrap();
        assert_eq!(p.get(&d), Some(&Value::Float(0.02)));
        let a = KeyPath::parse("params.startups.funding_rate.2").unwrap();
        a.set(&mut d, Value::Float(0.9)).unwrap();
        assert_eq!(a.get(&d), Some(&Value::Float(0.9)));
        let s = KeyPath::parse("policy.0.share").unwrap();
        s.set(&mut d, Value::Float(0.25)).unwrap();
        assert_eq!(s.get(&d), Some(&Value::Float(0.25)));
        // A new key in an existing table is allowed.
        KeyPath::parse("policy.0.end")
            .unwrap()
            .set(&mut d, Value::String("2012-01".into()))
            .unwrap();
    }

    #[test]
    fn errors_name_the_path() {
        let mut d = doc();
        let e = KeyPath::parse("params.startup.base_hazard")
            .unwrap()
            .set(&mut d, Value::Float(1.0))
            .unwrap_err();
        assert!(e.contains("`params.startup`"), "{e}");
        let e = KeyPath::parse("policy.3.share")
            .unwrap()
            .set(&mut d, Value::Float(1.0))
            .unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e = KeyPath::parse("params.startups.base_hazard.x")
            .unwrap()
            .set(&mut d, Value::Float(1.0))
            .unwrap_err();
        assert!(e.contains("is a float"), "{e}");
        assert!(KeyPath::parse("a..b").is_err());
        assert!(KeyPath::parse(" ").is_err());
    }

    #[test]
    fn flatten_nested_tables() {
        let v: Value =
            toml::from_str("run.scale = 0.002\nrun.ticks = 12\n[policy.0]\nshare = 1\n").unwrap();
        let mut out = Vec::new();
        flatten("", &v, &mut out);
        let keys: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["policy.0.share", "run.scale", "run.ticks"]);
    }
}
