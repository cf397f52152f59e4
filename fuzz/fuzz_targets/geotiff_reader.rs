//! Fuzz target: any bytes given to the GeoTIFF grid reader (`scenario::geotiff::parse`, the one
//! that reads a scenario's `.tif` grid files) give `Ok` or `Err`, never a panic; an accepted grid
//! holds exactly `width × height` finite values (or NoData) within the cell limit, with a
//! positive cell size and finite corners, and a CRS zgc knows; every error names the file.
//! `tests/corpus.rs` runs the same checks over the kept corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zgc::scenario::{asc, geotiff};

fuzz_target!(|data: &[u8]| {
    match geotiff::parse(data, "fuzz.tif", &|_| Ok(())) {
        Ok(g) => {
            let gs = g.grid.grid;
            assert_eq!(g.grid.values.len(), gs.nx * gs.ny);
            assert!(g.grid.values.len() <= asc::MAX_CELLS);
            assert!(g.grid.values.iter().flatten().all(|v| v.is_finite()));
            assert!(gs.cell_km > 0.0 && gs.cell_km.is_finite());
            assert!(gs.x0_km.is_finite() && gs.y0_km.is_finite());
            assert!((gs.x0_km + gs.nx as f64 * gs.cell_km).is_finite());
            assert!((gs.y0_km + gs.ny as f64 * gs.cell_km).is_finite());
            if let Some(code) = g.epsg {
                assert!(zgc::world::geo::check_epsg(code).is_ok());
            }
        }
        Err(e) => assert_eq!(e.file, "fuzz.tif"),
    }
});
