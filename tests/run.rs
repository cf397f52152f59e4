//! `zgc run` end to end: outputs, their shape and meaning, the invariants, error exits.

use crate::common::*;

#[test]
fn zgc_without_a_command_runs_the_embedded_baseline() {
    // The README's first command is `cargo run --release`: no arguments at all.
    let dir = tempdir();
    let out = run_in(dir.path(), &[]);
    let stdout = ok(&out);
    assert!(stdout.contains("baseline: 240 ticks"), "{stdout}");
    let o = dir.path().join("results").join("baseline");
    for f in DETERMINISTIC_FILES
        .iter()
        .chain(&["summary.json", "report.html"])
    {
        assert!(o.join(f).is_file(), "missing {f}");
    }
    // Start-ups begin at their steady state (docs/ODD.md §5.8 step 8), not from none: the
    // stock of January 2009 is within a factor 1.5 of every later December's.
    let ts = std::fs::read_to_string(o.join("timeseries.csv")).unwrap();
    let mut lines = ts.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (date, alive) = (
        header.iter().position(|&c| c == "date").unwrap(),
        header.iter().position(|&c| c == "startups_alive").unwrap(),
    );
    let rows: Vec<(String, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[date].to_string(), f[alive].parse().unwrap())
        })
        .collect();
    let first = rows[0].1;
    for (d, a) in rows.iter().filter(|(d, _)| d.ends_with("-12")) {
        assert!(
            a / first < 1.5 && first / a < 1.5,
            "start-ups alive {first} in {} but {a} in {d}",
            rows[0].0
        );
    }
}

#[test]
fn tiny_run_writes_every_output() {
    let dir = tempdir();
    let scen = write(dir.path(), "tiny.toml", TINY);
    let out = run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    let stdout = ok(&out);
    // --quiet prints only where the outputs are, as an absolute path.
    let o = dir.path().join("out");
    assert_eq!(
        stdout.trim(),
        std::path::absolute(&o).unwrap().display().to_string()
    );
    for f in DETERMINISTIC_FILES.iter().chain(&["summary.json"]) {
        assert!(o.join(f).is_file(), "missing {f}");
    }
    let ts = std::fs::read_to_string(o.join("timeseries.csv")).unwrap();
    let header = ts.lines().next().unwrap();
    for col in [
        "tick",
        "date",
        "workers",
        "employed",
        "firms",
        "high_tech_share",
        "startups_alive",
        "startups_born",
        "startups_died",
        "startups_graduated",
        "incubator_tenants_1_0",
        "incubator_tenants_2_0",
        "incubator_tenants_3_0",
        "innovation_output",
        "value_added",
        "funding_raised",
        "mean_commute_min",
        "long_commute_share",
        "firms_left_core",
        "rent_office_core",
        "rent_office_periphery",
        "rent_residential_core",
        "vacancy_office",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "timeseries.csv lacks {col}"
        );
    }
    assert_eq!(ts.lines().count(), 1 + 36);
    let parks = std::fs::read_to_string(o.join("parks.csv")).unwrap();
    assert!(parks.lines().any(|l| l.contains(",haidian,")));
    // Three years: 2009, 2010, 2011 for 11 parks.
    assert_eq!(parks.lines().count(), 1 + 3 * 11);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["provenance"]["scenario"], "tiny");
    assert_eq!(summary["provenance"]["ticks"], 36);
    assert!(
        summary["performance"]["agent_steps_per_s"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(summary["final"]["workers"].as_f64().unwrap() > 0.0);
    // Maps of every grid and a small report.
    for m in [
        "office_rent",
        "residential_rent",
        "jobs",
        "residents",
        "startups",
        "commute",
        "knowledge",
    ] {
        let png = std::fs::read(o.join(format!("maps/{m}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "maps/{m}.png");
    }
    let html = std::fs::read_to_string(o.join("report.html")).unwrap();
    assert!(html.contains("zgc run: tiny") && html.contains("data:image/png;base64,"));
    let asc = std::fs::read_to_string(o.join("grids/jobs.asc")).unwrap();
    assert!(asc.starts_with("ncols 160\nnrows 184\n"));
    assert_eq!(asc.lines().count(), 6 + 184);
    // No staging folder left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn no_pictures_skips_maps_and_report() {
    let dir = tempdir();
    let scen = write(
        dir.path(),
        "tiny.toml",
        &TINY.replace("ticks = 36", "ticks = 2"),
    );
    ok(&run_in(
        dir.path(),
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            "out",
            "--quiet",
            "--no-pictures",
        ],
    ));
    let o = dir.path().join("out");
    assert!(o.join("summary.json").is_file() && o.join("grids/commute.asc").is_file());
    assert!(!o.join("maps").exists() && !o.join("report.html").exists());
}

#[test]
fn bad_scenario_exits_2_with_file_and_line_and_writes_nothing() {
    let dir = tempdir();
    let scen = write(
        dir.path(),
        "bad.toml",
        "[scenario]\nname = \"x\"\n[run]\nscale = 2.0\n",
    );
    let out = run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("run.scale"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn refuses_to_mix_with_a_foreign_folder() {
    let dir = tempdir();
    let scen = write(
        dir.path(),
        "tiny.toml",
        &TINY.replace("ticks = 36", "ticks = 2"),
    );
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/notes.txt"), "mine").unwrap();
    let out = run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/notes.txt")).unwrap(),
        "mine"
    );
    // A previous zgc run is replaced, never mixed.
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    ok(&run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    ));
    ok(&run_in(
        dir.path(),
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            "out",
            "--quiet",
            "--ticks",
            "1",
        ],
    ));
    let ts = std::fs::read_to_string(dir.path().join("out/timeseries.csv")).unwrap();
    assert_eq!(ts.lines().count(), 2);
}

#[test]
fn bidi_controls_in_policy_names_are_shown_escaped() {
    let dir = tempdir();
    let text = TINY.replace("ticks = 36", "ticks = 3")
        + "\n[[policy]]\nkind = \"rent_subsidy\"\nname = \"Sub\u{202E}sidy\"\nstart = \"2009-02\"\nregion = { name = \"huilongguan\" }\ntarget = \"startups\"\nshare = 0.3\n";
    let scen = write(dir.path(), "bidi.toml", &text);
    let out = run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    );
    ok(&out);
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    assert!(summary.contains("Sub<U+202E>sidy"), "{summary}");
    assert!(!summary.contains('\u{202E}'));
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(!html.contains('\u{202E}'));
}

#[test]
fn the_run_folder_says_where_each_policy_acts() {
    let dir = tempdir();
    let text = TINY.replace("ticks = 36", "ticks = 8")
        + "\n[[policy]]\nkind = \"incubator\"\nname = \"Haidian incubator\"\nstart = \"2009-03\"\nregion = { name = \"haidian\" }\ngeneration = \"2.0\"\nseats = 300\n\n[[policy]]\nkind = \"rent_subsidy\"\nstart = \"2009-02\"\nend = \"2009-06\"\nregion = { name = \"huilongguan\" }\ntarget = \"startups\"\nshare = 0.3\n";
    let scen = write(dir.path(), "p.toml", &text);
    ok(&run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    ));
    let o = dir.path().join("out");
    let csv = std::fs::read_to_string(o.join("policies.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][0], "policy");
    assert_eq!(rows.len(), 3, "{csv}");
    let inc = &rows[1];
    assert_eq!(
        &inc[..4],
        &["Haidian incubator", "incubator", "2009-03", ""]
    );
    let cells: usize = inc[4].parse().unwrap();
    assert!(cells > 100, "the Haidian park has many cells: {csv}");
    // A new incubator stands in one cell: its site has a column, row, km and lon/lat.
    for (k, v) in inc.iter().enumerate().take(16).skip(10) {
        assert!(!v.is_empty(), "site column {k} empty: {csv}");
    }
    let lon: f64 = inc[14].parse().unwrap();
    let lat: f64 = inc[15].parse().unwrap();
    assert!(
        (116.0..116.6).contains(&lon) && (39.8..40.2).contains(&lat),
        "{lon} {lat}"
    );
    let sub = &rows[2];
    assert_eq!(
        &sub[..4],
        &["rent_subsidy", "rent_subsidy", "2009-02", "2009-06"]
    );
    assert!(sub[10].is_empty(), "a subsidy has no site");
    let geo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("policies.geojson")).unwrap())
            .unwrap();
    let kinds: Vec<&str> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["feature"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["region", "site", "region"]);
    let events = std::fs::read_to_string(o.join("events.csv")).unwrap();
    assert!(
        events.contains("2009-03,Haidian incubator: new 2.0 incubator with 300 seats"),
        "{events}"
    );
}

#[test]
fn report_charts_are_labelled_in_words() {
    let dir = tempdir();
    let scen = write(
        dir.path(),
        "tiny.toml",
        &TINY.replace("ticks = 36", "ticks = 3"),
    );
    ok(&run_in(
        dir.path(),
        &["run", scen.to_str().unwrap(), "--out", "out", "--quiet"],
    ));
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    let ind = zgc::metrics::INDICATORS
        .iter()
        .find(|i| i.name == "startups_alive")
        .unwrap();
    let label = zgc::metrics::label(ind);
    assert!(label.chars().next().unwrap().is_uppercase(), "{label}");
    assert_ne!(label, "startups_alive");
    assert!(
        html.contains(&label),
        "chart legends use the indicator's words: {label}"
    );
}
