//! Interval charts: one horizontal bar per category and series with a whisker for its
//! interval (e.g. first- and total-order Sobol' indices with confidence intervals per
//! parameter), as SVG text or PNG bytes.

use anyhow::{bail, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colour::series_colour;
use super::font::{ensure_registered, FAMILY};
use super::text::CleanText;
use super::{encode_png, fmt_tick, plot_err, CHART_SIZE};

/// One series of an [`IntervalChart`]: a value and an interval per category.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntervalSeries {
    /// Legend label.
    pub label: String,
    /// Value per category (non-finite: not drawn).
    pub value: Vec<f64>,
    /// Lower end of the interval per category.
    pub lo: Vec<f64>,
    /// Upper end of the interval per category.
    pub hi: Vec<f64>,
}

/// Horizontal bars with interval whiskers, categories from top to bottom.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IntervalChart {
    /// Title.
    pub title: String,
    /// Label of the value axis.
    pub x_label: String,
    /// Category names (drawn left of the bars).
    pub categories: Vec<String>,
    /// Series, one colour each.
    pub series: Vec<IntervalSeries>,
}

fn validate(c: &IntervalChart) -> Result<()> {
    let n = c.categories.len();
    for s in &c.series {
        if s.value.len() != n || s.lo.len() != n || s.hi.len() != n {
            bail!(
                "interval chart {:?}, series {:?}: {} values, {} lo, {} hi for {n} categories",
                c.title,
                s.label,
                s.value.len(),
                s.lo.len(),
                s.hi.len()
            );
        }
    }
    Ok(())
}

/// Draws `chart` as an SVG document ([`CHART_SIZE`] or taller for many categories).
pub fn interval_chart_svg(chart: &IntervalChart) -> Result<String> {
    validate(chart)?;
    ensure_registered()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size(chart)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out)
}

/// Draws `chart` as PNG bytes (RGB).
pub fn interval_chart_png_bytes(chart: &IntervalChart) -> Result<Vec<u8>> {
    validate(chart)?;
    ensure_registered()?;
    let (w, h) = size(chart);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root =
            CleanText::new(BitMapBackend::with_buffer(&mut buf, (w, h)))?.into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(plot_err)?;
    }
    encode_png(&buf, w, h)
}

fn size(chart: &IntervalChart) -> (u32, u32) {
    let per = 22 * chart.series.len().max(1) as u32 + 18;
    let h = (200 + per * chart.categories.len() as u32).max(CHART_SIZE.1 / 2);
    (CHART_SIZE.0, h)
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &IntervalChart) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let (_, h) = root.dim_in_pixel();
    let legend_h = if chart.series.is_empty() { 0 } else { 40 };
    let (upper, lower) = root.split_vertically(h.saturating_sub(legend_h).max(120));
    let label_font: TextStyle = (FAMILY, 15).into();
    let mut label_w = 40u32;
    for c in &chart.categories {
        let (w, _) = root.estimate_text_size(c, &label_font).map_err(plot_err)?;
        label_w = label_w.max(w);
    }
    let label_w = label_w.min(CHART_SIZE.0 / 2);
    let finite = chart
        .series
        .iter()
        .flat_map(|s| s.value.iter().chain(&s.lo).chain(&s.hi))
        .copied()
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = finite.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    if hi <= lo {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    lo -= if lo < 0.0 { pad } else { 0.0 };
    hi += pad;
    let k = chart.categories.len().max(1);
    let mut builder = ChartBuilder::on(&upper);
    builder
        .margin(14)
        .margin_right(26)
        .x_label_area_size(50)
        .y_label_area_size(label_w + 16);
    if !chart.title.is_empty() {
        builder.caption(&chart.title, (FAMILY, 24).into_font());
    }
    let mut cc = builder
        .build_cartesian_2d(lo..hi, -0.5f64..(k as f64 - 0.5))
        .map_err(plot_err)?;
    let span = hi - lo;
    let x_fmt = move |v: &f64| fmt_tick(*v, span);
    let no_label = |_: &f64| String::new();
    cc.configure_mesh()
        .disable_y_mesh()
        .x_desc(chart.x_label.as_str())
        .x_labels(8)
        .x_label_formatter(&x_fmt)
        .y_labels(0)
        .y_label_formatter(&no_label)
        .label_style((FAMILY, 15))
        .axis_desc_style((FAMILY, 17))
        .bold_line_style(RGBColor(221, 221, 221))
        .light_line_style(RGBColor(242, 242, 242))
        .axis_style(RGBColor(90, 90, 90))
        .draw()
        .map_err(plot_err)?;
    let m = chart.series.len().max(1) as f64;
    let slot = 0.8 / m;
    let grey = RGBColor(90, 90, 90);
    for (i, name) in chart.categories.iter().enumerate() {
        let y = (k - 1 - i) as f64;
        for (j, s) in chart.series.iter().enumerate() {
            let yc = y + 0.4 - slot * (j as f64 + 0.5);
            let colour = series_colour(j).plotters();
            let v = s.value[i];
            if v.is_finite() {
                cc.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, yc - slot * 0.4), (v, yc + slot * 0.4)],
                    colour.mix(0.75).filled(),
                )))
                .map_err(plot_err)?;
            }
            let (a, b) = (s.lo[i], s.hi[i]);
            if a.is_finite() && b.is_finite() {
                let cap = slot * 0.25;
                for seg in [
                    vec![(a, yc), (b, yc)],
                    vec![(a, yc - cap), (a, yc + cap)],
                    vec![(b, yc - cap), (b, yc + cap)],
                ] {
                    cc.draw_series(std::iter::once(PathElement::new(seg, grey.stroke_width(2))))
                        .map_err(plot_err)?;
                }
            }
        }
        let (px, py) = cc.backend_coord(&(lo, y));
        upper
            .draw(&Text::new(
                name.as_str(),
                (px - 8, py),
                (FAMILY, 15)
                    .into_font()
                    .color(&RGBColor(30, 30, 30))
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(plot_err)?;
    }
    let zero = cc.backend_coord(&(0.0, -0.5));
    let top = cc.backend_coord(&(0.0, k as f64 - 0.5));
    upper
        .draw(&PathElement::new(
            vec![(zero.0, zero.1), (top.0, top.1)],
            BLACK.stroke_width(1),
        ))
        .map_err(plot_err)?;
    let mut x = 80i32;
    for (j, s) in chart.series.iter().enumerate() {
        let colour = series_colour(j).plotters();
        lower
            .draw(&Rectangle::new(
                [(x, 13), (x + 26, 27)],
                colour.mix(0.75).filled(),
            ))
            .map_err(plot_err)?;
        let style = (FAMILY, 16)
            .into_font()
            .color(&RGBColor(30, 30, 30))
            .pos(Pos::new(HPos::Left, VPos::Center));
        lower
            .draw(&Text::new(s.label.as_str(), (x + 34, 20), &style))
            .map_err(plot_err)?;
        let (tw, _) = lower
            .estimate_text_size(&s.label, &(FAMILY, 16).into())
            .map_err(plot_err)?;
        x += 34 + tw as i32 + 30;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> IntervalChart {
        IntervalChart {
            title: "Sobol indices: firms".into(),
            x_label: "index".into(),
            categories: vec!["params.a".into(), "b".into(), "c".into()],
            series: vec![
                IntervalSeries {
                    label: "first order".into(),
                    value: vec![0.3, 0.45, -0.01],
                    lo: vec![0.25, 0.4, -0.05],
                    hi: vec![0.35, 0.5, 0.03],
                },
                IntervalSeries {
                    label: "total".into(),
                    value: vec![0.55, 0.45, 0.24],
                    lo: vec![0.5, 0.4, 0.2],
                    hi: vec![0.6, 0.5, f64::NAN],
                },
            ],
        }
    }

    #[test]
    fn draws_deterministically() {
        let a = interval_chart_svg(&demo()).unwrap();
        assert_eq!(a, interval_chart_svg(&demo()).unwrap());
        assert!(a.contains("params.a") && a.contains("first order"));
        let p = interval_chart_png_bytes(&demo()).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(p, interval_chart_png_bytes(&demo()).unwrap());
        let mut bad = demo();
        bad.series[0].lo.pop();
        assert!(interval_chart_svg(&bad).is_err());
        interval_chart_svg(&IntervalChart::default()).unwrap();
    }
}
