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
}
