//! Colour palettes and NaN-safe colour scales for maps and charts.

use anyhow::{bail, Result};
use plotters::style::RGBColor;

use super::GridLayer;

/// An sRGB colour, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, as CSS and SVG write it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    pub(crate) fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Colour of cells without a finite value.
pub const NO_DATA_COLOUR: Rgb = Rgb(200, 200, 200);

/// Matplotlib's viridis, sampled at ninths plus one extra near the top.
const VIRIDIS: &[(f64, Rgb)] = &[
    (0.0, Rgb(68, 1, 84)),
    (0.125, Rgb(72, 40, 120)),
    (0.25, Rgb(62, 73, 137)),
    (0.375, Rgb(49, 104, 142)),
    (0.5, Rgb(38, 130, 142)),
    (0.625, Rgb(31, 158, 137)),
    (0.75, Rgb(53, 183, 121)),
    (0.875, Rgb(110, 206, 88)),
    (0.9375, Rgb(181, 222, 43)),
    (1.0, Rgb(253, 231, 37)),
];

/// ColorBrewer RdBu (11 classes), from blue (low) through white to red (high).
const BLUE_WHITE_RED: &[(f64, Rgb)] = &[
    (0.0, Rgb(5, 48, 97)),
    (0.1, Rgb(33, 102, 172)),
    (0.2, Rgb(67, 147, 195)),
    (0.3, Rgb(146, 197, 222)),
    (0.4, Rgb(209, 229, 240)),
    (0.5, Rgb(255, 255, 255)),
    (0.6, Rgb(253, 219, 199)),
    (0.7, Rgb(244, 165, 130)),
    (0.8, Rgb(214, 96, 77)),
    (0.9, Rgb(178, 24, 43)),
    (1.0, Rgb(103, 0, 31)),
];

/// Okabe–Ito colour-blind-safe palette (yellow left out: unreadable on
/// white), then a brown and a grey.
const SERIES: &[Rgb] = &[
    Rgb(0, 114, 178),
    Rgb(213, 94, 0),
    Rgb(0, 158, 115),
    Rgb(204, 121, 167),
    Rgb(230, 159, 0),
    Rgb(86, 180, 233),
    Rgb(0, 0, 0),
    Rgb(140, 86, 75),
    Rgb(127, 127, 127),
];

fn interpolate(stops: &[(f64, Rgb)], t: f64) -> Rgb {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    for w in stops.windows(2) {
        let ((t0, c0), (t1, c1)) = (w[0], w[1]);
        if t <= t1 {
            let f = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
            let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
            return Rgb(mix(c0.0, c1.0), mix(c0.1, c1.1), mix(c0.2, c1.2));
        }
    }
    stops[stops.len() - 1].1
}

/// Viridis colour at `t ∈ [0, 1]` (clamped; NaN gives the low end).
pub fn viridis(t: f64) -> Rgb {
    interpolate(VIRIDIS, t)
}

/// Blue–white–red colour at `t ∈ [0, 1]`, white at 0.5 (clamped; NaN gives
/// the low end).
pub fn diverging(t: f64) -> Rgb {
    interpolate(BLUE_WHITE_RED, t)
}

/// Colour of the `i`-th chart series; the palette repeats after nine.
pub fn series_colour(i: usize) -> Rgb {
    SERIES[i % SERIES.len()]
}

/// A mapping from values to colours for one map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub diverging: bool,
}

impl Scale {
    /// The scale for a layer: its fixed `range`, else the finite data range
    /// (symmetric around 0 when diverging), widened when degenerate.
    pub fn for_layer(layer: &GridLayer) -> Result<Scale> {
        let (lo, hi) = match layer.range {
            Some((lo, hi)) => {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    bail!(
                        "layer {:?}: colour range ({lo}, {hi}) must be finite with low < high",
                        layer.name
                    );
                }
                (lo, hi)
            }
            None => {
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                for &v in layer.values.iter().filter(|v| v.is_finite()) {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                if lo > hi {
                    // No finite value at all.
                    if layer.diverging {
                        (-1.0, 1.0)
                    } else {
                        (0.0, 1.0)
                    }
                } else if layer.diverging {
                    let m = lo.abs().max(hi.abs());
                    if m > 0.0 {
                        (-m, m)
                    } else {
                        (-1.0, 1.0)
                    }
                } else if hi > lo {
                    (lo, hi)
                } else {
                    let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
                    (lo - pad, hi + pad)
                }
            }
        };
        Ok(Scale {
            lo,
            hi,
            diverging: layer.diverging,
        })
    }

    /// Position of `v` in `[0, 1]` (clamped), or `None` when not finite.
    pub fn position(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        Some(((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0))
    }

    /// Colour of value `v`; [`NO_DATA_COLOUR`] when not finite.
    pub fn colour(&self, v: f64) -> Rgb {
        match self.position(v) {
            None => NO_DATA_COLOUR,
            Some(t) if self.diverging => diverging(t),
            Some(t) => viridis(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn palettes_hit_their_stops() {
        assert_eq!(viridis(0.0), Rgb(68, 1, 84));
        assert_eq!(viridis(1.0), Rgb(253, 231, 37));
        assert_eq!(viridis(7.0), Rgb(253, 231, 37));
        assert_eq!(viridis(f64::NAN), Rgb(68, 1, 84));
        assert_eq!(diverging(0.5), Rgb(255, 255, 255));
        assert_eq!(Rgb(255, 0, 16).hex(), "#ff0010");
        assert_eq!(series_colour(0), series_colour(9));
    }

    fn layer(values: ndarray::Array2<f64>, diverging: bool) -> GridLayer {
        let mut l = GridLayer::new("t", "T", "u", values, 0.0, 0.0, 1.0);
        l.diverging = diverging;
        l
    }

    #[test]
    fn scales_are_nan_safe() {
        let s =
            Scale::for_layer(&layer(array![[f64::NAN, 1.0], [3.0, f64::INFINITY]], false)).unwrap();
        assert_eq!((s.lo, s.hi), (1.0, 3.0));
        assert_eq!(s.colour(f64::NAN), NO_DATA_COLOUR);
        assert_eq!(s.colour(2.0), viridis(0.5));

        let s = Scale::for_layer(&layer(array![[f64::NAN]], false)).unwrap();
        assert_eq!((s.lo, s.hi), (0.0, 1.0));

        let s = Scale::for_layer(&layer(array![[5.0, 5.0]], false)).unwrap();
        assert!(s.lo < 5.0 && s.hi > 5.0);

        let s = Scale::for_layer(&layer(array![[-1.0, 4.0]], true)).unwrap();
        assert_eq!((s.lo, s.hi), (-4.0, 4.0));
        assert_eq!(s.colour(0.0), Rgb(255, 255, 255));

        let s = Scale::for_layer(&layer(array![[0.0, 0.0]], true)).unwrap();
        assert_eq!((s.lo, s.hi), (-1.0, 1.0));

        let mut l = layer(array![[1.0]], false);
        l.range = Some((2.0, 2.0));
        assert!(Scale::for_layer(&l).is_err());
        l.range = Some((f64::NAN, 2.0));
        assert!(Scale::for_layer(&l).is_err());
    }
}
