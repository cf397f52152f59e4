//! The example city of `scenarios/examples/` (a user's own city from grid files, in ESRI ASCII
//! with `.prj` sidecars and in GeoTIFF): its grid files are generated here, checked to be
//! current, and the city runs end to end from both forms with the same result.
//!
//! Regenerate the files after changing the generator with
//! `ZGC_BLESS=1 cargo test --release example_city_files_are_current`.

use crate::common::*;

/// Columns and rows of the example grids.
const N: usize = 40;
/// Cell side (m).
const CELL: f64 = 250.0;
/// South-west corner (m) in the city's own km frame: the grid spans -5 to 5 km both ways.
const X0: f64 = -5000.0;
/// The CRS (WGS 84 / UTM zone 50N) and the point of it that the km frame counts from
/// (`world.origin_m` in city.toml): 117.0° E, 39.74° N, a made-up town on the plain.
const EPSG: u16 = 32650;
const ORIGIN: (f64, f64) = (500_000.0, 4_400_000.0);

fn gauss(x: f64, y: f64, cx: f64, cy: f64, s: f64) -> f64 {
    (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * s * s)).exp()
}

/// Land-use code of a cell centre (km): a river from north-west to south-east, a science
/// park in the middle, a university to its north-west, industry in the south-east, village
/// land in the north-west corner, commercial along the north-south avenue, housing elsewhere.
fn zone(x: f64, y: f64) -> u8 {
    let river = (y + x * 0.6 - 0.8).abs() < 0.3;
    if river {
        0
    } else if (x - 0.5).hypot(y - 0.5) < 1.2 {
        2 // office / R&D: the science park
    } else if (x + 2.0).hypot(y - 2.0) < 0.6 {
        5 // university
    } else if x > 1.8 && y < -1.8 {
        4 // industrial
    } else if x < -3.0 && y > 2.5 {
        6 // village collective land
    } else if x.abs() < 0.3 {
        3 // commercial avenue
    } else if x.hypot(y) > 4.6 {
        0 // green belt at the edge
    } else {
        1 // residential
    }
}

/// The example grids as (file name, bytes): ESRI ASCII, `.prj` and GeoTIFF of each layer.
pub fn example_city_files() -> Vec<(String, Vec<u8>)> {
    let mut land_use = Vec::new();
    let mut residents = Vec::new();
    let mut jobs = Vec::new();
    let mut floor = Vec::new();
    // Row 0 = south.
    for r in 0..N {
        for c in 0..N {
            let x = (X0 + (c as f64 + 0.5) * CELL) / 1000.0;
            let y = (X0 + (r as f64 + 0.5) * CELL) / 1000.0;
            let z = zone(x, y);
            let (res, job) = match z {
                0 => (0.0, 0.0),
                1 => (
                    100.0
                        + 400.0 * gauss(x, y, -2.0, -1.5, 1.5)
                        + 300.0 * gauss(x, y, 2.5, 2.5, 1.2),
                    32.0,
                ),
                2 => (30.0, 320.0 + 1600.0 * gauss(x, y, 0.5, 0.5, 0.7)),
                3 => (50.0, 400.0),
                4 => (10.0, 400.0),
                5 => (50.0, 480.0),
                6 => (70.0, 24.0),
                _ => (0.0, 0.0),
            };
            let (res, job): (f64, f64) = (res.round(), job.round());
            land_use.push(z as f64);
            residents.push(res);
            jobs.push(job);
            // Floor space for homes (45 m² per worker) and jobs (m² per job by zone), 85% occupied.
            let m2_per_job = match z {
                4 => 45.0,
                2 | 5 => 18.0,
                _ => 16.0,
            };
            floor.push(((res * 45.0 + job * m2_per_job) / 0.85 / 100.0).round() * 100.0);
        }
    }
    // The files are in the CRS's metres.
    let grid = zgc::world::grid::GridSpec {
        nx: N,
        ny: N,
        x0_km: (ORIGIN.0 + X0) / 1000.0,
        y0_km: (ORIGIN.1 + X0) / 1000.0,
        cell_km: CELL / 1000.0,
    };
    let prj = zgc::world::geo::wkt(EPSG).unwrap();
    let mut files = Vec::new();
    for (name, v) in [
        ("land_use", &land_use),
        ("floor", &floor),
        ("residents", &residents),
        ("jobs", &jobs),
    ] {
        let text = zgc::scenario::asc::to_text(&grid, v, 0);
        files.push((format!("{name}.asc"), text.into_bytes()));
        files.push((format!("{name}.prj"), prj.as_bytes().to_vec()));
        let tif = zgc::output::geotiff::encode(&grid, Some(EPSG), (0.0, 0.0), v).unwrap();
        files.push((format!("{name}.tif"), tif));
    }
    files
}

#[test]
fn example_city_files_are_current() {
    let dir = root().join("scenarios/examples");
    let bless = std::env::var_os("ZGC_BLESS").is_some();
    for (name, text) in example_city_files() {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (ZGC_BLESS=1 writes it)", path.display()));
        assert!(
            committed == text,
            "{} is stale; regenerate with ZGC_BLESS=1",
            path.display()
        );
    }
}

#[test]
fn example_city_checks_and_runs_end_to_end() {
    let dir = tempdir();
    let scen = root().join("scenarios/examples/city.toml");
    let out = run_in(dir.path(), &["check", "-q", scen.to_str().unwrap()]);
    let _ = ok(&out);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("world `riverside` (40 × 40 cells of 0.25 km"),
        "{summary}"
    );
    let out = run_in(
        dir.path(),
        &[
            "run",
            scen.to_str().unwrap(),
            "--out",
            "out",
            "--ticks",
            "24",
        ],
    );
    let stdout = ok(&out);
    assert!(stdout.contains("example_city: 24 ticks"), "{stdout}");
    let o = dir.path().join("out");
    let asc = std::fs::read_to_string(o.join("grids/jobs.asc")).unwrap();
    assert!(
        asc.starts_with("ncols 40\nnrows 40\nxllcorner 495000\nyllcorner 4395000\n"),
        "{asc}"
    );
    let prj = std::fs::read_to_string(o.join("grids/jobs.prj")).unwrap();
    assert!(prj.contains("UTM zone 50N"), "{prj}");
    assert!(o.join("grids/jobs.tif").is_file() && o.join("parks.geojson").is_file());
    // The same city from its GeoTIFF files (city_geotiff.toml) gives the same run.
    let scen_tif = root().join("scenarios/examples/city_geotiff.toml");
    let out = run_in(
        dir.path(),
        &[
            "run",
            scen_tif.to_str().unwrap(),
            "--out",
            "out_tif",
            "--quiet",
            "--ticks",
            "24",
        ],
    );
    let _ = ok(&out);
    for f in [
        "timeseries.csv",
        "parks.csv",
        "regions.csv",
        "grids/jobs.asc",
        "places.geojson",
    ] {
        assert_eq!(
            std::fs::read(o.join(f)).unwrap(),
            std::fs::read(dir.path().join("out_tif").join(f)).unwrap(),
            "{f} differs between the ESRI ASCII and the GeoTIFF city"
        );
    }
    let parks = std::fs::read_to_string(o.join("parks.csv")).unwrap();
    assert!(parks.contains(",science_park,"), "{parks}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["provenance"]["world"], "riverside");
    let workers = s["final"]["workers"].as_f64().unwrap();
    assert!(workers > 150_000.0 && workers < 250_000.0, "{workers}");
    let events = s["events"].to_string();
    assert!(events.contains("3.0 incubator"), "{events}");
}
