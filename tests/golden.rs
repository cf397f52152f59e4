//! Golden test: small fixed scenarios (`tests/golden/*.toml`, scale 0.002, 24 months) whose
//! summaries — the last month of `timeseries.csv` and the last year of `parks.csv` — are kept
//! in `tests/golden/*.golden`. Any change of model behaviour changes them and fails this
//! test; if the change is intended, re-bless with `ZGC_BLESS=1 cargo test --release golden`
//! and explain the change in the commit (ARCHITECTURE.md, "Golden files").

use std::path::Path;

use crate::common::*;

/// `key = value` lines of a run's summary, in file order.
fn summary(out: &Path) -> String {
    let mut s = String::new();
    let mut ts = csv::Reader::from_path(out.join("timeseries.csv")).unwrap();
    let head: Vec<String> = ts.headers().unwrap().iter().map(str::to_string).collect();
    let last = ts.records().map(|r| r.unwrap()).last().expect("a month");
    for (k, v) in head.iter().zip(last.iter()) {
        s.push_str(&format!("timeseries.{k} = {v}\n"));
    }
    let mut pk = csv::Reader::from_path(out.join("parks.csv")).unwrap();
    let head: Vec<String> = pk.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = pk.records().map(|r| r.unwrap()).collect();
    let year = rows.last().expect("a park row").get(0).unwrap().to_string();
    for r in rows.iter().filter(|r| r.get(0) == Some(year.as_str())) {
        let park = r.get(2).unwrap();
        for (k, v) in head.iter().zip(r.iter()).skip(3) {
            s.push_str(&format!("park.{park}.{k} = {v}\n"));
        }
    }
    s
}

#[test]
fn golden_summaries_are_unchanged() {
    let golden = root().join("tests/golden");
    let bless = std::env::var("ZGC_BLESS").is_ok_and(|v| v == "1");
    let mut scenarios: Vec<_> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    assert!(!scenarios.is_empty(), "no golden scenarios");
    let mut failures = Vec::new();
    for sc in scenarios {
        let dir = tempdir();
        ok(&run_in(
            dir.path(),
            &[
                "run",
                sc.to_str().unwrap(),
                "--out",
                "out",
                "--quiet",
                "--threads",
                "2",
            ],
        ));
        let got = summary(&dir.path().join("out"));
        let file = sc.with_extension("golden");
        if bless {
            std::fs::write(&file, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if got != want {
            let diffs: Vec<String> = got
                .lines()
                .zip(want.lines())
                .filter(|(a, b)| a != b)
                .take(12)
                .map(|(a, b)| format!("    {b}  →  {a}"))
                .collect();
            failures.push(format!(
                "{}: {} of {} lines differ ({} expected), e.g.\n{}",
                file.display(),
                got.lines()
                    .zip(want.lines())
                    .filter(|(a, b)| a != b)
                    .count(),
                got.lines().count(),
                want.lines().count(),
                diffs.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the model's behaviour changed:\n{}\nIf the change is intended, re-bless with `ZGC_BLESS=1 cargo test --release golden` and explain it in the commit.",
        failures.join("\n")
    );
}
