//! `zgc places`: list the named places, parks, districts and areas a region can use.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::load_scenario;
use super::CliError;

/// Flags of `zgc places`.
#[derive(Args, Debug, Clone)]
pub struct PlacesArgs {
    /// Scenario file whose world to list (default: the embedded baseline's Beijing).
    pub scenario: Option<PathBuf>,
    /// Print the places, parks, districts and areas as one GeoJSON FeatureCollection (WGS 84,
    /// RFC 7946; each feature's `layer` says which) instead of the tables.
    #[arg(long)]
    pub geojson: bool,
}

/// All named things of a world as one GeoJSON FeatureCollection.
fn geojson(l: &crate::world::layers::WorldLayers) -> Result<String> {
    use crate::output::geojson;
    let geo = l.georef.ok_or_else(|| {
        CliError::Input(format!(
            "world `{}` has no coordinate reference system, so it has no longitude/latitude; give its grid files a CRS (GeoTIFF GeoKeys, a .prj beside each .asc) or set `world.crs = \"EPSG:N\"`",
            l.name
        ))
    })?;
    let g = &l.grid;
    let mut features = Vec::new();
    let mut add = |layer: &str, v: serde_json::Value| {
        if let serde_json::Value::Array(list) = v["features"].clone() {
            for mut f in list {
                f["properties"]["layer"] = layer.into();
                features.push(f);
            }
        }
    };
    add("place", geojson::places(g, &geo, &l.places, "places"));
    add(
        "park",
        geojson::areas(g, &geo, "parks", geojson::named(&l.parks)),
    );
    add(
        "district",
        geojson::areas(g, &geo, "districts", geojson::named(&l.districts)),
    );
    add(
        "area",
        geojson::areas(g, &geo, "areas", geojson::named(&l.areas)),
    );
    let fc = geojson::collection(&l.name, &geo, features);
    Ok(serde_json::to_string_pretty(&fc)?)
}

/// Run the command.
pub fn main(args: PlacesArgs) -> Result<()> {
    let scenario = load_scenario(&args.scenario)?;
    let l = scenario.layers().map_err(CliError::from)?;
    if args.geojson {
        println!("{}", geojson(&l)?);
        return Ok(());
    }
    let g = &l.grid;
    println!(
        "World `{}`: {} × {} cells of {} km; x {} to {} km, y {} to {} km.",
        l.name,
        g.nx,
        g.ny,
        g.cell_km,
        g.x0_km,
        g.x1_km(),
        g.y0_km,
        g.y1_km()
    );
    match l.georef {
        Some(geo) => println!(
            "CRS: EPSG:{} ({}); (0, 0) km is {:.2} m E, {:.2} m N in it, longitude {:.4}, latitude {:.4}.",
            geo.epsg,
            crate::world::geo::crs_name(geo.epsg),
            geo.origin_m.0,
            geo.origin_m.1,
            geo.to_lonlat(0.0, 0.0).0,
            geo.to_lonlat(0.0, 0.0).1
        ),
        None => println!("CRS: none (the grid files name none; set `world.crs` to georeference it)."),
    }
    println!(
        "A region names one of these: region = {{ name = \"...\" }} (a place means a disc of its radius),\nor region = {{ around = \"<place>\", radius_km = ... }}.\n"
    );
    println!("Places:");
    println!(
        "  {:<26} {:<12} {:>8} {:>8} {:>10} {:>10} {:>9}  label",
        "name", "kind", "x_km", "y_km", "lon", "lat", "radius_km"
    );
    for p in &l.places {
        let kind = serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let (lon, lat) = match l.georef {
            Some(geo) => {
                let (lon, lat) = geo.to_lonlat(p.x_km, p.y_km);
                (format!("{lon:.4}"), format!("{lat:.4}"))
            }
            None => ("-".into(), "-".into()),
        };
        println!(
            "  {:<26} {:<12} {:>8.1} {:>8.1} {:>10} {:>10} {:>9.1}  {}",
            p.name, kind, p.x_km, p.y_km, lon, lat, p.radius_km, p.label
        );
    }
    for (title, areas) in [
        ("Parks", &l.parks),
        ("Districts", &l.districts),
        ("Areas", &l.areas),
    ] {
        println!("\n{title}:");
        if areas.is_empty() {
            println!("  (none)");
            continue;
        }
        println!("  {:<26} {:>7} {:>9}  label", "name", "cells", "km²");
        for a in areas {
            println!(
                "  {:<26} {:>7} {:>9.1}  {}",
                a.name,
                a.cells.len(),
                a.area_km2(g),
                a.label
            );
        }
    }
    println!(
        "\nCore (core indicators): {} cells; periphery: {} cells.",
        l.core.len(),
        l.periphery.len()
    );
    Ok(())
}
