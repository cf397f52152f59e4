//! Determinism: one scenario and seed give byte-identical outputs under 1, 2 and 8 threads and
//! on repeated runs; another seed differs.

use crate::common::*;

fn run(
    dir: &std::path::Path,
    scen: &std::path::Path,
    out: &str,
    extra: &[&str],
) -> std::path::PathBuf {
    let mut args = vec!["run", scen.to_str().unwrap(), "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    ok(&run_in(dir, &args));
    dir.join(out)
}

#[test]
fn identical_under_1_2_and_8_threads_and_seed_matters() {
    let dir = tempdir();
    // Long enough to cross a year boundary (compaction) and see births, moves and deaths.
    let scen = write(
        dir.path(),
        "tiny.toml",
        &TINY.replace("ticks = 36", "ticks = 15"),
    );
    let a = run(dir.path(), &scen, "t1", &["--threads", "1"]);
    let b = run(dir.path(), &scen, "t2", &["--threads", "2"]);
    let c = run(dir.path(), &scen, "t8", &["--threads", "8"]);
    let d = run(dir.path(), &scen, "t2again", &["--threads", "2"]);
    for f in DETERMINISTIC_FILES {
        let fa = std::fs::read(a.join(f)).unwrap();
        for other in [&b, &c, &d] {
            assert!(
                fa == std::fs::read(other.join(f)).unwrap(),
                "{f} differs between {} and {}",
                a.display(),
                other.display()
            );
        }
    }
    assert_eq!(summary_core(&a), summary_core(&c));
    let e = run(
        dir.path(),
        &scen,
        "seed2",
        &["--threads", "2", "--seed", "8"],
    );
    assert_ne!(
        std::fs::read(a.join("timeseries.csv")).unwrap(),
        std::fs::read(e.join("timeseries.csv")).unwrap()
    );
}
