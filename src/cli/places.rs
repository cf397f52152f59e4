//! `zgc places`: list the named places, parks, districts and areas a region can use.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::run::load_scenario;
use super::CliError;

/// Flags of `zgc places`.
#[derive(Args, Debug, Clone)]
pub struct PlacesArgs {
    /// Scenario file whose world to list (default: the embedded baseline's Beijing).
    pub scenario: Option<PathBuf>,
}

/// Run the command.
pub fn main(args: PlacesArgs) -> Result<()> {
    let scenario = load_scenario(&args.scenario)?;
    let l = scenario.layers().map_err(CliError::from)?;
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
    println!(
        "A region names one of these: region = {{ name = \"...\" }} (a place means a disc of its radius),\nor region = {{ around = \"<place>\", radius_km = ... }}.\n"
    );
    println!("Places:");
    println!(
        "  {:<26} {:<12} {:>8} {:>8} {:>10}  label",
        "name", "kind", "x_km", "y_km", "radius_km"
    );
    for p in &l.places {
        let kind = serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        println!(
            "  {:<26} {:<12} {:>8.1} {:>8.1} {:>10.1}  {}",
            p.name, kind, p.x_km, p.y_km, p.radius_km, p.label
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
