//! The corpus of bad scenarios in `tests/bad_scenarios/*.toml`: each file says in its header
//! what is wrong (`# Bad: ...`) and which fragments the error message must contain
//! (`# expect: ...`). `zgc check` and `zgc run` must both exit with code 2, print one line
//! `error: <file>:<line>:<column>: `<key>`: <message>` and leave no output folder behind.

use std::path::PathBuf;

use crate::common::*;

fn corpus() -> Vec<(PathBuf, Vec<String>)> {
    let dir = root().join("tests/bad_scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad_scenarios")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let expect: Vec<String> = text
                .lines()
                .filter_map(|l| l.strip_prefix("# expect: "))
                .map(String::from)
                .collect();
            assert!(
                !expect.is_empty(),
                "{} has no `# expect:` line",
                p.display()
            );
            assert!(
                text.starts_with("# Bad: "),
                "{} has no `# Bad:` line",
                p.display()
            );
            (p, expect)
        })
        .collect()
}

fn check_message(file: &str, stderr: &str, expect: &[String]) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{file}: one line expected:\n{stderr}");
    let line = lines[0];
    assert!(line.starts_with("error: "), "{file}: {line}");
    assert!(!line.contains("panicked"), "{file}: {line}");
    for e in expect {
        assert!(
            line.contains(e.as_str()),
            "{file}: message lacks `{e}`:\n{line}"
        );
    }
}

#[test]
fn corpus_is_large_enough() {
    assert!(corpus().len() >= 30, "{} bad scenarios", corpus().len());
}

#[test]
fn check_rejects_each_bad_scenario_with_its_message() {
    let dir = root().join("tests/bad_scenarios");
    for (path, expect) in corpus() {
        let name = path.file_name().unwrap().to_str().unwrap();
        let out = run_in(&dir, &["check", name]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: exit code\n{stderr}");
        assert!(out.stdout.is_empty(), "{name}: printed a scenario");
        check_message(name, &stderr, &expect);
    }
}

#[test]
fn run_rejects_each_bad_scenario_and_writes_nothing() {
    let dir = tempdir();
    for (path, expect) in corpus() {
        let name = path.file_name().unwrap().to_str().unwrap();
        let out = zgc()
            .current_dir(path.parent().unwrap())
            .args(["run", name, "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .output()
            .expect("zgc runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: exit code\n{stderr}");
        check_message(name, &stderr, &expect);
        assert!(
            !dir.path().join("out").exists(),
            "{name}: left an output folder"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{name}: left files behind");
    }
}
