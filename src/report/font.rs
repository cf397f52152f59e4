//! The vendored text font (DejaVu Sans) and its one-time registration with plotters.
//!
//! plotters is built with its pure-Rust `ab_glyph` text backend, which loads
//! no system font: every font family used in drawing must first be
//! registered from bytes. [`ensure_registered`] does that once per process
//! for the family [`FAMILY`], which every chart and map in this module uses.

use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plotters::style::FontStyle;

/// DejaVu Sans 2.37, from Debian's `fonts-dejavu-core` (see
/// `assets/fonts/README.md` and `assets/fonts/LICENSE-DejaVu.txt`).
pub static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Font family name used in all drawings. Registered as `sans-serif` so
/// that SVG output, where text stays text, falls back to the browser's own
/// sans-serif font.
pub const FAMILY: &str = "sans-serif";

/// Registers [`DEJAVU_SANS`] as [`FAMILY`] (normal and bold styles) with
/// plotters, once per process; later calls return the first outcome.
pub fn ensure_registered() -> Result<()> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            plotters::style::register_font(FAMILY, style, DEJAVU_SANS)
                .map_err(|_| "the vendored DejaVu Sans font could not be parsed".to_string())?;
        }
        Ok(())
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn registers() {
        super::ensure_registered().unwrap();
        super::ensure_registered().unwrap();
    }
}
