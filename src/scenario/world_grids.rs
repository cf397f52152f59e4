//! Reading a user's city from its grid files (`[world.grids]`): ESRI ASCII or GeoTIFF, each
//! file's values checked against physical bounds with file, line and column, their digests,
//! and one CRS and one grid shared by all of them.

use std::path::Path;

use ndarray::Array2;

use super::{FileSet, GridData, GridFiles};
use crate::scenario::asc::{self, AscGrid};
use crate::scenario::error::{Ctx, ScenarioError};
use crate::types::{LandUse, Sector, Use};
use crate::world::custom::{FloorInput, GridInput, JobsInput};
use crate::world::grid::GridSpec;

/// Most floor space a grid cell may hold, as a multiple of its land area (a floor-area ratio
/// of 200: several times the densest towers built).
pub const MAX_FLOOR_AREA_RATIO: f64 = 200.0;
/// Most residents or jobs a grid cell may hold per km² of its land (2 million: above the
/// densest blocks ever counted, such as Kowloon Walled City's).
pub const MAX_PEOPLE_PER_KM2: f64 = 2.0e6;

/// Reads a city's grid files one by one: each file's digest, and the checks that they share
/// one CRS (and agree with `world.crs`) and one grid.
struct GridReader<'a> {
    declared_crs: Option<u16>,
    ctx: &'a Ctx<'a>,
    /// SHA-256 of each file, by key.
    digests: Vec<(String, String)>,
    /// (key, path, EPSG) of the first file that named a CRS.
    crs_of: Option<(String, String, u16)>,
    /// (key, grid) of the first file read, which every other must match.
    reference: Option<(String, AscGrid)>,
}

impl GridReader<'_> {
    /// Read grid file `path` (ESRI ASCII or GeoTIFF) of key `key`, its values checked by
    /// `check`; NODATA counts as 0.
    fn grid(
        &mut self,
        key: &str,
        path: &str,
        check: asc::Check,
    ) -> Result<(GridSpec, Vec<f64>), ScenarioError> {
        let p = Path::new(path);
        let bytes =
            super::super::source::read_input_bytes(p, asc::MAX_FILE_BYTES).map_err(|e| {
                self.ctx
                    .value(key, format!("cannot read the grid file `{path}`: {e}"))
            })?;
        use sha2::Digest;
        let d = sha2::Sha256::digest(&bytes);
        self.digests.push((
            key.to_string(),
            d.iter().map(|b| format!("{b:02x}")).collect(),
        ));
        let with_key = |mut e: ScenarioError| {
            e.key = key.to_string();
            e
        };
        let (g, epsg) = if super::super::geotiff::is_geotiff(path) {
            let g = super::super::geotiff::parse(&bytes, path, check).map_err(with_key)?;
            (g.grid, g.epsg)
        } else {
            let text = String::from_utf8(bytes).map_err(|_| {
                self.ctx.value(
                    key,
                    format!("cannot read the grid file `{path}`: stream did not contain valid UTF-8 (a GeoTIFF must end in .tif or .tiff)"),
                )
            })?;
            let g = asc::parse(&text, path, check).map_err(with_key)?;
            (g, prj_epsg(p, path, key, self.declared_crs, self.ctx)?)
        };
        if let Some(code) = epsg {
            if let Some(decl) = self.declared_crs.filter(|&d| d != code) {
                return Err(self.ctx.value(
                    key,
                    format!("grid file `{path}` is in EPSG:{code}, but `world.crs` says EPSG:{decl}; the files and `world.crs` must agree"),
                ));
            }
            match &self.crs_of {
                Some((k0, p0, c0)) if *c0 != code => {
                    return Err(self.ctx.value(
                        key,
                        format!("grid file `{path}` is in EPSG:{code}, but `{k0}` (`{p0}`) is in EPSG:{c0}; all grid files must share one CRS"),
                    ));
                }
                Some(_) => {}
                None => self.crs_of = Some((key.to_string(), path.to_string(), code)),
            }
        }
        if let Some((rkey, r)) = &self.reference {
            if r.grid != g.grid {
                return Err(self.ctx.value(
                    key,
                    format!(
                        "grid file `{path}` has {} columns × {} rows at ({}, {}) m with {} m cells, but `{rkey}` has {} × {} at ({}, {}) m with {} m cells; all grid files must match",
                        g.grid.nx, g.grid.ny, g.grid.x0_km * 1000.0, g.grid.y0_km * 1000.0, g.grid.cell_km * 1000.0,
                        r.grid.nx, r.grid.ny, r.grid.x0_km * 1000.0, r.grid.y0_km * 1000.0, r.grid.cell_km * 1000.0
                    ),
                ));
            }
        } else {
            self.reference = Some((key.to_string(), g.clone()));
        }
        // NODATA counts as 0 (green land for the land-use grid).
        Ok((g.grid, g.values.iter().map(|v| v.unwrap_or(0.0)).collect()))
    }

    /// [`GridReader::grid`]'s values only.
    fn values(
        &mut self,
        key: &str,
        path: &str,
        check: asc::Check,
    ) -> Result<Vec<f64>, ScenarioError> {
        self.grid(key, path, check).map(|(_, v)| v)
    }
}

pub(super) fn read_grids(
    files: &GridFiles,
    name: &str,
    access_decay_km: f64,
    declared_crs: Option<u16>,
    ctx: &Ctx,
) -> Result<GridData, ScenarioError> {
    let mut reader = GridReader {
        declared_crs,
        ctx,
        digests: Vec::new(),
        crs_of: None,
        reference: None,
    };
    let share: asc::Check = &|v| {
        if (0.0..=1.0).contains(&v) {
            Ok(())
        } else {
            Err("a share between 0 and 1".into())
        }
    };
    let code: asc::Check = &|v| {
        if v.fract() == 0.0 && LandUse::from_code(v as i64).is_some() {
            Ok(())
        } else {
            let codes: Vec<String> = LandUse::ALL
                .iter()
                .enumerate()
                .map(|(i, z)| format!("{i} {}", z.name()))
                .collect();
            Err(format!("a land-use code ({})", codes.join(", ")))
        }
    };
    let (grid, codes) = reader.grid("world.grids.land_use", &files.land_use, code)?;
    let mut read = |key: &str, path: &str, check: asc::Check| reader.values(key, path, check);
    let land_use: Vec<LandUse> = codes
        .iter()
        .map(|&c| LandUse::from_code(c as i64).unwrap_or(LandUse::Green))
        .collect();
    let n = grid.n_cells();
    // Physical bounds of a cell's contents, from its land area: floor space up to
    // MAX_FLOOR_AREA_RATIO times the land (far above any built district), people (residents,
    // jobs) up to MAX_PEOPLE_PER_KM2 (above the densest blocks ever counted). A value past
    // them is a unit or export error, reported at its file, line and column.
    let cell_m2 = grid.cell_km * grid.cell_km * 1e6;
    let floor_max = MAX_FLOOR_AREA_RATIO * cell_m2;
    let people_max = MAX_PEOPLE_PER_KM2 * cell_m2 / 1e6;
    let floor_check = move |v: f64| -> Result<(), String> {
        if (0.0..=floor_max).contains(&v) {
            Ok(())
        } else {
            Err(format!(
                "floor space between 0 and {floor_max:e} m² ({MAX_FLOOR_AREA_RATIO} times the cell's {cell_m2} m² of land)"
            ))
        }
    };
    let people_check = move |v: f64| -> Result<(), String> {
        if (0.0..=people_max).contains(&v) {
            Ok(())
        } else {
            Err(format!(
                "a count between 0 and {people_max} per cell (at most {MAX_PEOPLE_PER_KM2:e} per km²)"
            ))
        }
    };
    let (floor_check, people_check): (asc::Check, asc::Check) = (&floor_check, &people_check);
    let floor = match &files.floor {
        FileSet::One(p) => FloorInput::Total(read("world.grids.floor", p, floor_check)?),
        FileSet::Each(m) => {
            let mut a = Array2::zeros((Use::N, n));
            for (k, p) in m {
                let u = Use::ALL
                    .iter()
                    .find(|u| u.name() == k)
                    .copied()
                    .ok_or_else(|| ctx.key(&format!("world.grids.floor.{k}"), "unknown use"))?;
                let g = read(&format!("world.grids.floor.{k}"), p, floor_check)?;
                for (c, v) in g.into_iter().enumerate() {
                    a[[u as usize, c]] = v;
                }
            }
            FloorInput::PerUse(a)
        }
    };
    let residents = read("world.grids.residents", &files.residents, people_check)?;
    if residents.iter().sum::<f64>() <= 0.0 {
        return Err(ctx.value(
            "world.grids.residents",
            format!(
                "the residents grid `{}` is all zero; expected resident workers per cell",
                files.residents
            ),
        ));
    }
    let jobs = match &files.jobs {
        FileSet::One(p) => JobsInput::Total(read("world.grids.jobs", p, people_check)?),
        FileSet::Each(m) => {
            let mut a = Array2::zeros((Sector::N, n));
            for (k, p) in m {
                let s = Sector::ALL
                    .iter()
                    .find(|s| s.name() == k)
                    .copied()
                    .ok_or_else(|| ctx.key(&format!("world.grids.jobs.{k}"), "unknown sector"))?;
                let g = read(&format!("world.grids.jobs.{k}"), p, people_check)?;
                for (c, v) in g.into_iter().enumerate() {
                    a[[s as usize, c]] = v;
                }
            }
            JobsInput::PerSector(a)
        }
    };
    let jobs_total = match &jobs {
        JobsInput::Total(t) => t.iter().sum::<f64>(),
        JobsInput::PerSector(a) => a.sum(),
    };
    if jobs_total <= 0.0 {
        return Err(ctx.value(
            "world.grids.jobs",
            "the jobs grid is all zero; expected jobs per cell",
        ));
    }
    let mut optional = |key: &str, path: &Option<String>, check: asc::Check| {
        path.as_ref()
            .map(|p| read(&format!("world.grids.{key}"), p, check))
            .transpose()
    };
    let tech_share = optional("tech_share", &files.tech_share, share)?;
    let high_tech = optional("high_tech", &files.high_tech, share)?;
    let max_floor = optional("max_floor", &files.max_floor, floor_check)?;
    let GridReader {
        digests, crs_of, ..
    } = reader;
    Ok(GridData {
        input: GridInput {
            name: name.to_string(),
            grid,
            georef: declared_crs.or(crs_of.map(|(_, _, c)| c)).map(|epsg| {
                crate::world::geo::Georef {
                    epsg,
                    origin_m: (0.0, 0.0),
                }
            }),
            land_use,
            floor,
            residents,
            jobs,
            tech_share,
            high_tech,
            max_floor,
            access_decay_km,
        },
        digests,
    })
}

/// The EPSG code in the `.prj` beside an ESRI ASCII grid (same stem), if there is one. A `.prj`
/// that names no EPSG code is an error unless `world.crs` says which CRS it is.
fn prj_epsg(
    grid: &Path,
    path: &str,
    key: &str,
    declared: Option<u16>,
    ctx: &Ctx,
) -> Result<Option<u16>, ScenarioError> {
    let prj = grid.with_extension("prj");
    if !prj.exists() {
        return Ok(None);
    }
    let text = super::super::source::read_input(&prj, 1 << 20).map_err(|e| {
        ctx.value(
            key,
            format!("cannot read `{}` beside `{path}`: {e}", prj.display()),
        )
    })?;
    match crate::world::geo::epsg_of_wkt(&text) {
        Some(code) => {
            crate::world::geo::check_epsg(code).map_err(|m| {
                ctx.value(key, format!("`{}` beside `{path}` names {m}", prj.display()))
            })?;
            Ok(Some(code))
        }
        None if declared.is_some() => Ok(None),
        None => Err(ctx.value(
            key,
            format!(
                "`{}` beside `{path}` names no EPSG code (no AUTHORITY[\"EPSG\", N]); set `world.crs = \"EPSG:N\"` to say which CRS the grids are in",
                prj.display()
            ),
        )),
    }
}
