//! Line charts with shaded uncertainty bands, as SVG text or PNG bytes.

use std::path::Path;

use anyhow::{bail, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colour::series_colour;
use super::font::{ensure_registered, FAMILY};
use super::text::CleanText;
use super::{encode_png, fmt_tick, plot_err, Band, Chart};
use crate::files::write_atomic;

/// Size `(width, height)` in pixels of charts drawn by [`chart_svg`] and
/// [`chart_png_bytes`].
pub const CHART_SIZE: (u32, u32) = (860, 500);

const BAND_ALPHA: f64 = 0.22;
const LEGEND_FONT: u32 = 17;
const LEGEND_ROW: u32 = 24;
const SWATCH: i32 = 28;

/// Draws `chart` as an SVG document (a `<svg>` element with a `viewBox`,
/// ready to embed in HTML with [`super::HtmlReport::svg`]).
///
/// Errors when a series' vectors differ in length from its `x`, or when only
/// one of `lo`/`hi` is given. Empty charts and all-NaN series are drawn
/// with a "no data" note instead.
pub fn chart_svg(chart: &Chart) -> Result<String> {
    validate(chart)?;
    ensure_registered()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, CHART_SIZE).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out)
}

/// Draws `chart` as PNG bytes ([`CHART_SIZE`] pixels, RGB). Same checks as
/// [`chart_svg`].
pub fn chart_png_bytes(chart: &Chart) -> Result<Vec<u8>> {
    validate(chart)?;
    ensure_registered()?;
    let (w, h) = CHART_SIZE;
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root =
            CleanText::new(BitMapBackend::with_buffer(&mut buf, (w, h)))?.into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(plot_err)?;
    }
    encode_png(&buf, w, h)
}

/// Writes [`chart_png_bytes`] to `path` atomically.
pub fn chart_png(chart: &Chart, path: &Path) -> Result<()> {
    write_atomic(path, &chart_png_bytes(chart)?)
}

fn validate(chart: &Chart) -> Result<()> {
    for (i, s) in chart.series.iter().enumerate() {
        let n = s.x.len();
        let name = if s.label.is_empty() {
            format!("#{i}")
        } else {
            format!("{:?}", s.label)
        };
        if s.mean.len() != n {
            bail!(
                "chart {:?}, series {name}: {} mean values for {n} x values",
                chart.title,
                s.mean.len()
            );
        }
        match (&s.lo, &s.hi) {
            (Some(lo), Some(hi)) => {
                if lo.len() != n || hi.len() != n {
                    bail!(
                        "chart {:?}, series {name}: band has {} lo and {} hi values for {n} x values",
                        chart.title,
                        lo.len(),
                        hi.len()
                    );
                }
            }
            (None, None) => {}
            _ => bail!(
                "chart {:?}, series {name}: a band needs both lo and hi",
                chart.title
            ),
        }
    }
    Ok(())
}

/// Maximal runs of consecutive indices where `ok(i)` holds.
fn runs(n: usize, ok: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=n {
        let good = i < n && ok(i);
        match (good, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn band_ok(s: &Band, i: usize) -> bool {
    match (&s.lo, &s.hi) {
        (Some(lo), Some(hi)) => s.x[i].is_finite() && lo[i].is_finite() && hi[i].is_finite(),
        _ => false,
    }
}

/// `(min, max)` of the finite values, if any.
fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens a degenerate range and, when `pad`, adds 5 % on both sides.
fn tidy_range(r: Option<(f64, f64)>, pad: bool) -> (f64, f64) {
    match r {
        None => (0.0, 1.0),
        Some((lo, hi)) if hi <= lo => {
            let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
            (lo - d, hi + d)
        }
        Some((lo, hi)) if pad => {
            let d = (hi - lo) * 0.05;
            (lo - d, hi + d)
        }
        Some(r) => r,
    }
}

/// Legend layout: for each series, its (row, x offset); and the row count.
fn legend_layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    width: i32,
) -> Result<(Vec<(u32, i32)>, u32)> {
    let font: TextStyle = (FAMILY, LEGEND_FONT).into();
    let mut pos = Vec::new();
    let (mut row, mut x) = (0u32, 0i32);
    for s in &chart.series {
        let (tw, _) = root.estimate_text_size(&s.label, &font).map_err(plot_err)?;
        let w = SWATCH + 8 + tw as i32 + 26;
        if x > 0 && x + w > width {
            row += 1;
            x = 0;
        }
        pos.push((row, x));
        x += w;
    }
    let rows = if chart.series.is_empty() { 0 } else { row + 1 };
    Ok((pos, rows))
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let (w, h) = root.dim_in_pixel();
    let margin = 14i32;
    let (legend_pos, legend_rows) = legend_layout(root, chart, w as i32 - 2 * margin - 60)?;
    let legend_h = if legend_rows > 0 {
        legend_rows * LEGEND_ROW + 12
    } else {
        0
    };
    let (upper, lower) = root.split_vertically(h.saturating_sub(legend_h).max(120));

    let points = || {
        chart
            .series
            .iter()
            .flat_map(|s| (0..s.x.len()).map(move |i| (s, i)))
    };
    let x_range = tidy_range(
        finite_range(points().filter_map(|(s, i)| {
            let y_ok = s.mean[i].is_finite() || band_ok(s, i);
            y_ok.then_some(s.x[i])
        })),
        false,
    );
    let y_range = tidy_range(
        finite_range(
            points()
                .filter(|(s, i)| s.x[*i].is_finite())
                .flat_map(|(s, i)| {
                    let mut v = vec![s.mean[i]];
                    if band_ok(s, i) {
                        v.push(s.lo.as_ref().map_or(f64::NAN, |lo| lo[i]));
                        v.push(s.hi.as_ref().map_or(f64::NAN, |hi| hi[i]));
                    }
                    v
                }),
        ),
        true,
    );
    let has_data = points().any(|(s, i)| s.x[i].is_finite() && s.mean[i].is_finite())
        || points().any(|(s, i)| band_ok(s, i));

    let mut builder = ChartBuilder::on(&upper);
    builder
        .margin(margin)
        .margin_right(margin + 12)
        .x_label_area_size(50)
        .y_label_area_size(78);
    if !chart.title.is_empty() {
        builder.caption(&chart.title, (FAMILY, 28).into_font());
    }
    let mut cc = builder
        .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
        .map_err(plot_err)?;
    let (xs, ys) = (x_range.1 - x_range.0, y_range.1 - y_range.0);
    let x_fmt = move |v: &f64| fmt_tick(*v, xs);
    let y_fmt = move |v: &f64| fmt_tick(*v, ys);
    cc.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .bold_line_style(RGBColor(221, 221, 221))
        .light_line_style(RGBColor(242, 242, 242))
        .axis_style(RGBColor(90, 90, 90))
        .draw()
        .map_err(plot_err)?;

    // Bands first, so that every line lies on top of every band.
    for (k, s) in chart.series.iter().enumerate() {
        let (Some(lo), Some(hi)) = (&s.lo, &s.hi) else {
            continue;
        };
        let fill = series_colour(k).plotters().mix(BAND_ALPHA).filled();
        for r in runs(s.x.len(), |i| band_ok(s, i)) {
            if r.len() == 1 {
                let i = r.start;
                cc.draw_series(std::iter::once(PathElement::new(
                    vec![(s.x[i], lo[i]), (s.x[i], hi[i])],
                    series_colour(k).plotters().mix(0.5).stroke_width(3),
                )))
                .map_err(plot_err)?;
                continue;
            }
            let mut poly: Vec<(f64, f64)> = r.clone().map(|i| (s.x[i], hi[i])).collect();
            poly.extend(r.rev().map(|i| (s.x[i], lo[i])));
            cc.draw_series(std::iter::once(Polygon::new(poly, fill)))
                .map_err(plot_err)?;
        }
    }
    for (k, s) in chart.series.iter().enumerate() {
        let colour = series_colour(k).plotters();
        for r in runs(s.x.len(), |i| s.x[i].is_finite() && s.mean[i].is_finite()) {
            if r.len() == 1 {
                let i = r.start;
                cc.draw_series(std::iter::once(Circle::new(
                    (s.x[i], s.mean[i]),
                    3,
                    colour.filled(),
                )))
                .map_err(plot_err)?;
            } else {
                cc.draw_series(LineSeries::new(
                    r.map(|i| (s.x[i], s.mean[i])),
                    colour.stroke_width(2),
                ))
                .map_err(plot_err)?;
            }
        }
    }
    if !has_data {
        let centre = cc.plotting_area().get_pixel_range();
        let (cx, cy) = (
            (centre.0.start + centre.0.end) / 2,
            (centre.1.start + centre.1.end) / 2,
        );
        upper
            .draw(&Text::new(
                "no data",
                (cx, cy),
                (FAMILY, 20)
                    .into_font()
                    .color(&RGBColor(120, 120, 120))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(plot_err)?;
    }

    // Legend below the plot, in rows.
    let left = margin + 60;
    let text_style = (FAMILY, LEGEND_FONT)
        .into_font()
        .color(&RGBColor(30, 30, 30))
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (k, (s, (row, x))) in chart.series.iter().zip(legend_pos).enumerate() {
        let colour = series_colour(k).plotters();
        let y = (row * LEGEND_ROW + LEGEND_ROW / 2) as i32;
        let x = left + x;
        if s.lo.is_some() {
            lower
                .draw(&Rectangle::new(
                    [(x, y - 7), (x + SWATCH, y + 7)],
                    colour.mix(BAND_ALPHA).filled(),
                ))
                .map_err(plot_err)?;
        }
        lower
            .draw(&PathElement::new(
                vec![(x, y), (x + SWATCH, y)],
                colour.stroke_width(2),
            ))
            .map_err(plot_err)?;
        lower
            .draw(&Text::new(
                s.label.as_str(),
                (x + SWATCH + 8, y),
                &text_style,
            ))
            .map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Chart {
        let x: Vec<f64> = (0..20).map(|i| 2020.0 + i as f64 * 0.25).collect();
        let mean: Vec<f64> = x.iter().map(|v| (v - 2020.0).sin() * 10.0 + 50.0).collect();
        let mut gap = mean.clone();
        gap[7] = f64::NAN;
        Chart {
            title: "Firms & startups <test>".into(),
            x_label: "year".into(),
            y_label: "count".into(),
            series: vec![
                Band::with_band(
                    "baseline",
                    x.clone(),
                    mean.clone(),
                    mean.iter().map(|m| m - 3.0).collect(),
                    mean.iter().map(|m| m + 3.0).collect(),
                ),
                Band::line("policy", x, gap.iter().map(|m| m * 1.1).collect()),
            ],
        }
    }

    #[test]
    fn svg_is_deterministic_and_escaped() {
        let a = chart_svg(&demo()).unwrap();
        let b = chart_svg(&demo()).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with("<svg"));
        assert!(a.contains("Firms &amp; startups &lt;test&gt;"));
        assert!(a.contains("baseline") && a.contains("policy"));
        assert!(a.contains("<polygon"));
    }

    #[test]
    fn png_is_deterministic() {
        let a = chart_png_bytes(&demo()).unwrap();
        assert_eq!(a, chart_png_bytes(&demo()).unwrap());
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn empty_and_nan_charts_draw() {
        let empty = Chart::default();
        assert!(chart_svg(&empty).unwrap().contains("no data"));
        chart_png_bytes(&empty).unwrap();
        let nan = Chart {
            series: vec![Band::line("n", vec![f64::NAN, 1.0], vec![1.0, f64::NAN])],
            ..Chart::default()
        };
        assert!(chart_svg(&nan).unwrap().contains("no data"));
        let one = Chart {
            series: vec![Band::line("one", vec![3.0], vec![3.0])],
            ..Chart::default()
        };
        chart_png_bytes(&one).unwrap();
    }

    #[test]
    fn bad_lengths_are_errors() {
        let mut c = demo();
        c.series[0].mean.pop();
        assert!(chart_svg(&c).is_err());
        let mut c = demo();
        c.series[0].hi = None;
        assert!(chart_svg(&c).is_err());
        let mut c = demo();
        c.series[0].lo.as_mut().unwrap().push(1.0);
        assert!(chart_png_bytes(&c).is_err());
    }

    #[test]
    fn runs_split_at_gaps() {
        let v = [1.0, f64::NAN, 2.0, 3.0, f64::NAN];
        assert_eq!(runs(v.len(), |i| v[i].is_finite()), vec![0..1, 2..4]);
        assert!(runs(0, |_| true).is_empty());
    }
}
