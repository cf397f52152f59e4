//! Maps of one [`GridLayer`]: coloured cells, colour bar, km axes, labelled places, a scale bar
//! and a north arrow (bottom left) and, for a georeferenced layer, longitude/latitude ticks on the top and right
//! edges.
//!
//! Layout (pixels): a title band on top, the map on the left with km axes,
//! the colour bar on the right with the unit above it and a "no data"
//! swatch below it when some cells have no finite value. The map keeps
//! the true aspect ratio (one km is as long east–west as north–south), so
//! the canvas height follows the grid's shape; a square grid gives a
//! canvas of 910 × 822 pixels.

use std::path::Path;

use anyhow::{bail, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colour::{Scale, NO_DATA_COLOUR};
use super::font::{ensure_registered, FAMILY};
use super::text::CleanText;
use super::{encode_png, fmt_tick, plot_err, GridLayer, OutlineKind, Place};
use crate::files::write_atomic;

const MARGIN: i32 = 14;
const TITLE_H: i32 = 70;
const LEFT: i32 = 72;
const BOTTOM: i32 = 58;
const BAR_GAP: i32 = 26;
const BAR_W: i32 = 26;
const BAR_LABELS: i32 = 78;
const MAX_PLOT_W: f64 = 680.0;
const MAX_PLOT_H: f64 = 760.0;
const MIN_BAR_H: i32 = 240;
const MIN_W: i32 = 560;
const BAR_STEPS: usize = 128;

/// Pixel layout of a map, derived from the grid's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    width: u32,
    height: u32,
    /// Left edge of the y-label area.
    left: i32,
    plot_w: i32,
    plot_h: i32,
    bar_h: i32,
}

impl Layout {
    fn for_layer(layer: &GridLayer) -> Layout {
        let (w_km, h_km) = (
            layer.cols() as f64 * layer.cell_km,
            layer.rows() as f64 * layer.cell_km,
        );
        let s = (MAX_PLOT_W / w_km).min(MAX_PLOT_H / h_km);
        let plot_w = ((s * w_km).round() as i32).max(1);
        let plot_h = ((s * h_km).round() as i32).max(1);
        // Room under the colour bar for the outline legend (one line per kind drawn).
        let kinds = [
            OutlineKind::Park,
            OutlineKind::District,
            OutlineKind::Road,
            OutlineKind::Rail,
        ]
        .iter()
        .filter(|k| layer.outlines.iter().any(|o| o.kind == **k))
        .count() as i32;
        let reserve = if kinds > 0 { 22 * kinds + 40 } else { 0 };
        let bar_h = (plot_h - reserve).max(MIN_BAR_H);
        let needed = MARGIN + LEFT + plot_w + BAR_GAP + BAR_W + BAR_LABELS + MARGIN;
        let width = needed.max(MIN_W);
        Layout {
            width: width as u32,
            height: (TITLE_H + plot_h.max(bar_h + reserve) + BOTTOM + MARGIN) as u32,
            left: MARGIN + (width - needed) / 2,
            plot_w,
            plot_h,
            bar_h,
        }
    }
}

fn validate(layer: &GridLayer) -> Result<()> {
    if layer.rows() == 0 || layer.cols() == 0 {
        bail!(
            "layer {:?}: grid is empty ({}×{} cells)",
            layer.name,
            layer.rows(),
            layer.cols()
        );
    }
    if !(layer.cell_km.is_finite() && layer.cell_km > 0.0) {
        bail!(
            "layer {:?}: cell size {} km must be finite and positive",
            layer.name,
            layer.cell_km
        );
    }
    if !(layer.x0_km.is_finite() && layer.y0_km.is_finite()) {
        bail!(
            "layer {:?}: grid origin ({}, {}) km must be finite",
            layer.name,
            layer.x0_km,
            layer.y0_km
        );
    }
    let (w, e, s, n) = layer.extent();
    if !(w.is_finite() && e.is_finite() && s.is_finite() && n.is_finite()) {
        bail!("layer {:?}: grid extent is not finite", layer.name);
    }
    Ok(())
}

/// Draws `layer` as an SVG document (a `<svg>` element with a `viewBox`),
/// marking those `places` that lie on the grid. See [`map_png_bytes`].
pub fn map_svg(layer: &GridLayer, places: &[Place]) -> Result<String> {
    validate(layer)?;
    let scale = Scale::for_layer(layer)?;
    ensure_registered()?;
    let layout = Layout::for_layer(layer);
    let mut out = String::new();
    {
        let root =
            SVGBackend::with_string(&mut out, (layout.width, layout.height)).into_drawing_area();
        draw(&root, layer, places, scale, layout)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out)
}

/// Draws `layer` as PNG bytes (RGB; about 900 pixels wide, height from
/// the grid's aspect ratio): cells coloured by value (viridis, or
/// blue–white–red around 0 when `diverging`), non-finite cells grey, a
/// colour bar with the unit, axes in km, and each place inside the grid
/// marked with a dot and its name. Places off the grid or with non-finite
/// coordinates are left out.
///
/// Errors for an empty grid, a non-positive or non-finite cell size or
/// origin, or an invalid fixed `range`.
pub fn map_png_bytes(layer: &GridLayer, places: &[Place]) -> Result<Vec<u8>> {
    validate(layer)?;
    let scale = Scale::for_layer(layer)?;
    ensure_registered()?;
    let layout = Layout::for_layer(layer);
    let (w, h) = (layout.width, layout.height);
    let mut buf = vec![255u8; w as usize * h as usize * 3];
    {
        let root =
            CleanText::new(BitMapBackend::with_buffer(&mut buf, (w, h)))?.into_drawing_area();
        draw(&root, layer, places, scale, layout)?;
        root.present().map_err(plot_err)?;
    }
    encode_png(&buf, w, h)
}

/// Writes [`map_png_bytes`] to `path` atomically.
pub fn map_png(layer: &GridLayer, places: &[Place], path: &Path) -> Result<()> {
    write_atomic(path, &map_png_bytes(layer, places)?)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layer: &GridLayer,
    places: &[Place],
    scale: Scale,
    l: Layout,
) -> Result<()> {
    root.fill(&WHITE).map_err(plot_err)?;
    let ink = RGBColor(30, 30, 30);

    // Title.
    root.draw(&Text::new(
        layer.title.as_str(),
        (l.width as i32 / 2, 16),
        (FAMILY, 30)
            .into_font()
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(plot_err)?;

    // Map panel.
    let (west, east, south, north) = layer.extent();
    let panel = root
        .clone()
        .shrink((l.left, TITLE_H), (LEFT + l.plot_w, l.plot_h + BOTTOM));
    let mut cc = ChartBuilder::on(&panel)
        .x_label_area_size(BOTTOM)
        .y_label_area_size(LEFT)
        .build_cartesian_2d(west..east, south..north)
        .map_err(plot_err)?;

    let cell = layer.cell_km;
    for iy in 0..layer.rows() {
        let (y_lo, y_hi) = (south + iy as f64 * cell, south + (iy + 1) as f64 * cell);
        let mut ix = 0;
        while ix < layer.cols() {
            let c = scale.colour(layer.value_at(ix, iy).unwrap_or(f64::NAN));
            let mut end = ix + 1;
            while end < layer.cols()
                && scale.colour(layer.value_at(end, iy).unwrap_or(f64::NAN)) == c
            {
                end += 1;
            }
            cc.draw_series(std::iter::once(Rectangle::new(
                [
                    (west + ix as f64 * cell, y_lo),
                    (west + end as f64 * cell, y_hi),
                ],
                c.plotters().filled(),
            )))
            .map_err(plot_err)?;
            ix = end;
        }
    }

    let (xs, ys) = (east - west, north - south);
    let x_fmt = move |v: &f64| fmt_tick(*v, xs);
    let y_fmt = move |v: &f64| fmt_tick(*v, ys);
    cc.configure_mesh()
        .disable_mesh()
        .x_desc("km east")
        .y_desc("km north")
        .x_labels(10)
        .y_labels(10)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .axis_style(RGBColor(90, 90, 90))
        .draw()
        .map_err(plot_err)?;
    cc.plotting_area()
        .draw(&Rectangle::new(
            [(west, south), (east, north)],
            RGBColor(90, 90, 90).stroke_width(1),
        ))
        .map_err(plot_err)?;

    // Outlines: district boundaries, then parks, roads and rail on top.
    for kind in [
        OutlineKind::District,
        OutlineKind::Park,
        OutlineKind::Road,
        OutlineKind::Rail,
    ] {
        for o in layer.outlines.iter().filter(|o| o.kind == kind) {
            let pts: Vec<(f64, f64)> = o
                .points
                .iter()
                .map(|&(x, y)| (x.clamp(west, east), y.clamp(south, north)))
                .collect();
            let strokes: &[(RGBColor, u32)] = match kind {
                OutlineKind::District => &[(RGBColor(110, 110, 110), 1)],
                OutlineKind::Park => &[(RGBColor(255, 255, 255), 4), (RGBColor(0, 120, 60), 2)],
                OutlineKind::Road => &[(RGBColor(255, 255, 255), 3), (RGBColor(70, 70, 70), 1)],
                OutlineKind::Rail => &[(RGBColor(0, 0, 0), 2)],
            };
            for &(colour, width) in strokes {
                cc.draw_series(std::iter::once(PathElement::new(
                    pts.clone(),
                    colour.stroke_width(width),
                )))
                .map_err(plot_err)?;
            }
        }
    }

    draw_furniture(root, &cc, layer)?;

    draw_places(root, &cc, layer, places)?;
    draw_colour_bar(root, layer, scale, l)
}

/// Places: a dot each, then labels with a white halo, most important first (the order given).
/// A label goes right of its dot, or left when that overlaps an earlier label or another dot
/// (or near the eastern edge); failing both, on a side where it only covers dots; when both
/// sides overlap earlier labels it is left out.
fn draw_places<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cc: &ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    layer: &GridLayer,
    places: &[Place],
) -> Result<()> {
    let (west, east, south, north) = layer.extent();
    let (px_range, _) = cc.plotting_area().get_pixel_range();
    let flip_at = px_range.start + (px_range.end - px_range.start) * 7 / 10;
    let on_map: Vec<(&Place, (i32, i32))> = places
        .iter()
        .filter(|p| {
            p.x_km.is_finite()
                && p.y_km.is_finite()
                && (west..=east).contains(&p.x_km)
                && (south..=north).contains(&p.y_km)
        })
        .map(|p| (p, cc.backend_coord(&(p.x_km, p.y_km))))
        .collect();
    // Placed labels: (place, anchor side, text position); a place whose label finds no room
    // gets no dot either (an unlabelled dot says nothing).
    let mut placed: Vec<(usize, HPos, i32)> = Vec::new();
    let label_font: TextStyle = (FAMILY, 18).into();
    let overlaps = |a: (i32, i32, i32, i32), b: &(i32, i32, i32, i32)| {
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    };
    let mut taken: Vec<(i32, i32, i32, i32)> = Vec::new();
    for (k, (p, (px, py))) in on_map.iter().enumerate() {
        let (px, py) = (*px, *py);
        let (tw, th) = root
            .estimate_text_size(p.name.as_str(), &label_font)
            .map_err(plot_err)?;
        let (tw, th) = (tw as i32, th as i32);
        let sides = if px > flip_at {
            [true, false]
        } else {
            [false, true]
        };
        let free = |left: bool, mind_dots: bool| {
            let x0 = if left { px - 9 - tw } else { px + 9 };
            let bbox = (x0 - 2, py - th / 2 - 2, x0 + tw + 2, py + th / 2 + 2);
            let hits_label = taken.iter().any(|b| overlaps(bbox, b));
            let hits_dot = mind_dots
                && on_map.iter().enumerate().any(|(j, (_, (qx, qy)))| {
                    j != k && overlaps(bbox, &(qx - 6, qy - 6, qx + 6, qy + 6))
                });
            let clear = !hits_label && !hits_dot;
            clear.then_some(bbox)
        };
        // Rather cover a less important dot than lose the label.
        let Some((left, bbox)) = [true, false].iter().find_map(|&mind_dots| {
            sides
                .iter()
                .find_map(|&left| free(left, mind_dots).map(|b| (left, b)))
        }) else {
            continue;
        };
        taken.push(bbox);
        let (anchor, tx) = if left {
            (HPos::Right, px - 9)
        } else {
            (HPos::Left, px + 9)
        };
        placed.push((k, anchor, tx));
    }
    for &(k, _, _) in &placed {
        let (px, py) = on_map[k].1;
        root.draw(&Circle::new((px, py), 6, WHITE.filled()))
            .map_err(plot_err)?;
        root.draw(&Circle::new((px, py), 4, BLACK.filled()))
            .map_err(plot_err)?;
    }
    for &(k, anchor, tx) in &placed {
        let (p, (_, py)) = on_map[k];
        halo_text(
            root,
            p.name.as_str(),
            (tx, py),
            18,
            Pos::new(anchor, VPos::Center),
        )?;
    }
    Ok(())
}

/// The colour bar right of the map, with its ticks, unit, the "no data" swatch when needed
/// and the outline kinds drawn.
fn draw_colour_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layer: &GridLayer,
    scale: Scale,
    l: Layout,
) -> Result<()> {
    let ink = RGBColor(30, 30, 30);
    let bar_x = l.left + LEFT + l.plot_w + BAR_GAP;
    let bar_panel = root.clone().shrink((bar_x, TITLE_H), (BAR_W, l.bar_h));
    let mut bar = ChartBuilder::on(&bar_panel)
        .build_cartesian_2d(0.0..1.0, scale.lo..scale.hi)
        .map_err(plot_err)?;
    let span = scale.hi - scale.lo;
    bar.draw_series((0..BAR_STEPS).map(|k| {
        let v0 = scale.lo + span * k as f64 / BAR_STEPS as f64;
        let v1 = scale.lo + span * (k + 1) as f64 / BAR_STEPS as f64;
        let c = scale.colour((v0 + v1) / 2.0);
        Rectangle::new([(0.0, v0), (1.0, v1)], c.plotters().filled())
    }))
    .map_err(plot_err)?;
    let frame = RGBColor(90, 90, 90);
    bar.plotting_area()
        .draw(&Rectangle::new(
            [(0.0, scale.lo), (1.0, scale.hi)],
            frame.stroke_width(1),
        ))
        .map_err(plot_err)?;
    // Ticks and labels drawn by hand: plotters puts right-hand labels
    // flush against their tick marks.
    let label_style = (FAMILY, 16)
        .into_font()
        .color(&ink)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for v in nice_ticks(scale.lo, scale.hi, 8) {
        let (x, y) = bar.backend_coord(&(1.0, v));
        root.draw(&PathElement::new(vec![(x, y), (x + 6, y)], frame))
            .map_err(plot_err)?;
        root.draw(&Text::new(fmt_tick(v, span), (x + 10, y), &label_style))
            .map_err(plot_err)?;
    }

    // Unit, right-aligned above the colour bar.
    root.draw(&Text::new(
        layer.unit.as_str(),
        (l.width as i32 - MARGIN, TITLE_H - 12),
        (FAMILY, 18)
            .into_font()
            .color(&ink)
            .pos(Pos::new(HPos::Right, VPos::Bottom)),
    ))
    .map_err(plot_err)?;

    // "No data" swatch, only when needed.
    if layer.values.iter().any(|v| !v.is_finite()) {
        let y = TITLE_H + l.bar_h + 16;
        root.draw(&Rectangle::new(
            [(bar_x, y), (bar_x + BAR_W, y + 16)],
            NO_DATA_COLOUR.plotters().filled(),
        ))
        .map_err(plot_err)?;
        root.draw(&Rectangle::new(
            [(bar_x, y), (bar_x + BAR_W, y + 16)],
            RGBColor(90, 90, 90).stroke_width(1),
        ))
        .map_err(plot_err)?;
        root.draw(&Text::new(
            layer.no_data_label.as_str(),
            (bar_x + BAR_W + 8, y + 8),
            (FAMILY, 16)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(plot_err)?;
    }
    // The outline kinds drawn, under the swatch.
    let mut y = TITLE_H + l.bar_h + 44;
    for kind in [
        OutlineKind::Park,
        OutlineKind::District,
        OutlineKind::Road,
        OutlineKind::Rail,
    ] {
        if !layer.outlines.iter().any(|o| o.kind == kind) {
            continue;
        }
        let (colour, width) = match kind {
            OutlineKind::District => (RGBColor(110, 110, 110), 1),
            OutlineKind::Park => (RGBColor(0, 120, 60), 2),
            OutlineKind::Road => (RGBColor(70, 70, 70), 1),
            OutlineKind::Rail => (RGBColor(0, 0, 0), 2),
        };
        root.draw(&PathElement::new(
            vec![(bar_x, y), (bar_x + BAR_W, y)],
            colour.stroke_width(width),
        ))
        .map_err(plot_err)?;
        root.draw(&Text::new(
            kind.label(),
            (bar_x + BAR_W + 8, y),
            (FAMILY, 16)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(plot_err)?;
        y += 22;
    }
    Ok(())
}

/// Longitude ticks along the top edge, latitude ticks along the right edge (the graticule is
/// slightly rotated against the grid, so each tick is placed where its line crosses); none
/// without a georeference.
fn draw_graticule<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cc: &ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    layer: &GridLayer,
) -> Result<()> {
    let (west, east, south, north) = layer.extent();
    let (cx, cy) = ((west + east) / 2.0, (south + north) / 2.0);
    let to_px = |x: f64, y: f64| cc.backend_coord(&(x, y));
    let Some(g) = layer.georef else {
        return Ok(());
    };
    let corners: Vec<(f64, f64)> = [(west, south), (west, north), (east, south), (east, north)]
        .iter()
        .map(|&(x, y)| g.to_lonlat(x, y))
        .collect();
    if corners
        .iter()
        .any(|(a, b)| !a.is_finite() || !b.is_finite())
    {
        return Ok(());
    }
    let lon_min = corners[0].0.max(corners[1].0);
    let lon_max = corners[2].0.min(corners[3].0);
    let lat_min = corners[0].1.max(corners[2].1);
    let lat_max = corners[1].1.min(corners[3].1);
    let deg = |v: f64, hemi: (&str, &str), span: f64| {
        let digits = if span >= 2.0 {
            0
        } else if span >= 0.2 {
            1
        } else {
            2
        };
        format!(
            "{:.*}°{}",
            digits,
            v.abs(),
            if v >= 0.0 { hemi.0 } else { hemi.1 }
        )
    };
    let frame = RGBColor(90, 90, 90);
    // Where the meridian `lon` crosses the top edge (km east), by two fixed-point steps.
    for lon in nice_ticks(lon_min, lon_max, 6) {
        let mut x = cx;
        for _ in 0..3 {
            let lat = g.to_lonlat(x, north).1;
            match g.from_lonlat(lon, lat) {
                Some((xx, _)) => x = xx,
                None => break,
            }
        }
        if !(west..=east).contains(&x) {
            continue;
        }
        let (px, py) = to_px(x, north);
        root.draw(&PathElement::new(vec![(px, py), (px, py + 7)], frame))
            .map_err(plot_err)?;
        root.draw(&Text::new(
            deg(lon, ("E", "W"), lon_max - lon_min),
            (px, py - 3),
            (FAMILY, 14)
                .into_font()
                .color(&RGBColor(30, 30, 30))
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .map_err(plot_err)?;
    }
    for lat in nice_ticks(lat_min, lat_max, 8) {
        let mut y = cy;
        for _ in 0..3 {
            let lon = g.to_lonlat(east, y).0;
            match g.from_lonlat(lon, lat) {
                Some((_, yy)) => y = yy,
                None => break,
            }
        }
        if !(south..=north).contains(&y) {
            continue;
        }
        let (px, py) = to_px(east, y);
        root.draw(&PathElement::new(vec![(px - 7, py), (px, py)], frame))
            .map_err(plot_err)?;
        halo_text(
            root,
            &deg(lat, ("N", "S"), lat_max - lat_min),
            (px - 10, py),
            14,
            Pos::new(HPos::Right, VPos::Center),
        )?;
    }
    Ok(())
}

/// Text with a white halo (readable over any colour).
fn halo_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    size: u32,
    pos: Pos,
) -> Result<()> {
    let style = |c: &RGBColor| (FAMILY, size).into_font().color(c).pos(pos);
    for (dx, dy) in [
        (-1, -1),
        (0, -2),
        (1, -1),
        (-2, 0),
        (2, 0),
        (-1, 1),
        (0, 2),
        (1, 1),
    ] {
        root.draw(&Text::new(text, (x + dx, y + dy), style(&WHITE)))
            .map_err(plot_err)?;
    }
    root.draw(&Text::new(text, (x, y), style(&BLACK)))
        .map_err(plot_err)?;
    Ok(())
}

/// The scale bar (bottom left, a nice length near a fifth of the width), the north arrow (beside
/// it, to true north where the layer is georeferenced) and the longitude/latitude ticks.
fn draw_furniture<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cc: &ChartContext<
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    layer: &GridLayer,
) -> Result<()> {
    let (west, east, south, north) = layer.extent();
    let to_px = |x: f64, y: f64| cc.backend_coord(&(x, y));
    let (x_left, y_bottom) = to_px(west, south);
    let (x_right, _) = to_px(east, north);
    let px_per_km = (x_right - x_left) as f64 / (east - west);

    // Scale bar: 1, 2 or 5 × 10ⁿ km, about a fifth of the map's width, in two halves.
    let target = (east - west) / 5.0;
    let mag = 10f64.powf(target.log10().floor());
    let len_km = [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * mag)
        .find(|&l| l <= target)
        .unwrap_or(mag);
    let len_px = (len_km * px_per_km).round() as i32;
    // The north arrow stands right of the scale bar, both at the bottom left.
    let mut arrow_x = x_left + 40;
    if len_px >= 20 {
        arrow_x = x_left + 14 + len_px + 40;
        let (bx, by) = (x_left + 14, y_bottom - 22);
        let half = len_px / 2;
        root.draw(&Rectangle::new(
            [(bx - 6, by - 26), (bx + len_px + 6, by + 12)],
            WHITE.mix(0.8).filled(),
        ))
        .map_err(plot_err)?;
        root.draw(&Rectangle::new(
            [(bx, by), (bx + half, by + 6)],
            BLACK.filled(),
        ))
        .map_err(plot_err)?;
        root.draw(&Rectangle::new(
            [(bx + half, by), (bx + len_px, by + 6)],
            WHITE.filled(),
        ))
        .map_err(plot_err)?;
        root.draw(&Rectangle::new(
            [(bx, by), (bx + len_px, by + 6)],
            BLACK.stroke_width(1),
        ))
        .map_err(plot_err)?;
        let label = if len_km >= 1.0 {
            format!("{len_km:.0} km")
        } else {
            format!("{} m", (len_km * 1000.0).round())
        };
        root.draw(&Text::new(
            label,
            (bx + len_px / 2, by - 4),
            (FAMILY, 15)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .map_err(plot_err)?;
    }

    // North arrow: true north is the direction of the meridian through the map's centre.
    let (cx, cy) = ((west + east) / 2.0, (south + north) / 2.0);
    let angle = layer
        .georef
        .and_then(|g| {
            let (lon, lat) = g.to_lonlat(cx, cy);
            let (nx, ny) = g.from_lonlat(lon, lat + 0.05)?;
            Some((nx - cx).atan2(ny - cy))
        })
        .filter(|a| a.is_finite())
        .unwrap_or(0.0);
    let (ax, ay) = (arrow_x, y_bottom - 34);
    let (s, c) = angle.sin_cos();
    let rot = |dx: f64, dy: f64| {
        // (dx east, dy north) in pixels → screen, rotated by the grid's convergence.
        let (ex, ny) = (dx * c + dy * s, -dx * s + dy * c);
        (ax + ex.round() as i32, ay - ny.round() as i32)
    };
    root.draw(&Rectangle::new(
        [(ax - 20, ay - 30), (ax + 20, ay + 18)],
        WHITE.mix(0.8).filled(),
    ))
    .map_err(plot_err)?;
    root.draw(&Polygon::new(
        vec![rot(0.0, 18.0), rot(-8.0, -12.0), rot(0.0, -5.0)],
        BLACK.filled(),
    ))
    .map_err(plot_err)?;
    root.draw(&Polygon::new(
        vec![rot(0.0, 18.0), rot(8.0, -12.0), rot(0.0, -5.0)],
        WHITE.filled(),
    ))
    .map_err(plot_err)?;
    root.draw(&PathElement::new(
        vec![
            rot(0.0, 18.0),
            rot(8.0, -12.0),
            rot(0.0, -5.0),
            rot(-8.0, -12.0),
            rot(0.0, 18.0),
        ],
        BLACK,
    ))
    .map_err(plot_err)?;
    halo_text(
        root,
        "N",
        rot(0.0, 32.0),
        16,
        Pos::new(HPos::Center, VPos::Center),
    )?;

    draw_graticule(root, cc, layer)
}

/// "Nice" tick values (steps of 1, 2 or 5 × 10ⁿ) inside `[lo, hi]`, at
/// most about `max_n` of them; empty for a degenerate or non-finite range.
fn nice_ticks(lo: f64, hi: f64, max_n: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) || max_n == 0 {
        return Vec::new();
    }
    let raw = span / max_n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= max_n as f64)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 {
                0.0
            } else {
                v
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
