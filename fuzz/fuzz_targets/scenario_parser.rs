//! Fuzz target: any bytes given to the scenario parser give `Ok` or `Err`, never a panic; an
//! accepted scenario's resolved TOML parses back to the same scenario (same hash), and its
//! name is either a safe folder name or refused as one (never a path outside `results/`).
//!
//! The text is read as if it were a file in `scenarios/examples/`, so relative grid file names
//! (`land_use.asc`, ...) reach the example city's grids and the grid-world code; any other path
//! it names is read too (devices and FIFOs are refused, files are size-capped).
//! `tests/corpus.rs` runs the same checks over the kept corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zgc::scenario::Scenario;

const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/examples/fuzz.toml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = || Some(std::path::PathBuf::from(SOURCE));
    let Ok(s) = Scenario::from_str(text, "fuzz.toml", source()) else {
        return;
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
    assert_eq!(again.hash(), s.hash(), "round trip changed the scenario\n{resolved}");
    if zgc::limits::check_folder_name(s.name()).is_ok() {
        let p = std::path::Path::new("results").join(s.name());
        assert_eq!(p.parent(), Some(std::path::Path::new("results")), "{p:?}");
        assert_eq!(p.components().count(), 2, "{p:?}");
    }
});
