//! Fuzz target: any bytes given to the scenario parser give `Ok` or `Err`, never a panic; an
//! accepted scenario's resolved TOML parses back to the same scenario (same hash), and its
//! name is either a safe folder name or refused as one (never a path outside `results/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zgc::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(s) = Scenario::from_str(text, "fuzz.toml", None) else {
        return;
    };
    assert!(s.ticks >= 1);
    assert!((1..=12).contains(&s.start.month), "{:?}", s.start);
    assert_eq!(
        zgc::tick::YearMonth::parse(&s.start.to_string()),
        Some(s.start),
        "the start month does not print back"
    );
    let resolved = s.resolved_toml();
    let again = Scenario::from_str(&resolved, "resolved.toml", None)
        .unwrap_or_else(|e| panic!("resolved TOML does not parse back: {e}\n{resolved}"));
    assert_eq!(again.hash(), s.hash(), "round trip changed the scenario\n{resolved}");
    if zgc::limits::check_folder_name(s.name()).is_ok() {
        let p = std::path::Path::new("results").join(s.name());
        assert_eq!(p.parent(), Some(std::path::Path::new("results")), "{p:?}");
        assert_eq!(p.components().count(), 2, "{p:?}");
    }
});
