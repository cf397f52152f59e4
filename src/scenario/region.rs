//! Regions: where a policy (or a park, district, area, core) applies, in one of six forms —
//! a named place, park, district or area; a rectangle in km; a disc around a place; a list of
//! cells; or the whole grid — and their resolution to grid cells.

use serde::{Deserialize, Serialize};

use super::error::{did_you_mean, join};
use crate::world::grid::GridSpec;
use crate::world::layers::WorldLayers;
use crate::world::places::{cells_in_rect, cells_within, Place};
use crate::world::World;

/// Where something applies. Exactly one form is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    /// A named place (a disc of its own radius), park, district or area (see `zgc places`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A rectangle in km: `[x_min, y_min, x_max, y_max]` (cells whose centre lies inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rect_km: Option<[f64; 4]>,
    /// A disc around a named place, with `radius_km`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub around: Option<String>,
    /// Radius for `around` (km).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_km: Option<f64>,
    /// Explicit cells as `[column, row]` pairs (column 0 is the west edge, row 0 the south edge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<[u32; 2]>>,
    /// The whole grid (`all = true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
}

/// The keys of a region table.
pub const REGION_KEYS: &[&str] = &["name", "rect_km", "around", "radius_km", "cells", "all"];

/// What regions are resolved against: a world or a world's layers.
pub trait Regions {
    /// The grid.
    fn grid(&self) -> &GridSpec;
    /// The named places.
    fn places(&self) -> &[Place];
    /// Cells of a named park, district, area or place.
    fn named(&self, name: &str) -> Option<Vec<u32>>;
    /// Every name a region can use.
    fn all_names(&self) -> Vec<String>;
}

impl Regions for WorldLayers {
    fn grid(&self) -> &GridSpec {
        &self.grid
    }
    fn places(&self) -> &[Place] {
        &self.places
    }
    fn named(&self, name: &str) -> Option<Vec<u32>> {
        self.region_by_name(name)
    }
    fn all_names(&self) -> Vec<String> {
        self.region_names().into_iter().map(|(_, n, _)| n).collect()
    }
}

impl Regions for World {
    fn grid(&self) -> &GridSpec {
        &self.grid
    }
    fn places(&self) -> &[Place] {
        &self.places
    }
    fn named(&self, name: &str) -> Option<Vec<u32>> {
        self.region_by_name(name)
    }
    fn all_names(&self) -> Vec<String> {
        self.places
            .iter()
            .map(|p| p.name.clone())
            .chain(
                self.parks
                    .iter()
                    .chain(&self.districts)
                    .chain(&self.areas)
                    .map(|a| a.name.clone()),
            )
            .collect()
    }
}

/// A place by name, or an error (key, message) with a suggestion.
pub fn find_place<'a, R: Regions + ?Sized>(
    r: &'a R,
    name: &str,
    key: &str,
) -> Result<&'a Place, (String, String)> {
    r.places().iter().find(|p| p.name == name).ok_or_else(|| {
        (
            key.to_string(),
            format!(
                "unknown place \"{name}\"{}; `zgc places` lists them",
                did_you_mean(name, r.places().iter().map(|p| p.name.as_str()))
            ),
        )
    })
}

fn grid_extent(g: &GridSpec) -> String {
    format!(
        "the grid spans x {} to {} km, y {} to {} km",
        g.x0_km,
        g.x1_km(),
        g.y0_km,
        g.y1_km()
    )
}

/// Resolve a region to cells (ascending, non-empty). `path` is the region's key path; errors
/// are (key path, message).
pub fn resolve<R: Regions + ?Sized>(
    spec: &RegionSpec,
    world: &R,
    path: &str,
) -> Result<Vec<u32>, (String, String)> {
    let given: Vec<&str> = [
        ("name", spec.name.is_some()),
        ("rect_km", spec.rect_km.is_some()),
        ("around", spec.around.is_some()),
        ("cells", spec.cells.is_some()),
        ("all", spec.all.is_some()),
    ]
    .iter()
    .filter(|(_, b)| *b)
    .map(|(k, _)| *k)
    .collect();
    if given.len() != 1 {
        return Err((
            path.to_string(),
            format!(
                "expected exactly one of `name`, `rect_km`, `around` (with `radius_km`), `cells` or `all`, found {}",
                if given.is_empty() {
                    "none".to_string()
                } else {
                    given.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(" and ")
                }
            ),
        ));
    }
    if spec.radius_km.is_some() && spec.around.is_none() {
        return Err((
            join(path, "radius_km"),
            "`radius_km` goes with `around = \"<place>\"`".into(),
        ));
    }
    let g = world.grid();
    let cells = if let Some(n) = &spec.name {
        world.named(n).ok_or_else(|| {
            let names = world.all_names();
            (
                join(path, "name"),
                format!(
                    "unknown place, park, district or area \"{n}\"{}; `zgc places` lists them",
                    did_you_mean(n, names.iter().map(String::as_str))
                ),
            )
        })?
    } else if let Some([x0, y0, x1, y1]) = spec.rect_km {
        if !(x1 > x0 && y1 > y0) {
            return Err((
                join(path, "rect_km"),
                format!("expected [x_min, y_min, x_max, y_max] with max > min, found [{x0}, {y0}, {x1}, {y1}]"),
            ));
        }
        let c = cells_in_rect(g, x0, y0, x1, y1);
        if c.is_empty() {
            return Err((
                join(path, "rect_km"),
                format!(
                    "the rectangle [{x0}, {y0}, {x1}, {y1}] holds no cell centre; {}",
                    grid_extent(g)
                ),
            ));
        }
        c
    } else if let Some(p) = &spec.around {
        let radius = spec.radius_km.ok_or_else(|| {
            (
                join(path, "radius_km"),
                "missing: `around` needs `radius_km` (km)".to_string(),
            )
        })?;
        if !(radius > 0.0 && radius.is_finite()) {
            return Err((
                join(path, "radius_km"),
                format!("expected a radius > 0 km, found {radius}"),
            ));
        }
        let place = find_place(world, p, &join(path, "around"))?;
        cells_within(g, place.x_km, place.y_km, radius)
    } else if let Some(list) = &spec.cells {
        let mut out = Vec::with_capacity(list.len());
        for (i, [c, row]) in list.iter().enumerate() {
            if *c as usize >= g.nx || *row as usize >= g.ny {
                return Err((
                    format!("{}[{i}]", join(path, "cells")),
                    format!(
                        "cell [{c}, {row}] is outside the grid of {} columns × {} rows (columns 0–{}, rows 0–{})",
                        g.nx,
                        g.ny,
                        g.nx - 1,
                        g.ny - 1
                    ),
                ));
            }
            out.push(row * g.nx as u32 + c);
        }
        out.sort_unstable();
        out.dedup();
        out
    } else {
        if spec.all != Some(true) {
            return Err((
                join(path, "all"),
                "expected `all = true` (the whole grid); leave it out otherwise".into(),
            ));
        }
        (0..g.n_cells() as u32).collect()
    };
    if cells.is_empty() {
        return Err((
            path.to_string(),
            format!("the region holds no cell of the grid; {}", grid_extent(g)),
        ));
    }
    Ok(cells)
}
