"""The EMA workbench connector: a zgc scenario as an ``ema_workbench`` model.

>>> from ema_workbench import perform_experiments
>>> m = zgc.ema_model("zgc", uncertainties={"params.startups.base_hazard": (0.002, 0.006)},
...                   outcomes=["startups_alive"], ticks=36, scale=0.002)
>>> experiments, outcomes = perform_experiments(m, 4)

Parameter names are the key paths with ``.`` written ``__`` (EMA wants Python identifiers):
``params.startups.base_hazard`` → ``params__startups__base_hazard``. The model is a picklable
object, so it works with the sequential, multiprocessing and MPI evaluators; in a worker
process each run uses one thread unless ``threads`` says otherwise (so N processes do not
start N × cores threads).
"""

from __future__ import annotations

import multiprocessing
import re
from typing import Any, Mapping, Sequence

import numpy as np

from . import _source, replicate_seed, run, scenario_info

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parameter_name(key: str) -> str:
    """The EMA parameter name of a key path: ``.`` → ``__``; it must be a Python identifier."""
    name = key.replace(".", "__")
    if not _IDENT.match(name):
        raise ValueError(
            f"key path {key!r} does not map to a Python identifier ({name!r}); "
            "key paths are letters, digits and _ separated by dots"
        )
    return name


def _outcome_spec(spec: Any) -> tuple[str, str, str]:
    """(EMA name, indicator, kind) of an outcome: ``"firms"`` (the final month's value) or
    ``("firms", "series")`` (every month, a TimeSeriesOutcome) or ``("firms", "mean")``
    (the mean over the run's months)."""
    if isinstance(spec, str):
        name, kind = spec, "final"
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        name, kind = spec
    else:
        raise TypeError(
            f"outcome {spec!r}: expected an indicator name or (name, 'final'|'mean'|'series')"
        )
    if kind not in ("final", "mean", "series"):
        raise ValueError(f"outcome {spec!r}: kind must be 'final', 'mean' or 'series'")
    ema_name = name if kind == "final" else f"{name}__{kind}"
    return ema_name, name, kind


class ZgcFunction:
    """The callable behind :func:`ema_model`: runs zgc with the experiment's values.

    A plain object (picklable), called as ``f(**experiment)`` by the workbench; returns a
    dict of outcome name → value.
    """

    def __init__(
        self,
        scenario: Any,
        keys: Mapping[str, str],
        outcomes: Sequence[tuple[str, str, str]],
        ticks: int | None,
        scale: float | None,
        threads: int | None,
        default_seed: int,
    ):
        self.source = _source(scenario)
        self.keys = dict(keys)
        self.outcomes = list(outcomes)
        self.ticks = ticks
        self.scale = scale
        self.threads = threads
        self.default_seed = default_seed

    def _threads(self) -> int | None:
        if self.threads is not None:
            return self.threads
        # In a worker process of the multiprocessing evaluator: one thread per run.
        return 1 if multiprocessing.parent_process() is not None else None

    def __call__(self, **experiment: Any) -> dict[str, Any]:
        seed = experiment.pop("seed", self.default_seed)
        params = {self.keys[k]: v for k, v in experiment.items() if k in self.keys}
        kind, text = self.source
        scenario = None if kind == "baseline" else text
        r = run(
            scenario,
            seed=int(seed),
            ticks=self.ticks,
            scale=self.scale,
            threads=self._threads(),
            params=params,
        )
        out: dict[str, Any] = {}
        for ema_name, name, how in self.outcomes:
            col = r.timeseries.column(name).to_numpy(zero_copy_only=False).astype(float)
            if how == "final":
                out[ema_name] = float(col[-1])
            elif how == "mean":
                out[ema_name] = float(np.nanmean(col)) if np.isfinite(col).any() else float("nan")
            else:
                out[ema_name] = col
        return out


def _parameters(spec: Mapping[str, Any] | None) -> list[tuple[str, str, Any]]:
    out = []
    for key, rng in (spec or {}).items():
        out.append((parameter_name(key), key, rng))
    return out


def _ema_parameter(name: str, key: str, rng: Any, what: str) -> Any:
    from ema_workbench import CategoricalParameter, IntegerParameter, RealParameter

    if isinstance(rng, (tuple, list)) and len(rng) == 2:
        lo, hi = rng
        if isinstance(lo, bool) or isinstance(hi, bool):
            return CategoricalParameter(name, [lo, hi])
        if isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)):
            if not lo < hi:
                raise ValueError(f"{what}[{key!r}]: expected low < high, found ({lo}, {hi})")
            return IntegerParameter(name, int(lo), int(hi))
        if isinstance(lo, (int, float, np.number)) and isinstance(hi, (int, float, np.number)):
            if not float(lo) < float(hi):
                raise ValueError(f"{what}[{key!r}]: expected low < high, found ({lo}, {hi})")
            return RealParameter(name, float(lo), float(hi))
    if isinstance(rng, (set, frozenset)) or (isinstance(rng, (tuple, list)) and len(rng) > 2):
        return CategoricalParameter(name, sorted(rng) if isinstance(rng, (set, frozenset)) else list(rng))
    raise TypeError(
        f"{what}[{key!r}]: expected (low, high) for a real or integer range, or a set/list of "
        f"values for a categorical one, found {rng!r}"
    )


def ema_model(
    name: str,
    scenario: Any = None,
    *,
    uncertainties: Mapping[str, Any] | None = None,
    levers: Mapping[str, Any] | None = None,
    outcomes: Sequence[Any] = ("startups_alive",),
    ticks: int | None = None,
    scale: float | None = None,
    replications: int = 1,
    seed: int | None = None,
    threads: int | None = None,
    constants: Mapping[str, Any] | None = None,
) -> Any:
    """An EMA workbench model that runs a zgc scenario.

    Parameters
    ----------
    name
        The model's name (an identifier, as EMA requires).
    scenario
        A path, TOML text, or None for the embedded baseline.
    uncertainties, levers
        Key path → ``(low, high)`` (RealParameter; IntegerParameter when both are ints) or a
        set/list of values (CategoricalParameter).
    outcomes
        Indicator names of ``timeseries.csv``: ``"startups_alive"`` is the final month's value
        (ScalarOutcome); ``("firms", "mean")`` the mean over the run (ScalarOutcome named
        ``firms__mean``); ``("firms", "series")`` every month (TimeSeriesOutcome
        ``firms__series``).
    ticks, scale
        Override the scenario's months and scale for every experiment.
    replications
        Runs per experiment. With more than one the model is a ``ReplicatorModel`` whose
        replication ``k`` runs with ``zgc.replicate_seed(seed, k)`` — the seeds of
        ``zgc compare``'s replicates, so experiments are paired (common random numbers). With
        one, the single run uses ``replicate_seed(seed, 0)``.
    seed
        Master seed (default: the scenario's ``run.seed``).
    threads
        Threads per run (default: all cores in the main process, one in worker processes).
    constants
        Key path → value, fixed for every experiment.
    """
    from ema_workbench import (
        Constant,
        Model,
        ReplicatorModel,
        ScalarOutcome,
        TimeSeriesOutcome,
    )

    if replications < 1:
        raise ValueError(f"replications: expected at least 1, found {replications}")
    unc = _parameters(uncertainties)
    lev = _parameters(levers)
    con = _parameters(constants)
    keys: dict[str, str] = {}
    for n, k, _ in unc + lev + con:
        if n in keys:
            raise ValueError(f"key path {k!r} is given twice")
        keys[n] = k
    # Validate every key path once, at the low ends, before any experiment runs.
    probe = {k: (v[0] if isinstance(v, (tuple, list)) else sorted(v)[0]) for _, k, v in unc + lev}
    probe.update({k: v for _, k, v in con})
    from . import check

    check(scenario, params=probe)
    specs = [_outcome_spec(o) for o in outcomes]
    if not specs:
        raise ValueError("outcomes: name at least one indicator")
    from . import indicators

    known = {
        row["name"]
        for row in indicators().to_pylist()
        if row["table"] == "timeseries"
    }
    for _, ind, _ in specs:
        if ind not in known:
            raise ValueError(
                f"outcome {ind!r} is not a timeseries indicator; zgc.indicators() lists them"
            )
    master = seed if seed is not None else scenario_info(scenario)["seed"]
    fn = ZgcFunction(
        scenario, keys, specs, ticks, scale, threads, replicate_seed(master, 0)
    )
    if replications > 1:
        model = ReplicatorModel(name, function=fn)
        model.replications = [
            {"seed": replicate_seed(master, k)} for k in range(replications)
        ]
    else:
        model = Model(name, function=fn)
    model.uncertainties = [_ema_parameter(n, k, v, "uncertainties") for n, k, v in unc]
    model.levers = [_ema_parameter(n, k, v, "levers") for n, k, v in lev]
    model.constants = [Constant(n, v) for n, _, v in con]
    model.outcomes = [
        TimeSeriesOutcome(n) if how == "series" else ScalarOutcome(n) for n, _, how in specs
    ]
    return model
