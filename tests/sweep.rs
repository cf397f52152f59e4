//! `zgc sweep` end to end on tiny worlds: plan, sharded and killed-then-resumed runs merging to
//! the same bytes as one unsharded run, status and its resubmission command, merge refusal and
//! `--partial`, the Parquet table read back, Sobol indices of a real sweep, input errors.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// 3 parameters × 2 levels, 2 replicates = 16 runs of a tiny world.
pub const SMALL_SWEEP: &str = r#"
[sweep]
name = "small"
design = "factorial"
replicates = 2
seed = 9

[set]
run.scale = 0.002
run.ticks = 4

[record]
indicators = ["firms", "startups_alive", "mean_commute_min", "rent_office_core"]
when = "every_tick"

[[param]]
key = "params.startups.found_rate_tech"
values = [0.0004, 0.0009]

[[param]]
key = "params.startups.funding_rate.0"
name = "seed_funding_rate"
range = [0.02, 0.06]
steps = 2

[[param]]
key = "params.incubators.rent_discount.gen2"
values = [0.3, 0.6]
"#;

fn zgc_ok(dir: &Path, args: &[&str]) -> String {
    ok(&run_in(dir, args))
}

fn done_markers(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".done"))
        .count()
}

#[test]
fn sharded_killed_and_resumed_runs_merge_to_the_same_bytes() {
    let dir = tempdir();
    let d = dir.path();
    let sweep = write(d, "small.toml", SMALL_SWEEP);
    let s = sweep.to_str().unwrap();

    // A: one unsharded run on 2 threads.
    let out = zgc_ok(d, &["sweep", "plan", s, "--out", "a"]);
    assert!(out.contains("16 runs"), "{out}");
    let manifest = std::fs::read_to_string(d.join("a/manifest.csv")).unwrap();
    assert!(manifest.starts_with(
        "run,point,replicate,seed,params.startups.found_rate_tech,seed_funding_rate,params.incubators.rent_discount.gen2\n"
    ));
    assert_eq!(manifest.lines().count(), 17);
    zgc_ok(d, &["sweep", "run", "a", "--threads", "2", "--quiet"]);
    let status = zgc_ok(d, &["sweep", "status", "a"]);
    assert!(status.contains("16 done, 0 missing"), "{status}");
    zgc_ok(d, &["sweep", "merge", "a"]);

    // B: shard 2/3 alone, then a run of everything killed mid-way, then shards 0/3 and 1/3
    // on one thread, then a plain resume.
    zgc_ok(d, &["sweep", "plan", s, "--out", "b"]);
    zgc_ok(
        d,
        &[
            "sweep",
            "run",
            "b",
            "--shard",
            "2/3",
            "--threads",
            "1",
            "--quiet",
        ],
    );
    let shard2: Vec<usize> = (0..16).filter(|r| r % 3 == 2).collect();
    assert_eq!(done_markers(&d.join("b")), shard2.len());
    for r in &shard2 {
        assert!(d.join(format!("b/runs/{r}.done")).is_file());
    }
    let mut child = zgc()
        .current_dir(d)
        .args([
            "sweep",
            "run",
            "b",
            "--threads",
            "1",
            "--throttle-ms",
            "300",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while done_markers(&d.join("b")) < shard2.len() + 1 {
        assert!(t0.elapsed() < Duration::from_secs(60), "no run finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = done_markers(&d.join("b"));
    assert!(kept > shard2.len() && kept < 16, "kept {kept}");
    // Every done marker stands beside a whole result.
    for e in std::fs::read_dir(d.join("b/runs")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        if let Some(id) = name.strip_suffix(".done") {
            let csv = std::fs::read_to_string(d.join(format!("b/runs/{id}.csv"))).unwrap();
            assert!(csv.starts_with("tick,date,firms,"), "{csv}");
            assert_eq!(csv.lines().count(), 1 + 4);
        }
    }
    let out = run_in(d, &["sweep", "status", "b"]);
    assert_eq!(out.status.code(), Some(3));
    let status = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        status.contains(&format!("{kept} done, {} missing", 16 - kept)),
        "{status}"
    );
    zgc_ok(
        d,
        &[
            "sweep",
            "run",
            "b",
            "--shard",
            "0/3",
            "--threads",
            "1",
            "--quiet",
        ],
    );
    zgc_ok(
        d,
        &[
            "sweep",
            "run",
            "b",
            "--shard",
            "1/3",
            "--threads",
            "1",
            "--quiet",
        ],
    );
    zgc_ok(d, &["sweep", "run", "b", "--quiet"]);
    zgc_ok(d, &["sweep", "merge", "b"]);

    for f in ["merged.csv", "merged.parquet", "merged.json"] {
        assert!(
            std::fs::read(d.join("a").join(f)).unwrap()
                == std::fs::read(d.join("b").join(f)).unwrap(),
            "{f} differs between the unsharded and the sharded, killed and resumed sweep"
        );
    }
    let merged = std::fs::read_to_string(d.join("a/merged.csv")).unwrap();
    let header = merged.lines().next().unwrap();
    assert_eq!(
        header,
        "run,point,replicate,seed,params.startups.found_rate_tech,seed_funding_rate,params.incubators.rent_discount.gen2,tick,date,firms,startups_alive,mean_commute_min,rent_office_core"
    );
    assert_eq!(merged.lines().count(), 1 + 16 * 4);
    // Sorted by run, then tick.
    let keys: Vec<(usize, usize)> = merged
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[7].parse().unwrap())
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    // The seed column matches the manifest.
    let row = |run: usize| merged.lines().nth(1 + run * 4 + 3).unwrap().to_string();
    let m1: Vec<&str> = manifest.lines().nth(2).unwrap().split(',').collect();
    assert_eq!(row(1).split(',').nth(3).unwrap(), m1[3]);

    // The Parquet table, read back.
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let r = SerializedFileReader::new(std::fs::File::open(d.join("a/merged.parquet")).unwrap())
        .unwrap();
    let meta = r.metadata().file_metadata();
    assert_eq!(meta.num_rows(), 16 * 4);
    let names: Vec<String> = meta
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(names.join(","), header);
    let kv = meta.key_value_metadata().unwrap();
    assert!(kv
        .iter()
        .any(|k| k.key == "zgc.complete" && k.value.as_deref() == Some("true")));
    let last = r.get_row_iter(None).unwrap().last().unwrap().unwrap();
    let fields: Vec<Field> = last.get_column_iter().map(|(_, f)| f.clone()).collect();
    let csv_last: Vec<&str> = merged.lines().last().unwrap().split(',').collect();
    assert_eq!(fields[0], Field::Long(15));
    assert_eq!(fields[4], Field::Double(csv_last[4].parse().unwrap()));
    assert_eq!(fields[8], Field::Str(csv_last[8].to_string()));
    assert_eq!(fields[9], Field::Double(csv_last[9].parse().unwrap()));
}

#[test]
fn status_resubmit_command_merge_refusal_and_partial() {
    let dir = tempdir();
    let d = dir.path();
    let sweep = write(
        d,
        "s.toml",
        &SMALL_SWEEP
            .replace("replicates = 2", "replicates = 1")
            .replace("run.ticks = 4", "run.ticks = 2"),
    );
    zgc_ok(d, &["sweep", "plan", sweep.to_str().unwrap(), "--out", "p"]);
    zgc_ok(d, &["sweep", "run", "p", "--only", "0-2,5", "--quiet"]);
    let out = run_in(d, &["sweep", "status", "p"]);
    assert_eq!(out.status.code(), Some(3));
    let status = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(status.contains("8 runs, 4 done, 4 missing"), "{status}");
    assert!(status.contains("missing runs: 3,4,6,7"), "{status}");
    // merge refuses and names the missing runs.
    let out = run_in(d, &["sweep", "merge", "p"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("runs 3,4,6,7"), "{err}");
    assert!(!d.join("p/merged.csv").exists());
    // --partial merges what is there and says so.
    let out = zgc_ok(d, &["sweep", "merge", "p", "--partial"]);
    assert!(out.contains("PARTIAL"), "{out}");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("p/merged.json")).unwrap()).unwrap();
    assert_eq!(j["complete"], false);
    assert_eq!(j["missing_runs"], "3,4,6,7");
    assert_eq!(
        std::fs::read_to_string(d.join("p/merged.csv"))
            .unwrap()
            .lines()
            .count(),
        1 + 4 * 2
    );
    // The printed command runs exactly the missing runs.
    let cmd = status
        .lines()
        .find_map(|l| l.strip_prefix("resubmit: "))
        .expect("a resubmit line");
    assert!(cmd.ends_with("--only 3,4,6,7"), "{cmd}");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(d)
        .env_remove("RAYON_NUM_THREADS")
        .output()
        .unwrap();
    ok(&o);
    let status = zgc_ok(d, &["sweep", "status", "p"]);
    assert!(status.contains("8 done, 0 missing"), "{status}");
    let out = zgc_ok(d, &["sweep", "merge", "p"]);
    assert!(!out.contains("PARTIAL"), "{out}");
    // Nothing left to do: a second run is a no-op.
    zgc_ok(d, &["sweep", "run", "p", "--quiet"]);
    // slurm scripts without --submit.
    let out = zgc_ok(
        d,
        &[
            "sweep",
            "slurm",
            "p",
            "--tasks",
            "2",
            "--max-running",
            "1",
            "--time",
            "00:05:00",
        ],
    );
    assert!(out.contains("sbatch --dependency=afterany:$j0"), "{out}");
    let script = std::fs::read_to_string(d.join("p/slurm/array.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-1%1"), "{script}");
    assert!(
        script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/2\""),
        "{script}"
    );
    assert!(script.contains("export RAYON_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\""));
}

#[test]
fn sobol_indices_of_a_real_sweep() {
    let dir = tempdir();
    let d = dir.path();
    let sweep = write(
        d,
        "sobol.toml",
        r#"
[sweep]
name = "sobol_tiny"
design = "saltelli"
samples = 4
seed = 3
[set]
run.scale = 0.002
run.ticks = 3
[record]
indicators = ["firms", "startups_born", "rent_office_core"]
[[param]]
key = "params.startups.found_rate_tech"
uniform = [0.0002, 0.002]
[[param]]
key = "params.startups.base_hazard"
uniform = [0.005, 0.03]
[[param]]
key = "params.land.max_rise"
uniform = [0.005, 0.02]
"#,
    );
    zgc_ok(d, &["sweep", "plan", sweep.to_str().unwrap(), "--out", "s"]);
    // Not merged yet: a clear error.
    zgc_ok(d, &["sweep", "run", "s", "--quiet"]);
    let out = run_in(d, &["sweep", "sobol", "s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sweep merge"));
    zgc_ok(d, &["sweep", "merge", "s"]);
    let out = zgc_ok(d, &["sweep", "sobol", "s", "--bootstrap", "200"]);
    assert!(out.contains("S1 [95% CI]"), "{out}");
    assert!(out.contains("params.startups.found_rate_tech"), "{out}");
    let csv = std::fs::read_to_string(d.join("s/sobol.csv")).unwrap();
    assert!(csv.starts_with("indicator,parameter,s1,s1_low,s1_high,st,st_low,st_high\n"));
    assert!(
        csv.contains("\nstartups_born,params.startups.found_rate_tech,"),
        "{csv}"
    );
    let svg = std::fs::read_to_string(d.join("s/sobol/startups_born.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(d.join("s/sobol/startups_born.png").is_file());
    // A factorial sweep has no Sobol indices.
    let f = write(
        d,
        "f.toml",
        &SMALL_SWEEP.replace("run.ticks = 4", "run.ticks = 1"),
    );
    zgc_ok(d, &["sweep", "plan", f.to_str().unwrap(), "--out", "f"]);
    let out = run_in(d, &["sweep", "sobol", "f"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Saltelli"));
}

#[test]
fn bad_sweep_files_exit_2_naming_file_and_key() {
    let dir = tempdir();
    let d = dir.path();
    let cases = [
        (
            SMALL_SWEEP.replace("\"factorial\"", "\"grid\""),
            "`sweep.design`",
        ),
        (
            SMALL_SWEEP.replace(
                "params.startups.found_rate_tech",
                "params.startups.found_rate_tek",
            ),
            "did you mean `params.startups.found_rate_tech`",
        ),
        (
            SMALL_SWEEP.replace("\"firms\"", "\"frims\""),
            "`record.indicators`",
        ),
        (
            SMALL_SWEEP.replace("steps = 2", "steps = 0"),
            "`param[1].steps`",
        ),
        (
            SMALL_SWEEP.replace("seed = 9", "seed = 9\nreplicas = 2"),
            "replicas",
        ),
        (
            SMALL_SWEEP.replace("run.ticks = 4", "run.tics = 4"),
            "`set.run.tics`",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let f = write(d, &format!("bad{i}.toml"), text);
        let out = run_in(
            d,
            &[
                "sweep",
                "plan",
                f.to_str().unwrap(),
                "--out",
                &format!("o{i}"),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("bad{i}.toml")), "{err}");
        assert!(err.contains(want), "wanted {want:?} in {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!d.join(format!("o{i}")).exists());
    }
    // Hostile sweep files: each error names the file, line and column, and the key.
    let hostile = [
        (
            // `design` misplaced under [set]: named where it stands, not "missing field" at 1:1.
            SMALL_SWEEP
                .replace("design = \"factorial\"\n", "")
                .replace("[set]\n", "[set]\ndesign = \"factorial\"\n"),
            "bad_h0.toml:2:1: `sweep.design`: missing `design`; a `design` stands as `set.design` at line 8: move it into `[sweep]`",
        ),
        (
            // Falling levels.
            SMALL_SWEEP.replace("range = [0.02, 0.06]", "range = [0.06, 0.02]"),
            "bad_h1.toml:23:9: `param[1].range`: expected [first, last] with first ≤ last, found [0.06, 0.02]",
        ),
        (
            SMALL_SWEEP.replace("seed = 9", "seed = \"nine\""),
            "bad_h2.toml:6:8: `sweep.seed`: expected a whole number, found \"nine\"",
        ),
        (
            SMALL_SWEEP.replace("seed = 9", "seed = 9\nreplicas = 2"),
            "bad_h3.toml:7:1: `sweep.replicas`: unknown key `replicas` in `[sweep]` (did you mean `replicates`?)",
        ),
        (
            SMALL_SWEEP.replace("\"firms\"", "\"frims\""),
            "bad_h4.toml:13:14: `record.indicators`",
        ),
    ];
    for (i, (text, want)) in hostile.iter().enumerate() {
        let f = write(d, &format!("bad_h{i}.toml"), text);
        let out = run_in(
            d,
            &[
                "sweep",
                "plan",
                f.to_str().unwrap(),
                "--out",
                &format!("h{i}"),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "wanted {want:?} in {err}");
    }
    // Not a plan folder; bad shard.
    let out = run_in(d, &["sweep", "run", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    let f = write(d, "ok.toml", SMALL_SWEEP);
    zgc_ok(d, &["sweep", "plan", f.to_str().unwrap(), "--out", "ok"]);
    let out = run_in(d, &["sweep", "run", "ok", "--shard", "4/4"]);
    assert_eq!(out.status.code(), Some(2));
    // A second plan into the same folder needs --force.
    let out = run_in(d, &["sweep", "plan", f.to_str().unwrap(), "--out", "ok"]);
    assert_eq!(out.status.code(), Some(2));
    zgc_ok(
        d,
        &[
            "sweep",
            "plan",
            f.to_str().unwrap(),
            "--out",
            "ok",
            "--force",
        ],
    );
}

#[test]
fn shipped_sweep_files_plan() {
    let dir = tempdir();
    let sweeps = root().join("scenarios/sweeps");
    let mut n = 0;
    for e in std::fs::read_dir(&sweeps).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            assert!(name.contains("sweep"), "{name}");
            let out = zgc_ok(
                dir.path(),
                &["sweep", "plan", p.to_str().unwrap(), "--out", &name],
            );
            assert!(out.contains("runs"), "{out}");
            n += 1;
        }
    }
    assert!(n >= 1);
}
