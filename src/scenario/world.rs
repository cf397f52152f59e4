//! `[world]`: the embedded preset or a user's own city from ESRI ASCII grid files, plus named
//! places, parks, districts, areas, incubators and links added to either; reading the grids
//! and assembling the world's [`WorldLayers`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Value;

use super::asc;
use super::error::{did_you_mean, index, join, one_of, show, Ctx, ScenarioError};
use crate::params::Params;
use crate::types::{Generation, LandUse, Sector, Use};
use crate::world::custom::{self, GridInput, DEFAULT_ACCESS_DECAY_KM};
use crate::world::layers::{IncubatorSpec, Link, LinkKind, UniversitySpec, WorldLayers};
use crate::world::places::{Place, PlaceKind};
pub use crate::world::regions::AreaSpec;
use crate::world::regions::{find_place, resolve, resolve_areas, RegionSpec};

/// The embedded presets.
pub const PRESETS: &[&str] = &["beijing"];

/// `[world]`: which world to simulate and what to add to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    /// Embedded preset (`beijing`); the default when no `grids` are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Name of a grid world (used in outputs); default `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Reach (km, σ of a Gaussian) of the accessibility index behind a grid world's starting rents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_decay_km: Option<f64>,
    /// The core (cells of the core indicators); a grid world defaults to its first park.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core: Option<RegionSpec>,
    /// The periphery (cells of the periphery rent indicator); a grid world defaults to the
    /// quarter of its built cells farthest from the core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periphery: Option<RegionSpec>,
    /// A user's own city: ESRI ASCII or GeoTIFF grid files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grids: Option<GridFiles>,
    /// A grid world's CRS, `"EPSG:N"` (a projected CRS in metres); default: what the grid
    /// files name (GeoTIFF GeoKeys, the `.prj` beside an ESRI ASCII grid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
    /// The CRS point (metres) that a grid world's km coordinates count from; default [0, 0].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_m: Option<[f64; 2]>,
    /// Named places added to the world.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub place: Vec<PlaceSpec>,
    /// Science parks added (the park indicators).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub park: Vec<AreaSpec>,
    /// Districts added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub district: Vec<AreaSpec>,
    /// Other named areas added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area: Vec<AreaSpec>,
    /// Incubators present at the start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incubator: Vec<StartIncubator>,
    /// Fast links (rail, expressways) present at the start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<LinkSpec>,
}

/// The keys of `[world]`.
pub const WORLD_KEYS: &[&str] = &[
    "preset",
    "name",
    "access_decay_km",
    "core",
    "periphery",
    "grids",
    "crs",
    "origin_m",
    "place",
    "park",
    "district",
    "area",
    "incubator",
    "link",
];

/// `[world.grids]`: the grid files of a user's city (paths relative to the scenario file that
/// names them). All must share `ncols`, `nrows`, `xllcorner`, `yllcorner` and `cellsize`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridFiles {
    /// Land-use zone codes: 0 green, 1 residential, 2 office, 3 commercial, 4 industrial,
    /// 5 university, 6 village (collective land), 7 mixed.
    pub land_use: String,
    /// Total floor space (m²) per cell, or a table of files per use.
    pub floor: FileSet,
    /// Resident workers per cell.
    pub residents: String,
    /// Jobs per cell, or a table of files per sector.
    pub jobs: FileSet,
    /// Share of residents with technical skills (0–1); default uniform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_share: Option<String>,
    /// Chance that an IT / bio-medicine firm is high-tech (0–1); default by zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_tech: Option<String>,
    /// Zoning limit of total floor space (m²); default `params.land.max_far` × cell area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_floor: Option<String>,
}

/// The keys of `[world.grids]`.
pub const GRID_KEYS: &[&str] = &[
    "land_use",
    "floor",
    "residents",
    "jobs",
    "tech_share",
    "high_tech",
    "max_floor",
];

/// One file, or one file per use / sector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileSet {
    /// A single file (totals).
    One(String),
    /// Files by use or sector name.
    Each(BTreeMap<String, String>),
}

/// `[[world.place]]`: a named point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSpec {
    /// Name used in regions.
    pub name: String,
    /// Human-readable label (default: the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// km east (the grid's own coordinates: metres in the grid files / 1000, less
    /// `world.origin_m`); or give `lon` and `lat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_km: Option<f64>,
    /// km north.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_km: Option<f64>,
    /// Longitude (degrees east, WGS 84), with `lat`, instead of `x_km`/`y_km` (the world
    /// needs a CRS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Latitude (degrees north, WGS 84).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Radius (km) of the place's own area when a region names it (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_km: Option<f64>,
    /// `landmark` (default), `university`, `job_centre` or `residential`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PlaceKind>,
    /// Knowledge weight of a `university` (1 = an average research university; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// `[[world.incubator]]`: an incubator present at the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartIncubator {
    /// Name.
    pub name: String,
    /// The place it stands at.
    pub at: String,
    /// Generation "1.0", "2.0" or "3.0".
    pub generation: Generation,
    /// Sector focus (3.0 only, and required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
    /// Seats (start-ups it hosts, real size).
    pub seats: f64,
}

/// `[[world.link]]`: a fast link through named places.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Name.
    pub name: String,
    /// `rail` (default) or `expressway`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<LinkKind>,
    /// The places it passes, in order (at least two).
    pub via: Vec<String>,
    /// Speed (km/h); default `params.commute.rail_speed` or `expressway_speed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
}

/// The grids of a user's city, read once when the scenario is validated.
#[derive(Clone, Debug)]
pub struct GridData {
    /// Grid layers.
    pub input: GridInput,
    /// SHA-256 of each file, by key (for the scenario hash).
    pub digests: Vec<(String, String)>,
}

/// Check `[world]`'s shape before it is read: `grids.floor` and `grids.jobs` are a path or a
/// table of paths by use / sector name.
pub fn check_keys(world: &Value, ctx: &Ctx) -> Result<(), ScenarioError> {
    let Some(grids) = world.get("grids") else {
        return Ok(());
    };
    let Value::Table(g) = grids else {
        return Err(ctx.value(
            "world.grids",
            format!(
                "expected a table of grid files (land_use, floor, residents, jobs), found {}",
                show(grids)
            ),
        ));
    };
    let uses: Vec<&str> = Use::ALL.iter().map(|u| u.name()).collect();
    let sectors: Vec<&str> = Sector::ALL.iter().map(|s| s.name()).collect();
    for (key, names) in [("floor", &uses), ("jobs", &sectors)] {
        let path = format!("world.grids.{key}");
        match g.get(key) {
            None | Some(Value::String(_)) => {}
            Some(Value::Table(t)) => {
                if t.is_empty() {
                    return Err(ctx.value(
                        &path,
                        format!(
                            "expected a file path or a table of files by {}, found an empty table",
                            if key == "floor" { "use" } else { "sector" }
                        ),
                    ));
                }
                for (k, v) in t {
                    if !names.contains(&k.as_str()) {
                        return Err(ctx.key(
                            &join(&path, k),
                            format!(
                                "unknown {} `{k}`{}; expected {}",
                                if key == "floor" {
                                    "floor-space use"
                                } else {
                                    "sector"
                                },
                                did_you_mean(k, names.iter().copied()),
                                one_of(names)
                            ),
                        ));
                    }
                    if !v.is_str() {
                        return Err(ctx.value(
                            &join(&path, k),
                            format!("expected a file path (a string), found {}", show(v)),
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(ctx.value(
                    &path,
                    format!(
                        "expected a file path or a table of files by {}, found {}",
                        if key == "floor" { "use" } else { "sector" },
                        show(other)
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// Validate the world settings and read the grid files (if any).
pub fn validate(spec: &mut WorldSpec, ctx: &Ctx) -> Result<Option<Arc<GridData>>, ScenarioError> {
    match (&spec.preset, &spec.grids) {
        (Some(_), Some(_)) => {
            return Err(ctx.key(
                "world.grids",
                "give either `preset` (an embedded world) or `grids` (your own city), not both",
            ))
        }
        (None, None) => spec.preset = Some("beijing".into()),
        _ => {}
    }
    if let Some(p) = &spec.preset {
        if !PRESETS.contains(&p.as_str()) {
            return Err(ctx.value(
                "world.preset",
                format!(
                    "unknown preset \"{p}\"{}; expected {} (or `[world.grids]` for your own city)",
                    did_you_mean(p, PRESETS.iter().copied()),
                    one_of(PRESETS)
                ),
            ));
        }
        for key in ["name", "access_decay_km", "crs", "origin_m"] {
            let given = match key {
                "name" => spec.name.is_some(),
                "crs" => spec.crs.is_some(),
                "origin_m" => spec.origin_m.is_some(),
                _ => spec.access_decay_km.is_some(),
            };
            if given {
                return Err(ctx.key(
                    &join("world", key),
                    format!("`{key}` applies to a grid world (`[world.grids]`), not to a preset"),
                ));
            }
        }
        return Ok(None);
    }
    let d = *spec.access_decay_km.get_or_insert(DEFAULT_ACCESS_DECAY_KM);
    if !(d > 0.0 && d.is_finite()) {
        return Err(ctx.value(
            "world.access_decay_km",
            format!("expected a distance > 0 km, found {d}"),
        ));
    }
    let name = spec.name.get_or_insert_with(|| "custom".into()).clone();
    if name.is_empty() {
        return Err(ctx.value("world.name", "expected a non-empty name, found \"\""));
    }
    let declared = match &spec.crs {
        None => None,
        Some(text) => Some(parse_crs(text).map_err(|m| ctx.value("world.crs", m))?),
    };
    let origin = spec.origin_m.unwrap_or([0.0, 0.0]);
    if !origin.iter().all(|v| v.abs() <= asc::MAX_COORD_M) {
        return Err(ctx.value(
            "world.origin_m",
            format!(
                "expected [x, y] in metres of the grids' CRS, each between -{:e} and {:e}, found [{}, {}]",
                asc::MAX_COORD_M, asc::MAX_COORD_M, origin[0], origin[1]
            ),
        ));
    }
    let files = spec.grids.as_ref().expect("checked above");
    let mut data = read_grids(files, &name, d, declared, ctx)?;
    let g = &mut data.input.grid;
    g.x0_km -= origin[0] / 1000.0;
    g.y0_km -= origin[1] / 1000.0;
    data.input.georef = data.input.georef.map(|mut r| {
        r.origin_m = (origin[0], origin[1]);
        r
    });
    Ok(Some(Arc::new(data)))
}

/// `"EPSG:N"` → N, a projected CRS in metres that zgc knows.
pub fn parse_crs(text: &str) -> Result<u16, String> {
    let code = text
        .trim()
        .strip_prefix("EPSG:")
        .or_else(|| text.trim().strip_prefix("epsg:"))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| {
            format!("expected \"EPSG:N\" (e.g. \"EPSG:32650\" for UTM zone 50N), found \"{text}\"")
        })?;
    crate::world::geo::check_epsg(code)?;
    Ok(code)
}

#[path = "world_grids.rs"]
mod grids;
use grids::read_grids;
pub use grids::{MAX_FLOOR_AREA_RATIO, MAX_PEOPLE_PER_KM2};

/// Build the world's layers: the preset or the grids, then the additions of `[world]`.
/// Errors are (key path, message).
pub fn build_layers(
    spec: &WorldSpec,
    grids: Option<&GridData>,
    params: &Params,
) -> Result<WorldLayers, (String, String)> {
    let mut layers = match grids {
        Some(g) => custom::layers(&g.input, params).map_err(|m| ("world.grids".to_string(), m))?,
        None => crate::world::beijing::layers(params),
    };
    let g = layers.grid;
    let taken = |layers: &WorldLayers, name: &str| -> bool {
        layers.region_names().iter().any(|(_, n, _)| n == name)
    };
    for (i, p) in spec.place.iter().enumerate() {
        let path = index("world.place", i);
        if p.name.is_empty() {
            return Err((join(&path, "name"), "expected a non-empty name".into()));
        }
        if taken(&layers, &p.name) {
            return Err((
                join(&path, "name"),
                format!(
                    "the name \"{}\" is already taken by another place, park, district or area",
                    p.name
                ),
            ));
        }
        let (x_km, y_km) = place_position(p, &path, layers.georef)?;
        if g.cell_at(x_km, y_km).is_none() {
            let lonlat = match (p.lon, p.lat) {
                (Some(lon), Some(lat)) => format!(" (longitude {lon}, latitude {lat})"),
                _ => String::new(),
            };
            return Err((
                path.clone(),
                format!(
                    "the point ({x_km}, {y_km}) km{lonlat} is outside the grid, which spans x {} to {} km, y {} to {} km",
                    g.x0_km, g.x1_km(), g.y0_km, g.y1_km()
                ),
            ));
        }
        let radius = p.radius_km.unwrap_or(1.0);
        if !(radius > 0.0 && radius.is_finite()) {
            return Err((
                join(&path, "radius_km"),
                format!("expected a radius > 0 km, found {radius}"),
            ));
        }
        let kind = p.kind.unwrap_or(PlaceKind::Landmark);
        if kind == PlaceKind::University {
            let w = p.weight.unwrap_or(1.0);
            if !(w >= 0.0 && w.is_finite()) {
                return Err((
                    join(&path, "weight"),
                    format!("expected a knowledge weight ≥ 0, found {w}"),
                ));
            }
            layers.universities.push(UniversitySpec {
                name: p.label.clone().unwrap_or_else(|| p.name.clone()),
                cell: g.cell_at(x_km, y_km).expect("checked") as u32,
                weight: w,
            });
        } else if p.weight.is_some() {
            return Err((
                join(&path, "weight"),
                "`weight` applies to places of kind \"university\" (knowledge sources)".into(),
            ));
        }
        layers.places.push(Place {
            name: p.name.clone(),
            label: p.label.clone().unwrap_or_else(|| p.name.clone()),
            x_km,
            y_km,
            kind,
            radius_km: radius,
        });
    }
    for (table, list) in [
        ("park", &spec.park),
        ("district", &spec.district),
        ("area", &spec.area),
    ] {
        let path = format!("world.{table}");
        for (i, a) in list.iter().enumerate() {
            let path = index(&path, i);
            if a.name.is_empty() {
                return Err((join(&path, "name"), "expected a non-empty name".into()));
            }
            if taken(&layers, &a.name) || list[..i].iter().any(|b| b.name == a.name) {
                return Err((
                    join(&path, "name"),
                    format!(
                        "the name \"{}\" is already taken by another place, park, district or area",
                        a.name
                    ),
                ));
            }
        }
        let parks = (table == "park").then_some(&layers.land_use[..]);
        let areas = resolve_areas(list, &layers, &path, parks)?;
        match table {
            "park" => layers.parks.extend(areas),
            "district" => layers.districts.extend(areas),
            _ => layers.areas.extend(areas),
        }
    }
    for (i, inc) in spec.incubator.iter().enumerate() {
        let path = index("world.incubator", i);
        let place = find_place(&layers, &inc.at, &join(&path, "at"))?;
        let cell = g.cell_at(place.x_km, place.y_km).ok_or_else(|| {
            (
                join(&path, "at"),
                "the place is outside the grid".to_string(),
            )
        })?;
        match (inc.generation, inc.sector) {
            (Generation::G3, None) => {
                return Err((
                    join(&path, "sector"),
                    "missing: a 3.0 incubator specialises in one sector; give `sector`".into(),
                ))
            }
            (Generation::G1 | Generation::G2, Some(_)) => {
                return Err((
                    join(&path, "sector"),
                    "only 3.0 incubators specialise; leave `sector` out".into(),
                ))
            }
            _ => {}
        }
        if !(inc.seats > 0.0 && inc.seats.is_finite()) {
            return Err((
                join(&path, "seats"),
                format!("expected a number of seats > 0, found {}", inc.seats),
            ));
        }
        layers.incubators.push(IncubatorSpec {
            name: inc.name.clone(),
            cell: cell as u32,
            generation: inc.generation,
            sector: inc.sector,
            seats: inc.seats,
        });
    }
    for (i, l) in spec.link.iter().enumerate() {
        let path = index("world.link", i);
        if l.via.len() < 2 {
            return Err((
                join(&path, "via"),
                format!("expected at least two places, found {}", l.via.len()),
            ));
        }
        let mut points = Vec::new();
        for (j, name) in l.via.iter().enumerate() {
            let p = find_place(&layers, name, &index(&join(&path, "via"), j))?;
            points.push((p.x_km, p.y_km));
        }
        if let Some(s) = l.speed_kmh {
            if !(s > 0.0 && s <= 300.0) {
                return Err((
                    join(&path, "speed_kmh"),
                    format!("expected a speed in (0, 300] km/h, found {s}"),
                ));
            }
        }
        layers.links.push(Link {
            name: l.name.clone(),
            kind: l.mode.unwrap_or(LinkKind::Rail),
            points,
            speed_kmh: l.speed_kmh,
        });
    }
    if let Some(r) = &spec.core {
        layers.core = resolve(r, &layers, "world.core")?;
    } else if grids.is_some() {
        layers.core = layers
            .parks
            .first()
            .map(|p| p.cells.clone())
            .ok_or_else(|| {
                (
                    "world".to_string(),
                    "a grid world needs `core = { ... }` (a region) or at least one `[[world.park]]` (the first park is the core)".to_string(),
                )
            })?;
    }
    if let Some(r) = &spec.periphery {
        layers.periphery = resolve(r, &layers, "world.periphery")?;
    } else if grids.is_some() {
        layers.periphery = default_periphery(&layers);
    }
    layers.validate().map_err(|m| ("world".to_string(), m))?;
    Ok(layers)
}

/// The quarter of built (non-green) cells farthest from the core's centroid.
fn default_periphery(l: &WorldLayers) -> Vec<u32> {
    let g = &l.grid;
    let (mut cx, mut cy) = (0.0, 0.0);
    for &c in &l.core {
        let (x, y) = g.centre(c as usize);
        cx += x;
        cy += y;
    }
    let k = l.core.len().max(1) as f64;
    let (cx, cy) = (cx / k, cy / k);
    let mut built: Vec<(f64, u32)> = (0..g.n_cells())
        .filter(|&c| l.land_use[c] != LandUse::Green)
        .map(|c| {
            let (x, y) = g.centre(c);
            ((x - cx).hypot(y - cy), c as u32)
        })
        .collect();
    built.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<u32> = built
        .iter()
        .take(built.len().div_ceil(4))
        .map(|p| p.1)
        .collect();
    out.sort_unstable();
    out
}

/// A place's km coordinates: `x_km`/`y_km`, or `lon`/`lat` through the world's CRS.
fn place_position(
    p: &PlaceSpec,
    path: &str,
    georef: Option<crate::world::geo::Georef>,
) -> Result<(f64, f64), (String, String)> {
    match (p.x_km, p.y_km, p.lon, p.lat) {
        (Some(x), Some(y), None, None) => {
            if x.is_finite() && y.is_finite() {
                Ok((x, y))
            } else {
                Err((path.to_string(), format!("expected finite km coordinates, found ({x}, {y})")))
            }
        }
        (None, None, Some(lon), Some(lat)) => {
            if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
                return Err((
                    join(path, "lon"),
                    format!("expected a longitude in [-180, 180] and a latitude in [-90, 90], found ({lon}, {lat})"),
                ));
            }
            let g = georef.ok_or_else(|| {
                (
                    join(path, "lon"),
                    "`lon`/`lat` need a world with a CRS: grid files that name one (GeoTIFF GeoKeys, a `.prj`) or `world.crs`; or give `x_km`/`y_km`".to_string(),
                )
            })?;
            g.from_lonlat(lon, lat).ok_or_else(|| {
                (
                    join(path, "lon"),
                    format!("longitude {lon}, latitude {lat} cannot be projected into EPSG:{}", g.epsg),
                )
            })
        }
        _ => Err((
            path.to_string(),
            "expected either `x_km` and `y_km` or `lon` and `lat` (both of one pair, not both pairs)".into(),
        )),
    }
}
