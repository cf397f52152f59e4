//! Faults injected into real runs of the binary: SIGKILL at any moment, Ctrl-C, a full disk, an
//! unwritable output folder, existing folders, hostile scenario names, memory limits, and a long
//! run whose memory must not grow with its length (outputs are streamed).
//!
//! The disk tests mount small tmpfs file systems and so need root (CI runs as root); elsewhere
//! they print why they were skipped and pass.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// A scenario whose ticks are cheap (coarse travel zones, a short knowledge kernel, a tiny
/// scale and no labour-force growth): long runs in seconds.
fn fast(ticks: u32) -> String {
    format!(
        r#"
[scenario]
name = "fast"
description = "cheap ticks for fault tests"

[run]
seed = 7
scale = 0.0005
start = "2009-01"
ticks = {ticks}

[params.population]
growth_per_year = 0.0
graduates_per_year = 0.0

[params.commute]
zone_cells = 10

[params.knowledge]
decay_km = 0.5
cutoff_decays = 1.0
"#
    )
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Names of the entries of a folder, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Start `zgc run` in the background.
fn spawn(dir: &Path, args: &[&str]) -> Child {
    zgc()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zgc starts")
}

/// Wait until a staging folder for `out` exists in `dir` (the run has started writing).
fn wait_for_staging(dir: &Path, out: &str, child: &mut Child) -> PathBuf {
    let t0 = Instant::now();
    loop {
        if let Some(n) = entries(dir)
            .into_iter()
            .find(|n| n.starts_with(&format!(".{out}.partial-")))
        {
            return dir.join(n);
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("zgc ended ({st}) before it started writing");
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no staging folder");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether anything in `dir` would be taken for a finished run by a command collecting results.
fn complete_runs(dir: &Path) -> Vec<String> {
    entries(dir)
        .into_iter()
        .filter(|n| zgc::output::is_complete_run(&dir.join(n)))
        .collect()
}

/// A complete run folder has every output, and its time series has `ticks` rows.
fn assert_complete(run: &Path, ticks: usize) {
    for f in DETERMINISTIC_FILES.iter().chain(&["summary.json"]) {
        assert!(run.join(f).is_file(), "{} lacks {f}", run.display());
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap())
            .expect("summary.json parses");
    assert_eq!(s["provenance"]["ticks"], ticks as u64);
    let ts = std::fs::read_to_string(run.join("timeseries.csv")).unwrap();
    assert_eq!(ts.lines().count(), 1 + ticks, "{}", run.display());
}

#[test]
fn sigkill_leaves_nothing_that_looks_like_a_result_and_the_next_run_cleans_up() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(2400));
    let mut child = spawn(dir.path(), &["run", "fast.toml", "--out", "out", "--quiet"]);
    let staging = wait_for_staging(dir.path(), "out", &mut child);
    std::thread::sleep(Duration::from_millis(400));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!dir.path().join("out").exists());
    assert!(staging.is_dir(), "the killed run's staging folder stays");
    assert!(
        complete_runs(dir.path()).is_empty(),
        "{:?}",
        entries(dir.path())
    );
    // The next run into the same parent removes the dead process's staging folder.
    let out = run_in(
        dir.path(),
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            "out",
            "--quiet",
            "--ticks",
            "2",
        ],
    );
    ok(&out);
    assert!(
        stderr(&out).contains("left by an interrupted run"),
        "{}",
        stderr(&out)
    );
    assert!(!staging.exists());
    assert_eq!(entries(dir.path()), vec!["fast.toml", "out"]);
    assert_complete(&dir.path().join("out"), 2);
}

#[test]
fn sigkill_at_any_moment_leaves_the_destination_complete_or_absent() {
    // Kill short runs at moments spread over their whole life (world building, ticks, grids,
    // summary, the final rename): the destination is always absent, the previous complete run,
    // or the new complete run — never a mixture or a partial folder.
    let dir = tempdir();
    write(dir.path(), "fast.toml", &fast(3));
    let t0 = Instant::now();
    ok(&run_in(
        dir.path(),
        &[
            "run",
            "fast.toml",
            "--out",
            "out",
            "--quiet",
            "--ticks",
            "4",
        ],
    ));
    let full = t0.elapsed();
    assert_complete(&dir.path().join("out"), 4);
    let (mut killed, mut finished) = (0, 0);
    for k in 0..15u32 {
        let delay = full.mul_f64(k as f64 / 6.0);
        let mut child = spawn(dir.path(), &["run", "fast.toml", "--out", "out", "--quiet"]);
        std::thread::sleep(delay);
        child.kill().ok();
        let st = child.wait().unwrap();
        if st.success() {
            finished += 1;
        } else {
            killed += 1;
        }
        let out = dir.path().join("out");
        if !out.exists() {
            // Killed between moving the previous run aside and moving the new one in.
            assert!(
                complete_runs(dir.path()).is_empty(),
                "after kill {k} ({st})"
            );
            continue;
        }
        let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        let ticks = ts.lines().count() - 1;
        assert!(ticks == 3 || ticks == 4, "{ticks} ticks after a kill");
        assert_complete(&out, ticks);
        assert_eq!(
            complete_runs(dir.path()),
            vec!["out"],
            "after kill {k} ({st})"
        );
    }
    // Some kills landed before the end and some runs finished.
    assert!(
        killed > 0 && finished > 0,
        "{killed} killed, {finished} finished"
    );
}

#[test]
fn ctrl_c_stops_cleanly_says_where_and_writes_nothing() {
    let dir = tempdir();
    write(dir.path(), "fast.toml", &fast(2400));
    let mut child = spawn(dir.path(), &["run", "fast.toml", "--out", "out", "--quiet"]);
    let staging = wait_for_staging(dir.path(), "out", &mut child);
    std::thread::sleep(Duration::from_millis(500));
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("stopped at tick"), "{err}");
    assert!(err.contains("of 2400"), "{err}");
    assert!(err.contains("nothing was written to out"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!staging.exists());
    assert_eq!(entries(dir.path()), vec!["fast.toml"]);
}

/// A tmpfs mounted for a test, unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    /// Mount a tmpfs with `options` at `dir`, or say why not and return `None`.
    fn tmpfs(dir: &Path, options: &str) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Mount(dir.to_path_buf())),
            Ok(o) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs (needs root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_gives_a_clear_error_and_no_partial_result() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(24));
    // 16 KiB fills while the tables stream; 256 KiB fills while the grids are written.
    for size in ["16k", "256k"] {
        let disk = dir.path().join(format!("disk{size}"));
        let Some(_m) = Mount::tmpfs(&disk, &format!("size={size}")) else {
            return;
        };
        let out = run_in(
            dir.path(),
            &[
                "run",
                scen.to_str().unwrap(),
                "--out",
                disk.join("run").to_str().unwrap(),
                "--quiet",
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{size}: {err}");
        assert!(err.contains("No space left on device"), "{size}: {err}");
        assert!(err.contains("cannot write"), "{size}: {err}");
        assert!(!err.contains("panicked"), "{size}: {err}");
        assert_eq!(entries(&disk), Vec::<String>::new(), "{size}");
    }
}

#[test]
fn an_unwritable_output_folder_gives_a_clear_error() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(2));
    let scen = scen.to_str().unwrap();
    // A file where a folder is expected (fails for root too).
    write(dir.path(), "a-file", "not a folder");
    let out = run_in(dir.path(), &["run", scen, "--out", "a-file/run", "--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot create") && err.contains("a-file"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // A read-only file system (chmod does not stop root; a read-only mount does).
    let ro = dir.path().join("ro");
    if let Some(_m) = Mount::tmpfs(&ro, "ro,size=64k") {
        let out = run_in(
            dir.path(),
            &[
                "run",
                scen,
                "--out",
                ro.join("run").to_str().unwrap(),
                "--quiet",
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("Read-only file system"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn an_existing_folder_is_never_mixed_with_a_new_run() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(3));
    let scen = scen.to_str().unwrap();
    ok(&run_in(
        dir.path(),
        &["run", scen, "--out", "out", "--quiet"],
    ));
    // A stray file in a previous run disappears with it: the new run replaces the whole folder.
    write(&dir.path().join("out/grids"), "stray.asc", "old");
    ok(&run_in(
        dir.path(),
        &["run", scen, "--out", "out", "--quiet", "--ticks", "2"],
    ));
    assert!(!dir.path().join("out/grids/stray.asc").exists());
    assert_complete(&dir.path().join("out"), 2);
    // A file, or a folder of other things, at the destination is refused (exit 2) and kept.
    write(dir.path(), "file-out", "mine");
    let out = run_in(dir.path(), &["run", scen, "--out", "file-out", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("file-out")).unwrap(),
        "mine"
    );
    // A folder whose run was cut short (no summary.json) is not a run: refused too.
    std::fs::create_dir(dir.path().join("cut")).unwrap();
    write(&dir.path().join("cut"), "timeseries.csv", "tick,date\n");
    let out = run_in(dir.path(), &["run", scen, "--out", "cut", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // With --force it is replaced whole.
    ok(&run_in(
        dir.path(),
        &["run", scen, "--out", "cut", "--quiet", "--force"],
    ));
    assert_complete(&dir.path().join("cut"), 3);
    assert!(complete_runs(dir.path()).contains(&"cut".to_string()));
    assert!(
        !entries(dir.path()).iter().any(|n| n.starts_with('.')),
        "{:?}",
        entries(dir.path())
    );
}

#[test]
fn no_scenario_name_can_write_outside_results() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("inner")).unwrap();
    let work = dir.path().join("inner");
    // Refused by the scenario language (`scenario.name`: letters, digits, `_`, `-`, `.`, not
    // starting with `.`) or, past it, by the output-folder check (`limits::check_folder_name`).
    let long = "a".repeat(300);
    for name in [
        "../escape",
        "../../escape",
        "/tmp/zgc-escape-test",
        "a/../../escape",
        "..",
        ".",
        "",
        ".hidden",
        "tab\there",
        "new\nline",
        "back\\\\slash",
        long.as_str(),
    ] {
        let text = fast(2).replace("name = \"fast\"", &format!("name = {name:?}"));
        let scen = write(&work, "s.toml", &text);
        let out = run_in(&work, &["run", scen.to_str().unwrap(), "--quiet"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {err}");
        assert!(
            err.contains("`scenario.name`: expected a name of letters")
                || err.contains("cannot name an output folder") && err.contains("--out"),
            "{name:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{name:?}: {err}");
        if name == long {
            // Valid characters, but too long for a folder name on most file systems.
            assert!(err.contains("cannot name an output folder"), "{err}");
        }
        assert_eq!(entries(dir.path()), vec!["inner"], "{name:?}");
        assert!(!Path::new("/tmp/zgc-escape-test").exists());
        assert!(!work.join("results").exists(), "{name:?}");
    }
    // Policy names and descriptions are only text; a valid name stays inside results/.
    let text = fast(2).replace("name = \"fast\"", "name = \"my-run_v2.0\"")
        + "\n[[policy]]\nkind = \"land_cap\"\nname = \"../../../etc/passwd\"\nstart = 0\nregion = { name = \"haidian\" }\n";
    let scen = write(&work, "s.toml", &text);
    ok(&run_in(&work, &["run", scen.to_str().unwrap(), "--quiet"]));
    assert_eq!(entries(&work.join("results")), vec!["my-run_v2.0"]);
    assert_eq!(entries(dir.path()), vec!["inner"]);
    assert_eq!(entries(&work), vec!["results", "s.toml"]);
}

#[test]
fn a_run_that_cannot_fit_in_memory_is_refused_before_it_starts() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(3));
    let scen = scen.to_str().unwrap();
    let t0 = Instant::now();
    let out = run_in(
        dir.path(),
        &["run", scen, "--out", "out", "--quiet", "--max-memory", "8M"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for want in [
        "would need about",
        "MiB",
        "more than the 8.0 MiB available (--max-memory)",
        "--ignore-memory-check",
    ] {
        assert!(err.contains(want), "{want:?} not in {err}");
    }
    assert!(!dir.path().join("out").exists());
    assert_eq!(entries(dir.path()), vec!["fast.toml"]);
    // The override runs it anyway; a generous limit lets it run.
    ok(&run_in(
        dir.path(),
        &[
            "run",
            scen,
            "--out",
            "out",
            "--quiet",
            "--ignore-memory-check",
        ],
    ));
    ok(&run_in(
        dir.path(),
        &["run", scen, "--out", "out", "--quiet", "--max-memory", "4G"],
    ));
    // Hostile settings are refused at once with the detected limit, before any allocation.
    let huge = fast(3).replace("growth_per_year = 0.0", "labour_force = 1e15");
    let scen2 = write(dir.path(), "huge.toml", &huge);
    let out = run_in(
        dir.path(),
        &["run", scen2.to_str().unwrap(), "--out", "h", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("more than the model can index"));
    let out = run_in(
        dir.path(),
        &[
            "run",
            scen,
            "--out",
            "h",
            "--quiet",
            "--ticks",
            "4000000000",
        ],
    );
    // The run length is bounded as in a scenario file (`run.ticks` ≤ 2400), so per-tick
    // records never dominate the memory.
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--ticks: expected at most 2400 ticks"),
        "{err}"
    );
    let kernel = fast(3).replace("decay_km = 0.5", "decay_km = 1e9");
    let scen3 = write(dir.path(), "kernel.toml", &kernel);
    let out = run_in(
        dir.path(),
        &["run", scen3.to_str().unwrap(), "--out", "h", "--quiet"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("knowledge kernel"), "{err}");
    assert!(!dir.path().join("h").exists());
    assert!(t0.elapsed() < Duration::from_secs(60));
}

#[test]
fn absurd_thread_counts_are_refused() {
    let dir = tempdir();
    write(dir.path(), "fast.toml", &fast(2));
    for t in ["0", "100000", "18446744073709551615"] {
        let out = run_in(
            dir.path(),
            &[
                "run",
                "fast.toml",
                "--out",
                "out",
                "--quiet",
                "--threads",
                t,
            ],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{t}: {err}");
        assert!(
            err.contains("--threads must be between 1 and 1024"),
            "{t}: {err}"
        );
    }
    assert_eq!(entries(dir.path()), vec!["fast.toml"]);
}

#[test]
fn memory_stays_bounded_however_many_ticks_a_run_has() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(240));
    let peak = |out: &str, ticks: &str| -> f64 {
        ok(&run_in(
            dir.path(),
            &[
                "run",
                scen.to_str().unwrap(),
                "--out",
                out,
                "--quiet",
                "--ticks",
                ticks,
                "--threads",
                "2",
            ],
        ));
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(out).join("summary.json")).unwrap(),
        )
        .unwrap();
        s["performance"]["peak_rss_bytes"]
            .as_f64()
            .expect("peak memory is known on Linux")
    };
    let short = peak("short", "240");
    let long = peak("long", "2400");
    let ts = std::fs::read_to_string(dir.path().join("long/timeseries.csv")).unwrap();
    assert_eq!(ts.lines().count(), 2401);
    // Ten times the ticks: the park and region tables (about 2.5 kB per tick) are streamed to
    // disk; only the city row (about 0.5 kB per tick, in a growing Vec) is kept for the report's
    // charts. So the peak grows by about 1–2.5 MiB for the 2,160 extra ticks, well below what
    // keeping the tables would take (6 MB more).
    let mib = 1048576.0;
    assert!(
        long - short < 4.0 * mib,
        "peak memory {:.1} MiB for 2400 ticks vs {:.1} MiB for 240",
        long / mib,
        short / mib
    );
}

#[test]
fn devices_fifos_and_huge_files_are_refused_as_inputs() {
    // A scenario may name any path as a parent scenario or a grid file: a device or a FIFO
    // would never end (or never open) and a huge file would fill memory; each is refused at
    // once with the key and the reason.
    let dir = tempdir();
    let fifo = dir.path().join("fifo.asc");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.map(|s| s.success()).unwrap_or(false), "mkfifo");
    let huge = dir.path().join("huge.toml");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(zgc::scenario::source::MAX_SCENARIO_BYTES + 1)
        .unwrap(); // sparse
    let grid = |land_use: &str| {
        format!(
            "[scenario]\nname = \"g\"\n[world.grids]\nland_use = \"{land_use}\"\nfloor = \"f.asc\"\nresidents = \"r.asc\"\njobs = \"j.asc\"\n"
        )
    };
    let cases = [
        (
            "extends = \"/dev/zero\"\n[scenario]\nname = \"z\"\n".to_string(),
            "`extends`",
            "not a regular file",
        ),
        (
            "extends = \"huge.toml\"\n[scenario]\nname = \"h\"\n".to_string(),
            "`extends`",
            "larger than the 16.0 MiB",
        ),
        (
            grid("/dev/zero"),
            "`world.grids.land_use`",
            "not a regular file",
        ),
        (
            grid("/dev/stdin"),
            "`world.grids.land_use`",
            "not a regular file",
        ),
        (
            grid("fifo.asc"),
            "`world.grids.land_use`",
            "not a regular file",
        ),
    ];
    for (text, key, why) in cases {
        write(dir.path(), "s.toml", &text);
        let t0 = Instant::now();
        let mut child = zgc()
            .current_dir(dir.path())
            .args(["check", "s.toml"])
            .stdin(Stdio::piped()) // kept open: reading it would block
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        while child.try_wait().unwrap().is_none() {
            if t0.elapsed() > Duration::from_secs(20) {
                child.kill().ok();
                panic!("{text}: zgc still reads after 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(key) && err.contains(why), "{text}: {err}");
    }
    // The scenario file itself.
    let out = run_in(dir.path(), &["run", "/dev/zero", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    // `zgc places | head -1`: the reader goes away before zgc has written; zgc ends (by
    // SIGPIPE, as other tools do) without a panic.
    use std::os::unix::process::ExitStatusExt;
    for args in [&["places"][..], &["check", "--defaults"][..]] {
        let mut child = zgc()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // close the read end at once
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            out.status.success() || out.status.signal() == Some(13), // 13: SIGPIPE
            "{args:?}: {:?} {err}",
            out.status
        );
    }
}

#[test]
fn sigkill_during_compare_leaves_no_result_and_the_next_compare_cleans_up() {
    // (A killed `sweep run` is tested in sweep.rs: every done marker stands beside a whole
    // result, and merge takes only those.)
    let dir = tempdir();
    write(dir.path(), "a.toml", &fast(2400));
    let alt = fast(2400).replace("name = \"fast\"", "name = \"alt\"")
        + "\n[[policy]]\nkind = \"land_cap\"\nstart = 0\nregion = { name = \"haidian\" }\n";
    write(dir.path(), "b.toml", &alt);
    let args = [
        "compare",
        "a.toml",
        "b.toml",
        "--replicates",
        "3",
        "--out",
        "cmp",
        "--quiet",
    ];
    let mut child = spawn(dir.path(), &args);
    let staging = wait_for_staging(dir.path(), "cmp", &mut child);
    std::thread::sleep(Duration::from_millis(400));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!dir.path().join("cmp").exists());
    assert!(
        staging.is_dir(),
        "the killed compare's staging folder stays"
    );
    assert!(
        complete_runs(dir.path()).is_empty(),
        "{:?}",
        entries(dir.path())
    );
    // The next compare (short: 3 ticks) into the same folder.
    let short: Vec<&str> = args.iter().copied().chain(["--ticks", "3"]).collect();
    let out = run_in(dir.path(), &short);
    ok(&out);
    assert!(
        stderr(&out).contains("left by an interrupted run"),
        "{}",
        stderr(&out)
    );
    assert!(!staging.exists());
    assert_eq!(entries(dir.path()), vec!["a.toml", "b.toml", "cmp"]);
    assert!(dir.path().join("cmp/comparison.csv").is_file());
    assert!(zgc::output::is_complete_run(&dir.path().join("cmp")));
}

#[test]
fn an_output_folder_where_no_folder_can_be_is_bad_input_naming_it() {
    let dir = tempdir();
    let scen = write(dir.path(), "fast.toml", &fast(2));
    let out = run_in(
        dir.path(),
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            "/proc/zgc",
            "--quiet",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/proc/zgc") && err.contains("choose another --out"),
        "{err}"
    );
    assert!(
        !err.contains(".partial-"),
        "names the hidden staging folder: {err}"
    );
}
