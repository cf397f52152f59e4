//! GeoJSON (RFC 7946: WGS 84 longitude/latitude, exterior rings counter-clockwise) of a world's
//! places (points with their radius), parks, districts and tracked regions (polygons dissolved
//! from their cells), for `places.geojson`, `parks.geojson`, `districts.geojson` and
//! `regions.geojson` in every run folder and `zgc places --geojson`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::world::geo::Georef;
use crate::world::grid::GridSpec;
use crate::world::places::{Area, Place};

/// Decimal places of longitude/latitude (1e-7° ≈ 1 cm).
const DECIMALS: i32 = 7;

fn round(v: f64) -> f64 {
    let k = 10f64.powi(DECIMALS);
    (v * k).round() / k
}

/// A ring of grid vertices `(col, row)` (row 0 = south edge), closed (first = last).
type Ring = Vec<(i64, i64)>;

/// The boundary rings of a set of cells: exteriors counter-clockwise, holes clockwise (the
/// cells on the left of every edge). Cells touching only at a corner stay separate polygons.
pub fn rings(grid: &GridSpec, cells: &[u32]) -> Vec<Ring> {
    let set: BTreeSet<u32> = cells.iter().copied().collect();
    let inside = |c: i64, r: i64| {
        c >= 0
            && r >= 0
            && (c as usize) < grid.nx
            && (r as usize) < grid.ny
            && set.contains(&((r as usize * grid.nx + c as usize) as u32))
    };
    // Directed boundary edges, start vertex → end vertices (cells on the left).
    let mut edges: BTreeMap<(i64, i64), Vec<(i64, i64)>> = BTreeMap::new();
    for &cell in &set {
        let (c, r) = grid.col_row(cell as usize);
        let (c, r) = (c as i64, r as i64);
        if !inside(c, r - 1) {
            edges.entry((c, r)).or_default().push((c + 1, r));
        }
        if !inside(c + 1, r) {
            edges.entry((c + 1, r)).or_default().push((c + 1, r + 1));
        }
        if !inside(c, r + 1) {
            edges.entry((c + 1, r + 1)).or_default().push((c, r + 1));
        }
        if !inside(c - 1, r) {
            edges.entry((c, r + 1)).or_default().push((c, r));
        }
    }
    let mut out = Vec::new();
    while let Some((&start, _)) = edges.iter().next() {
        let mut ring = vec![start];
        let mut prev = start;
        let mut at = take_edge(&mut edges, start, None).expect("an edge starts here");
        while at != start {
            ring.push(at);
            let dir = (at.0 - prev.0, at.1 - prev.1);
            let next = take_edge(&mut edges, at, Some(dir)).expect("boundary rings close");
            prev = at;
            at = next;
        }
        ring.push(start);
        out.push(simplify(ring));
    }
    out
}

/// Take an edge leaving `v`: where two leave (cells touching at a corner), the sharpest left
/// turn from the incoming direction, which keeps each cell group's ring apart.
fn take_edge(
    edges: &mut BTreeMap<(i64, i64), Vec<(i64, i64)>>,
    v: (i64, i64),
    incoming: Option<(i64, i64)>,
) -> Option<(i64, i64)> {
    let list = edges.get_mut(&v)?;
    let pick = match incoming {
        Some((dx, dy)) if list.len() > 1 => {
            let left = (-dy, dx);
            list.iter()
                .position(|&(x, y)| (x - v.0, y - v.1) == left)
                .unwrap_or(0)
        }
        _ => 0,
    };
    let end = list.swap_remove(pick);
    if list.is_empty() {
        edges.remove(&v);
    }
    Some(end)
}

/// Drop the vertices where a ring goes straight on.
fn simplify(ring: Ring) -> Ring {
    let n = ring.len() - 1; // closed
    let mut out: Ring = Vec::with_capacity(n + 1);
    for i in 0..n {
        let a = ring[(i + n - 1) % n];
        let b = ring[i];
        let c = ring[(i + 1) % n];
        let cross = (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0);
        if cross != 0 {
            out.push(b);
        }
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    out
}

/// Twice the signed area of a ring (positive counter-clockwise).
fn area2(ring: &Ring) -> i64 {
    ring.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

/// Whether a point lies inside a ring (even-odd rule; the point is never on an edge here).
fn contains(ring: &Ring, p: (f64, f64)) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (
            (w[0].0 as f64, w[0].1 as f64),
            (w[1].0 as f64, w[1].1 as f64),
        );
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < a.0 + (p.1 - a.1) / (b.1 - a.1) * (b.0 - a.0) {
            inside = !inside;
        }
    }
    inside
}

/// Polygons (exterior, holes) of a set of cells.
pub fn polygons(grid: &GridSpec, cells: &[u32]) -> Vec<(Ring, Vec<Ring>)> {
    let (mut outer, mut holes): (Vec<Ring>, Vec<Ring>) =
        rings(grid, cells).into_iter().partition(|r| area2(r) > 0);
    outer.sort_by_key(|r| std::cmp::Reverse(area2(r)));
    let mut polys: Vec<(Ring, Vec<Ring>)> = outer.into_iter().map(|r| (r, Vec::new())).collect();
    for hole in holes.drain(..) {
        // The centre of the cell right of the hole's first edge lies in the hole.
        let (a, b) = (hole[0], hole[1]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let mid = ((a.0 + b.0) as f64 / 2.0, (a.1 + b.1) as f64 / 2.0);
        let p = (mid.0 + dy as f64 * 0.5, mid.1 - dx as f64 * 0.5);
        // The smallest exterior containing it (exteriors are sorted largest first).
        if let Some(poly) = polys.iter_mut().rev().find(|(o, _)| contains(o, p)) {
            poly.1.push(hole);
        }
    }
    polys
}

/// GeoJSON coordinates of a ring.
fn ring_coords(grid: &GridSpec, geo: &Georef, ring: &Ring) -> Value {
    let pts: Vec<(f64, f64)> = ring
        .iter()
        .map(|&(c, r)| {
            (
                grid.x0_km + c as f64 * grid.cell_km,
                grid.y0_km + r as f64 * grid.cell_km,
            )
        })
        .collect();
    Value::Array(
        geo.to_lonlat_many(&pts)
            .into_iter()
            .map(|(lon, lat)| json!([round(lon), round(lat)]))
            .collect(),
    )
}

/// A MultiPolygon geometry of a set of cells.
pub fn cells_geometry(grid: &GridSpec, geo: &Georef, cells: &[u32]) -> Value {
    let polys: Vec<Value> = polygons(grid, cells)
        .iter()
        .map(|(outer, holes)| {
            let mut rings = vec![ring_coords(grid, geo, outer)];
            rings.extend(holes.iter().map(|h| ring_coords(grid, geo, h)));
            Value::Array(rings)
        })
        .collect();
    json!({ "type": "MultiPolygon", "coordinates": polys })
}

/// A FeatureCollection with a note naming the model's CRS.
pub fn collection(name: &str, geo: &Georef, features: Vec<Value>) -> Value {
    json!({
        "type": "FeatureCollection",
        "name": name,
        "crs_note": format!(
            "WGS 84 longitude/latitude (RFC 7946); the model's grid is in EPSG:{} ({})",
            geo.epsg,
            crate::world::geo::crs_name(geo.epsg)
        ),
        "features": features,
    })
}

/// Places as points with their name, label, kind, radius, model coordinates and the model's
/// cell (`col`, and `row` counted from the north edge, as in the GeoTIFF grids).
pub fn places(grid: &GridSpec, geo: &Georef, places: &[Place], name: &str) -> Value {
    let features = places
        .iter()
        .map(|p| {
            let (lon, lat) = geo.to_lonlat(p.x_km, p.y_km);
            let (col, row) = match grid.cell_at(p.x_km, p.y_km) {
                Some(c) => {
                    let (col, row) = grid.col_row(c);
                    (json!(col), json!(grid.ny - 1 - row))
                }
                None => (Value::Null, Value::Null),
            };
            json!({
                "type": "Feature",
                "properties": {
                    "name": p.name,
                    "label": p.label,
                    "kind": p.kind,
                    "radius_km": p.radius_km,
                    "x_km": p.x_km,
                    "y_km": p.y_km,
                    "col": col,
                    "row": row,
                },
                "geometry": { "type": "Point", "coordinates": [round(lon), round(lat)] },
            })
        })
        .collect();
    collection(name, geo, features)
}

/// Named areas (parks, districts, regions) as dissolved polygons with their cell count and area.
pub fn areas<'a>(
    grid: &GridSpec,
    geo: &Georef,
    name: &str,
    areas: impl IntoIterator<Item = (&'a str, &'a str, &'a [u32])>,
) -> Value {
    let features = areas
        .into_iter()
        .filter(|(_, _, cells)| !cells.is_empty())
        .map(|(n, label, cells)| {
            json!({
                "type": "Feature",
                "properties": {
                    "name": n,
                    "label": label,
                    "cells": cells.len(),
                    "area_km2": cells.len() as f64 * grid.cell_km2(),
                },
                "geometry": cells_geometry(grid, geo, cells),
            })
        })
        .collect();
    collection(name, geo, features)
}

/// Areas as (name, label, cells) triples for [`areas`].
pub fn named(list: &[Area]) -> impl Iterator<Item = (&str, &str, &[u32])> {
    list.iter()
        .map(|a| (a.name.as_str(), a.label.as_str(), a.cells.as_slice()))
}

/// Write `places.geojson`, `parks.geojson`, `districts.geojson` and `regions.geojson` (the
/// tracked regions of `regions.csv`, parks apart) into a run folder; nothing for a world
/// without a CRS (GeoJSON is longitude/latitude).
pub fn write_all(
    world: &crate::world::World,
    tracked: &[(String, Vec<u32>)],
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let Some(geo) = world.georef else {
        return Ok(());
    };
    let g = &world.grid;
    let write = |file: &str, v: Value| {
        crate::files::write_atomic(&dir.join(file), serde_json::to_string(&v)?.as_bytes())
    };
    write("places.geojson", places(g, &geo, &world.places, "places"))?;
    write(
        "parks.geojson",
        areas(g, &geo, "parks", named(&world.parks)),
    )?;
    write(
        "districts.geojson",
        areas(g, &geo, "districts", named(&world.districts)),
    )?;
    let regions = tracked
        .iter()
        .filter(|(n, _)| !n.starts_with("park:"))
        .map(|(n, cells)| (n.as_str(), n.as_str(), cells.as_slice()));
    write("regions.geojson", areas(g, &geo, "regions", regions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> GridSpec {
        GridSpec {
            nx: 5,
            ny: 5,
            x0_km: 0.0,
            y0_km: 0.0,
            cell_km: 1.0,
        }
    }

    #[test]
    fn a_ring_with_a_hole_and_a_corner_touch() {
        let g = grid();
        // A 3×3 block with its centre missing, plus a cell touching its corner diagonally.
        let mut cells: Vec<u32> = (0..3)
            .flat_map(|r| (0..3).map(move |c| r * 5 + c))
            .filter(|&i| i != 6)
            .collect();
        cells.push(3 * 5 + 3);
        let polys = polygons(&g, &cells);
        assert_eq!(polys.len(), 2, "{polys:?}");
        let (outer, holes) = &polys[0];
        assert_eq!(area2(outer), 18);
        assert_eq!(holes.len(), 1);
        assert_eq!(area2(&holes[0]), -2);
        assert_eq!(
            outer.len(),
            5,
            "a square: four corners and the closing point"
        );
        assert_eq!(area2(&polys[1].0), 2);
        assert!(polys[1].1.is_empty());
    }

    #[test]
    fn total_area_is_the_cell_count() {
        let g = grid();
        let cells = [0, 1, 7, 12, 13, 18, 24, 20];
        let total: i64 = polygons(&g, &cells)
            .iter()
            .map(|(o, h)| area2(o) + h.iter().map(area2).sum::<i64>())
            .sum();
        assert_eq!(total, 2 * cells.len() as i64);
    }
}
