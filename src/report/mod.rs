//! Charts, maps and self-contained HTML reports, built from plain data and independent of the simulation core.
//!
//! The simulation hands this module plain values — [`GridLayer`] (a raster of
//! one quantity over the world grid), [`Place`] (a named point to mark),
//! [`Chart`] / [`Band`] (time series with optional uncertainty bands) — and
//! gets back pictures and documents:
//!
//! * [`map_png`] / [`map_png_bytes`] / [`map_svg`]: a map of a layer, with
//!   title, unit, colour bar (viridis, or blue–white–red for difference maps),
//!   grey "no data" cells, axes in km and labelled places;
//! * [`chart_svg`] / [`chart_png`] / [`chart_png_bytes`]: a line chart with a
//!   shaded band per series, a legend, axis labels and a title;
//! * [`HtmlReport`]: one self-contained HTML file (inline CSS, inline SVG,
//!   PNGs as `data:` URIs, a Content-Security-Policy that forbids any network
//!   access), written atomically;
//! * [`browser`]: drives headless Chromium to screenshot a report, for tests.
//!
//! # How drawing and text work
//!
//! Drawing uses the `plotters` crate with its default features switched off:
//! only the bitmap and SVG backends and the pure-Rust `ab_glyph` text
//! rasteriser are enabled, so no system library (fontconfig, freetype) is
//! needed to build or run. `ab_glyph` needs a font registered from bytes;
//! DejaVu Sans is vendored under `assets/fonts/` (licence alongside) and
//! compiled in with `include_bytes!`, registered once under the family name
//! `sans-serif` (see [`font`]) so that plotters can measure text for layout.
//! PNG text is then drawn by a small backend wrapper (`text.rs`) straight
//! from that font with `ab_glyph`, because plotters' own glyph placement
//! spaces letters unevenly. SVG output keeps text as
//! `<text font-family="sans-serif">`, which the browser renders with its own
//! sans-serif font. PNGs are drawn into an in-memory RGB buffer and encoded
//! with the `png` crate, which avoids the heavier `image` crate.
//!
//! # Determinism
//!
//! The same data gives byte-identical SVG, PNG and HTML files: nothing
//! depends on time, locale, hash-map order or thread scheduling.
//!
//! # Errors
//!
//! Bad data (mismatched lengths, empty grids, an inverted colour range, …)
//! is reported as an [`anyhow::Error`]; nothing here panics on user data.
//! Non-finite values (NaN, ±∞) are treated as missing: grey cells on maps,
//! gaps in chart lines and bands.

pub mod browser;
mod chart;
mod colour;
pub mod compare_report;
pub mod font;
mod html;
mod intervals;
mod map;
pub mod numbers;
pub mod run_report;
mod text;

use anyhow::{Context, Result};

pub use chart::{chart_png, chart_png_bytes, chart_svg, CHART_SIZE};
pub use colour::{diverging, series_colour, viridis, Rgb, NO_DATA_COLOUR};
pub use html::HtmlReport;
pub use intervals::{interval_chart_png_bytes, interval_chart_svg, IntervalChart, IntervalSeries};
pub use map::{map_png, map_png_bytes, map_svg};

/// In which order the rows of a [`GridLayer`]'s `values` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowOrder {
    /// Row 0 is the southernmost row; the row index grows northwards, like
    /// the `y` coordinate (`values[[iy, ix]]`). This is the default.
    #[default]
    SouthFirst,
    /// Row 0 is the northernmost row, as in an image.
    NorthFirst,
}

/// One quantity over a regular grid of square cells, ready to be mapped.
///
/// `values[[row, col]]` is the value of one cell. Columns run west → east.
/// Rows run as `row_order` says (by default south → north, so that
/// `values[[iy, ix]]` covers `x ∈ [x0 + ix·cell, x0 + (ix+1)·cell]`,
/// `y ∈ [y0 + iy·cell, y0 + (iy+1)·cell]`). `(x0_km, y0_km)` is always the
/// south-west corner of the grid, whatever the row order. Non-finite values
/// are drawn as "no data".
#[derive(Debug, Clone, PartialEq)]
pub struct GridLayer {
    /// Short machine name (e.g. `"firms"`), used for file names by callers.
    pub name: String,
    /// Human title drawn above the map.
    pub title: String,
    /// Unit of the values, drawn under the title and above the colour bar.
    pub unit: String,
    /// Cell values, `rows × cols`.
    pub values: ndarray::Array2<f64>,
    /// Row order of `values`.
    pub row_order: RowOrder,
    /// Western edge of the grid, km east of the origin.
    pub x0_km: f64,
    /// Southern edge of the grid, km north of the origin.
    pub y0_km: f64,
    /// Side of one square cell, km.
    pub cell_km: f64,
    /// `true` for difference maps: a blue–white–red scale symmetric around 0.
    pub diverging: bool,
    /// Fixed colour range `(low, high)`, e.g. to share one scale between
    /// maps; `None` takes it from the finite data. Values outside are clamped.
    pub range: Option<(f64, f64)>,
    /// Where the km coordinates are on the Earth: the map then gets longitude/latitude ticks
    /// and its north arrow points to true north. `None`: km only, north up.
    pub georef: Option<crate::world::geo::Georef>,
    /// The legend's words for cells without a value (grey): "no data", or for masked
    /// difference maps what the mask means.
    pub no_data_label: String,
    /// Lines drawn over the cells: park outlines, district boundaries, roads and rail.
    pub outlines: Vec<Outline>,
}

/// What an outline on a map is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutlineKind {
    /// A district boundary (thin grey).
    District,
    /// A science park's outline (green).
    Park,
    /// A ring road or expressway (a cased white line).
    Road,
    /// A rail corridor (black).
    Rail,
}

impl OutlineKind {
    /// The legend's word.
    pub fn label(self) -> &'static str {
        match self {
            OutlineKind::District => "district",
            OutlineKind::Park => "science park",
            OutlineKind::Road => "expressway",
            OutlineKind::Rail => "rail",
        }
    }
}

/// A polyline (closed for boundaries) in km, drawn over a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// Vertices, km east and north of the origin.
    pub points: Vec<(f64, f64)>,
    /// What it is (its style).
    pub kind: OutlineKind,
}

impl GridLayer {
    /// A sequential layer with rows south → north and a colour range from
    /// the data; set the other public fields directly to change that.
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        unit: impl Into<String>,
        values: ndarray::Array2<f64>,
        x0_km: f64,
        y0_km: f64,
        cell_km: f64,
    ) -> Self {
        GridLayer {
            name: name.into(),
            title: title.into(),
            unit: unit.into(),
            values,
            row_order: RowOrder::SouthFirst,
            x0_km,
            y0_km,
            cell_km,
            diverging: false,
            range: None,
            georef: None,
            no_data_label: "no data".into(),
            outlines: Vec::new(),
        }
    }

    /// Number of rows (north–south extent in cells).
    pub fn rows(&self) -> usize {
        self.values.nrows()
    }

    /// Number of columns (west–east extent in cells).
    pub fn cols(&self) -> usize {
        self.values.ncols()
    }

    /// Value of the cell whose south-west corner is the `iy`-th from the
    /// south and `ix`-th from the west, whatever the row order.
    pub fn value_at(&self, ix: usize, iy: usize) -> Option<f64> {
        if ix >= self.cols() || iy >= self.rows() {
            return None;
        }
        let row = match self.row_order {
            RowOrder::SouthFirst => iy,
            RowOrder::NorthFirst => self.rows() - 1 - iy,
        };
        Some(self.values[[row, ix]])
    }

    /// `(west, east, south, north)` edges of the grid, km.
    pub fn extent(&self) -> (f64, f64, f64, f64) {
        (
            self.x0_km,
            self.x0_km + self.cols() as f64 * self.cell_km,
            self.y0_km,
            self.y0_km + self.rows() as f64 * self.cell_km,
        )
    }
}

/// A named point to mark on maps (a landmark, a university, a park).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Label drawn next to the dot.
    pub name: String,
    /// km east of the origin.
    pub x_km: f64,
    /// km north of the origin.
    pub y_km: f64,
}

impl Place {
    /// A place at `(x_km, y_km)`.
    pub fn new(name: impl Into<String>, x_km: f64, y_km: f64) -> Self {
        Place {
            name: name.into(),
            x_km,
            y_km,
        }
    }
}

/// One series of a [`Chart`]: a mean line, optionally with a band `lo..hi`
/// (e.g. a 90 % interval over replicate runs). All given vectors must have
/// the length of `x`; non-finite entries leave gaps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// x values, e.g. years as fractions (`2024.25`).
    pub x: Vec<f64>,
    /// Central line.
    pub mean: Vec<f64>,
    /// Lower edge of the shaded band (needs `hi` too).
    pub lo: Option<Vec<f64>>,
    /// Upper edge of the shaded band (needs `lo` too).
    pub hi: Option<Vec<f64>>,
}

impl Band {
    /// A plain line without a band.
    pub fn line(label: impl Into<String>, x: Vec<f64>, mean: Vec<f64>) -> Self {
        Band {
            label: label.into(),
            x,
            mean,
            lo: None,
            hi: None,
        }
    }

    /// A line with a shaded band between `lo` and `hi`.
    pub fn with_band(
        label: impl Into<String>,
        x: Vec<f64>,
        mean: Vec<f64>,
        lo: Vec<f64>,
        hi: Vec<f64>,
    ) -> Self {
        Band {
            label: label.into(),
            x,
            mean,
            lo: Some(lo),
            hi: Some(hi),
        }
    }
}

/// A line chart: several [`Band`] series on shared axes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chart {
    /// Title drawn above the plot.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The series, drawn in order, one colour each ([`series_colour`]).
    pub series: Vec<Band>,
}

/// Formats a tick label for a value on an axis spanning `span`: enough
/// decimals to tell ticks apart, no trailing noise, no `-0`.
pub(crate) fn fmt_tick(v: f64, span: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a >= 1e7 || (span > 0.0 && span < 1e-3 && a != 0.0) {
        return format!("{v:.2e}");
    }
    let step = if span.is_finite() && span > 0.0 {
        span / 5.0
    } else {
        1.0
    };
    let decimals = (-step.log10()).ceil().clamp(0.0, 6.0) as usize;
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Turns a plotters drawing error into an [`anyhow::Error`].
pub(crate) fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e}")
}

/// Encodes an RGB8 buffer as PNG (deterministic settings).
pub(crate) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Balanced);
        let mut w = enc.write_header().context("PNG header")?;
        w.write_image_data(rgb).context("PNG data")?;
        w.finish().context("PNG end")?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_tidy() {
        assert_eq!(fmt_tick(2020.0, 10.0), "2020");
        assert_eq!(fmt_tick(2020.5, 2.0), "2020.5");
        assert_eq!(fmt_tick(-0.0001, 1.0), "0.0");
        assert_eq!(fmt_tick(0.26, 1.0), "0.3");
        assert_eq!(fmt_tick(1e-17, 1.0), "0.0");
        assert_eq!(fmt_tick(0.25, 0.1), "0.25");
        assert_eq!(fmt_tick(f64::NAN, 1.0), "");
        assert_eq!(fmt_tick(3.0e8, 1e9), "3.00e8");
    }

    #[test]
    fn grid_geometry() {
        let v = ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let mut g = GridLayer::new("a", "A", "u", v, -1.0, 2.0, 0.5);
        assert_eq!(g.extent(), (-1.0, 0.5, 2.0, 3.0));
        assert_eq!(g.value_at(0, 0), Some(1.0));
        g.row_order = RowOrder::NorthFirst;
        assert_eq!(g.value_at(0, 0), Some(4.0));
        assert_eq!(g.value_at(3, 0), None);
    }
}
