//! Grids of the final state's fields: ESRI ASCII (`.asc` with its `.prj`) and GeoTIFF (`.tif`),
//! both in the world's CRS (readable by QGIS and GDAL).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::types::{Use, NONE};
use crate::world::agents::status;
use crate::world::World;

/// A named final-state field, row 0 = south, values per cell (NaN = no data).
pub struct Field {
    /// File stem.
    pub name: &'static str,
    /// Title.
    pub title: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Values per cell.
    pub values: Vec<f64>,
}

/// The fields written for every run.
pub fn fields(world: &World) -> Vec<Field> {
    let n = world.grid.n_cells();
    let inv = 1.0 / world.scale;
    let c = &world.cells;
    let rent = |u: Use| {
        (0..n)
            .map(|i| {
                if c.capacity[[u as usize, i]] > 0.0 {
                    c.rent[[u as usize, i]]
                } else {
                    f64::NAN
                }
            })
            .collect()
    };
    vec![
        Field {
            name: "office_rent",
            title: "Office rent",
            unit: "yuan/m²/month",
            values: rent(Use::Office),
        },
        Field {
            name: "residential_rent",
            title: "Residential rent",
            unit: "yuan/m²/month",
            values: rent(Use::Residential),
        },
        Field {
            name: "jobs",
            title: "Jobs",
            unit: "jobs per cell",
            values: (0..n).map(|i| c.jobs[i] as f64 * inv).collect(),
        },
        Field {
            name: "residents",
            title: "Resident workers",
            unit: "workers per cell",
            values: (0..n).map(|i| c.residents[i] as f64 * inv).collect(),
        },
        Field {
            name: "startups",
            title: "Start-ups",
            unit: "start-ups per cell",
            values: (0..n).map(|i| c.startups[i] as f64 * inv).collect(),
        },
        Field {
            name: "commute",
            title: "Commute time by home cell",
            unit: "minutes one way (mean of working residents)",
            values: commute_by_home(world),
        },
        Field {
            name: "knowledge",
            title: "Knowledge field",
            unit: "relative to the 2009 mean of job cells",
            values: c.knowledge.to_vec(),
        },
    ]
}

/// Mean one-way commute (minutes) of the working residents of each home cell; NaN where
/// nobody living there works. Summed in worker order, so deterministic.
pub fn commute_by_home(world: &World) -> Vec<f64> {
    let n = world.grid.n_cells();
    let (mut sum, mut count) = (vec![0.0f64; n], vec![0u32; n]);
    let w = &world.workers;
    for i in 0..w.len() {
        let working = w.employer[i] != NONE
            && (status::of(w.state[i]) == status::EMPLOYED
                || status::of(w.state[i]) == status::FOUNDER);
        if working {
            let h = w.home[i] as usize;
            sum[h] += world.travel.last_commute(h, w.work_zone[i]) as f64;
            count[h] += 1;
        }
    }
    sum.iter()
        .zip(&count)
        .map(|(&s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
        .collect()
}

/// ESRI ASCII text of a field (coordinates in metres of the world's CRS: the km coordinates
/// plus the CRS origin; metres east/north of the world's origin when it has no CRS).
pub fn asc_text(world: &World, values: &[f64]) -> String {
    let g = &world.grid;
    let (_, (ox, oy)) = super::geotiff::epsg_origin(world.georef);
    let mut s = String::with_capacity(g.n_cells() * 8);
    let _ = writeln!(s, "ncols {}", g.nx);
    let _ = writeln!(s, "nrows {}", g.ny);
    let _ = writeln!(s, "xllcorner {}", ox + g.x0_km * 1000.0);
    let _ = writeln!(s, "yllcorner {}", oy + g.y0_km * 1000.0);
    let _ = writeln!(s, "cellsize {}", g.cell_km * 1000.0);
    let _ = writeln!(s, "NODATA_value -9999");
    for r in (0..g.ny).rev() {
        for c in 0..g.nx {
            let v = values[r * g.nx + c];
            if c > 0 {
                s.push(' ');
            }
            if v.is_finite() {
                let _ = write!(s, "{}", (v * 1e4).round() / 1e4);
            } else {
                s.push_str("-9999");
            }
        }
        s.push('\n');
    }
    s
}

/// Write every field as `<dir>/<name>.asc` (with `<name>.prj` when the world has a CRS) and
/// `<dir>/<name>.tif`.
pub fn write_all(world: &World, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let prj = world.georef.and_then(|g| super::geotiff::prj_text(g.epsg));
    for f in fields(world) {
        crate::files::write_atomic(
            &dir.join(format!("{}.asc", f.name)),
            asc_text(world, &f.values).as_bytes(),
        )?;
        if let Some(wkt) = prj {
            crate::files::write_atomic(&dir.join(format!("{}.prj", f.name)), wkt.as_bytes())?;
        }
        super::geotiff::write(&dir.join(format!("{}.tif", f.name)), world, &f.values)?;
    }
    Ok(())
}
