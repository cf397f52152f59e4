"""Type stubs of ``zgc._zgc``, the Rust extension module behind the ``zgc`` package.

Scenario sources are ``(kind, text)``: ``("baseline", None)``, ``("path", "/x.toml")`` or
``("toml", "[scenario]\\n…")`` (``zgc._source`` makes them). Tables are returned as
``pyarrow.RecordBatch`` through the Arrow C data interface; the public functions in
``zgc/__init__.py`` wrap them as ``pyarrow.Table``.
"""

from typing import Any

import pyarrow as pa

__version__: str
git_commit: str
DEFAULT_COMPARE_REPLICATES: int

class ScenarioError(ValueError):
    """Bad scenario input. ``file`` is the file (or ``<string>``, ``<embedded baseline>``,
    ``params``), ``line`` and ``column`` are 1-based where known, ``key`` the key path,
    ``expected`` what is wrong and what was expected."""

    file: str
    line: int | None
    column: int | None
    key: str
    expected: str

class InternalError(RuntimeError):
    """A Rust panic inside zgc (a bug), raised as an exception instead of aborting Python."""

def run(
    kind: str,
    text: str | None = None,
    seed: int | None = None,
    ticks: int | None = None,
    scale: float | None = None,
    threads: int | None = None,
    params: list[tuple[str, Any]] = ...,
) -> dict[str, Any]:
    """Run a scenario. Keys: ``timeseries``, ``parks``, ``regions`` (RecordBatch),
    ``summary`` (JSON text), ``grids`` (name → 2-D float64 array, north up), ``grid``
    (``nx``, ``ny``, ``cell_size_m``, ``west_m``, ``north_m``, ``crs``, ``units``),
    ``events`` (list of str), ``hand_over_s`` (seconds spent building the tables)."""

def check(kind: str, text: str | None = None, params: list[tuple[str, Any]] = ...) -> str:
    """The resolved scenario as TOML text; raises ScenarioError."""

def scenario_info(kind: str, text: str | None = None) -> dict[str, Any]:
    """``name``, ``seed``, ``scale``, ``ticks``, ``start`` of a scenario."""

def places(kind: str, text: str | None = None) -> pa.RecordBatch:
    """Places, parks, districts and areas of a scenario's world."""

def defaults() -> pa.RecordBatch:
    """Every parameter with its default, allowed values and meaning."""

def indicators() -> pa.RecordBatch:
    """Every indicator with its table, unit, meaning and aggregation."""

def compare(
    sources: list[tuple[str, str | None]],
    replicates: int = ...,  # DEFAULT_COMPARE_REPLICATES
    seed: int | None = None,
    ticks: int | None = None,
    scale: float | None = None,
    threads: int | None = None,
) -> pa.RecordBatch:
    """The rows of ``comparison.csv`` for the scenarios (base first)."""

def replicate_seed(master: int, k: int) -> int:
    """zgc's common-random-numbers rule: the seed of replicate ``k``."""

def _panic_for_test() -> None:
    """Panics inside a rayon pool (raises InternalError): for the test suite only."""
