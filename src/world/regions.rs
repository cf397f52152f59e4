//! Regions: where a policy (or a park, district, area, core) applies, in one of nine forms —
//! a named place, park, district or area; a rectangle in km; a disc around a place; a union
//! of discs in km; a corridor along a polyline; the cells nearest a seat among a list's seats;
//! a list of cells; or the whole grid — their resolution to grid cells, and the named parks,
//! districts and areas of a world. The preset's data file and a user's `[world]` tables go
//! through the same code (`resolve_areas`).

use serde::{Deserialize, Serialize};

use crate::names::{did_you_mean, index, join};
use crate::types::LandUse;
use crate::world::grid::GridSpec;
use crate::world::layers::WorldLayers;
use crate::world::places::{cells_along, cells_in_rect, cells_within, Area, Place};
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
    /// A union of discs, each `[x, y, radius]` in km (cells whose centre lies in any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discs_km: Option<Vec<[f64; 3]>>,
    /// A corridor: cells whose centre lies within `half_width_km` of this polyline
    /// (`[[x, y], ...]` in km, at least two points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub along_km: Option<Vec<[f64; 2]>>,
    /// Half width of an `along_km` corridor (km).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_width_km: Option<f64>,
    /// A seat `[x, y]` in km: in a list of parks, districts or areas, the cells nearer this
    /// seat than any other seat of the list (ties go to the first listed) — a partition of
    /// the grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_km: Option<[f64; 2]>,
    /// Explicit cells as `[column, row]` pairs (column 0 is the west edge, row 0 the south edge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<[u32; 2]>>,
    /// The whole grid (`all = true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
}

/// The keys of a region table.
pub const REGION_KEYS: &[&str] = &[
    "name",
    "rect_km",
    "around",
    "radius_km",
    "discs_km",
    "along_km",
    "half_width_km",
    "seat_km",
    "cells",
    "all",
];

/// `[[world.park]]`, `[[world.district]]`, `[[world.area]]` (and the preset's `[[park]]`,
/// `[[district]]`, `[[area]]`): a named region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    /// Name used in regions and outputs.
    pub name: String,
    /// Human-readable label (default: the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Its cells.
    pub region: RegionSpec,
}

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
        ("discs_km", spec.discs_km.is_some()),
        ("along_km", spec.along_km.is_some()),
        ("seat_km", spec.seat_km.is_some()),
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
                "expected exactly one of `name`, `rect_km`, `around` (with `radius_km`), `discs_km`, `along_km` (with `half_width_km`), `seat_km`, `cells` or `all`, found {}",
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
    if spec.half_width_km.is_some() && spec.along_km.is_none() {
        return Err((
            join(path, "half_width_km"),
            "`half_width_km` goes with `along_km = [[x, y], ...]`".into(),
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
    } else if let Some(discs) = &spec.discs_km {
        discs_cells(g, discs, &join(path, "discs_km"))?
    } else if let Some(points) = &spec.along_km {
        corridor_cells(g, points, spec.half_width_km, path)?
    } else if spec.seat_km.is_some() {
        return Err((
            join(path, "seat_km"),
            "`seat_km` shares the grid among the seats of a list of parks, districts or areas; \
             elsewhere use `around`, `discs_km` or `rect_km`"
                .into(),
        ));
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

/// Cells of a union of discs `[x, y, radius]` (km), ascending.
fn discs_cells(g: &GridSpec, discs: &[[f64; 3]], key: &str) -> Result<Vec<u32>, (String, String)> {
    if discs.is_empty() {
        return Err((
            key.to_string(),
            "expected at least one disc [x, y, radius]".into(),
        ));
    }
    let mut out = Vec::new();
    for (i, &[x, y, r]) in discs.iter().enumerate() {
        if !(x.is_finite() && y.is_finite() && r > 0.0 && r.is_finite()) {
            return Err((
                index(key, i),
                format!("expected [x, y, radius] in km with a radius > 0, found [{x}, {y}, {r}]"),
            ));
        }
        out.extend(cells_within(g, x, y, r));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Cells of a corridor along a polyline (km), ascending.
fn corridor_cells(
    g: &GridSpec,
    points: &[[f64; 2]],
    half_width: Option<f64>,
    path: &str,
) -> Result<Vec<u32>, (String, String)> {
    if points.len() < 2 || points.iter().flatten().any(|v| !v.is_finite()) {
        return Err((
            join(path, "along_km"),
            format!(
                "expected at least two points [x, y] in km, found {} point(s)",
                points.len()
            ),
        ));
    }
    let hw = half_width.ok_or_else(|| {
        (
            join(path, "half_width_km"),
            "missing: `along_km` needs `half_width_km` (km)".to_string(),
        )
    })?;
    if !(hw > 0.0 && hw.is_finite()) {
        return Err((
            join(path, "half_width_km"),
            format!("expected a half width > 0 km, found {hw}"),
        ));
    }
    let pts: Vec<(f64, f64)> = points.iter().map(|&[x, y]| (x, y)).collect();
    Ok(cells_along(g, &pts, hw))
}

/// Resolve a list of named regions (`[[world.park]]`, `[[world.district]]`, `[[world.area]]`
/// or the preset's): each region by `resolve`, and the regions given by `seat_km` together,
/// as the partition of the grid by nearest seat (ties to the first listed). `path` is the
/// list's key path (`world.district`). Parks (`parks` = the land use at the start) leave out
/// green cells: a science park is built land, not the hills or water its discs may cross.
pub fn resolve_areas<R: Regions + ?Sized>(
    list: &[AreaSpec],
    world: &R,
    path: &str,
    parks: Option<&[LandUse]>,
) -> Result<Vec<Area>, (String, String)> {
    let g = world.grid();
    let seats: Vec<(usize, [f64; 2])> = list
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.region.seat_km.map(|s| (i, s)))
        .collect();
    for &(i, [x, y]) in &seats {
        if !(x.is_finite() && y.is_finite()) {
            return Err((
                join(&join(&index(path, i), "region"), "seat_km"),
                format!("expected [x, y] in km, found [{x}, {y}]"),
            ));
        }
    }
    // Each cell's nearest seat (its index in `list`), when the list has seats.
    let seat_of: Vec<Option<usize>> = if seats.is_empty() {
        Vec::new()
    } else {
        (0..g.n_cells())
            .map(|cell| {
                let (x, y) = g.centre(cell);
                seats
                    .iter()
                    .min_by(|a, b| {
                        let da = (x - a.1[0]).powi(2) + (y - a.1[1]).powi(2);
                        let db = (x - b.1[0]).powi(2) + (y - b.1[1]).powi(2);
                        da.total_cmp(&db)
                    })
                    .map(|s| s.0)
            })
            .collect()
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let rpath = join(&index(path, i), "region");
        let mut cells = if a.region.seat_km.is_some() {
            let only_seat = RegionSpec {
                seat_km: None,
                ..a.region.clone()
            };
            if only_seat != RegionSpec::default() {
                return Err((
                    rpath,
                    "`seat_km` stands alone: the cells nearest the seat; leave the other keys out"
                        .into(),
                ));
            }
            (0..g.n_cells())
                .filter(|&c| seat_of[c] == Some(i))
                .map(|c| c as u32)
                .collect()
        } else {
            resolve(&a.region, world, &rpath)?
        };
        if let Some(land_use) = parks {
            cells.retain(|&c| land_use[c as usize] != LandUse::Green);
        }
        if cells.is_empty() {
            return Err((
                rpath,
                format!(
                    "the region holds no cell of the grid{}; {}",
                    if parks.is_some() {
                        " that is not green land"
                    } else {
                        ""
                    },
                    grid_extent(g)
                ),
            ));
        }
        out.push(Area {
            name: a.name.clone(),
            label: a.label.clone().unwrap_or_else(|| a.name.clone()),
            cells,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::world::beijing;

    fn area(name: &str, region: RegionSpec) -> AreaSpec {
        AreaSpec {
            name: name.into(),
            label: None,
            region,
        }
    }

    #[test]
    fn discs_are_a_union_and_a_corridor_follows_its_line() {
        let l = beijing::layers(&Params::default());
        let g = &l.grid;
        let two = RegionSpec {
            discs_km: Some(vec![[-7.0, 8.0, 1.0], [-3.0, 8.0, 1.0]]),
            ..Default::default()
        };
        let mut both = cells_within(g, -7.0, 8.0, 1.0);
        both.extend(cells_within(g, -3.0, 8.0, 1.0));
        both.sort_unstable();
        assert_eq!(resolve(&two, &l, "r").unwrap(), both);
        let corridor = RegionSpec {
            along_km: Some(vec![[-6.1, 3.5], [-6.8, 10.4]]),
            half_width_km: Some(0.3),
            ..Default::default()
        };
        let cells = resolve(&corridor, &l, "r").unwrap();
        assert_eq!(cells, l.region_by_name("zhongguancun_avenue").unwrap());
        assert!(cells.len() > 10, "{}", cells.len());
    }

    #[test]
    fn seats_share_the_grid_and_only_a_list_takes_them() {
        let l = beijing::layers(&Params::default());
        let seat = |x, y| RegionSpec {
            seat_km: Some([x, y]),
            ..Default::default()
        };
        let list = [
            area("west", seat(-10.0, 0.0)),
            area("east", seat(10.0, 0.0)),
            area(
                "disc",
                RegionSpec {
                    discs_km: Some(vec![[0.0, 0.0, 2.0]]),
                    ..Default::default()
                },
            ),
        ];
        let a = resolve_areas(&list, &l, "world.district", None).unwrap();
        // West and east partition the grid at x = 0; the disc is its own.
        assert_eq!(a[0].cells.len() + a[1].cells.len(), l.grid.n_cells());
        assert!(a[0]
            .cells
            .iter()
            .all(|&c| l.grid.centre(c as usize).0 <= 0.0));
        assert!(a[1]
            .cells
            .iter()
            .all(|&c| l.grid.centre(c as usize).0 >= 0.0));
        assert_eq!(a[2].cells, cells_within(&l.grid, 0.0, 0.0, 2.0));
        // A seat with another form is refused; so is a seat outside a list.
        let mixed = [area(
            "x",
            RegionSpec {
                seat_km: Some([0.0, 0.0]),
                name: Some("haidian".into()),
                ..Default::default()
            },
        )];
        let e = resolve_areas(&mixed, &l, "world.area", None).unwrap_err();
        assert_eq!(e.0, "world.area[0].region");
        let e = resolve(&seat(0.0, 0.0), &l, "policy[0].region").unwrap_err();
        assert_eq!(e.0, "policy[0].region.seat_km");
    }

    #[test]
    fn parks_leave_out_green_cells() {
        let l = beijing::layers(&Params::default());
        // A disc across the edge of the western hills (green west of x = −20 km).
        let disc = [area(
            "edge",
            RegionSpec {
                discs_km: Some(vec![[-20.0, 0.0, 3.0]]),
                ..Default::default()
            },
        )];
        let as_area = resolve_areas(&disc, &l, "world.area", None).unwrap();
        let as_park = resolve_areas(&disc, &l, "world.park", Some(&l.land_use)).unwrap();
        assert!(as_park[0].cells.len() < as_area[0].cells.len());
        assert!(as_park[0]
            .cells
            .iter()
            .all(|&c| l.land_use[c as usize] != LandUse::Green));
    }
}
