//! Map layers of a run's final state: grid fields as report layers (counts as densities per
//! km²), the world's named places in labelling order, and the PNG map files of a run folder.

use std::path::Path;

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::grids::Field;
use crate::report::{self, GridLayer, Place};
use crate::stats::summary::quantile_sorted;
use crate::world::grid::GridSpec;
use crate::world::places::PlaceKind;
use crate::world::World;

/// Fields that count things per cell and are mapped as densities per km².
const DENSITIES: &[(&str, &str, &str)] = &[
    ("startups", "Start-up density", "start-ups per km²"),
    ("jobs", "Job density", "jobs per km²"),
    ("residents", "Resident workers", "workers per km²"),
];

/// Fields whose few extreme cells (sparse cells at small scales, a handful of very long
/// commutes) may cap the colour scale; rents and knowledge keep their full range, where the
/// highest values are the point of the map.
const CAPPED: &[&str] = &["startups", "jobs", "residents", "commute"];

/// A field as a map layer: counts per cell become densities per km², other fields keep their
/// unit; colours capped as [`share_colours`] says for the fields prone to outliers. Rows run
/// south → north like the grid.
pub fn field_layer(grid: &GridSpec, f: &Field) -> GridLayer {
    let mut layer = field_layer_uncapped(grid, f);
    share_colours(std::slice::from_mut(&mut layer), is_capped(f.name));
    layer
}

/// Whether the field `name` counts things per cell (summed, not averaged, over cells).
pub fn is_count(name: &str) -> bool {
    DENSITIES.iter().any(|d| d.0 == name)
}

/// Whether maps of the field `name` may cap their colour scale.
pub fn is_capped(name: &str) -> bool {
    CAPPED.contains(&name)
}

/// [`field_layer`] without a colour range (for maps that will share one).
pub fn field_layer_uncapped(grid: &GridSpec, f: &Field) -> GridLayer {
    let (title, unit, factor) = match DENSITIES.iter().find(|d| d.0 == f.name) {
        Some(d) => (d.1.to_string(), d.2.to_string(), 1.0 / grid.cell_km2()),
        None => (f.title.to_string(), f.unit.to_string(), 1.0),
    };
    let values = ndarray::Array2::from_shape_fn((grid.ny, grid.nx), |(r, c)| {
        f.values[r * grid.nx + c] * factor
    });
    GridLayer::new(
        f.name,
        title,
        unit,
        values,
        grid.x0_km,
        grid.y0_km,
        grid.cell_km,
    )
}

/// Share of cells above which colours saturate.
const CAP_QUANTILE: f64 = 0.99;

/// Finite values of layers, sorted.
fn sorted_values(layers: &[GridLayer], f: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut v: Vec<f64> = layers
        .iter()
        .flat_map(|l| l.values.iter().copied())
        .filter(|v| v.is_finite())
        .map(f)
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Give sequential layers one colour scale (so that maps of several scenarios compare), from
/// their smallest value to their largest or, with `cap`, to the 99th percentile of their
/// values when a few extreme cells would otherwise squash everything else into the bottom
/// colours (more than half again the range); the unit then says so. A single layer keeps its
/// own scale unless capped.
pub fn share_colours(layers: &mut [GridLayer], cap: bool) {
    let v = sorted_values(layers, |x| x);
    let (Some(&lo), Some(&max)) = (v.first(), v.last()) else {
        return;
    };
    let cap_at = if cap {
        quantile_sorted(&v, CAP_QUANTILE)
    } else {
        None
    };
    let capped = cap_at.is_some_and(|c| c > lo && max - lo > 1.5 * (c - lo));
    let hi = if capped { cap_at.unwrap_or(max) } else { max };
    // Values are finite here, so `<=` is the whole story.
    if hi <= lo || (!capped && layers.len() < 2) {
        return;
    }
    for l in layers.iter_mut() {
        l.range = Some((lo, hi));
        if capped {
            l.unit = format!("{} (≥ 99th pct: top colour)", l.unit);
        }
    }
}

/// Give difference layers one blue–white–red scale symmetric around zero, up to the largest
/// absolute difference or, when outliers dominate as in [`share_colours`], its 99th percentile.
pub fn diverging_colours(layers: &mut [GridLayer]) {
    let v = sorted_values(layers, f64::abs);
    let (Some(&max), Some(cap)) = (v.last(), quantile_sorted(&v, CAP_QUANTILE)) else {
        return;
    };
    let capped = cap > 0.0 && max > 1.5 * cap;
    let m = if capped { cap } else { max };
    for l in layers.iter_mut() {
        l.diverging = true;
        if m > 0.0 {
            l.range = Some((-m, m));
        }
        if capped {
            l.unit = format!("{} (|Δ| ≥ 99th pct: end colours)", l.unit);
        }
    }
}

/// The lines drawn over a world's maps: district boundaries, park outlines (from their
/// cells) and the expressway and rail links of its travel network.
pub fn outlines(world: &World) -> Vec<report::Outline> {
    use report::{Outline, OutlineKind};
    let g = &world.grid;
    let km = |&(c, r): &(i64, i64)| {
        (
            g.x0_km + c as f64 * g.cell_km,
            g.y0_km + r as f64 * g.cell_km,
        )
    };
    let mut out = Vec::new();
    for (areas, kind) in [
        (&world.districts, OutlineKind::District),
        (&world.parks, OutlineKind::Park),
    ] {
        for a in areas {
            for ring in super::geojson::rings(g, &a.cells) {
                out.push(Outline {
                    points: ring.iter().map(km).collect(),
                    kind,
                });
            }
        }
    }
    for l in &world.travel.links {
        out.push(Outline {
            points: l.points.clone(),
            kind: match l.kind {
                crate::world::layers::LinkKind::Expressway => OutlineKind::Road,
                crate::world::layers::LinkKind::Rail => OutlineKind::Rail,
            },
        });
    }
    out
}

/// The world's places for map labels, most important first (landmarks, then residential
/// districts, job centres, and last the universities clustered around Zhongguancun), so that
/// where labels would overlap the important one is kept.
pub fn places(world: &World) -> Vec<Place> {
    let mut p: Vec<&crate::world::places::Place> = world.places.iter().collect();
    p.sort_by_key(|p| match p.kind {
        PlaceKind::Landmark => 0,
        PlaceKind::Residential => 1,
        PlaceKind::JobCentre => 2,
        PlaceKind::University => 3,
    });
    p.iter()
        .map(|p| Place::new(p.label.clone(), p.x_km, p.y_km))
        .collect()
}

/// Render layers to PNG bytes, in parallel, in order.
pub fn render_pngs(layers: &[GridLayer], places: &[Place]) -> Result<Vec<Vec<u8>>> {
    layers
        .par_iter()
        .map(|l| {
            report::map_png_bytes(l, places).with_context(|| format!("drawing the map {}", l.name))
        })
        .collect()
}

/// Write `<dir>/<layer name>.png` for each layer and its PNG bytes.
pub fn write_pngs(dir: &Path, layers: &[GridLayer], pngs: &[Vec<u8>]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (l, png) in layers.iter().zip(pngs) {
        crate::files::write_atomic(&dir.join(format!("{}.png", l.name)), png)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_capped_only_for_outliers() {
        let mut v: Vec<f64> = (0..200).map(|i| (i % 10) as f64).collect();
        v[7] = 1000.0;
        v[8] = f64::NAN;
        let mut l = GridLayer::new(
            "a",
            "A",
            "u",
            ndarray::Array2::from_shape_vec((10, 20), v).unwrap(),
            0.0,
            0.0,
            0.5,
        );
        let mut even = l.clone();
        let mut pair = [l.clone(), l.clone()];
        let mut uncapped = l.clone();
        share_colours(std::slice::from_mut(&mut uncapped), false);
        assert_eq!(uncapped.range, None);
        share_colours(std::slice::from_mut(&mut l), true);
        assert_eq!(l.range, Some((0.0, 9.0)));
        assert!(l.unit.starts_with("u (≥ 99th pct"));
        even.values[[0, 7]] = 9.0;
        let mut one = even.clone();
        share_colours(std::slice::from_mut(&mut one), true);
        assert_eq!(one.range, None);
        assert_eq!(one.unit, "u");
        // Several layers share one scale.
        pair[0] = even.clone();
        pair[1] = even.clone();
        pair[1].values *= 2.0;
        share_colours(&mut pair, true);
        assert_eq!(pair[0].range, Some((0.0, 18.0)));
        assert_eq!(pair[1].range, pair[0].range);
    }

    #[test]
    fn differences_get_a_symmetric_shared_scale() {
        let v = |k: f64| {
            ndarray::Array2::from_shape_fn((10, 20), |(r, c)| k * (r as f64 - c as f64 / 4.0))
        };
        let mut ls = [
            GridLayer::new("a", "A", "u", v(1.0), 0.0, 0.0, 0.5),
            GridLayer::new("b", "B", "u", v(-0.5), 0.0, 0.0, 0.5),
        ];
        diverging_colours(&mut ls);
        assert!(ls
            .iter()
            .all(|l| l.diverging && l.range == Some((-9.0, 9.0))));
        let mut zero = [GridLayer::new(
            "z",
            "Z",
            "u",
            ndarray::Array2::zeros((2, 2)),
            0.0,
            0.0,
            0.5,
        )];
        diverging_colours(&mut zero);
        assert_eq!(zero[0].range, None);
    }
}
