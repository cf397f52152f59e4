//! The maps of `zgc compare`: per scenario the replicate mean of each final-state field, and per
//! alternative the mean paired difference from the base where its interval excludes zero,
//! written as PNGs (`maps/`) and Δ GeoTIFFs (`grids/`) and returned for the report.

use anyhow::{Context, Result};

use super::grids::Field;
use super::{maps, Staging};
use crate::compare::{self, LEVEL};
use crate::report::compare_report::MapGroup;
use crate::report::{GridLayer, Outline, Place};
use crate::world::geo::Georef;
use crate::world::grid::GridSpec;

/// Final-state fields mapped in the report, with and without differences.
pub const MAP_FIELDS: &[&str] = &["startups", "office_rent", "commute"];

/// The grid, the places to mark on maps and the georeference of the compared world.
pub type Geometry = (GridSpec, Vec<Place>, Option<Georef>, Vec<Outline>);

/// The scenarios of a comparison as the maps need them.
pub struct MapRuns<'a> {
    /// Scenario names, the base first.
    pub names: &'a [String],
    /// Their folder names (in the map files' names).
    pub folders: &'a [String],
    /// Per scenario and replicate, the final state's [`MAP_FIELDS`] in order.
    pub fields: Vec<Vec<&'a [Field]>>,
}

/// Mean maps per scenario and difference maps, written to `maps/` (PNG) and `grids/` (GeoTIFF
/// Δ maps) and returned for the report.
pub fn map_groups(
    runs: &MapRuns,
    (grid, places, georef, outlines): &Geometry,
    staging: &Staging,
    block: usize,
) -> Result<Vec<MapGroup>> {
    let base = &runs.names[0];
    let replicates = runs.fields[0].len();
    let mut layers: Vec<GridLayer> = Vec::new();
    // (group, is a difference map) of each layer.
    let mut group_of: Vec<(usize, bool)> = Vec::new();
    let mut titles = Vec::new();
    for (k, name) in MAP_FIELDS.iter().enumerate() {
        let Some(meta) = runs.fields[0][0].get(k).filter(|f| f.name == *name) else {
            continue;
        };
        // Every replicate's field on the map grid (`--map-cell-km`: blocks of `block` cells,
        // counts summed, other values averaged).
        let sum = maps::is_count(meta.name);
        let fields: Vec<Vec<Vec<f64>>> = runs
            .fields
            .iter()
            .map(|reps| {
                reps.iter()
                    .map(|f| compare::coarsen(grid, &f[k].values, block, sum))
                    .collect()
            })
            .collect();
        let grid = &compare::coarse_grid(grid, block);
        let means: Vec<Vec<f64>> = fields
            .iter()
            .map(|reps| {
                let fs: Vec<&[f64]> = reps.iter().map(Vec::as_slice).collect();
                compare::mean_field(&fs)
            })
            .collect::<Result<_, _>>()?;
        let layer_of = |values: Vec<f64>| {
            let mut l = maps::field_layer_uncapped(
                grid,
                &Field {
                    name: meta.name,
                    title: meta.title,
                    unit: meta.unit,
                    values,
                },
            );
            l.georef = *georef;
            l.outlines = outlines.clone();
            l
        };
        let mut own: Vec<GridLayer> = means
            .iter()
            .enumerate()
            .map(|(s, v)| {
                let mut l = layer_of(v.clone());
                l.title = format!("{}: {}", l.title, runs.names[s]);
                l.name = format!("{}_{}", meta.name, runs.folders[s]);
                l
            })
            .collect();
        maps::share_colours(&mut own, maps::is_capped(meta.name));
        // Mean paired differences and where their interval excludes zero.
        let fields_of = |s: usize| -> Vec<&[f64]> { fields[s].iter().map(Vec::as_slice).collect() };
        let paired: Vec<(Vec<f64>, Vec<f64>)> = (1..means.len())
            .map(|s| compare::paired_field(&fields_of(s), &fields_of(0), LEVEL))
            .collect::<Result<_, _>>()?;
        let mut diffs: Vec<GridLayer> = (1..means.len())
            .zip(&paired)
            .map(|(s, (mean, sig))| {
                // The map shows only cells whose paired interval excludes zero: the rest is
                // replicate noise (speckle); the GeoTIFF keeps every cell, with the test as a band.
                let shown = mean
                    .iter()
                    .zip(sig)
                    .map(|(&m, &g)| if g == 1.0 { m } else { f64::NAN })
                    .collect();
                let none = !sig.contains(&1.0);
                let mut l = layer_of(shown);
                l.title = format!("{}: {} − {base}", l.title, runs.names[s]);
                if none {
                    l.title.push_str(" (no cell differs significantly)");
                }
                l.name = format!(
                    "{}_{}_minus_{}",
                    meta.name, runs.folders[s], runs.folders[0]
                );
                l.no_data_label = "not signif.".into();
                l
            })
            .collect();
        maps::diverging_colours(&mut diffs);
        let (epsg, origin) = super::geotiff::epsg_origin(*georef);
        std::fs::create_dir_all(staging.path("grids"))?;
        for ((mean, sig), l) in paired.iter().zip(&diffs) {
            let bytes = super::geotiff::encode_delta(grid, epsg, origin, mean, sig)?;
            crate::files::write_atomic(&staging.path(&format!("grids/{}.tif", l.name)), &bytes)
                .context("writing Δ GeoTIFFs")?;
        }
        titles.push(format!(
            "{} (final month, mean of {} replicates per scenario{}), then the differences from {base}, where their {:.0}% paired interval excludes zero (grey: it includes zero, or no data):",
            own.first().map_or(String::new(), |l| l.title.split(':').next().unwrap_or("").to_string()),
            replicates,
            if block > 1 { format!(", on {} km cells", grid.cell_km) } else { String::new() },
            100.0 * LEVEL
        ));
        let g = titles.len() - 1;
        for (l, diff) in own
            .into_iter()
            .map(|l| (l, false))
            .chain(diffs.into_iter().map(|l| (l, true)))
        {
            layers.push(l);
            group_of.push((g, diff));
        }
    }
    let pngs = maps::render_pngs(&layers, places)?;
    maps::write_pngs(&staging.path("maps"), &layers, &pngs).context("writing maps")?;
    let mut groups: Vec<MapGroup> = titles
        .into_iter()
        .map(|title| MapGroup {
            title,
            maps: Vec::new(),
            differences: Vec::new(),
        })
        .collect();
    for ((l, png), (g, diff)) in layers.iter().zip(pngs).zip(group_of) {
        let list = if diff {
            &mut groups[g].differences
        } else {
            &mut groups[g].maps
        };
        list.push((png, format!("{} ({})", l.title, l.unit)));
    }
    Ok(groups)
}
