"""A merged ``zgc sweep`` in the EMA workbench's ``(experiments, outcomes)`` layout, so that
``ema_workbench.analysis.prim.Prim`` (or feature scoring, dimensional stacking, …) runs on it
with no glue code:

>>> experiments, outcomes = zgc.sweep_results("results/my_sweep")
>>> prim = Prim(experiments, outcomes["survival_5y"] > 0.5, threshold=0.8)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

_META = ("run", "point", "replicate", "seed", "tick", "date")


def _read(folder: Path) -> tuple[pa.Table, dict[str, Any], dict[str, Any]]:
    merged = folder / "merged.csv"
    if not merged.is_file():
        raise FileNotFoundError(
            f"{merged} does not exist: run `zgc sweep merge {folder}` first"
        )
    plan = json.loads((folder / "plan.json").read_text())
    meta = json.loads((folder / "merged.json").read_text())
    param_cols = [p["column"] for p in plan["params"]]
    types = {c: pa.float64() for c in param_cols}
    types.update({"run": pa.int64(), "point": pa.int64(), "replicate": pa.int64(),
                  "seed": pa.int64(), "tick": pa.int64(), "date": pa.string()})
    for c in meta["columns"]:
        types.setdefault(c, pa.float64())
    # Categorical parameters stay text.
    for i, p in enumerate(plan["params"]):
        if any(isinstance(pt[i], (str, bool)) for pt in plan["points"]):
            types[p["column"]] = pa.string()
    table = pacsv.read_csv(merged, convert_options=pacsv.ConvertOptions(column_types=types))
    return table, plan, meta


def sweep_results(
    folder: str | os.PathLike[str],
    *,
    tick: int | None = None,
    series: bool = False,
) -> tuple[Any, dict[str, np.ndarray]]:
    """Read a merged sweep as EMA's results tuple ``(experiments, outcomes)``.

    ``experiments`` is a pandas DataFrame with one row per run: the swept parameters (the
    columns named in the sweep file), then ``scenario`` (the design point), ``policy`` and
    ``model`` (the sweep's name), as ``perform_experiments`` returns them. ``outcomes`` maps
    each recorded indicator to a numpy array: one value per run — at ``tick`` if given, else
    the last tick each run recorded — or, with ``series=True``, every recorded tick
    (shape ``(runs, ticks)``, as a TimeSeriesOutcome). Runs are in run-id order.
    """
    import pandas as pd

    folder = Path(folder)
    table, plan, meta = _read(folder)
    df = table.to_pandas()
    param_cols = [p["column"] for p in plan["params"]]
    indicators = [c for c in meta["columns"] if c not in _META and c not in param_cols]
    df = df.sort_values(["run", "tick"], kind="stable")
    runs = df.groupby("run", sort=True)
    if tick is not None:
        at = df[df["tick"] == tick]
        if at["run"].nunique() != runs.ngroups:
            ticks = sorted(df["tick"].unique())
            raise ValueError(f"tick {tick} was not recorded for every run; recorded: {ticks}")
        rows = at.drop_duplicates("run", keep="last")
    else:
        rows = runs.tail(1)
    rows = rows.sort_values("run").reset_index(drop=True)
    experiments = rows[param_cols].copy()
    experiments["scenario"] = rows["point"].astype(int)
    experiments["policy"] = pd.Categorical(["none"] * len(rows))
    experiments["model"] = pd.Categorical([meta.get("sweep", plan.get("name", "zgc"))] * len(rows))
    outcomes: dict[str, np.ndarray] = {}
    if series:
        wide_ticks = sorted(df["tick"].unique())
        for ind in indicators:
            w = df.pivot(index="run", columns="tick", values=ind).reindex(columns=wide_ticks)
            outcomes[ind] = w.to_numpy(dtype=float)
        outcomes["TIME"] = np.tile(np.asarray(wide_ticks, dtype=float), (len(rows), 1))
    else:
        for ind in indicators:
            outcomes[ind] = rows[ind].to_numpy(dtype=float)
    return experiments, outcomes


def save_ema_results(
    folder: str | os.PathLike[str],
    file_name: str | os.PathLike[str],
    **kwargs: Any,
) -> None:
    """Write a merged sweep as an EMA results archive (``.tar.gz``) that
    ``ema_workbench.load_results`` reads; ``kwargs`` go to :func:`sweep_results`."""
    from ema_workbench import ScalarOutcome, TimeSeriesOutcome, save_results

    experiments, outcomes = sweep_results(folder, **kwargs)
    # The workbench writes each outcome with the kind it was declared as.
    for name, values in outcomes.items():
        (ScalarOutcome if np.ndim(values) == 1 else TimeSeriesOutcome)(name)
    save_results((experiments, outcomes), os.fspath(file_name))


def salib_problem(
    folder: str | os.PathLike[str],
    indicator: str,
    *,
    tick: int | None = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """A merged Saltelli sweep as SALib's ``(problem, Y)``, for ``SALib.analyze.sobol``.

    zgc's Saltelli design orders each base sample's rows A, B, AB_1 … AB_k; SALib expects
    A, AB_1 … AB_k, B (``calc_second_order=False``). ``Y`` is reordered accordingly, each
    point's value the mean of its replicates (as ``zgc sweep sobol`` does), at ``tick`` or
    each run's last recorded tick. ``problem["bounds"]`` are the parameters' ranges
    (``SALib.analyze.sobol`` uses only ``num_vars`` and ``names``)::

        problem, Y = zgc.sweep.salib_problem("results/sobol_sweep", "startups_alive")
        Si = SALib.analyze.sobol.analyze(problem, Y, calc_second_order=False)
    """
    folder = Path(folder)
    plan = json.loads((folder / "plan.json").read_text())
    if plan.get("design") != "saltelli":
        raise ValueError(f"{folder} is a {plan.get('design')!r} sweep, not a Saltelli one")
    experiments, outcomes = sweep_results(folder, tick=tick)
    if indicator not in outcomes:
        raise KeyError(f"{indicator!r} was not recorded; recorded: {sorted(outcomes)}")
    k = len(plan["params"])
    n_points = len(plan["points"])
    if n_points % (k + 2):
        raise ValueError(f"{n_points} points is not a multiple of k + 2 = {k + 2}")
    per_point = (
        experiments.assign(_y=outcomes[indicator]).groupby("scenario")["_y"].mean()
    )
    y = per_point.reindex(range(n_points)).to_numpy(dtype=float)
    blocks = y.reshape(-1, k + 2)
    # zgc: A, B, AB_1..AB_k  →  SALib: A, AB_1..AB_k, B
    salib = np.concatenate([blocks[:, :1], blocks[:, 2:], blocks[:, 1:2]], axis=1)

    def bounds(p: dict[str, Any]) -> list[float]:
        v = p["values"]
        for form in ("uniform", "log_uniform", "range", "integer"):
            if form in v:
                r = v[form]
                lo, hi = (r["lo"], r["hi"]) if isinstance(r, dict) else r[:2]
                return [float(lo), float(hi)]
        vals = v.get("list", [0.0, 1.0])
        return [float(min(vals)), float(max(vals))]

    problem = {
        "num_vars": k,
        "names": [p["column"] for p in plan["params"]],
        "bounds": [bounds(p) for p in plan["params"]],
    }
    return problem, salib.reshape(-1)
