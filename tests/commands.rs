//! `zgc check`, `zgc init` and `zgc places` end to end, and every shipped scenario checked,
//! re-read from its resolved form, and run far enough for all its policies to act.

use crate::common::*;

/// The shipped scenarios (`scenarios/*.toml`).
fn shipped() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_article_scenarios_are_shipped() {
    let names: Vec<String> = shipped()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    for n in [
        "baseline",
        "emall_conversion",
        "hui_plus",
        "maker_town",
        "incubator_3_0",
        "red_line",
        "smart_manufacturing_street",
        "jing_jin_ji",
    ] {
        assert!(names.iter().any(|x| x == n), "scenarios/{n}.toml missing");
    }
}

#[test]
fn each_shipped_scenario_checks_and_its_resolved_form_is_the_same_scenario() {
    let dir = tempdir();
    for path in shipped() {
        let p = path.to_str().unwrap();
        let out = run_in(dir.path(), &["check", p]);
        let resolved = ok(&out);
        let summary = String::from_utf8_lossy(&out.stderr);
        assert!(summary.starts_with("ok: "), "{p}: {summary}");
        assert!(
            resolved.contains("[params.firms]"),
            "{p}: every parameter is printed"
        );
        let again = write(dir.path(), "again.toml", &resolved);
        let out2 = run_in(dir.path(), &["check", again.to_str().unwrap()]);
        let resolved2 = ok(&out2);
        let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
        assert_eq!(
            body(&resolved),
            body(&resolved2),
            "{p}: resolving is idempotent"
        );
    }
}

#[test]
fn each_shipped_scenario_runs_and_its_policies_act() {
    let dir = tempdir();
    for path in shipped() {
        let p = path.to_str().unwrap();
        let name = path.file_stem().unwrap().to_str().unwrap();
        // Run until the last policy has started.
        let scen = zgc::scenario::Scenario::load(&path).unwrap();
        let last = scen
            .file
            .policies
            .iter()
            .map(|p| match &p.start {
                zgc::scenario::policy::When::Tick(t) => *t,
                zgc::scenario::policy::When::Date(d) => {
                    let d = zgc::calendar::YearMonth::parse(d).unwrap();
                    scen.start.months_until(d) as u32
                }
            })
            .max()
            .unwrap_or(0);
        let ticks = (last + 1).to_string();
        let out = run_in(
            dir.path(),
            &[
                "run", p, "--quiet", "--scale", "0.001", "--ticks", &ticks, "--out", name,
            ],
        );
        ok(&out);
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(name).join("summary.json")).unwrap(),
        )
        .unwrap();
        let events = s["events"].as_array().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let n_policies = text.matches("[[policy]]").count();
        // Each policy logs at least one event when it takes effect.
        let mut named = 0;
        for line in text.lines() {
            if let Some(n) = line.strip_prefix("name = \"") {
                let n = n.split('"').next().unwrap();
                if events.iter().any(|e| e.as_str().unwrap().contains(n)) {
                    named += 1;
                }
            }
        }
        assert!(
            named >= n_policies,
            "{name}: {named} of {n_policies} policies acted: {events:?}"
        );
    }
}

#[test]
fn check_defaults_documents_every_parameter_and_is_a_valid_scenario() {
    let dir = tempdir();
    let out = run_in(dir.path(), &["check", "--defaults"]);
    let text = ok(&out);
    for (path, _) in zgc::scenario::params_schema::default_leaves() {
        let key = path.split('.').nth(1).unwrap().split('[').next().unwrap();
        assert!(
            text.contains(&format!("\n{key} = ")) || text.contains(&format!(".{key}]")),
            "--defaults lacks {path}"
        );
    }
    assert!(text.contains("# Monthly probability that a tech-skilled worker founds a start-up"));
    let f = write(dir.path(), "defaults.toml", &text);
    ok(&run_in(dir.path(), &["check", "-q", f.to_str().unwrap()]));
}

#[test]
fn check_without_a_file_is_an_input_error() {
    let dir = tempdir();
    let out = run_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn init_writes_a_template_that_checks_and_runs() {
    let dir = tempdir();
    let out = run_in(dir.path(), &["init", "my_zone"]);
    let stdout = ok(&out);
    let abs = std::path::absolute(dir.path().join("my_zone.toml")).unwrap();
    assert!(
        stdout.contains(&format!("wrote {}", abs.display())),
        "{stdout}"
    );
    let text = std::fs::read_to_string(dir.path().join("my_zone.toml")).unwrap();
    assert!(text.contains("name = \"my_zone\""));
    // It extends the embedded baseline (same world, period, scale and seed) unless --standalone.
    assert!(
        text.contains("\nextends = \"builtin:baseline\"\n"),
        "{text}"
    );
    assert!(
        text.contains("# kind = \"partner_site\""),
        "examples of every kind"
    );
    ok(&run_in(dir.path(), &["check", "-q", "my_zone.toml"]));
    ok(&run_in(
        dir.path(),
        &[
            "run",
            "my_zone.toml",
            "--quiet",
            "--scale",
            "0.001",
            "--ticks",
            "2",
        ],
    ));
    assert!(dir.path().join("results/my_zone/summary.json").is_file());
    // No silent overwrite; --force overwrites.
    let out = run_in(dir.path(), &["init", "my_zone"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    ok(&run_in(dir.path(), &["init", "my_zone", "--force"]));
    let out = run_in(dir.path(), &["init", "my zone"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn places_lists_places_parks_districts_and_areas() {
    let dir = tempdir();
    let text = ok(&run_in(dir.path(), &["places"]));
    for name in [
        "zhongguancun_core",
        "huilongguan",
        "haidian",
        "haidian_district",
        "zhongguancun_avenue",
        "northern_haidian",
    ] {
        assert!(text.contains(name), "places lacks {name}:\n{text}");
    }
    let city = root().join("scenarios/examples/city.toml");
    let text = ok(&run_in(dir.path(), &["places", city.to_str().unwrap()]));
    assert!(text.contains("World `riverside`: 40 × 40 cells"), "{text}");
    assert!(text.contains("science_park") && text.contains("riverside_university"));
    // A scenario that adds a place lists it.
    let street = root().join("scenarios/smart_manufacturing_street.toml");
    let text = ok(&run_in(dir.path(), &["places", street.to_str().unwrap()]));
    assert!(text.contains("smart_manufacturing_street"));
}

#[test]
fn a_child_scenario_inherits_and_overrides() {
    let dir = tempdir();
    write(
        dir.path(),
        "parent.toml",
        "[scenario]\nname = \"parent\"\n[run]\nscale = 0.002\nend = \"2020-12\"\n[params.firms]\ngrowth_rate = 0.07\n\n[[policy]]\nkind = \"land_cap\"\nstart = \"2012-01\"\nregion = { name = \"haidian\" }\n",
    );
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(
        dir.path(),
        "sub/child.toml",
        "extends = \"../parent.toml\"\n[scenario]\nname = \"child\"\n[run]\nticks = 48\n[params.firms]\nshrink_rate = 0.05\n\n[[policy]]\nkind = \"rent_subsidy\"\nstart = \"2010-01\"\nregion = { name = \"haidian\" }\ntarget = \"startups\"\nshare = 0.2\n",
    );
    let text = ok(&run_in(dir.path(), &["check", "sub/child.toml"]));
    assert!(
        text.contains("from sub/child.toml (extends parent.toml)"),
        "{text}"
    );
    let s = zgc::scenario::Scenario::from_str(&text, "resolved", None).unwrap();
    assert_eq!(s.name(), "child");
    assert_eq!(s.ticks, 48, "the child's ticks replace the parent's end");
    assert_eq!(s.file.run.scale, 0.002);
    assert_eq!(s.file.params.firms.growth_rate, 0.07);
    assert_eq!(s.file.params.firms.shrink_rate, 0.05);
    let kinds: Vec<&str> = s.file.policies.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["land_cap", "rent_subsidy"],
        "parent's policies first"
    );
    // The sweep's entry points: a resolved value, edited, validated.
    let mut v = zgc::scenario::load_resolved_value(&dir.path().join("sub/child.toml")).unwrap();
    v["policy"][1]["share"] = toml::Value::Float(1.5);
    let e = zgc::scenario::Scenario::from_value(v, "sweep point 7", None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sweep point 7: `policy[1].share`: expected a share between 0 and 1, found 1.5"
    );
}

#[test]
fn docs_parameter_tables_are_current() {
    let path = root().join("docs/scenarios.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let begin = text.find("<!-- params:begin").expect("begin marker");
    let body_start = begin + text[begin..].find('\n').unwrap() + 1;
    let end = text.find("<!-- params:end -->").expect("end marker");
    let fresh = format!(
        "{}\n{}{}",
        &text[..body_start],
        zgc::scenario::params_schema::markdown(),
        &text[end..]
    );
    if std::env::var_os("ZGC_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    assert!(
        text == fresh,
        "docs/scenarios.md's parameter tables are stale: ZGC_BLESS=1 cargo test --release docs_parameter_tables"
    );
}
