//! `zgc validate` end to end: the table and files of a run whose targets fail (exit 1), bad
//! input (exit 2, nothing written), and scoring a merged sweep with `--from-sweep`.

use crate::common::*;

/// TINY as the e-mall scenario: a different name, Innovation Street's incubator early.
fn tiny_emall() -> String {
    TINY.replace("name = \"tiny\"", "name = \"tiny_emall\"")
        + r#"
[[policy]]
kind = "incubator"
name = "Innovation Street incubators"
start = "2009-03"
region = { name = "innovation_street" }
generation = "2.0"
seats = 600
"#
}

#[test]
fn a_failing_target_exits_1_and_writes_the_table() {
    let dir = tempdir();
    let base = write(dir.path(), "tiny.toml", TINY);
    let emall = write(dir.path(), "tiny_emall.toml", &tiny_emall());
    // 36 months end in 2011: the value-added growth 2010→2014 cannot be computed, so that
    // target fails whatever the model does.
    let out = run_in(
        dir.path(),
        &[
            "validate",
            "--base",
            base.to_str().unwrap(),
            "--emall",
            emall.to_str().unwrap(),
            "--replicates",
            "2",
            "--firm-size-scale",
            "0.004",
            "--firm-size-replicates",
            "2",
            "--out",
            "val",
            "--quiet",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("value_added_growth_2010_2014"), "{stderr}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("output_ratio_tongzhou"), "{stdout}");
    let v = dir.path().join("val");
    for f in [
        "validation.csv",
        "validation.md",
        "commute.png",
        "rents.png",
        "summary.json",
    ] {
        assert!(v.join(f).is_file(), "missing {f}");
    }
    let mut r = csv::Reader::from_path(v.join("validation.csv")).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    for c in [
        "target",
        "observed",
        "mean",
        "ci_low",
        "ci_high",
        "band_low",
        "band_high",
        "pass",
    ] {
        assert!(head.iter().any(|h| h == c), "no column {c}");
    }
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert!(rows.len() >= 18, "{} targets", rows.len());
    let va = rows
        .iter()
        .find(|r| &r[0] == "value_added_growth_2010_2014")
        .unwrap();
    assert_eq!(va.get(head.len() - 1), Some("false"));
    // The firm-size target reads its own runs (36 months: no December 2017–2019, so no
    // value), and summary.json says how they ran.
    assert!(rows.iter().any(|r| &r[0] == "firm_size_zipf"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["firm_size_runs"]["replicates"], 2);
    assert_eq!(summary["firm_size_runs"]["scale"], 0.004);
    assert_eq!(summary["firm_size_runs"]["ticks"], 36);
    let md = std::fs::read_to_string(v.join("validation.md")).unwrap();
    assert!(md.contains("| target |") && md.contains("亿元"), "{md}");
    // Deterministic: the same command writes the same table.
    let again = run_in(
        dir.path(),
        &[
            "validate",
            "--base",
            base.to_str().unwrap(),
            "--emall",
            emall.to_str().unwrap(),
            "-n",
            "2",
            "--firm-size-scale",
            "0.004",
            "--firm-size-replicates",
            "2",
            "--out",
            "val2",
            "--quiet",
            "--threads",
            "1",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        std::fs::read(v.join("validation.csv")).unwrap(),
        std::fs::read(dir.path().join("val2/validation.csv")).unwrap()
    );
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempdir();
    let base = write(dir.path(), "tiny.toml", TINY);
    let b = base.to_str().unwrap();
    for args in [
        vec!["validate", "--base", b, "--replicates", "0", "--out", "v"],
        vec!["validate", "--base", "missing.toml", "--out", "v"],
        vec!["validate", "--base", b, "--scale", "2", "--out", "v"],
        vec![
            "validate",
            "--base",
            b,
            "--firm-size-scale",
            "0",
            "--out",
            "v",
        ],
        vec![
            "validate",
            "--base",
            b,
            "--emall",
            "missing.toml",
            "--out",
            "v",
        ],
        vec!["validate", "--from-sweep", "no_such_sweep"],
        vec!["validate", "--replicates", "x"],
    ] {
        let out = run_in(dir.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!dir.path().join("v").exists(), "{args:?} wrote output");
    }
}

#[test]
fn from_sweep_scores_every_point() {
    let dir = tempdir();
    write(
        dir.path(),
        "cal_sweep.toml",
        r#"
[sweep]
name = "cal_sweep"
design = "lhs"
samples = 3
replicates = 1
seed = 3

[set]
run.scale = 0.002
run.ticks = 24

[record]
when = "yearly"
indicators = ["survival_1y", "mean_commute_min", "huilongguan_commute_min",
              "park:haidian/output_per_km2", "park:tongzhou/output_per_km2",
              "park:haidian/high_tech_share_zone", "huilongguan/jobs_housing_ratio"]

[[param]]
key = "params.startups.base_hazard"
name = "base_hazard"
uniform = [0.001, 0.005]
"#,
    );
    ok(&run_in(
        dir.path(),
        &["sweep", "plan", "cal_sweep.toml", "--out", "s"],
    ));
    ok(&run_in(dir.path(), &["sweep", "run", "s", "--quiet"]));
    ok(&run_in(dir.path(), &["sweep", "merge", "s"]));
    let merged = std::fs::read_to_string(dir.path().join("s/merged.csv")).unwrap();
    assert!(merged
        .lines()
        .next()
        .unwrap()
        .contains("park:haidian/output_per_km2"));
    let stdout = ok(&run_in(
        dir.path(),
        &["validate", "--from-sweep", "s", "--accept", "0.5"],
    ));
    assert!(stdout.contains("3 points"), "{stdout}");
    let cal = std::fs::read_to_string(dir.path().join("s/calibration.csv")).unwrap();
    assert_eq!(cal.lines().count(), 4, "{cal}");
    assert!(cal.lines().next().unwrap().contains("base_hazard"));
    assert!(dir.path().join("s/calibration.md").is_file());
    robustness_over_the_accepted_points(dir.path());
}

/// `--robustness` over the sweep `s` of `from_sweep_scores_every_point` (2 accepted points):
/// the shipped scenarios, shortened to 2016-12, at 2 replicates; one row per draw and
/// headline, every effect present, the same file on 1 and 2 threads; a missing scenario
/// folder is bad input and writes nothing.
fn robustness_over_the_accepted_points(dir: &std::path::Path) {
    let sc = dir.join("sc");
    std::fs::create_dir_all(&sc).unwrap();
    for e in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            let text = text.replace("end = \"2028-12\"", "end = \"2016-12\"");
            std::fs::write(sc.join(p.file_name().unwrap()), text).unwrap();
        }
    }
    let run = |threads: &str, out: &str| {
        let args = [
            "validate",
            "--from-sweep",
            "s",
            "--accept",
            "0.5",
            "--robustness",
            "--replicates",
            "2",
            "--scale",
            "0.002",
            "--scenarios",
            "sc",
            "--threads",
            threads,
            "--out",
            out,
            "--quiet",
        ];
        let o = run_in(dir, &args);
        let code = o.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "{code:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let stdout = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            stdout.contains("hui_plus") && stdout.contains("robust"),
            "{stdout}"
        );
        std::fs::read_to_string(dir.join(out).join("robustness.csv")).unwrap()
    };
    let csv = run("2", "r2");
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("rank,point,scenario,metric,direction,base,difference"));
    let headlines = zgc::validate::robustness::HEADLINES.len();
    assert_eq!(rows.len(), 1 + 2 * headlines, "{csv}");
    for r in &rows[1..] {
        let cols: Vec<&str> = r.split(',').collect();
        assert!(
            cols[6].parse::<f64>().is_ok(),
            "an effect in every row: {r}"
        );
    }
    assert!(dir.join("r2/robustness.md").is_file());
    assert_eq!(
        csv,
        run("1", "r1"),
        "robustness.csv depends on the thread count"
    );
    let o = run_in(
        dir,
        &[
            "validate",
            "--from-sweep",
            "s",
            "--robustness",
            "--scenarios",
            "none",
            "--out",
            "r3",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!dir.join("r3").exists(), "bad input wrote output");
}
