//! Fuzz target: any bytes given to the ESRI ASCII grid reader (`scenario::asc::parse`, the one
//! that reads a scenario's grid files) give `Ok` or `Err`, never a panic; an accepted grid holds
//! exactly `ncols × nrows` finite values (or NODATA) within the cell limit, with a positive cell
//! size and finite corners; every error names the file and a line. `tests/corpus.rs` runs the
//! same checks over the kept corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zgc::scenario::asc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
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
        }
        Err(e) => {
            assert_eq!(e.file, "fuzz.asc");
            assert!(e.pos.is_some(), "an error without a line: {e}");
        }
    }
});
