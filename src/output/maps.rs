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

/// A field as a map layer: counts per cell become densities per km², other fields keep their
/// unit. Rows run south → north like the grid.
pub fn field_layer(grid: &GridSpec, f: &Field) -> GridLayer {
    let (title, unit, factor) = match DENSITIES.iter().find(|d| d.0 == f.name) {
        Some(d) => (d.1.to_string(), d.2.to_string(), 1.0 / grid.cell_km2()),
        None => (f.title.to_string(), f.unit.to_string(), 1.0),
    };
    let values = ndarray::Array2::from_shape_fn((grid.ny, grid.nx), |(r, c)| {
        f.values[r * grid.nx + c] * factor
    });
    let mut layer = GridLayer::new(
        f.name,
        title,
        unit,
        values,
        grid.x0_km,
        grid.y0_km,
        grid.cell_km,
    );
    cap_colours(&mut layer);
    layer
}

/// Share of cells above which colours saturate.
const CAP_QUANTILE: f64 = 0.99;

/// Cap a sequential layer's colour scale at the 99th percentile of its finite values when a
/// few extreme cells would otherwise squash everything else into the bottom colours; the
/// unit then says so. Layers with a fixed range or a diverging scale are left alone.
pub fn cap_colours(layer: &mut GridLayer) {
    if layer.diverging || layer.range.is_some() {
        return;
    }
    let mut v: Vec<f64> = layer
        .values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    v.sort_by(f64::total_cmp);
    let (Some(&lo), Some(&max)) = (v.first(), v.last()) else {
        return;
    };
    let Some(cap) = quantile_sorted(&v, CAP_QUANTILE) else {
        return;
    };
    // Only when the top 1 % stretch the scale by more than half again.
    if cap > lo && max - lo > 1.5 * (cap - lo) {
        layer.range = Some((lo, cap));
        layer.unit = format!("{} (≥ 99th pct: top colour)", layer.unit);
    }
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
        cap_colours(&mut l);
        assert_eq!(l.range, Some((0.0, 9.0)));
        assert!(l.unit.starts_with("u (≥ 99th pct"));
        even.values[[0, 7]] = 9.0;
        cap_colours(&mut even);
        assert_eq!(even.range, None);
        assert_eq!(even.unit, "u");
    }
}

/// Write `<dir>/<layer name>.png` for each layer and its PNG bytes.
pub fn write_pngs(dir: &Path, layers: &[GridLayer], pngs: &[Vec<u8>]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (l, png) in layers.iter().zip(pngs) {
        super::write_atomic(&dir.join(format!("{}.png", l.name)), png)?;
    }
    Ok(())
}
