//! Saved states: a run continued from its own state, a fork of another scenario from a shared
//! month, and a run resumed after SIGKILL are byte-identical to runs from the first month (seeds
//! and thread counts varied); a state that cannot start a scenario, and truncated, corrupted,
//! foreign and other-version files, are refused with exit code 2; `zgc compare` gives the same
//! outputs with and without forking.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

fn run(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, args)
}

/// Assert that two run folders hold the same deterministic files and summary.
fn same_run(a: &Path, b: &Path) {
    for f in DETERMINISTIC_FILES {
        let (x, y) = (a.join(f), b.join(f));
        assert!(
            std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    assert_eq!(summary_core(a), summary_core(b));
}

fn refused(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2, stderr:\n{err}"
    );
    assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The tiny pair, 24 months: the alternative adds an incubator from 2009-06.
fn pair(dir: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = tiny_pair(dir);
    for p in [&a, &b] {
        let t = std::fs::read_to_string(p).unwrap();
        std::fs::write(p, t.replace("ticks = 36", "ticks = 24")).unwrap();
    }
    (a, b)
}

#[test]
fn continued_and_forked_runs_equal_runs_from_the_first_month() {
    let dir = tempdir();
    let d = dir.path();
    let (base, alt) = pair(d);
    let (base, alt) = (base.to_str().unwrap(), alt.to_str().unwrap());
    for (seed, threads) in [("7", "1"), ("11", "2")] {
        let b = format!("base{seed}");
        ok(&run(
            d,
            &[
                "run",
                base,
                "--seed",
                seed,
                "--out",
                &b,
                "-q",
                "--no-pictures",
                "--save-state-at",
                "2009-06",
                "--save-state-at",
                "14",
                "--threads",
                threads,
            ],
        ));
        let s1 = d.join(&b).join("state-2009-06.zgcstate");
        let s2 = d.join(&b).join("state-2010-03.zgcstate");
        assert!(
            s1.is_file() && s2.is_file(),
            "both states are in the run folder"
        );
        // The base continued from its own later state, on another thread count.
        let other = if threads == "1" { "8" } else { "1" };
        let c = format!("cont{seed}");
        ok(&run(
            d,
            &[
                "run",
                base,
                "--seed",
                seed,
                "--out",
                &c,
                "-q",
                "--no-pictures",
                "--from-state",
                s2.to_str().unwrap(),
                "--threads",
                other,
            ],
        ));
        same_run(&d.join(&b), &d.join(&c));
        // The alternative from scratch, and forked from the base's state at its policy's month.
        let full = format!("alt{seed}");
        ok(&run(
            d,
            &[
                "run",
                alt,
                "--seed",
                seed,
                "--out",
                &full,
                "-q",
                "--no-pictures",
                "--threads",
                threads,
            ],
        ));
        let fork = format!("fork{seed}");
        ok(&run(
            d,
            &[
                "run",
                alt,
                "--seed",
                seed,
                "--out",
                &fork,
                "-q",
                "--no-pictures",
                "--from-state",
                s1.to_str().unwrap(),
                "--threads",
                other,
            ],
        ));
        same_run(&d.join(&full), &d.join(&fork));
        // The fork really is the alternative: its policy acted.
        let events = std::fs::read_to_string(d.join(&fork).join("events.csv")).unwrap();
        assert!(events.contains("test incubator"), "{events}");
    }
}

#[test]
fn hui_plus_forked_from_the_baselines_2015_11_state_equals_hui_plus_from_scratch() {
    let dir = tempdir();
    let d = dir.path();
    let scen = |n: &str| {
        root()
            .join("scenarios")
            .join(n)
            .to_str()
            .unwrap()
            .to_string()
    };
    let common = ["--scale", "0.002", "--ticks", "90", "-q", "--no-pictures"];
    let go = |args: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(&common);
        ok(&run(d, &a));
    };
    go(&[
        "run",
        &scen("baseline.toml"),
        "--out",
        "base",
        "--save-state-at",
        "2015-11",
    ]);
    go(&[
        "run",
        &scen("hui_plus.toml"),
        "--out",
        "hui",
        "--threads",
        "1",
    ]);
    let state = d.join("base/state-2015-11.zgcstate");
    go(&[
        "run",
        &scen("hui_plus.toml"),
        "--out",
        "fork",
        "--from-state",
        state.to_str().unwrap(),
    ]);
    same_run(&d.join("hui"), &d.join("fork"));
    let events = std::fs::read_to_string(d.join("fork/events.csv")).unwrap();
    assert!(events.contains("Hui+"), "{events}");
}

#[test]
fn a_state_that_cannot_start_the_scenario_is_refused_with_the_first_difference() {
    let dir = tempdir();
    let d = dir.path();
    let (base, alt) = pair(d);
    let (base, alt) = (base.to_str().unwrap(), alt.to_str().unwrap());
    ok(&run(
        d,
        &[
            "run",
            base,
            "--out",
            "b",
            "-q",
            "--no-pictures",
            "--ticks",
            "12",
            "--save-state-at",
            "2009-09",
        ],
    ));
    let s = d.join("b/state-2009-09.zgcstate");
    let s = s.to_str().unwrap();
    let from = |scen: &str, extra: &[&str]| {
        let mut a = vec![
            "run",
            scen,
            "--out",
            "x",
            "-q",
            "--no-pictures",
            "--from-state",
            s,
        ];
        a.extend_from_slice(extra);
        run(d, &a)
    };
    refused(
        &from(alt, &[]),
        "policy `test incubator` starts 2009-06, before the state's 2009-09",
    );
    refused(
        &from(base, &["--seed", "8"]),
        "the state's seed is 7, this run's 8",
    );
    refused(
        &from(base, &["--scale", "0.003"]),
        "the state's scale is 0.002",
    );
    let changed = write(
        d,
        "changed.toml",
        &(TINY.replace("ticks = 36", "ticks = 24") + "\n[params.firms]\ntfp_sigma = 0.3\n"),
    );
    refused(
        &from(changed.to_str().unwrap(), &[]),
        "parameter params.firms.tfp_sigma: the state's run has 0.25, this one 0.3",
    );
    refused(
        &from(base, &["--ticks", "6"]),
        "after this run's last month",
    );
    // Another world: named as such, before its policies are resolved on the state's world.
    let town = root().join("tests/fixtures/tiny_city/tiny_city.toml");
    ok(&run(
        d,
        &[
            "run",
            town.to_str().unwrap(),
            "--out",
            "t",
            "-q",
            "--no-pictures",
            "--save-state-at",
            "1",
        ],
    ));
    let t = d.join("t/state-2020-02.zgcstate");
    refused(
        &run(
            d,
            &[
                "run",
                alt,
                "--out",
                "x",
                "-q",
                "--from-state",
                t.to_str().unwrap(),
            ],
        ),
        "the world differs: the state's is `tiny_city`",
    );
    // Months to save before the state's, or after the run's end.
    refused(
        &from(base, &["--save-state-at", "2009-03"]),
        "a state before it cannot be saved",
    );
    refused(
        &run(
            d,
            &["run", base, "--out", "y", "--save-state-at", "2030-01"],
        ),
        "--save-state-at 2030-01: the run's months are 2009-01 to 2010-12",
    );
    refused(
        &run(d, &["run", base, "--out", "y", "--save-state-at", "soon"]),
        "--save-state-at",
    );
    for gone in ["x", "y"] {
        assert!(
            !d.join(gone).exists(),
            "a refused run leaves no folder {gone}"
        );
    }
}

#[test]
fn truncated_corrupted_foreign_and_other_version_files_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    let (base, _) = pair(d);
    let base = base.to_str().unwrap();
    ok(&run(
        d,
        &[
            "run",
            base,
            "--out",
            "b",
            "-q",
            "--no-pictures",
            "--ticks",
            "4",
            "--save-state-at",
            "2",
        ],
    ));
    let good = std::fs::read(d.join("b/state-2009-03.zgcstate")).unwrap();
    let n = good.len();
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "not a zgc state file"),
        ("foreign", TINY.as_bytes().to_vec(), "not a zgc state file"),
        ("head", good[..10].to_vec(), "truncated"),
        ("half", good[..n / 2].to_vec(), "truncated"),
        (
            "last_byte",
            good[..n - 1].to_vec(),
            "truncated or corrupted",
        ),
    ];
    let mut flipped = good.clone();
    flipped[n * 2 / 3] ^= 0x40;
    cases.push(("flipped", flipped, "checksum"));
    let mut version = good.clone();
    version[8] = 99;
    cases.push(("version", version, "state format 99"));
    let mut model = good.clone();
    let at = model
        .windows(7)
        .position(|w| w == b"\"0.1.0\"")
        .expect("model version in the header");
    model[at + 1..at + 6].copy_from_slice(b"9.9.9");
    zgc::state::file::fix_checksum(&mut model);
    cases.push(("model", model, "written by zgc 9.9.9"));
    for (name, bytes, needle) in cases {
        let f = write_bytes(d, &format!("{name}.zgcstate"), &bytes);
        let out = run(
            d,
            &[
                "run",
                base,
                "--out",
                "x",
                "-q",
                "--ticks",
                "4",
                "--from-state",
                f.to_str().unwrap(),
            ],
        );
        refused(&out, needle);
        assert!(!d.join("x").exists(), "{name}: no output folder");
    }
    refused(
        &run(
            d,
            &[
                "run",
                base,
                "--out",
                "x",
                "--from-state",
                d.to_str().unwrap(),
            ],
        ),
        "expected a regular file",
    );
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn a_run_killed_at_a_random_month_resumes_to_the_same_bytes() {
    let dir = tempdir();
    let d = dir.path();
    let (base, _) = pair(d);
    let base = base.to_str().unwrap();
    let args = [
        "run",
        base,
        "--out",
        "r",
        "-q",
        "--no-pictures",
        "--checkpoint-every",
        "2",
    ];
    ok(&run(
        d,
        &[
            "run",
            base,
            "--out",
            "reference",
            "-q",
            "--no-pictures",
            "--threads",
            "1",
        ],
    ));
    // A month chosen at random (from the clock): the run is killed after that many checkpoints.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let target_tick = 2 * (1 + nanos % 10); // 2, 4, …, 20 of 24
    let mut child = zgc().current_dir(d).args(args).spawn().unwrap();
    let t0 = std::time::Instant::now();
    let killed_at = loop {
        let staging: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".r.partial-")
            })
            .collect();
        let tick = staging
            .iter()
            .filter_map(|s| zgc::state::file::read_header(&s.join("checkpoint.zgcstate")).ok())
            .map(|h| h.tick)
            .max();
        if tick.is_some_and(|t| t >= target_tick) {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            break tick;
        }
        if child.try_wait().unwrap().is_some() || t0.elapsed().as_secs() > 120 {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    assert!(
        killed_at.is_some(),
        "the run ended before its checkpoint of tick {target_tick}"
    );
    assert!(!d.join("r").exists(), "a killed run has no output folder");
    if let Some(t) = killed_at {
        eprintln!("killed after the checkpoint of tick {t}");
        // Another seed is another run: refused, and the interrupted run stays resumable.
        let mut other: Vec<&str> = args.to_vec();
        other.extend(["--resume", "--seed", "8"]);
        refused(&run(d, &other), "the interrupted run in");
    }
    let mut resume: Vec<&str> = args.to_vec();
    resume.extend(["--resume", "--threads", "2"]);
    let out = run(d, &resume);
    ok(&out);
    if killed_at.is_some() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("resuming the interrupted run"), "{err}");
    }
    same_run(&d.join("reference"), &d.join("r"));
    assert!(
        !d.join("r/checkpoint.zgcstate").exists(),
        "a finished run keeps no checkpoint"
    );
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".r."))
        .collect();
    assert!(left.is_empty(), "staging folders left: {left:?}");
}

#[test]
fn compare_gives_the_same_outputs_with_and_without_forking() {
    let dir = tempdir();
    let d = dir.path();
    let (base, alt) = pair(d);
    let (base, alt) = (base.to_str().unwrap(), alt.to_str().unwrap());
    let forked = run(
        d,
        &[
            "compare", base, alt, "-n", "2", "--ticks", "14", "--out", "f",
        ],
    );
    ok(&forked);
    let err = String::from_utf8_lossy(&forked.stderr);
    assert!(
        err.contains("tiny_alt is the base scenario until 2009-06"),
        "{err}"
    );
    ok(&run(
        d,
        &[
            "compare",
            base,
            alt,
            "-n",
            "2",
            "--ticks",
            "14",
            "--out",
            "n",
            "--no-fork",
            "-q",
        ],
    ));
    let same = |f: &str| {
        assert!(
            std::fs::read(d.join("f").join(f)).unwrap()
                == std::fs::read(d.join("n").join(f)).unwrap(),
            "{f} differs with forking"
        );
    };
    same("comparison.csv");
    for s in ["tiny", "tiny_alt"] {
        for r in 0..2 {
            for f in ["timeseries.csv", "parks.csv", "regions.csv", "events.csv"] {
                same(&format!("runs/{s}/rep{r}/{f}"));
            }
        }
    }
}
