"""zgc.run against the CLI for the same run (BENCHMARKS.md, "Python"): the default scenario
at its default scale, alternating CLI and Python so both see the same machine load; prints the
median wall times, their ratio, and the median time to hand the tables to pyarrow.

    target/py-venv/bin/python scripts/bench_python.py [--repeats 5] [--threads 2]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import zgc

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--zgc", default=str(ROOT / "target" / "release" / "zgc"))
    a = ap.parse_args()
    cli, py, hand = [], [], []
    out = Path(tempfile.mkdtemp()) / "run"
    for i in range(a.repeats):
        t = time.perf_counter()
        subprocess.run(
            [a.zgc, "run", "--threads", str(a.threads), "--no-pictures", "--quiet",
             "--out", str(out), "--force"],
            check=True, stdout=subprocess.DEVNULL,
        )
        cli.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = zgc.run(threads=a.threads)
        py.append(time.perf_counter() - t)
        hand.append(r.hand_over_s)
        print(f"repeat {i + 1}: CLI {cli[-1]:.2f} s, zgc.run {py[-1]:.2f} s "
              f"(tables handed over in {1e3 * r.hand_over_s:.1f} ms)", flush=True)
    shutil.rmtree(out.parent, ignore_errors=True)
    c, p = statistics.median(cli), statistics.median(py)
    print(f"median: CLI {c:.2f} s, zgc.run {p:.2f} s, ratio zgc.run/CLI {p / c:.3f}; "
          f"hand-over {1e3 * statistics.median(hand):.1f} ms "
          f"({os.cpu_count()} cores, {a.threads} threads, {a.repeats} repeats)")


if __name__ == "__main__":
    main()
