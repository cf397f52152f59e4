//! Input errors of scenario files: where the problem is (file, line, column, key path), what
//! was found there and what was expected, with a "did you mean" suggestion for misspelt names.

use std::collections::BTreeMap;
use std::fmt;

pub use crate::names::{did_you_mean, index, join, suggest};

/// A position in a text file (1-based line and column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Pos {
    /// The position of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |p| p + 1);
        Pos {
            line,
            column: before[start..].chars().count() + 1,
        }
    }
}

/// Where a key of a scenario was written: the file, the key's and the value's positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Loc {
    /// File (as shown to the user).
    pub file: String,
    /// Position of the key (or of the `[table]` header).
    pub key: Option<Pos>,
    /// Position of the value.
    pub value: Option<Pos>,
}

/// Source positions of the keys of a (merged) scenario, by key path (`run.ticks`,
/// `policy[2].region.name`).
pub type Locs = BTreeMap<String, Loc>;

/// An input error: the file, where in it, the key path, and what is wrong.
///
/// Displayed as `file:line:column: `key.path`: message`; the message says what was found and
/// what was expected, and suggests a near name for a misspelt one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    /// File (or a label such as `<embedded baseline>` or `sweep point 3`).
    pub file: String,
    /// Line and column where known.
    pub pos: Option<Pos>,
    /// Key path (`params.firms.growth_rate`, `policy[0].share`), or empty.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = self.pos {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        write!(f, ": ")?;
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        write!(f, "{}", compact_numbers(&self.message))
    }
}

/// Numbers written out in full that are too long to read (`1e308` printed as 309 digits,
/// `1e-30` as 30 zeros) in exponent form; everything else unchanged.
pub fn compact_numbers(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let starts_number = b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if !starts_number {
            let ch = text[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let int_digits = j - i;
        if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
            j += 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
        let tok = &text[i..j];
        let leading_zeros = tok
            .strip_prefix("0.")
            .map_or(0, |f| f.bytes().take_while(|&c| c == b'0').count());
        match tok.parse::<f64>() {
            Ok(v) if v != 0.0 && (int_digits > 15 || leading_zeros >= 9) => {
                out.push_str(&format!("{v:e}"))
            }
            _ => out.push_str(tok),
        }
        i = j;
    }
    out
}

impl ScenarioError {
    /// An error about a key, without a position.
    pub fn at(file: &str, key: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            pos: None,
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// An error at a position of a file, not tied to a key.
    pub fn in_file(file: &str, pos: Option<Pos>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            pos,
            key: String::new(),
            message: message.into(),
        }
    }
}

/// Builds errors for one scenario: knows the label to use and where each key was written.
#[derive(Clone, Debug)]
pub struct Ctx<'a> {
    /// Label of the scenario (its file, or what the caller named it).
    pub label: &'a str,
    /// Key positions (empty for values that did not come from a file).
    pub locs: &'a Locs,
}

impl Ctx<'_> {
    /// An error about the value of `key` (positioned at the value).
    pub fn value(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.make(key, message.into(), true)
    }

    /// An error about the key itself (positioned at the key: unknown or misplaced keys).
    pub fn key(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.make(key, message.into(), false)
    }

    fn make(&self, key: &str, message: String, at_value: bool) -> ScenarioError {
        let (file, pos) = match self.find(key) {
            Some(loc) => {
                let pos = if at_value {
                    loc.value.or(loc.key)
                } else {
                    loc.key.or(loc.value)
                };
                (loc.file.clone(), pos)
            }
            None => (self.label.to_string(), None),
        };
        ScenarioError {
            file,
            pos,
            key: key.to_string(),
            message,
        }
    }

    /// The location of a key, or of its nearest written ancestor (a missing key is reported at
    /// its table).
    pub fn find(&self, key: &str) -> Option<&Loc> {
        let mut k = key;
        loop {
            if let Some(l) = self.locs.get(k) {
                return Some(l);
            }
            let cut = k.rfind(['.', '['])?;
            k = &k[..cut];
        }
    }
}

/// A value as shown in messages: TOML syntax, shortened.
pub fn show(v: &toml::Value) -> String {
    let s = match v {
        toml::Value::Table(t) if t.is_empty() => "an empty table".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
        toml::Value::Float(f) => {
            if f.is_nan() {
                "nan".into()
            } else {
                format!("{f}")
            }
        }
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// A list of names as "`a`, `b` or `c`".
pub fn one_of(names: &[&str]) -> String {
    listed(names, "or")
}

/// A list of names as "`a`, `b` and `c`".
pub fn all_of(names: &[&str]) -> String {
    listed(names, "and")
}

fn listed(names: &[&str], word: &str) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        n => format!("{} {word} {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

/// Rewrite a serde message about a value into plain words ("expected a number, found the
/// string \"abc\""), given the value actually found (when known).
pub fn humanize_serde(msg: &str, found: Option<&toml::Value>) -> String {
    let found_s = found.map(show);
    // "invalid type: string \"a\", expected f64" / "invalid value: integer `-3`, expected u32"
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            if let Some((what, exp)) = rest.rsplit_once(", expected ") {
                let what = found_s.unwrap_or_else(|| what.replace('`', ""));
                return format!("expected {}, found {what}", expected_words(exp));
            }
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid length ") {
        if let Some((n, exp)) = rest.split_once(", expected ") {
            return format!("expected {}, found an array of {n} element(s)", exp);
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        if let Some((name, exp)) = rest.split_once(", expected ") {
            let name = name.trim_matches('`');
            let names = backticked(exp);
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            return format!(
                "unknown value \"{name}\"{}; expected {}",
                did_you_mean(name, refs.iter().copied()),
                one_of(&refs)
            );
        }
    }
    msg.to_string()
}

/// Names quoted in backticks in a serde message.
pub fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, n)| n.to_string())
        .collect()
}

fn expected_words(exp: &str) -> String {
    match exp {
        "f64" | "f32" => "a number".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number ≥ 0".into(),
        "i8" | "i16" | "i32" | "i64" => "a whole number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" => "a string".into(),
        "a sequence" => "an array".into(),
        e if e.starts_with("struct ") || e.starts_with("a map") => "a table".into(),
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_numbers_are_shown_in_exponent_form() {
        let big = format!("found {}", 1e308);
        assert_eq!(compact_numbers(&big), "found 1e308");
        assert_eq!(compact_numbers(&format!("x {} y", 1.5e-30)), "x 1.5e-30 y");
        let plain = "column 12, row 3: found 0.25 and 123456 (EPSG:32650, 2014-06)";
        assert_eq!(compact_numbers(plain), plain);
    }

    #[test]
    fn positions_are_one_based() {
        let t = "a = 1\nbé = 2\n";
        assert_eq!(Pos::of_offset(t, 0), Pos { line: 1, column: 1 });
        assert_eq!(Pos::of_offset(t, 6), Pos { line: 2, column: 1 });
        assert_eq!(Pos::of_offset(t, 10), Pos { line: 2, column: 4 });
    }

    #[test]
    fn suggestions_find_near_names_only() {
        let keys = ["seed", "scale", "start", "end", "ticks"];
        assert_eq!(suggest("tiks", keys), Some("ticks"));
        assert_eq!(suggest("sclae", keys), Some("scale"));
        assert_eq!(suggest("population_size", keys), None);
    }

    #[test]
    fn serde_messages_are_rewritten() {
        let m = humanize_serde(
            "invalid type: string \"a\", expected f64",
            Some(&toml::Value::String("a".into())),
        );
        assert_eq!(m, "expected a number, found \"a\"");
        let m = humanize_serde(
            "unknown variant `it`, expected `it_electronics` or `bio_medicine`",
            None,
        );
        assert!(m.contains("did you mean `it_electronics`"), "{m}");
    }

    #[test]
    fn display_names_file_line_key() {
        let e = ScenarioError {
            file: "a.toml".into(),
            pos: Some(Pos { line: 3, column: 7 }),
            key: "run.scale".into(),
            message: "expected a number in (0, 1], found 2".into(),
        };
        assert_eq!(
            e.to_string(),
            "a.toml:3:7: `run.scale`: expected a number in (0, 1], found 2"
        );
    }
}
