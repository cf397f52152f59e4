//! `zgc sweep` on a real (local, single-node) SLURM cluster: submit a 4-task array and its
//! merge job, cancel one task while it runs, resubmit the missing runs with the command
//! `sweep status` prints, and check the merged table is byte-identical to the same sweep run
//! locally without shards.
//!
//! Needs the cluster of `scripts/slurm-local.sh start` (CI starts it in `scripts/test.sh`).
//! Without `sbatch` the test fails, unless `ZGC_SKIP_SLURM=1`.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;

fn sh(cmd: &str) -> (bool, String) {
    let o = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("sh runs");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Job ids from `sweep slurm --submit` output: (array, merge).
fn job_ids(out: &str) -> (String, String) {
    let (arrays, merge) = all_job_ids(out);
    assert_eq!(arrays.len(), 1, "{out}");
    (arrays[0].clone(), merge)
}

/// The array job ids (one per chunk) and the merge job id of a `sweep slurm --submit`.
fn all_job_ids(out: &str) -> (Vec<String>, String) {
    let line = out
        .lines()
        .find(|l| l.starts_with("submitted array job(s) "))
        .unwrap_or_else(|| panic!("no submission line in:\n{out}"));
    let rest = line.trim_start_matches("submitted array job(s) ");
    let (arrays, merge) = rest.split_once(" and merge job ").unwrap();
    let merge = merge.split_whitespace().next().unwrap().to_string();
    (arrays.split(", ").map(String::from).collect(), merge)
}

/// Wait until squeue lists none of `jobs`.
fn wait_gone(jobs: &str, timeout: Duration) {
    let t0 = Instant::now();
    loop {
        let o = Command::new("squeue")
            .args(["-h", "-j", jobs])
            .output()
            .expect("squeue runs");
        if String::from_utf8_lossy(&o.stdout).trim().is_empty() {
            return;
        }
        assert!(
            t0.elapsed() < timeout,
            "jobs {jobs} still queued after {timeout:?}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn job_state(job: &str) -> String {
    let (_, out) = sh(&format!("scontrol show job {job}"));
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("JobState="))
        .unwrap_or("?")
        .to_string()
}

fn cluster_available() -> bool {
    if sh("command -v sbatch").0 {
        return true;
    }
    if std::env::var("ZGC_SKIP_SLURM").as_deref() == Ok("1") {
        eprintln!("sweep_slurm: sbatch not found and ZGC_SKIP_SLURM=1: skipping the SLURM test");
        return false;
    }
    panic!(
        "sbatch not found: start the local SLURM cluster with `scripts/slurm-local.sh start` (as root; CI does this in scripts/test.sh), or set ZGC_SKIP_SLURM=1 to skip this test"
    );
}

#[test]
fn slurm_array_cancel_resubmit_and_merge_match_a_local_run() {
    if !cluster_available() {
        return;
    }
    let (up, status) = sh("sinfo -h -o %T");
    assert!(
        up && !status.trim().is_empty(),
        "SLURM does not answer (sinfo: {status}); run scripts/slurm-local.sh start"
    );
    let dir = tempdir();
    let d = dir.path();
    let text = crate::sweep::SMALL_SWEEP
        .replace("run.ticks = 4", "run.ticks = 6")
        .replace("when = \"every_tick\"", "when = \"final\"");
    let sweep = write(d, "small.toml", &text);
    let s = sweep.to_str().unwrap();
    ok(&run_in(d, &["sweep", "plan", s, "--out", "cluster"]));
    let cdir = d.join("cluster");

    // 4 tasks of 4 runs each; every run waits 800 ms first, so a task runs for several seconds.
    let out = ok(&run_in(
        d,
        &[
            "sweep",
            "slurm",
            "cluster",
            "--tasks",
            "4",
            "--cpus-per-task",
            "1",
            "--time",
            "00:10:00",
            "--throttle-ms",
            "800",
            "--submit",
        ],
    ));
    let (array, merge) = job_ids(&out);
    let script = std::fs::read_to_string(cdir.join("slurm/array.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-3\n"), "{script}");
    assert!(script.contains("SLURM_CPUS_PER_TASK"), "{script}");
    assert!(
        job_state(&merge).contains("PENDING"),
        "{}",
        job_state(&merge)
    );

    // Cancel task 0 as soon as it runs.
    let task0 = format!("{array}_0");
    let t0 = Instant::now();
    loop {
        let (_, st) = sh(&format!("squeue -h -j {task0} -o %T"));
        if st.trim() == "RUNNING" {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "task 0 never ran: {st}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // …and its zgc has started: a task cancelled while SLURM is still launching it can
    // linger until KillWait and finish its runs.
    let log0 = cdir.join(format!("logs/array-{array}_0.out"));
    while !std::fs::read_to_string(&log0)
        .unwrap_or_default()
        .contains("run(s) to do")
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "task 0 never started zgc"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (cancelled, msg) = sh(&format!("scancel {task0}"));
    assert!(cancelled, "{msg}");
    wait_gone(&format!("{array},{merge}"), Duration::from_secs(120));
    // The merge job ran after the array and failed: runs were missing.
    assert!(!cdir.join("merged.csv").exists());
    let merge_log =
        std::fs::read_to_string(cdir.join(format!("logs/merge-{merge}.out"))).unwrap_or_default();
    assert!(merge_log.contains("missing"), "merge log: {merge_log}");

    // Status from the files: only shard 0's runs can be missing.
    let out = run_in(d, &["sweep", "status", "cluster"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let status = String::from_utf8_lossy(&out.stdout).to_string();
    let missing_line = status
        .lines()
        .find_map(|l| l.strip_prefix("missing runs: "))
        .unwrap_or_else(|| panic!("{status}"));
    let missing: Vec<usize> = missing_line
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(
        !missing.is_empty() && missing.iter().all(|r| r % 4 == 0),
        "{status}"
    );
    let resubmit = status
        .lines()
        .find_map(|l| l.strip_prefix("resubmit on SLURM: "))
        .unwrap_or_else(|| panic!("no SLURM resubmission command in:\n{status}"));
    let (okay, out) = sh(&format!("cd {} && {resubmit}", d.display()));
    assert!(okay, "{resubmit}\n{out}");
    let (array2, merge2) = job_ids(&out);
    wait_gone(&format!("{array2},{merge2}"), Duration::from_secs(120));
    assert!(
        job_state(&merge2).contains("COMPLETED"),
        "merge job {merge2}: {}",
        job_state(&merge2)
    );
    let status = ok(&run_in(d, &["sweep", "status", "cluster"]));
    assert!(status.contains("16 done, 0 missing"), "{status}");

    // Chunked under a MaxArraySize of 2: 4 shards in 2 array jobs, with a set-up line, the
    // memory from zgc's estimate, and one merge after both.
    ok(&run_in(d, &["sweep", "plan", s, "--out", "chunked"]));
    let out = ok(&run_in(
        d,
        &[
            "sweep",
            "slurm",
            "chunked",
            "--tasks",
            "4",
            "--max-array-size",
            "2",
            "--time",
            "00:10:00",
            "--setup",
            "echo setup-line-ran",
            "--submit",
        ],
    ));
    let (arrays, merge3) = all_job_ids(&out);
    assert_eq!(arrays.len(), 2, "{out}");
    let chunk1 = std::fs::read_to_string(d.join("chunked/slurm/array-1.sbatch")).unwrap();
    assert!(chunk1.contains("#SBATCH --array=0-1\n"), "{chunk1}");
    assert!(
        chunk1.contains("$((SLURM_ARRAY_TASK_ID + 2))/4"),
        "{chunk1}"
    );
    assert!(chunk1.contains("#SBATCH --mem-per-cpu="), "{chunk1}");
    wait_gone(
        &format!("{},{merge3}", arrays.join(",")),
        Duration::from_secs(180),
    );
    assert!(
        job_state(&merge3).contains("COMPLETED"),
        "merge job {merge3}: {}",
        job_state(&merge3)
    );
    let log = std::fs::read_to_string(d.join(format!("chunked/logs/array-{}_1.out", arrays[1])))
        .unwrap_or_default();
    assert!(log.contains("setup-line-ran"), "{log}");
    assert_eq!(
        std::fs::read(d.join("chunked/merged.csv")).unwrap(),
        std::fs::read(cdir.join("merged.csv")).unwrap()
    );

    // The same sweep locally, unsharded.
    ok(&run_in(d, &["sweep", "plan", s, "--out", "local"]));
    ok(&run_in(d, &["sweep", "run", "local", "--quiet"]));
    ok(&run_in(d, &["sweep", "merge", "local"]));
    for f in ["merged.csv", "merged.parquet"] {
        let a = std::fs::read(cdir.join(f)).unwrap();
        let b = std::fs::read(d.join("local").join(f)).unwrap();
        assert!(a == b, "{f} differs between the SLURM and the local sweep");
    }
    assert_eq!(
        std::fs::read_to_string(cdir.join("merged.csv"))
            .unwrap()
            .lines()
            .count(),
        17
    );
}

/// One long run: a task killed while it runs loses only the months since its last checkpoint.
const LONG_SWEEP: &str = r#"
[sweep]
name = "long"
design = "factorial"
replicates = 1
seed = 5

[set]
run.scale = 0.002
run.ticks = 1200

[record]
indicators = ["firms", "startups_alive", "mean_commute_min"]
when = "yearly"

[[param]]
key = "params.startups.found_rate_tech"
values = [0.0009]
"#;

#[test]
fn a_task_killed_in_flight_continues_its_run_from_the_checkpoint_when_resubmitted() {
    if !cluster_available() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let sweep = write(d, "long.toml", LONG_SWEEP);
    let s = sweep.to_str().unwrap();
    ok(&run_in(d, &["sweep", "plan", s, "--out", "long"]));
    let ldir = d.join("long");
    let out = ok(&run_in(
        d,
        &[
            "sweep",
            "slurm",
            "long",
            "--tasks",
            "1",
            "--time",
            "00:10:00",
            "--checkpoint-every",
            "12",
            "--submit",
        ],
    ));
    let (array, merge) = job_ids(&out);
    let script = std::fs::read_to_string(ldir.join("slurm/array.sbatch")).unwrap();
    assert!(script.contains("--checkpoint-every 12"), "{script}");
    // Cancelled as at a time limit (SIGTERM, then SIGKILL after KillWait) once its run has
    // saved a checkpoint 20 years in.
    let checkpoint = ldir.join("runs/0.checkpoint.zgcstate");
    let t0 = Instant::now();
    loop {
        let tick = zgc::state::file::read_header(&checkpoint).map_or(0, |h| h.tick);
        if tick >= 240 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120) && !ldir.join("runs/0.done").exists(),
            "no checkpoint of month 240 while the task ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (cancelled, msg) = sh(&format!("scancel {array}"));
    assert!(cancelled, "{msg}");
    wait_gone(&format!("{array},{merge}"), Duration::from_secs(120));
    assert!(
        !ldir.join("runs/0.done").exists(),
        "the run was killed in flight"
    );
    let kept = zgc::state::file::read_header(&checkpoint).expect("the checkpoint stays");
    // Resubmitted with the command `sweep status` prints: the run continues from there.
    let status =
        String::from_utf8_lossy(&run_in(d, &["sweep", "status", "long"]).stdout).to_string();
    let resubmit = status
        .lines()
        .find_map(|l| l.strip_prefix("resubmit on SLURM: "))
        .unwrap_or_else(|| panic!("no SLURM resubmission command in:\n{status}"));
    assert!(resubmit.contains("--checkpoint-every 12"), "{resubmit}");
    let (okay, out) = sh(&format!("cd {} && {resubmit}", d.display()));
    assert!(okay, "{resubmit}\n{out}");
    let (array2, merge2) = job_ids(&out);
    wait_gone(&format!("{array2},{merge2}"), Duration::from_secs(180));
    assert!(
        job_state(&merge2).contains("COMPLETED"),
        "merge job {merge2}: {}",
        job_state(&merge2)
    );
    let log = std::fs::read_to_string(ldir.join(format!("logs/array-{array2}_0.out")))
        .unwrap_or_default();
    assert!(
        log.contains(&format!(
            "run 0: continuing from its checkpoint at {}",
            kept.prefix.at
        )),
        "{log}"
    );
    assert!(
        !checkpoint.exists(),
        "a finished run's checkpoint is removed"
    );
    // The same run locally, from the first month: the same bytes.
    ok(&run_in(d, &["sweep", "plan", s, "--out", "local"]));
    ok(&run_in(d, &["sweep", "run", "local", "--quiet"]));
    ok(&run_in(d, &["sweep", "merge", "local"]));
    assert!(
        std::fs::read(ldir.join("merged.csv")).unwrap()
            == std::fs::read(d.join("local/merged.csv")).unwrap(),
        "the resumed run differs from the run from the first month"
    );
}
