"""The Python package (python/, `import zgc`) against the command line and the real tools its
users pair it with: pyarrow, numpy, rasterio, the EMA workbench and SALib from PyPI. Run by
scripts/test.sh in its virtual environment, after `pip install ./python`:

    ZGC=target/release/zgc python -m pytest tests/python

Checks: the tables equal the CLI's CSVs bit for bit; thread counts do not change results; bad
input raises ScenarioError with file, line and key; the GIL is released during a run; Ctrl-C
raises KeyboardInterrupt; a Rust panic becomes an exception; compare equals `zgc compare`;
the EMA connector runs 4 experiments sequentially and with multiprocessing; PRIM runs on an
exported sweep. (SALib against `zgc sweep sobol` is the worked example of docs/python.md, run
by test_docs.py.)
"""

import csv
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import zgc

ROOT = Path(__file__).resolve().parents[2]
ZGC = os.path.abspath(os.environ.get("ZGC", str(ROOT / "target" / "release" / "zgc")))
SMALL = dict(ticks=24, scale=0.002)


def cli(*args, cwd=None):
    out = subprocess.run([ZGC, *args], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, f"zgc {' '.join(args)}: {out.returncode}\n{out.stderr}"
    return out.stdout


def read_csv(path, like):
    """A CLI CSV with the column types of the Python table (empty cells → nulls)."""
    types = {f.name: f.type for f in like.schema}
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))


def assert_tables_identical(a: pa.Table, b: pa.Table):
    assert a.column_names == b.column_names
    assert a.num_rows == b.num_rows
    for name in a.column_names:
        x, y = a.column(name), b.column(name)
        assert x.null_count == y.null_count, name
        if pa.types.is_floating(x.type):
            xs = x.to_numpy(zero_copy_only=False)
            ys = y.to_numpy(zero_copy_only=False)
            # Bit-identical: compare the IEEE 754 bit patterns (nulls are NaN on both sides).
            assert np.array_equal(xs.view(np.int64), ys.view(np.int64)), name
        else:
            assert x.equals(y), name


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same scenario and seed through the CLI and through zgc.run."""
    out = tmp_path_factory.mktemp("py") / "run"
    cli("run", "--seed", "5", "--ticks", "24", "--scale", "0.002", "--quiet", "--out", str(out))
    return out, zgc.run(seed=5, **SMALL)


def test_tables_equal_the_cli_csvs_bit_for_bit(pair):
    folder, r = pair
    for name in ("timeseries", "parks", "regions"):
        table = getattr(r, name)
        assert table.num_rows > 0, name
        assert_tables_identical(table, read_csv(folder / f"{name}.csv", table))
    # The header is the CLI's, column for column.
    with open(folder / "timeseries.csv") as f:
        assert next(csv.reader(f)) == r.timeseries.column_names


def test_summary_and_grids_match_the_run_folder(pair):
    import json

    import rasterio

    folder, r = pair
    cli_summary = json.loads((folder / "summary.json").read_text())
    assert r.summary["final"] == cli_summary["final"]
    for k in ("scenario", "scenario_hash", "seed", "scale", "ticks", "start", "end", "world"):
        assert r.summary["provenance"][k] == cli_summary["provenance"][k], k
    assert r.scenario == "baseline"
    assert set(r.grids) >= {"office_rent", "jobs", "residents", "startups", "commute"}
    for name, arr in r.grids.items():
        with rasterio.open(folder / "grids" / f"{name}.tif") as d:
            band = d.read(1)
            assert arr.shape == band.shape == (d.height, d.width), name
            # The GeoTIFF is float32, north up: the same values, rounded.
            assert np.array_equal(arr.astype(np.float32), band, equal_nan=True), name
            assert d.transform.to_gdal() == pytest.approx(r.grids.transform, abs=1e-6)
            assert d.crs.to_epsg() == 32650 and r.grids.crs == "EPSG:32650"
    assert r.grids.cell_size_m == 500.0


def test_results_do_not_depend_on_the_thread_count():
    runs = [zgc.run(seed=11, threads=t, **SMALL) for t in (1, 2, 4)]
    for other in runs[1:]:
        for name in ("timeseries", "parks", "regions"):
            assert_tables_identical(getattr(runs[0], name), getattr(other, name))
        for g in runs[0].grids:
            assert np.array_equal(runs[0].grids[g], other.grids[g], equal_nan=True)
    assert zgc.run(seed=12, **SMALL).timeseries != runs[0].timeseries


def test_params_set_key_paths_like_a_sweep():
    base = zgc.run(seed=3, **SMALL)
    hi = zgc.run(seed=3, params={"params.startups.base_hazard": 0.02}, **SMALL)
    assert hi.final("startups_alive") < base.final("startups_alive")
    resolved = zgc.check(None, params={"params.startups.base_hazard": 0.02, "run.ticks": 7})
    assert "base_hazard = 0.02" in resolved and "ticks = 7" in resolved
    # An integer for a float parameter is taken; numpy scalars too.
    zgc.check(None, params={"params.startups.base_hazard": np.float64(0.004)})


def test_scenarios_as_path_and_as_toml_text(tmp_path):
    text = textwrap.dedent(
        """\
        extends = "%s"

        [scenario]
        name = "short"

        [run]
        scale = 0.002
        end = "2009-06"
        """
        % (ROOT / "scenarios" / "baseline.toml")
    )
    p = tmp_path / "short.toml"
    p.write_text(text)
    a, b = zgc.run(p), zgc.run(str(p))
    assert a.timeseries.num_rows == 6 and a.scenario == "short"
    assert_tables_identical(a.timeseries, b.timeseries)
    info = zgc.scenario_info(p)
    assert info["ticks"] == 6 and info["scale"] == 0.002 and info["start"] == "2009-01"


def test_a_bad_scenario_raises_scenario_error_with_line_and_key(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[scenario]\nname = "bad"\n\n[params.firms]\ngrowth_rate = "fast"\n')
    with pytest.raises(zgc.ScenarioError) as e:
        zgc.run(p)
    err = e.value
    assert isinstance(err, ValueError)
    assert err.file == str(p) and err.line == 5 and err.column == 15
    assert err.key == "params.firms.growth_rate"
    assert "expected a number" in err.expected
    # The same message as the CLI's.
    out = subprocess.run([ZGC, "check", str(p)], capture_output=True, text=True)
    assert out.returncode == 2 and str(err) in out.stderr
    # TOML text: the file is <string>.
    with pytest.raises(zgc.ScenarioError) as e:
        zgc.check('[scenario]\nname = "x"\n[run]\nscale = 2.0\n')
    assert e.value.file == "<string>" and e.value.line == 4 and e.value.key == "run.scale"
    # A key path the scenario does not have, with a suggestion.
    with pytest.raises(zgc.ScenarioError) as e:
        zgc.run(params={"params.startups.base_hazrd": 0.1}, **SMALL)
    assert e.value.key == "params.startups.base_hazrd" and "base_hazard" in str(e.value)
    with pytest.raises(zgc.ScenarioError):
        zgc.run(scale=1.5)


def test_the_gil_is_released_during_a_run():
    done = threading.Event()

    def work():
        zgc.run(seed=1, ticks=60, scale=0.002, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    time.sleep(0.05)
    spins = 0
    while not done.is_set():
        spins += 1  # pure Python: runs only while the run does not hold the GIL
    t.join()
    assert spins > 100_000, spins


def test_ctrl_c_raises_keyboard_interrupt_at_the_next_month():
    code = textwrap.dedent(
        """
        import sys, time, zgc
        print("start", flush=True)
        t = time.time()
        try:
            zgc.run(scale=0.01, threads=1)
        except KeyboardInterrupt:
            print(f"interrupted after {time.time() - t:.2f} s", flush=True)
            sys.exit(0)
        sys.exit(1)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "start"
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert p.returncode == 0, out
    assert "interrupted after" in out
    # It stopped well before a whole default run (about 5 s of CPU).
    assert float(out.split()[2]) < 4.0, out


def test_a_rust_panic_is_an_exception_not_an_abort():
    with pytest.raises(zgc.InternalError, match="deliberate panic"):
        zgc._zgc._panic_for_test()
    assert isinstance(zgc.InternalError("x"), RuntimeError)
    # The interpreter and the engine still work.
    assert zgc.run(ticks=2, scale=0.002).timeseries.num_rows == 2


def test_catalogues_as_tables():
    pl = zgc.places()
    assert {"place", "park", "district"} <= set(pl.column("layer").to_pylist())
    row = pl.filter(pa.compute.equal(pl.column("name"), "tiananmen")).to_pylist()[0]
    assert row["x_km"] == 0 and row["y_km"] == 0
    assert abs(row["lon"] - 116.3975) < 0.01 and abs(row["lat"] - 39.9087) < 0.01
    d = zgc.defaults()
    keys = d.column("key").to_pylist()
    assert "params.startups.base_hazard" in keys
    tomllib = pytest.importorskip("tomllib")
    resolved = tomllib.loads(zgc.check(None))
    for k in keys:  # every key names a value of the resolved scenario
        v = resolved
        for part in k.split("."):
            v = v[part]
    ind = zgc.indicators()
    names = ind.filter(pa.compute.equal(ind.column("table"), "timeseries")).column("name")
    assert names.to_pylist() == zgc.run(ticks=1, scale=0.002).timeseries.column_names[2:]


def test_compare_equals_the_cli_comparison(tmp_path):
    base = ROOT / "scenarios" / "baseline.toml"
    alt = ROOT / "scenarios" / "hui_plus.toml"
    out = tmp_path / "cmp"
    args = ["--replicates", "2", "--ticks", "14", "--scale", "0.002", "--quiet"]
    cli("compare", str(base), str(alt), *args, "--out", str(out))
    c = zgc.compare(base, alt, replicates=2, ticks=14, scale=0.002)
    assert_tables_identical(c, read_csv(out / "comparison.csv", c))
    assert set(c.column("scenario").to_pylist()) == {"baseline", "hui_plus"}


def test_compare_defaults_to_the_cli_s_replicates():
    import inspect
    import re

    default = inspect.signature(zgc.compare).parameters["replicates"].default
    m = re.search(r"--replicates <REPLICATES>.*?\[default: (\d+)\]", cli("compare", "--help"), re.S)
    assert m, "zgc compare --help names no default replicates"
    assert default == int(m.group(1)) == zgc._zgc.DEFAULT_COMPARE_REPLICATES == 20


def test_ema_connector_sequential_and_multiprocessing():
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

    model = zgc.ema_model(
        "zgctest",
        uncertainties={
            "params.startups.base_hazard": (0.002, 0.008),
            "params.startups.found_rate_tech": (0.0003, 0.0012),
        },
        outcomes=["startups_alive", ("firms", "series")],
        ticks=12,
        scale=0.002,
    )
    assert [u.name for u in model.uncertainties] == [
        "params__startups__base_hazard",
        "params__startups__found_rate_tech",
    ]
    with SequentialEvaluator(model) as ev:
        exp_s, out_s = perform_experiments(model, 4, evaluator=ev)
    assert len(exp_s) == 4 and out_s["startups_alive"].shape == (4,)
    assert out_s["firms__series"].shape == (4, 12)
    # Each experiment is a zgc run with the experiment's values and replicate 0's seed.
    row = exp_s.iloc[0]
    r = zgc.run(
        seed=zgc.replicate_seed(42, 0),
        ticks=12,
        scale=0.002,
        params={
            "params.startups.base_hazard": row["params__startups__base_hazard"],
            "params.startups.found_rate_tech": row["params__startups__found_rate_tech"],
        },
    )
    assert out_s["startups_alive"][0] == r.final("startups_alive")
    with MultiprocessingEvaluator(model, n_processes=2) as ev:
        exp_m, out_m = perform_experiments(model, 4, evaluator=ev)
    assert len(exp_m) == 4 and np.isfinite(out_m["startups_alive"]).all()


def test_ema_replicator_model_uses_zgc_seeds():
    from ema_workbench import ReplicatorModel

    m = zgc.ema_model(
        "zgcrep",
        uncertainties={"params.startups.base_hazard": (0.002, 0.008)},
        outcomes=["startups_alive"],
        replications=3,
        seed=9,
        ticks=3,
        scale=0.002,
    )
    assert isinstance(m, ReplicatorModel)
    assert [dict(r)["seed"] for r in m.replications] == [zgc.replicate_seed(9, k) for k in range(3)]
    with pytest.raises(zgc.ScenarioError):
        zgc.ema_model("bad", uncertainties={"params.nope.x": (0, 1)}, outcomes=["firms"])
    with pytest.raises(ValueError, match="not a timeseries indicator"):
        zgc.ema_model("bad", outcomes=["no_such_indicator"])


def make_prim(prim, x, y):
    """PRIM in binary mode: ema_workbench 3 takes (x, y); 2.5 also wants a threshold."""
    import inspect

    if "threshold" in inspect.signature(prim.Prim).parameters:
        return prim.Prim(x, y, threshold=0.6)
    return prim.Prim(x, y)


@pytest.fixture(scope="module")
def lhs_sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    spec = d / "lhs.toml"
    spec.write_text(
        textwrap.dedent(
            """\
            [sweep]
            name = "lhs_test"
            design = "lhs"
            samples = 24
            replicates = 1
            seed = 3
            [set]
            run.scale = 0.002
            run.ticks = 24
            [record]
            indicators = ["startups_alive", "survival_1y", "firms"]
            when = "yearly"
            [[param]]
            key = "params.startups.base_hazard"
            name = "base_hazard"
            uniform = [0.001, 0.012]
            [[param]]
            key = "params.startups.found_rate_tech"
            name = "found_rate_tech"
            uniform = [0.0003, 0.0012]
            """
        )
    )
    out = d / "plan"
    cli("sweep", "plan", str(spec), "--out", str(out))
    cli("sweep", "run", str(out), "--quiet")
    cli("sweep", "merge", str(out))
    return out


def test_prim_runs_on_an_exported_sweep(lhs_sweep, tmp_path):
    from ema_workbench import load_results
    from ema_workbench.analysis import prim

    experiments, outcomes = zgc.sweep_results(lhs_sweep)
    assert list(experiments.columns[:2]) == ["base_hazard", "found_rate_tech"]
    assert len(experiments) == 24 and outcomes["survival_1y"].shape == (24,)
    y = outcomes["survival_1y"] > np.quantile(outcomes["survival_1y"], 0.7)
    box = make_prim(prim, experiments, y).find_box()
    lims = box.box_lim
    # High one-year survival needs a low hazard: PRIM restricts base_hazard from above.
    assert lims["base_hazard"][1] < 0.012
    series = zgc.sweep_results(lhs_sweep, series=True)[1]
    assert series["firms"].shape == (24, 2)
    archive = tmp_path / "lhs.tar.gz"
    zgc.save_ema_results(lhs_sweep, archive)
    exp2, out2 = load_results(str(archive))
    assert np.array_equal(out2["survival_1y"], outcomes["survival_1y"])
