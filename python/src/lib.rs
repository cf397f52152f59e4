//! `zgc._zgc`: the Python extension module of zgc (PyO3, abi3). It calls the same library crate
//! as the command line — no subprocess — and hands tables to pyarrow through the Arrow C data
//! interface and grids to numpy. The public Python API (`zgc.run`, `zgc.Run`, …) is the pure
//! Python layer in `python/zgc/`; this module is its engine.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_pyarrow::ToPyArrow;
use arrow_schema::{Field, Schema};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use zgc::compare::Comparison;
use zgc::metrics::{INDICATORS, PARK_INDICATORS, REGION_INDICATORS};
use zgc::output::{self, PARK_HEADER, REGION_HEADER};
use zgc::runner::collect::{compare_runs, run_collect, CompareRunError, CompareSettings};
use zgc::runner::Overrides;
use zgc::scenario::Scenario;

create_exception!(
    _zgc,
    ScenarioError,
    PyValueError,
    "Bad scenario input: `.file`, `.line`, `.column`, `.key` and `.expected` say where and what."
);
create_exception!(
    _zgc,
    InternalError,
    PyRuntimeError,
    "A bug in zgc (a Rust panic), caught so that the interpreter keeps running; please report it."
);

/// Where a scenario comes from.
enum Source {
    Baseline,
    Path(PathBuf),
    Text(String),
}

impl Source {
    fn of(kind: &str, text: Option<String>) -> PyResult<Source> {
        match (kind, text) {
            ("baseline", _) => Ok(Source::Baseline),
            ("path", Some(t)) => Ok(Source::Path(PathBuf::from(t))),
            ("toml", Some(t)) => Ok(Source::Text(t)),
            (k, _) => Err(PyValueError::new_err(format!(
                "scenario kind {k:?} needs its text (internal)"
            ))),
        }
    }
}

/// A zgc scenario error as a Python `ScenarioError` with its parts as attributes.
fn scenario_error(py: Python<'_>, e: &zgc::scenario::ScenarioError) -> PyErr {
    let err = ScenarioError::new_err(e.to_string());
    let v = err.value(py);
    let (line, column) = match e.pos {
        Some(p) => (Some(p.line), Some(p.column)),
        None => (None, None),
    };
    let _ = v.setattr("file", e.file.clone());
    let _ = v.setattr("line", line);
    let _ = v.setattr("column", column);
    let _ = v.setattr("key", e.key.clone());
    let _ = v.setattr("expected", e.message.clone());
    err
}

/// A Python value of a `params` dict as TOML.
fn toml_value(v: &Bound<'_, PyAny>, key: &str) -> PyResult<toml::Value> {
    if let Ok(b) = v.cast::<pyo3::types::PyBool>() {
        return Ok(toml::Value::Boolean(b.is_true()));
    }
    if let Ok(i) = v.extract::<i64>() {
        if v.is_instance_of::<pyo3::types::PyInt>() {
            return Ok(toml::Value::Integer(i));
        }
    }
    if let Ok(f) = v.extract::<f64>() {
        return Ok(toml::Value::Float(f));
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(toml::Value::String(s));
    }
    if let Ok(list) = v.cast::<PyList>() {
        return list
            .iter()
            .map(|x| toml_value(&x, key))
            .collect::<PyResult<Vec<_>>>()
            .map(toml::Value::Array);
    }
    Err(PyValueError::new_err(format!(
        "params[{key:?}]: expected a number, a bool, a string or a list of them, found {}",
        v.get_type().name()?
    )))
}

/// Load a scenario and set the `params` key paths in it (as a sweep's `[set]` does).
fn load(py: Python<'_>, src: &Source, params: &[(String, toml::Value)]) -> PyResult<Scenario> {
    let loaded = match src {
        Source::Baseline => Ok(Scenario::baseline()),
        Source::Path(p) => Scenario::load(p),
        Source::Text(t) => Scenario::from_str(t, "<string>", None),
    }
    .map_err(|e| scenario_error(py, &e))?;
    if params.is_empty() {
        return Ok(loaded);
    }
    let base: toml::Value = toml::from_str(&loaded.resolved_toml())
        .map_err(|e| InternalError::new_err(format!("resolved scenario: {e}")))?;
    zgc::sweep::plan::resolve_with(
        base,
        loaded.label(),
        loaded.source.clone(),
        params,
        "params",
        "",
        "zgc.check(scenario) prints them",
    )
    .map(|(s, _)| s)
    .map_err(|e| scenario_error(py, &e))
}

fn params_of(params: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<Vec<(String, toml::Value)>> {
    params
        .into_iter()
        .map(|(k, v)| toml_value(&v, &k).map(|t| (k, t)))
        .collect()
}

fn pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    if let Some(n) = threads {
        if !(1..=1024).contains(&n) {
            return Err(PyValueError::new_err(format!(
                "threads: expected 1 to 1024, found {n}"
            )));
        }
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start threads: {e}")))
}

/// Run `work` on its own thread with the GIL released; every 20 ms look for signals (Ctrl-C
/// raises `KeyboardInterrupt` here), and on one set `stop`, so the work ends at its next
/// month. A panic in `work` becomes an `InternalError`.
fn interruptible<T: Send>(
    py: Python<'_>,
    stop: &AtomicBool,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    let mut signal: Option<PyErr> = None;
    let joined = std::thread::scope(|s| {
        let handle = s.spawn(move || std::panic::catch_unwind(AssertUnwindSafe(work)));
        while !handle.is_finished() {
            py.detach(|| std::thread::sleep(Duration::from_millis(20)));
            if signal.is_none() {
                if let Err(e) = py.check_signals() {
                    stop.store(true, Ordering::SeqCst);
                    signal = Some(e);
                }
            }
        }
        handle.join()
    });
    if let Some(e) = signal {
        return Err(e);
    }
    match joined {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(payload)) | Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(InternalError::new_err(format!(
                "zgc failed internally (a Rust panic: {what}); this is a bug, please report it with the scenario"
            )))
        }
    }
}

fn f64_col(v: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(
        v.into_iter()
            .map(|x| x.is_finite().then_some(x))
            .collect::<Float64Array>(),
    )
}

fn opt_f64_col(v: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(
        v.into_iter()
            .map(|x| x.filter(|x| x.is_finite()))
            .collect::<Float64Array>(),
    )
}

fn i64_col(v: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(v.into_iter().collect::<Int64Array>())
}

fn str_col<S: AsRef<str>>(v: impl IntoIterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(v.into_iter().collect::<StringArray>())
}

/// A record batch from named columns (types taken from the arrays, nullable).
fn batch(cols: Vec<(&str, ArrayRef)>) -> PyResult<RecordBatch> {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| InternalError::new_err(format!("building a table: {e}")))
}

fn to_py(py: Python<'_>, b: &RecordBatch) -> PyResult<Py<PyAny>> {
    Ok(b.to_pyarrow(py)?.unbind())
}

/// The tables of a run as record batches with the columns of the CLI's CSV files.
fn run_batches(t: &zgc::runner::collect::RunTables) -> PyResult<[RecordBatch; 3]> {
    let header = output::timeseries_header();
    let mut ts: Vec<(&str, ArrayRef)> = vec![
        (
            header[0],
            i64_col(t.rows.iter().map(|r| Some(r.tick as i64))),
        ),
        (header[1], str_col(t.rows.iter().map(|r| Some(&r.date)))),
    ];
    for (k, ind) in INDICATORS.iter().enumerate() {
        ts.push((ind.name, f64_col(t.rows.iter().map(|r| r.values[k]))));
    }
    let pn: Vec<[f64; 13]> = t.parks.iter().map(output::park_numbers).collect();
    let mut parks: Vec<(&str, ArrayRef)> = vec![
        (
            PARK_HEADER[0],
            i64_col(t.parks.iter().map(|p| Some(p.year as i64))),
        ),
        (
            PARK_HEADER[1],
            i64_col(t.parks.iter().map(|p| Some(p.months as i64))),
        ),
        (
            PARK_HEADER[2],
            str_col(t.parks.iter().map(|p| Some(&p.park))),
        ),
    ];
    for (k, name) in PARK_HEADER[3..].iter().enumerate() {
        parks.push((name, f64_col(pn.iter().map(|v| v[k]))));
    }
    let rv: Vec<_> = t.regions.iter().map(|r| r.values()).collect();
    let mut regions: Vec<(&str, ArrayRef)> = vec![
        (
            REGION_HEADER[0],
            i64_col(t.regions.iter().map(|r| Some(r.tick as i64))),
        ),
        (
            REGION_HEADER[1],
            str_col(t.regions.iter().map(|r| Some(&r.date))),
        ),
        (
            REGION_HEADER[2],
            str_col(t.regions.iter().map(|r| Some(&r.region))),
        ),
    ];
    for (k, name) in REGION_HEADER[3..].iter().enumerate() {
        regions.push((name, f64_col(rv.iter().map(|v| v[k]))));
    }
    Ok([batch(ts)?, batch(parks)?, batch(regions)?])
}

/// Run a scenario; returns a dict with `timeseries`, `parks`, `regions` (pyarrow record
/// batches), `summary` (JSON text as `summary.json`), `grids` (name → 2-D float64 array,
/// north up), `grid` (geometry), `events`, `hand_over_s`.
#[pyfunction]
#[pyo3(signature = (kind, text=None, seed=None, ticks=None, scale=None, threads=None, params=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    kind: &str,
    text: Option<String>,
    seed: Option<u64>,
    ticks: Option<u32>,
    scale: Option<f64>,
    threads: Option<usize>,
    params: Vec<(String, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let wall = Instant::now();
    let src = Source::of(kind, text)?;
    let params = params_of(params)?;
    let scenario = load(py, &src, &params)?;
    let overrides = Overrides {
        seed,
        ticks,
        scale,
        memory_limit: zgc::limits::detect_memory_limit(),
    };
    let pool = pool(threads)?;
    let n_threads = pool.current_num_threads();
    let stop = AtomicBool::new(false);
    let result = interruptible(py, &stop, || {
        pool.install(|| run_collect(&scenario, &overrides, &|| !stop.load(Ordering::SeqCst)))
    })?;
    let c = result.map_err(|e| scenario_error(py, &e))?;
    if !c.complete {
        return Err(PyRuntimeError::new_err(format!(
            "the run stopped at tick {} of {}",
            c.outcome.sim.tick, c.outcome.ticks
        )));
    }
    let handed = Instant::now();
    let out = PyDict::new(py);
    let [ts, parks, regions] = run_batches(&c.tables)?;
    out.set_item("timeseries", to_py(py, &ts)?)?;
    out.set_item("parks", to_py(py, &parks)?)?;
    out.set_item("regions", to_py(py, &regions)?)?;
    let summary = zgc::output::run_folder::summary_json(
        &scenario,
        &c.outcome,
        c.tables.rows.last(),
        n_threads,
        wall.elapsed().as_secs_f64(),
        &c.tables.events,
    );
    out.set_item("summary", summary.to_string())?;
    let world = &c.outcome.sim.world;
    let g = world.grid;
    let grids = PyDict::new(py);
    let units = PyDict::new(py);
    for f in output::grids::fields(world) {
        // Row 0 of the model is the south edge; numpy's row 0 is the north edge.
        let mut v = Vec::with_capacity(f.values.len());
        for r in (0..g.ny).rev() {
            v.extend_from_slice(&f.values[r * g.nx..(r + 1) * g.nx]);
        }
        let arr = PyArray1::from_vec(py, v).reshape([g.ny, g.nx])?;
        grids.set_item(f.name, arr)?;
        units.set_item(f.name, (f.title, f.unit))?;
    }
    out.set_item("grids", grids)?;
    let geo = PyDict::new(py);
    geo.set_item("nx", g.nx)?;
    geo.set_item("ny", g.ny)?;
    geo.set_item("cell_size_m", g.cell_km * 1000.0)?;
    let (ox, oy, crs) = match world.georef {
        Some(r) => (r.origin_m.0, r.origin_m.1, Some(format!("EPSG:{}", r.epsg))),
        None => (0.0, 0.0, None),
    };
    geo.set_item("west_m", ox + g.x0_km * 1000.0)?;
    geo.set_item("north_m", oy + g.y1_km() * 1000.0)?;
    geo.set_item("crs", crs)?;
    geo.set_item("units", units)?;
    out.set_item("grid", geo)?;
    out.set_item("events", c.tables.events.clone())?;
    out.set_item("hand_over_s", handed.elapsed().as_secs_f64())?;
    Ok(out)
}

/// Validate a scenario and return it resolved (every default filled in) as TOML text.
#[pyfunction]
#[pyo3(signature = (kind, text=None, params=Vec::new()))]
fn check<'py>(
    py: Python<'py>,
    kind: &str,
    text: Option<String>,
    params: Vec<(String, Bound<'py, PyAny>)>,
) -> PyResult<String> {
    let src = Source::of(kind, text)?;
    let params = params_of(params)?;
    Ok(load(py, &src, &params)?.resolved_toml())
}

/// The named places, parks, districts and areas of a scenario's world.
#[pyfunction]
#[pyo3(signature = (kind, text=None))]
fn places(py: Python<'_>, kind: &str, text: Option<String>) -> PyResult<Py<PyAny>> {
    let src = Source::of(kind, text)?;
    let s = load(py, &src, &[])?;
    let l = s.layers().map_err(|e| scenario_error(py, &e))?;
    let g = &l.grid;
    let lonlat = |x: f64, y: f64| l.georef.map(|geo| geo.to_lonlat(x, y));
    let mut layer = Vec::new();
    let mut name = Vec::new();
    let mut kind_ = Vec::new();
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut lon = Vec::new();
    let mut lat = Vec::new();
    let mut radius = Vec::new();
    let mut cells = Vec::new();
    let mut area = Vec::new();
    let mut label = Vec::new();
    for p in &l.places {
        layer.push(Some("place".to_string()));
        name.push(Some(p.name.clone()));
        kind_.push(
            serde_json::to_value(p.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from)),
        );
        x.push(Some(p.x_km));
        y.push(Some(p.y_km));
        let ll = lonlat(p.x_km, p.y_km);
        lon.push(ll.map(|v| v.0));
        lat.push(ll.map(|v| v.1));
        radius.push(Some(p.radius_km));
        cells.push(None);
        area.push(None);
        label.push(Some(p.label.clone()));
    }
    for (what, areas) in [
        ("park", &l.parks),
        ("district", &l.districts),
        ("area", &l.areas),
    ] {
        for a in areas {
            layer.push(Some(what.to_string()));
            name.push(Some(a.name.clone()));
            kind_.push(None);
            x.push(None);
            y.push(None);
            lon.push(None);
            lat.push(None);
            radius.push(None);
            cells.push(Some(a.cells.len() as i64));
            area.push(Some(a.area_km2(g)));
            label.push(Some(a.label.clone()));
        }
    }
    let b = batch(vec![
        ("layer", str_col(layer)),
        ("name", str_col(name)),
        ("kind", str_col(kind_)),
        ("x_km", opt_f64_col(x)),
        ("y_km", opt_f64_col(y)),
        ("lon", opt_f64_col(lon)),
        ("lat", opt_f64_col(lat)),
        ("radius_km", opt_f64_col(radius)),
        ("cells", i64_col(cells)),
        ("area_km2", opt_f64_col(area)),
        ("label", str_col(label)),
    ])?;
    to_py(py, &b)
}

/// Every model parameter with its default, allowed values and meaning.
#[pyfunction]
fn defaults(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let d = zgc::scenario::params_schema::param_docs();
    let b = batch(vec![
        (
            "key",
            str_col(
                d.iter()
                    .map(|r| Some(format!("params.{}.{}", r.section, r.field))),
            ),
        ),
        ("section", str_col(d.iter().map(|r| Some(&r.section)))),
        ("parameter", str_col(d.iter().map(|r| Some(&r.field)))),
        ("default", str_col(d.iter().map(|r| Some(&r.default)))),
        ("allowed", str_col(d.iter().map(|r| Some(&r.allowed)))),
        ("meaning", str_col(d.iter().map(|r| Some(&r.meaning)))),
    ])?;
    to_py(py, &b)
}

/// Every indicator: the table it is a column of, name, unit, meaning and aggregation.
#[pyfunction]
fn indicators(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let all: Vec<(&str, &zgc::metrics::Indicator)> = INDICATORS
        .iter()
        .map(|i| ("timeseries", i))
        .chain(REGION_INDICATORS.iter().map(|i| ("regions", i)))
        .chain(PARK_INDICATORS.iter().map(|i| ("parks", i)))
        .collect();
    let b = batch(vec![
        ("table", str_col(all.iter().map(|(t, _)| Some(*t)))),
        ("name", str_col(all.iter().map(|(_, i)| Some(i.name)))),
        ("unit", str_col(all.iter().map(|(_, i)| Some(i.unit)))),
        (
            "meaning",
            str_col(all.iter().map(|(_, i)| Some(i.description))),
        ),
        (
            "aggregation",
            str_col(all.iter().map(|(_, i)| Some(i.aggregation.name()))),
        ),
    ])?;
    to_py(py, &b)
}

/// The comparison table, with the columns and rows of `comparison.csv`.
fn comparison_batch(c: &Comparison) -> PyResult<RecordBatch> {
    let mut rows = Vec::new();
    for m in 0..c.metrics.len() {
        for s in 0..c.scenarios.len() {
            for p in 0..c.periods.len() {
                rows.push((m, s, p, c.stat(m, s, p)));
            }
        }
    }
    let metric = |m: usize| &c.metrics[m];
    let sm = |f: &dyn Fn(&zgc::stats::Summary) -> Option<f64>| {
        opt_f64_col(rows.iter().map(|r| r.3.summary.as_ref().and_then(f)))
    };
    let dm = |f: &dyn Fn(&zgc::stats::PairedDiff) -> Option<f64>| {
        opt_f64_col(rows.iter().map(|r| r.3.diff.as_ref().and_then(f)))
    };
    let h = output::comparison::COMPARISON_HEADER;
    batch(vec![
        (h[0], str_col(rows.iter().map(|r| Some(&metric(r.0).scope)))),
        (
            h[1],
            str_col(rows.iter().map(|r| Some(metric(r.0).indicator.name))),
        ),
        (h[2], str_col(rows.iter().map(|r| Some(metric(r.0).unit())))),
        (
            h[3],
            str_col(
                rows.iter()
                    .map(|r| Some(metric(r.0).indicator.aggregation.name())),
            ),
        ),
        (h[4], str_col(rows.iter().map(|r| Some(&c.scenarios[r.1])))),
        (
            h[5],
            str_col(rows.iter().map(|r| Some(c.periods[r.2].label()))),
        ),
        (
            h[6],
            i64_col(rows.iter().map(|r| Some(c.periods[r.2].months as i64))),
        ),
        (
            h[7],
            i64_col(
                rows.iter()
                    .map(|r| Some(r.3.summary.as_ref().map_or(0, |x| x.n as i64))),
            ),
        ),
        (h[8], sm(&|x| Some(x.mean))),
        (h[9], sm(&|x| x.sd)),
        (h[10], sm(&|x| x.ci_low)),
        (h[11], sm(&|x| x.ci_high)),
        (
            h[12],
            i64_col(rows.iter().map(|r| r.3.diff.as_ref().map(|d| d.n as i64))),
        ),
        (h[13], dm(&|d| Some(d.mean_diff))),
        (h[14], dm(&|d| d.sd_diff)),
        (h[15], dm(&|d| d.ci_low)),
        (h[16], dm(&|d| d.ci_high)),
        (h[17], dm(&|d| d.rel_change)),
        (
            h[18],
            Arc::new(
                rows.iter()
                    .map(|r| r.3.diff.as_ref().map(|d| d.excludes_zero))
                    .collect::<BooleanArray>(),
            ) as ArrayRef,
        ),
        (
            h[19],
            opt_f64_col(rows.iter().map(|r| c.agents(r.0, r.1, r.2))),
        ),
    ])
}

/// Compare scenarios (base first) over replicates with common random numbers.
#[pyfunction]
#[pyo3(signature = (sources, replicates=zgc::compare::DEFAULT_REPLICATES as usize, seed=None, ticks=None, scale=None, threads=None))]
fn compare(
    py: Python<'_>,
    sources: Vec<(String, Option<String>)>,
    replicates: usize,
    seed: Option<u64>,
    ticks: Option<u32>,
    scale: Option<f64>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let scenarios: Vec<Scenario> = sources
        .into_iter()
        .map(|(k, t)| Source::of(&k, t).and_then(|s| load(py, &s, &[])))
        .collect::<PyResult<_>>()?;
    if scenarios.len() < 2 {
        return Err(PyValueError::new_err(
            "compare needs a base scenario and at least one alternative",
        ));
    }
    if replicates == 0 {
        return Err(PyValueError::new_err("replicates: expected at least 1"));
    }
    let settings = CompareSettings::of(&scenarios[0], seed, scale, ticks, replicates);
    // All cores by default (or RAYON_NUM_THREADS), as a pool would; rayon's global pool is
    // never started, so a process that forks afterwards (EMA's multiprocessing) has no idle
    // threads of ours.
    let threads = match threads {
        Some(n) => pool(Some(n))?.current_num_threads(),
        None => std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let stop = AtomicBool::new(false);
    let result = interruptible(py, &stop, || {
        compare_runs(&scenarios, &settings, threads, &stop, &|_, _| {})
    })?;
    let c = result.map_err(|e| match e {
        CompareRunError::Scenario(e) => scenario_error(py, &e),
        CompareRunError::Compare(e) => PyValueError::new_err(e.to_string()),
        other => PyRuntimeError::new_err(other.to_string()),
    })?;
    to_py(py, &comparison_batch(&c)?)
}

/// The run settings of a scenario: name, seed, scale, ticks, first month.
#[pyfunction]
#[pyo3(signature = (kind, text=None))]
fn scenario_info<'py>(
    py: Python<'py>,
    kind: &str,
    text: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let s = load(py, &Source::of(kind, text)?, &[])?;
    let d = PyDict::new(py);
    d.set_item("name", s.name())?;
    d.set_item("seed", s.file.run.seed)?;
    d.set_item("scale", s.file.run.scale)?;
    d.set_item("ticks", s.ticks)?;
    d.set_item("start", s.start.to_string())?;
    Ok(d)
}

/// The seed of replicate `k` under a master seed (common random numbers, as `zgc compare`).
#[pyfunction]
fn replicate_seed(master: u64, k: usize) -> u64 {
    zgc::runner::jobs::replicate_seed(master, k)
}

/// Panic inside a rayon pool: for the test that a Rust panic becomes `InternalError`.
#[pyfunction]
fn _panic_for_test(py: Python<'_>) -> PyResult<()> {
    let stop = AtomicBool::new(false);
    interruptible(py, &stop, || {
        let p = rayon::ThreadPoolBuilder::new().num_threads(2).build();
        if let Ok(p) = p {
            p.install(|| {
                rayon::join(|| (), || panic!("a deliberate panic for the test suite"));
            });
        }
    })
}

/// The extension module.
#[pymodule]
fn _zgc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("git_commit", zgc::output::git_commit().unwrap_or_default())?;
    m.add(
        "DEFAULT_COMPARE_REPLICATES",
        zgc::compare::DEFAULT_REPLICATES,
    )?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(places, m)?)?;
    m.add_function(wrap_pyfunction!(defaults, m)?)?;
    m.add_function(wrap_pyfunction!(indicators, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(replicate_seed, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_info, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    Ok(())
}
