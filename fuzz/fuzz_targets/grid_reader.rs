//! Fuzz target: any bytes given to the ESRI ASCII grid reader give `Ok` or `Err`, never a
//! panic; an accepted grid holds exactly `ncols × nrows` finite values and a positive cell size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zgc::world::asc::parse_asc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(g) = parse_asc(text) {
        assert_eq!(g.values.len(), g.ncols * g.nrows);
        assert!(g.values.iter().all(|v| v.is_finite()));
        assert!(g.cellsize > 0.0 && g.cellsize.is_finite());
        assert!(g.xll.is_finite() && g.yll.is_finite());
        let _ = g.get(g.ncols - 1, g.nrows - 1);
    }
});
