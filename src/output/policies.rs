//! Where each policy acts, for the run folder: `policies.csv` (one row per policy: kind,
//! months, the cells of its region with their area and centre, and the site of a new
//! incubator, in km, grid column/row and longitude/latitude), `policies.geojson` (each
//! region as a polygon, each site as a point) and `events.csv` (what took effect when).

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value};

use super::{num, CsvStream};
use crate::calendar::YearMonth;
use crate::report::Place;
use crate::tick::policy::{central_cell, Policy, PolicyKind};
use crate::world::World;

/// The scenario-language name of a policy's kind.
pub fn kind_name(k: &PolicyKind) -> &'static str {
    match k {
        PolicyKind::Incubator { .. } => "incubator",
        PolicyKind::ConvertSpace { .. } => "convert_space",
        PolicyKind::Rezone { .. } => "rezone",
        PolicyKind::RentSubsidy { .. } => "rent_subsidy",
        PolicyKind::LandCap { .. } => "land_cap",
        PolicyKind::ReuseBuildings { .. } => "reuse_buildings",
        PolicyKind::Transport { .. } => "transport",
        PolicyKind::PartnerSite { .. } => "partner_site",
    }
}

/// The cell a policy builds on: a new incubator's (the region's cell nearest its centroid).
pub fn site(world: &World, p: &Policy) -> Option<u32> {
    match &p.kind {
        PolicyKind::Incubator { upgrade: false, .. } => central_cell(world, &p.cells),
        _ => None,
    }
}

/// Header of `policies.csv`.
pub const POLICY_HEADER: &[&str] = &[
    "policy",
    "kind",
    "start",
    "end",
    "cells",
    "area_km2",
    "centre_x_km",
    "centre_y_km",
    "centre_lon",
    "centre_lat",
    "site_col",
    "site_row",
    "site_x_km",
    "site_y_km",
    "site_lon",
    "site_lat",
];

/// Write `policies.csv`, `policies.geojson` (worlds with a CRS) and `events.csv`.
pub fn write_all(
    world: &World,
    policies: &[Policy],
    start: YearMonth,
    events: &[String],
    dir: &Path,
) -> Result<()> {
    let g = &world.grid;
    let lonlat = |x: f64, y: f64| world.georef.map(|geo| geo.to_lonlat(x, y));
    let opt = |v: Option<f64>| v.map_or(String::new(), num);
    let mut csv = CsvStream::create(&dir.join("policies.csv"))?;
    csv.header(POLICY_HEADER)?;
    let mut features = Vec::new();
    for p in policies {
        let c = g.centroid(&p.cells);
        let cll = c.and_then(|(x, y)| lonlat(x, y));
        let s = site(world, p);
        let s_xy = s.map(|c| g.centre(c as usize));
        let s_ll = s_xy.and_then(|(x, y)| lonlat(x, y));
        let s_cr = s.map(|c| {
            let (col, row) = g.col_row(c as usize);
            // Rows from the north edge, as in the GeoTIFF grids and GeoJSON.
            (col, g.ny - 1 - row)
        });
        csv.record(&[
            p.name.clone(),
            kind_name(&p.kind).to_string(),
            start.plus(p.start).to_string(),
            p.end.map_or(String::new(), |e| start.plus(e).to_string()),
            p.cells.len().to_string(),
            num(p.cells.len() as f64 * g.cell_km2()),
            opt(c.map(|v| v.0)),
            opt(c.map(|v| v.1)),
            opt(cll.map(|v| v.0)),
            opt(cll.map(|v| v.1)),
            s_cr.map_or(String::new(), |v| v.0.to_string()),
            s_cr.map_or(String::new(), |v| v.1.to_string()),
            opt(s_xy.map(|v| v.0)),
            opt(s_xy.map(|v| v.1)),
            opt(s_ll.map(|v| v.0)),
            opt(s_ll.map(|v| v.1)),
        ])?;
        if let Some(geo) = world.georef {
            let props = json!({
                "policy": p.name,
                "kind": kind_name(&p.kind),
                "start": start.plus(p.start).to_string(),
                "end": p.end.map(|e| start.plus(e).to_string()),
                "cells": p.cells.len(),
                "area_km2": p.cells.len() as f64 * g.cell_km2(),
            });
            if !p.cells.is_empty() {
                let mut pr = props.clone();
                pr["feature"] = "region".into();
                features.push(json!({
                    "type": "Feature",
                    "properties": pr,
                    "geometry": super::geojson::cells_geometry(g, &geo, &p.cells),
                }));
            }
            if let Some((lon, lat)) = s_ll {
                let mut pr = props;
                pr["feature"] = "site".into();
                features.push(json!({
                    "type": "Feature",
                    "properties": pr,
                    "geometry": { "type": "Point", "coordinates": [lon, lat] },
                }));
            }
        }
    }
    csv.flush()?;
    if let Some(geo) = world.georef {
        let fc: Value = super::geojson::collection("policies", &geo, features);
        crate::files::write_atomic(
            &dir.join("policies.geojson"),
            serde_json::to_string(&fc)?.as_bytes(),
        )?;
    }
    let mut ev = CsvStream::create(&dir.join("events.csv"))?;
    ev.header(&["date", "event"])?;
    for e in events {
        let (date, text) = e.split_once(": ").unwrap_or(("", e));
        ev.record(&[date.to_string(), text.to_string()])?;
    }
    ev.flush()
}

/// Map marks of the policies: each new incubator's site, and the centre of each other
/// policy's region, labelled with the policy's name.
pub fn places(world: &World, policies: &[Policy]) -> Vec<Place> {
    policies
        .iter()
        .filter_map(|p| {
            let (x, y) = match site(world, p) {
                Some(c) => world.grid.centre(c as usize),
                None => world.grid.centroid(&p.cells)?,
            };
            // Long names would run off the map: the first words, then an ellipsis.
            let name: String = if p.name.chars().count() > 26 {
                format!(
                    "{}…",
                    p.name.chars().take(25).collect::<String>().trim_end()
                )
            } else {
                p.name.clone()
            };
            Some(Place::new(format!("▲ {name}"), x, y))
        })
        .collect()
}
