"""zgc from Python: the innovation-ecosystem simulator as a library.

The same Rust engine as the ``zgc`` command line runs in-process (no subprocess); tables come
back as :class:`pyarrow.Table` through the Arrow C data interface (``run.timeseries.to_pandas()``
or ``polars.from_arrow(run.timeseries)`` for data frames), grids as numpy arrays.

>>> import zgc
>>> r = zgc.run(ticks=24, scale=0.002)
>>> r.timeseries.num_rows
24

Scenarios are given as a path (``str`` or :class:`os.PathLike`), as TOML text (a ``str`` that
holds a newline or starts with ``[``), or ``None`` for the embedded baseline. ``params`` set
any value of the resolved scenario by key path, as a sweep file's ``[set]`` does:
``{"params.startups.base_hazard": 0.003, "run.ticks": 60}``.

The EMA workbench connector is :func:`zgc.ema_model`; :func:`zgc.sweep_results` reads a
merged ``zgc sweep`` in the workbench's ``(experiments, outcomes)`` layout.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Mapping, Union

import numpy as np
import pyarrow as pa

from . import _zgc
from ._zgc import InternalError, ScenarioError

__version__: str = _zgc.__version__

ScenarioLike = Union[str, "os.PathLike[str]", None]

__all__ = [
    "Grids",
    "InternalError",
    "Run",
    "ScenarioError",
    "check",
    "compare",
    "defaults",
    "ema_model",
    "indicators",
    "places",
    "replicate_seed",
    "run",
    "save_ema_results",
    "scenario_info",
    "sweep_results",
]


def _source(scenario: ScenarioLike) -> tuple[str, str | None]:
    """(kind, text) of a scenario argument: the embedded baseline, a path or TOML text."""
    if scenario is None:
        return ("baseline", None)
    if isinstance(scenario, os.PathLike):
        return ("path", os.fspath(scenario))
    if isinstance(scenario, str):
        if "\n" in scenario or scenario.lstrip().startswith("["):
            return ("toml", scenario)
        return ("path", scenario)
    raise TypeError(
        f"scenario: expected a path, TOML text or None, found {type(scenario).__name__}"
    )


def _params(params: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    if params is None:
        return []
    if not isinstance(params, Mapping):
        raise TypeError(
            "params: expected a dict of key paths to values, e.g. "
            '{"params.startups.base_hazard": 0.003}'
        )
    out = []
    for k, v in params.items():
        if not isinstance(k, str):
            raise TypeError(f"params: keys are key paths (str), found {k!r}")
        if isinstance(v, np.generic):
            v = v.item()
        elif isinstance(v, tuple):
            v = list(v)
        out.append((k, v))
    return out


class Grids(dict):
    """The final state's maps: field name → 2-D ``float64`` array, row 0 = the north edge.

    NaN marks cells without a value. Attributes give the geometry: ``cell_size_m``,
    ``west_m`` and ``north_m`` (the upper-left corner in the CRS, metres), ``crs``
    (``"EPSG:32650"`` for Beijing, or ``None``), ``transform`` (GDAL's six-number geotransform,
    usable as ``rasterio.Affine.from_gdal(*grids.transform)``) and ``units`` (name →
    (title, unit)). The arrays equal the run folder's ``grids/*.tif`` band for band.
    """

    cell_size_m: float
    west_m: float
    north_m: float
    crs: str | None
    units: dict[str, tuple[str, str]]

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """GDAL geotransform: (west, cell, 0, north, 0, −cell)."""
        return (self.west_m, self.cell_size_m, 0.0, self.north_m, 0.0, -self.cell_size_m)

    @property
    def origin(self) -> tuple[float, float]:
        """(west, north): the upper-left corner of the grid in the CRS, metres."""
        return (self.west_m, self.north_m)


class Run:
    """The result of :func:`run`: the tables of a run folder, in memory.

    Attributes
    ----------
    timeseries, parks, regions : pyarrow.Table
        The columns and values of the CLI's ``timeseries.csv``, ``parks.csv`` and
        ``regions.csv`` for the same scenario and seed (floats bit-identical; empty CSV cells
        are nulls).
    summary : dict
        What ``summary.json`` holds: final indicators, provenance, performance.
    grids : Grids
        Final-state maps, name → 2-D numpy array (north up), with cell size and origin.
    events : list[str]
        Policy events, ``"YYYY-MM: text"``.
    hand_over_s : float
        Seconds spent handing the results from the engine to Python (after the last month).
    """

    timeseries: pa.Table
    parks: pa.Table
    regions: pa.Table
    summary: dict[str, Any]
    grids: Grids
    events: list[str]
    hand_over_s: float

    def __init__(self, native: dict[str, Any]):
        t0 = time.perf_counter()
        self.timeseries = pa.Table.from_batches([native["timeseries"]])
        self.parks = pa.Table.from_batches([native["parks"]])
        self.regions = pa.Table.from_batches([native["regions"]])
        self.summary = json.loads(native["summary"])
        g = native["grid"]
        self.grids = Grids(native["grids"])
        self.grids.cell_size_m = g["cell_size_m"]
        self.grids.west_m = g["west_m"]
        self.grids.north_m = g["north_m"]
        self.grids.crs = g["crs"]
        self.grids.units = dict(g["units"])
        self.events = list(native["events"])
        # Building the Arrow tables and arrays in Rust, then wrapping them here.
        self.hand_over_s = native["hand_over_s"] + (time.perf_counter() - t0)

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self.summary["provenance"]["scenario"]

    def final(self, indicator: str) -> float | None:
        """The last month's value of a ``timeseries`` indicator (None where undefined)."""
        if indicator not in self.timeseries.column_names:
            raise KeyError(
                f"{indicator!r} is not a timeseries indicator; zgc.indicators() lists them"
            )
        col = self.timeseries.column(indicator)
        return col[len(col) - 1].as_py() if len(col) else None

    def __repr__(self) -> str:
        p = self.summary.get("provenance", {})
        return (
            f"<zgc.Run {p.get('scenario')!r}: {self.timeseries.num_rows} months from "
            f"{self.timeseries.column('date')[0].as_py() if self.timeseries.num_rows else '-'}, "
            f"seed {p.get('seed')}, scale {p.get('scale')}>"
        )


def run(
    scenario: ScenarioLike = None,
    *,
    seed: int | None = None,
    ticks: int | None = None,
    scale: float | None = None,
    threads: int | None = None,
    params: Mapping[str, Any] | None = None,
) -> Run:
    """Run a scenario and return its tables.

    Parameters
    ----------
    scenario
        A path, TOML text, or None for the embedded baseline (Beijing 2009-01 … 2028-12).
    seed, ticks, scale
        Override the scenario's ``run.seed``, number of months and ``run.scale``.
    threads
        Worker threads (default: all cores, or ``RAYON_NUM_THREADS``). Results are
        byte-identical under any thread count.
    params
        Key paths to values, set in the resolved scenario before it runs (as a sweep's
        ``[set]``): ``{"params.startups.base_hazard": 0.003, "policy.0.share": 0.3}``.

    The GIL is released while the model runs, so other Python threads go on. Ctrl-C raises
    :class:`KeyboardInterrupt` after the current month. Bad input raises
    :class:`ScenarioError`; a run that would not fit in memory is refused before it starts.
    """
    return Run(
        _zgc.run(
            *_source(scenario),
            seed=seed,
            ticks=ticks,
            scale=scale,
            threads=threads,
            params=_params(params),
        )
    )


def check(scenario: ScenarioLike, *, params: Mapping[str, Any] | None = None) -> str:
    """Validate a scenario; return it resolved (every default filled in) as TOML text.

    Raises :class:`ScenarioError` (a :class:`ValueError`) with ``.file``, ``.line``,
    ``.column``, ``.key`` and ``.expected`` on bad input.
    """
    return _zgc.check(*_source(scenario), params=_params(params))


def scenario_info(scenario: ScenarioLike = None) -> dict[str, Any]:
    """A scenario's run settings: ``name``, ``seed``, ``scale``, ``ticks``, ``start``."""
    return dict(_zgc.scenario_info(*_source(scenario)))


def places(scenario: ScenarioLike = None) -> pa.Table:
    """The named places, parks, districts and areas a policy region can use.

    Columns: ``layer`` (place, park, district, area), ``name``, ``kind``, ``x_km``, ``y_km``,
    ``lon``, ``lat`` (WGS 84), ``radius_km``, ``cells``, ``area_km2``, ``label``.
    """
    return pa.Table.from_batches([_zgc.places(*_source(scenario))])


def defaults() -> pa.Table:
    """Every model parameter: ``key`` (a key path for ``params``), ``section``,
    ``parameter``, ``default``, ``allowed``, ``meaning``."""
    return pa.Table.from_batches([_zgc.defaults()])


def indicators() -> pa.Table:
    """Every indicator: ``table`` (timeseries, regions, parks), ``name``, ``unit``,
    ``meaning``, ``aggregation`` (how compare turns months into a year)."""
    return pa.Table.from_batches([_zgc.indicators()])


def compare(
    base: ScenarioLike,
    *alternatives: ScenarioLike,
    replicates: int = _zgc.DEFAULT_COMPARE_REPLICATES,
    ticks: int | None = None,
    threads: int | None = None,
    seed: int | None = None,
    scale: float | None = None,
) -> pa.Table:
    """Compare alternatives with a base scenario over replicate runs, as ``zgc compare``.

    Replicate ``k`` of every scenario runs with seed ``replicate_seed(seed, k)`` (common
    random numbers); seed, scale and ticks default to the base scenario's. Returns the rows
    and columns of ``comparison.csv``: per metric (``scope``, ``indicator``), scenario and
    reporting period, the replicate mean with its 95% interval and, for alternatives, the
    paired difference against the base with its interval (``diff_excludes_zero``).
    Whole runs go side by side on ``threads`` threads (default: all cores).
    """
    if not alternatives:
        raise TypeError("compare(base, *alternatives): give at least one alternative")
    sources = [_source(s) for s in (base, *alternatives)]
    return pa.Table.from_batches(
        [
            _zgc.compare(
                sources,
                replicates=replicates,
                seed=seed,
                ticks=ticks,
                scale=scale,
                threads=threads,
            )
        ]
    )


def replicate_seed(master: int, k: int) -> int:
    """The seed of replicate ``k`` under ``master``: zgc's common-random-numbers rule, the
    seeds of ``zgc compare``'s replicates and of :func:`ema_model`'s replications."""
    return _zgc.replicate_seed(master, k)


def ema_model(*args: Any, **kwargs: Any) -> Any:
    """An EMA workbench model of a zgc scenario; see :func:`zgc.ema.ema_model`."""
    from .ema import ema_model as _ema_model

    return _ema_model(*args, **kwargs)


def sweep_results(*args: Any, **kwargs: Any) -> Any:
    """A merged sweep as EMA's ``(experiments, outcomes)``; see :func:`zgc.sweep.sweep_results`."""
    from .sweep import sweep_results as _sweep_results

    return _sweep_results(*args, **kwargs)


def save_ema_results(*args: Any, **kwargs: Any) -> Any:
    """Write a merged sweep as an EMA results archive; see :func:`zgc.sweep.save_ema_results`."""
    from .sweep import save_ema_results as _save

    return _save(*args, **kwargs)



# Submodules as attributes (`zgc.sweep.salib_problem`); neither imports the workbench until used.
from . import ema, sweep  # noqa: E402
