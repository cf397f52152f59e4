//! `zgc compare` end to end: outputs, common random numbers, traceability to the runs,
//! independence of the thread count, and bad input (exit 2, nothing written).

use std::path::Path;

use crate::common::*;

fn compare(dir: &Path, base: &Path, alt: &Path, out: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "compare",
        base.to_str().unwrap(),
        alt.to_str().unwrap(),
        "--replicates",
        "2",
        "--out",
        out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    ok(&run_in(dir, &args))
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (h, rows)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn tiny_compare_writes_everything_and_traces_to_its_runs() {
    let dir = tempdir();
    let (base, alt) = tiny_pair(dir.path());
    let stdout = compare(dir.path(), &base, &alt, "out", &["--ticks", "14"]);
    assert!(stdout.contains("tiny_alt − tiny"), "{stdout}");
    assert!(stdout.contains("difference [95% CI]"), "{stdout}");
    assert!(
        stdout.contains("startups_born_innovation_street"),
        "{stdout}"
    );
    assert!(stdout.contains("excludes zero"), "{stdout}");
    let o = dir.path().join("out");
    for f in ["comparison.csv", "report.html", "summary.json"] {
        assert!(o.join(f).is_file(), "missing {f}");
    }
    for m in [
        "startups_tiny",
        "startups_tiny_alt",
        "startups_tiny_alt_minus_tiny",
        "office_rent_tiny_alt_minus_tiny",
        "commute_tiny",
    ] {
        assert!(o.join(format!("maps/{m}.png")).is_file(), "missing map {m}");
    }
    for s in ["tiny", "tiny_alt"] {
        for k in 0..2 {
            let run = o.join(format!("runs/{s}/rep{k}"));
            for f in DETERMINISTIC_FILES
                .iter()
                .chain(&["summary.json", "report.html"])
            {
                assert!(run.join(f).is_file(), "missing {}/{f}", run.display());
            }
        }
    }

    // Common random numbers: replicate k has one seed in every scenario; replicates differ.
    let seed = |s: &str, k: u32| {
        json(&o.join(format!("runs/{s}/rep{k}/summary.json")))["provenance"]["seed"].clone()
    };
    assert_eq!(seed("tiny", 0), seed("tiny_alt", 0));
    assert_eq!(seed("tiny", 1), seed("tiny_alt", 1));
    assert_ne!(seed("tiny", 0), seed("tiny", 1));
    let summary = json(&o.join("summary.json"));
    assert_eq!(summary["provenance"]["replicates"], 2);
    assert_eq!(summary["provenance"]["replicate_seeds"][1], seed("tiny", 1));

    // comparison.csv: every metric × 2 scenarios × 2 periods (2009-12 and 2010-02).
    let (h, rows) = csv_rows(&o.join("comparison.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    assert_eq!(rows.len() % 4, 0);
    let periods: Vec<&str> = rows
        .iter()
        .take(2)
        .map(|r| r[col("period_end")].as_str())
        .collect();
    assert_eq!(periods, ["2009-12", "2010-02"]);
    let find = |scope: &str, ind: &str, scen: &str, period: &str| {
        rows.iter()
            .find(|r| {
                r[col("scope")] == scope
                    && r[col("indicator")] == ind
                    && r[col("scenario")] == scen
                    && r[col("period_end")] == period
            })
            .unwrap_or_else(|| panic!("no row {scope}/{ind}/{scen}/{period}"))
            .clone()
    };
    for (scope, ind) in [
        ("city", "huilongguan_commute_min"),
        ("huilongguan", "jobs_housing_ratio"),
        ("core", "startups_born"),
        ("zhongguancun_avenue", "startups_born"),
        ("park:haidian", "output_per_km2"),
        ("park:changping", "high_tech_share"),
    ] {
        let r = find(scope, ind, "tiny_alt", "2010-02");
        assert_eq!(r[col("n")], "2", "{scope}/{ind}");
        assert!(
            !r[col("diff_mean")].is_empty(),
            "{scope}/{ind} has no difference"
        );
    }
    let r = find("city", "startups_born", "tiny", "2009-12");
    assert_eq!(r[col("unit")], "firms/year");
    assert_eq!(r[col("aggregation")], "flow");
    assert!(r[col("diff_mean")].is_empty(), "the base has no difference");

    // Traceability: the base's mean of a level in the last period is the mean of its runs'
    // last rows, and the alternative's difference is the mean of the paired differences.
    let last = |s: &str, k: u32, ind: &str| -> f64 {
        let (h, rows) = csv_rows(&o.join(format!("runs/{s}/rep{k}/timeseries.csv")));
        let c = h.iter().position(|x| x == ind).unwrap();
        rows.last().unwrap()[c].parse().unwrap()
    };
    let num = |r: &[String], c: &str| -> f64 { r[col(c)].parse().unwrap() };
    let ind = "founders";
    let (b0, b1, a0, a1) = (
        last("tiny", 0, ind),
        last("tiny", 1, ind),
        last("tiny_alt", 0, ind),
        last("tiny_alt", 1, ind),
    );
    let base_row = find("city", ind, "tiny", "2010-02");
    assert!((num(&base_row, "mean") - (b0 + b1) / 2.0).abs() < 1e-6);
    let alt_row = find("city", ind, "tiny_alt", "2010-02");
    assert!((num(&alt_row, "diff_mean") - ((a0 - b0) + (a1 - b1)) / 2.0).abs() < 1e-6);

    // The report is one self-contained file.
    let html = std::fs::read_to_string(o.join("report.html")).unwrap();
    assert_eq!(
        html.matches("://").count(),
        html.matches("\"http://www.w3.org/2000/svg\"").count()
    );
    for s in [
        "Differences in the year to 2010-02",
        "Effect on startups_born",
        "park:haidian",
        "Start-up density: tiny_alt − tiny",
        "runs/tiny_alt/rep1/",
    ] {
        assert!(html.contains(s), "report lacks {s:?}");
    }
    // No staging folder left behind.
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("partial")));
}

#[test]
fn compare_is_identical_whatever_the_thread_count() {
    let dir = tempdir();
    let (base, alt) = tiny_pair(dir.path());
    let t = ["--ticks", "3"];
    compare(
        dir.path(),
        &base,
        &alt,
        "t1",
        &[&t[..], &["--threads", "1"]].concat(),
    );
    compare(
        dir.path(),
        &base,
        &alt,
        "t3",
        &[&t[..], &["--threads", "3"]].concat(),
    );
    for f in [
        "comparison.csv",
        "report.html",
        "maps/startups_tiny_alt_minus_tiny.png",
        "runs/tiny_alt/rep1/timeseries.csv",
        "runs/tiny/rep0/grids/commute.asc",
    ] {
        assert!(
            std::fs::read(dir.path().join("t1").join(f)).unwrap()
                == std::fs::read(dir.path().join("t3").join(f)).unwrap(),
            "{f} differs between 1 and 3 threads"
        );
    }
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempdir();
    let (base, alt) = tiny_pair(dir.path());
    let bad_region = write(
        dir.path(),
        "bad_region.toml",
        &tiny_alt().replace("name = \"huilongguan\"", "name = \"atlantis\""),
    );
    let later = write(
        dir.path(),
        "later.toml",
        &TINY
            .replace("name = \"tiny\"", "name = \"later\"")
            .replace("start = \"2009-01\"", "start = \"2010-01\""),
    );
    let b = base.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![b, "missing.toml"], "missing.toml"),
        (vec![b, bad_region.to_str().unwrap()], "atlantis"),
        (
            vec![b, alt.to_str().unwrap(), "--replicates", "0"],
            "--replicates",
        ),
        (vec![b, b], "both named"),
        (vec![b, later.to_str().unwrap()], "run.start"),
        (vec![b, alt.to_str().unwrap(), "--scale", "2"], "--scale"),
        (vec![b], "SCENARIO"),
    ];
    for (args, expect) in cases {
        let mut full = vec!["compare", "--out", "out", "--quiet"];
        full.extend(args.iter().copied());
        let out = run_in(dir.path(), &full);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{full:?}: {err}");
        assert!(err.contains(expect), "{full:?}: {err}");
        assert!(!dir.path().join("out").exists(), "{full:?} wrote out/");
    }
}

#[test]
fn compare_warns_when_scenarios_differ_in_settings_or_world() {
    let dir = tempdir();
    let d = dir.path();
    let baseline = root().join("scenarios/baseline.toml");
    let other = write(
        d,
        "other.toml",
        &format!(
            "extends = {:?}\n[scenario]\nname = \"other\"\n[run]\nseed = 7\nscale = 0.002\nend = \"2010-12\"\n",
            baseline.display().to_string()
        ),
    );
    let out = run_in(
        d,
        &[
            "compare",
            baseline.to_str().unwrap(),
            other.to_str().unwrap(),
            "--ticks",
            "2",
            "-n",
            "1",
            "--quiet",
            "--out",
            "c1",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("other.toml differs from the base scenario in scale 0.002 (base 0.01), seed 7 (base 42)"),
        "{err}"
    );
    // A different world (the example city, moved to the baseline's months).
    let city = write(
        d,
        "city2009.toml",
        &format!(
            "extends = {:?}\n[scenario]\nname = \"city2009\"\n[run]\nstart = \"2009-01\"\nticks = 200\n",
            root().join("scenarios/examples/city.toml").display().to_string()
        ),
    );
    let out = run_in(
        d,
        &[
            "compare",
            baseline.to_str().unwrap(),
            city.to_str().unwrap(),
            "--ticks",
            "2",
            "--scale",
            "0.002",
            "-n",
            "1",
            "--quiet",
            "--out",
            "c2",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("city2009.toml has another world than the base scenario"),
        "{err}"
    );
}

#[test]
fn compare_shows_the_policy_period_a_chosen_year_targeted_regions_and_small_counts() {
    let dir = tempdir();
    let d = dir.path();
    let (base, alt) = tiny_pair(d);
    // The policy starts 2009-06 and has no end: its period is 2009-06 … 2010-12.
    let stdout = compare(
        d,
        &base,
        &alt,
        "out",
        &["--ticks", "24", "--period", "2009"],
    );
    assert!(
        stdout.contains("tiny_alt − tiny, over its policies' period 2009-06 … 2010-12 (19 months; flows per year)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("tiny_alt − tiny, year to 2009-12"),
        "{stdout}"
    );
    assert!(!stdout.contains("year to 2010-12"), "{stdout}");
    // The incubator stands in Huilongguan: its region's indicators are in the table.
    assert!(stdout.contains("huilongguan: startups_born"), "{stdout}");
    assert!(stdout.contains("huilongguan: jobs"), "{stdout}");
    // At scale 0.002, Innovation Street's births stand on almost no agents.
    assert!(stdout.contains("too few agents to resolve"), "{stdout}");
    let (h, rows) = csv_rows(&d.join("out/comparison.csv"));
    let k = h.iter().position(|c| c == "agents_per_run").unwrap();
    let ind = h.iter().position(|c| c == "indicator").unwrap();
    let firms = rows.iter().find(|r| r[ind] == "firms").unwrap();
    assert!(firms[k].parse::<f64>().unwrap() > 1000.0, "{firms:?}");
    let share = rows.iter().find(|r| r[ind] == "high_tech_share").unwrap();
    assert_eq!(share[k], "", "not a count");
    let (ph, prow) = csv_rows(&d.join("out/policy_periods.csv"));
    assert_eq!(ph, h);
    let end = ph.iter().position(|c| c == "period_end").unwrap();
    let months = ph.iter().position(|c| c == "months").unwrap();
    assert!(prow
        .iter()
        .all(|r| r[end] == "2010-12" && r[months] == "19"));
    // --at picks a period end; a month that ends none is bad input, before any run.
    let stdout = compare(
        d,
        &base,
        &alt,
        "out2",
        &["--ticks", "14", "--at", "2010-02"],
    );
    assert!(stdout.contains("year to 2010-02"), "{stdout}");
    let out = run_in(
        d,
        &[
            "compare",
            base.to_str().unwrap(),
            alt.to_str().unwrap(),
            "--ticks",
            "14",
            "--at",
            "2009-06",
            "--out",
            "out3",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--at 2009-06") && err.contains("2009-12, 2010-02"),
        "{err}"
    );
    assert!(!d.join("out3").exists());
}
