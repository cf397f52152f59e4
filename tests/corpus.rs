//! The fuzz corpora as regression tests: every file kept in `fuzz/corpus/<target>/` goes through
//! the same checks as the fuzz targets (`fuzz/fuzz_targets/`), on the stable toolchain, so a
//! finding fixed once stays fixed even where `cargo fuzz` cannot run.

use std::path::Path;

use zgc::scenario::asc;
use zgc::scenario::Scenario;

use crate::common::root;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Returns whether the input was accepted; panics as the fuzz target would.
fn scenario_parser(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    // As the fuzz target: read as if from a file in scenarios/examples/ (the example city's
    // grid files are at hand).
    let source = || Some(root().join("scenarios/examples/fuzz.toml"));
    let Ok(s) = Scenario::from_str(text, "fuzz.toml", source()) else {
        return false;
    };
    assert!((1..=zgc::scenario::MAX_TICKS).contains(&s.ticks));
    assert!((1..=12).contains(&s.start.month), "{:?}", s.start);
    assert_eq!(
        zgc::calendar::YearMonth::parse(&s.start.to_string()),
        Some(s.start),
        "the start month does not print back"
    );
    let resolved = s.resolved_toml();
    let again = Scenario::from_str(&resolved, "resolved.toml", source())
        .unwrap_or_else(|e| panic!("resolved TOML does not parse back: {e}\n{resolved}"));
    assert_eq!(again.hash(), s.hash(), "round trip changed the scenario");
    if zgc::limits::check_folder_name(s.name()).is_ok() {
        let p = Path::new("results").join(s.name());
        assert_eq!(p.components().count(), 2, "{p:?}");
    }
    true
}

fn grid_reader(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    match asc::parse(text, "fuzz.asc", &|_| Ok(())) {
        Ok(g) => {
            let gs = g.grid;
            assert_eq!(g.values.len(), gs.nx * gs.ny);
            assert!(g.values.len() <= asc::MAX_CELLS);
            assert!(g.values.iter().flatten().all(|v| v.is_finite()));
            assert!(gs.cell_km > 0.0 && gs.cell_km.is_finite());
            let (x1, y1) = (
                gs.x0_km + gs.nx as f64 * gs.cell_km,
                gs.y0_km + gs.ny as f64 * gs.cell_km,
            );
            assert!(gs.x0_km.is_finite() && gs.y0_km.is_finite());
            assert!(x1.is_finite() && y1.is_finite());
            true
        }
        Err(e) => {
            assert_eq!(e.file, "fuzz.asc");
            assert!(e.pos.is_some(), "an error without a line: {e}");
            false
        }
    }
}

#[test]
fn scenario_parser_corpus_never_panics() {
    let files = corpus("scenario_parser");
    let accepted = files
        .iter()
        .filter(|(name, data)| {
            std::panic::catch_unwind(|| scenario_parser(data))
                .unwrap_or_else(|_| panic!("fuzz/corpus/scenario_parser/{name} panics"))
        })
        .count();
    // The seeds include valid scenarios: the shipped ones, one with every policy kind, and the
    // example city from grid files.
    for seed in ["shipped_baseline.toml", "policies.toml", "grid_city.toml"] {
        let (_, data) = files.iter().find(|(n, _)| n == seed).expect(seed);
        assert!(scenario_parser(data), "{seed} is refused");
    }
    assert!(
        accepted >= 10,
        "only {accepted} of {} accepted",
        files.len()
    );
}

/// The checks of `fuzz/fuzz_targets/geotiff_reader.rs`; `true` when the grid is accepted.
fn geotiff_reader(data: &[u8]) -> bool {
    match zgc::scenario::geotiff::parse(data, "fuzz.tif", &|_| Ok(())) {
        Ok(g) => {
            let gs = g.grid.grid;
            assert_eq!(g.grid.values.len(), gs.nx * gs.ny);
            assert!(g.grid.values.len() <= asc::MAX_CELLS);
            assert!(g.grid.values.iter().flatten().all(|v| v.is_finite()));
            assert!(gs.cell_km > 0.0 && gs.cell_km.is_finite());
            assert!(gs.x0_km.is_finite() && gs.y0_km.is_finite());
            if let Some(code) = g.epsg {
                assert!(zgc::world::geo::check_epsg(code).is_ok());
            }
            true
        }
        Err(e) => {
            assert_eq!(e.file, "fuzz.tif");
            false
        }
    }
}

#[test]
fn geotiff_reader_corpus_never_panics() {
    let files = corpus("geotiff_reader");
    let accepted = files
        .iter()
        .filter(|(name, data)| {
            std::panic::catch_unwind(|| geotiff_reader(data))
                .unwrap_or_else(|_| panic!("fuzz/corpus/geotiff_reader/{name} panics"))
        })
        .count();
    // Seeds written by zgc and by rasterio (GDAL): deflate, LZW, tiles, int16, float64 with NaN,
    // PixelIsPoint, CGCS2000 Gauss-Kruger; refused: two bands, geographic, truncated.
    for seed in [
        "example_land_use.tif",
        "rasterio_float32_deflate.tif",
        "rasterio_int16_lzw.tif",
        "rasterio_uint8_tiled.tif",
        "rasterio_float64_nan.tif",
        "rasterio_pixel_is_point.tif",
        "rasterio_gk_4548.tif",
    ] {
        let (_, data) = files.iter().find(|(n, _)| n == seed).expect(seed);
        assert!(geotiff_reader(data), "{seed} is refused");
    }
    for seed in [
        "rasterio_two_bands.tif",
        "rasterio_geographic.tif",
        "truncated.tif",
    ] {
        let (_, data) = files.iter().find(|(n, _)| n == seed).expect(seed);
        assert!(!geotiff_reader(data), "{seed} is accepted");
    }
    assert!(accepted >= 7, "only {accepted} of {} accepted", files.len());
}

#[test]
fn grid_reader_corpus_never_panics() {
    let files = corpus("grid_reader");
    let accepted = files
        .iter()
        .filter(|(name, data)| {
            std::panic::catch_unwind(|| grid_reader(data))
                .unwrap_or_else(|_| panic!("fuzz/corpus/grid_reader/{name} panics"))
        })
        .count();
    for seed in ["example_land_use.asc", "example_jobs.asc", "centre.asc"] {
        let (_, data) = files.iter().find(|(n, _)| n == seed).expect(seed);
        assert!(grid_reader(data), "{seed} is refused");
    }
    assert!(accepted >= 5, "only {accepted} of {} accepted", files.len());
}

#[test]
fn state_reader_corpus_never_panics() {
    let files = corpus("state_reader");
    for (name, data) in &files {
        std::panic::catch_unwind(|| zgc::state::file::check_any(data))
            .unwrap_or_else(|_| panic!("fuzz/corpus/state_reader/{name} panics"));
    }
    // A state this zgc writes now (the committed seeds may be of an older format) is accepted
    // and continued; cut short or with a byte changed, it is refused without a panic.
    let dir = crate::common::tempdir();
    let town = root().join("tests/fixtures/tiny_city/tiny_city.toml");
    crate::common::ok(&crate::common::run_in(
        dir.path(),
        &[
            "run",
            town.to_str().unwrap(),
            "--out",
            "o",
            "-q",
            "--no-pictures",
            "--save-state-at",
            "2",
        ],
    ));
    let good = std::fs::read(dir.path().join("o/state-2020-03.zgcstate")).unwrap();
    assert_eq!(zgc::state::file::check_any(&good), 2);
    assert!(zgc::state::file::decode(&good[..good.len() - 5]).is_err());
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 1;
    assert!(zgc::state::file::decode(&bad).is_err());
}
