//! Key paths and name suggestions for messages: `join("run", "ticks")` → `run.ticks`,
//! `index("policy", 2)` → `policy[2]`, and "did you mean" for a misspelt name. On the ground
//! floor, so the world's region resolution and the scenario reader share them.

/// Join a key to a path: `join("run", "ticks") == "run.ticks"`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Index a path: `index("policy", 2) == "policy[2]"`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The closest of `candidates` to `name`, if close enough to be a likely misspelling.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lname = name.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&lname, &c.to_lowercase());
        let lev = strsim::levenshtein(&lname, &c.to_lowercase());
        let lc = c.to_lowercase();
        let prefix = lname.len() >= 2 && (lc.starts_with(&lname) || lname.starts_with(&lc));
        let close =
            score >= 0.8 || (lev <= 2 && lname.len() >= 4) || (lev <= 3 && c.len() >= 8) || prefix;
        if close && best.map_or(true, |(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// "; did you mean `x`?" or nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(name, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}
