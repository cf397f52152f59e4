//! The reader of GeoTIFF grid files (a user's city, `[world.grids]` paths ending in `.tif` or
//! `.tiff`), as strict as the ESRI ASCII reader: one band, north up (a pixel scale and one tie
//! point, no rotation), square cells, a projected CRS in metres named by an EPSG code in the
//! GeoKeys (or none, then `world.crs` must name it), NoData from GDAL's tag or NaN, bounded
//! sizes. Errors name the file and what was expected; the caller adds the scenario key.
//!
//! Hostile input gives an error, never a panic, and never an allocation beyond the cell limit
//! (the TIFF decoder's buffers are capped). Fuzzed by `fuzz/fuzz_targets/geotiff_reader.rs`.

use std::io::Cursor;

use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;
use tiff::ColorType;

use super::asc::{AscGrid, Check, MAX_CELLS, MAX_COORD_M};
use super::error::ScenarioError;
use crate::world::geo::geokey;
use crate::world::grid::GridSpec;

/// A GeoTIFF grid: the grid (metres in the file / 1000 = km, as for ESRI ASCII) and the EPSG
/// code of its CRS when the GeoKeys name one.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoGrid {
    /// Geometry and values, row 0 = south.
    pub grid: AscGrid,
    /// EPSG code of the projected CRS, if the file names one.
    pub epsg: Option<u16>,
}

/// Whether a path names a GeoTIFF (by its extension).
pub fn is_geotiff(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tif") || lower.ends_with(".tiff")
}

/// Parse GeoTIFF bytes; `label` names the file in messages; `check` validates each value.
pub fn parse(bytes: &[u8], label: &str, check: Check) -> Result<GeoGrid, ScenarioError> {
    let err = |msg: String| ScenarioError::in_file(label, None, msg);
    let tiff_err =
        |what: &str, e: tiff::TiffError| err(format!("not a readable GeoTIFF: {what}: {e}"));
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_CELLS * 8;
    limits.intermediate_buffer_size = MAX_CELLS * 8;
    limits.ifd_value_size = 1 << 20;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(|e| tiff_err("header", e))?
        .with_limits(limits);
    let (w, h) = dec.dimensions().map_err(|e| tiff_err("dimensions", e))?;
    let (nx, ny) = (w as usize, h as usize);
    if nx == 0 || ny == 0 || nx.saturating_mul(ny) > MAX_CELLS {
        return Err(err(format!(
            "the image is {nx} × {ny} pixels; expected at least one and at most {MAX_CELLS} cells"
        )));
    }
    match dec.colortype().map_err(|e| tiff_err("colour type", e))? {
        ColorType::Gray(_) => {}
        ColorType::Multiband { num_samples, .. } => {
            return Err(err(format!(
            "the image has {num_samples} bands; expected a single-band grid (one value per cell)"
        )))
        }
        other => {
            return Err(err(format!(
                "the image is {other:?}; expected a single-band grid (one value per cell)"
            )))
        }
    }
    let f64s = |dec: &mut Decoder<Cursor<&[u8]>>, tag: Tag| -> Result<Option<Vec<f64>>, _> {
        match dec.find_tag(tag) {
            Ok(None) => Ok(None),
            Ok(Some(v)) => v
                .into_f64_vec()
                .map(Some)
                .map_err(|e| tiff_err(&format!("tag {tag:?}"), e)),
            Err(e) => Err(tiff_err(&format!("tag {tag:?}"), e)),
        }
    };
    if f64s(&mut dec, Tag::ModelTransformationTag)?.is_some() {
        return Err(err(
            "the file has a ModelTransformationTag (a rotated or sheared grid); expected a north-up grid with ModelPixelScaleTag and ModelTiepointTag".into(),
        ));
    }
    let scale = f64s(&mut dec, Tag::ModelPixelScaleTag)?.ok_or_else(|| {
        err("no ModelPixelScaleTag; expected a georeferenced GeoTIFF (pixel size in metres)".into())
    })?;
    let tie = f64s(&mut dec, Tag::ModelTiepointTag)?.ok_or_else(|| {
        err("no ModelTiepointTag; expected a georeferenced GeoTIFF (where the grid lies)".into())
    })?;
    if scale.len() < 2 || tie.len() < 6 {
        return Err(err(format!(
            "ModelPixelScaleTag has {} values and ModelTiepointTag {}; expected at least 2 and 6",
            scale.len(),
            tie.len()
        )));
    }
    if tie.len() > 6 {
        return Err(err(format!(
            "ModelTiepointTag has {} tie points; expected one (a regular north-up grid)",
            tie.len() / 6
        )));
    }
    let (sx, sy) = (scale[0], scale[1]);
    if !(sx > 0.0 && sx <= MAX_COORD_M && sy > 0.0 && sy <= MAX_COORD_M) {
        return Err(err(format!(
            "the pixel size is {sx} × {sy} m; expected positive sizes up to {MAX_COORD_M:e} m (a north-up grid)"
        )));
    }
    if ((sx - sy) / sx).abs() > 1e-9 {
        return Err(err(format!(
            "the pixels are {sx} m wide and {sy} m high; expected square cells"
        )));
    }
    let keys = read_geokeys(&mut dec).map_err(&err)?;
    let key = |k: u16| keys.iter().find(|(kk, _)| *kk == k).map(|&(_, v)| v);
    if let Some(t) = key(geokey::MODEL_TYPE) {
        if t != geokey::MODEL_PROJECTED {
            return Err(err(format!(
                "the GeoKeys give model type {t} ({}); expected a projected CRS in metres (type 1)",
                if t == 2 {
                    "geographic: longitude/latitude"
                } else {
                    "not projected"
                }
            )));
        }
    }
    if let Some(u) = key(geokey::PROJ_LINEAR_UNITS) {
        if u != geokey::METRE {
            return Err(err(format!(
                "the GeoKeys give linear unit {u}; expected metres (EPSG unit 9001)"
            )));
        }
    }
    let epsg = key(geokey::PROJECTED_CS_TYPE).filter(|&c| c != geokey::USER_DEFINED && c != 0);
    if let Some(code) = epsg {
        crate::world::geo::check_epsg(code).map_err(|m| err(format!("the GeoKeys name {m}")))?;
    }
    let (i, j) = (tie[0], tie[1]);
    let (mut x, mut y) = (tie[3] - i * sx, tie[4] + j * sy);
    if key(geokey::RASTER_TYPE) == Some(geokey::PIXEL_IS_POINT) {
        // The tie point is a pixel's centre: its corner is half a cell west and north.
        x -= sx / 2.0;
        y += sy / 2.0;
    }
    let south = y - ny as f64 * sy;
    for (name, v) in [("west edge", x), ("north edge", y), ("south edge", south)] {
        if v.is_nan() || v.abs() > MAX_COORD_M {
            return Err(err(format!(
                "the grid's {name} is at {v} m; expected a coordinate between -{MAX_COORD_M:e} and {MAX_COORD_M:e} m"
            )));
        }
    }
    let nodata = match dec.find_tag(Tag::GdalNodata) {
        Ok(None) => None,
        Ok(Some(v)) => {
            let s = v.into_string().map_err(|e| tiff_err("tag GdalNodata", e))?;
            let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            Some(s.parse::<f64>().map_err(|_| {
                err(format!(
                    "the GDAL NoData tag holds \"{s}\"; expected a number"
                ))
            })?)
        }
        Err(e) => return Err(tiff_err("tag GdalNodata", e)),
    };
    let data = dec.read_image().map_err(|e| tiff_err("pixels", e))?;
    let raw: Vec<f64> = match data {
        DecodingResult::U8(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::U16(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::U32(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::U64(v) => v.into_iter().map(|x| x as f64).collect(),
        DecodingResult::I8(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::I16(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::I32(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::I64(v) => v.into_iter().map(|x| x as f64).collect(),
        DecodingResult::F32(v) => v.into_iter().map(f64::from).collect(),
        DecodingResult::F64(v) => v,
        DecodingResult::F16(v) => v.into_iter().map(f64::from).collect(),
    };
    if raw.len() != nx * ny {
        return Err(err(format!(
            "the image holds {} values; expected {nx} × {ny} = {}",
            raw.len(),
            nx * ny
        )));
    }
    let mut values = vec![None; nx * ny];
    for (k, &v) in raw.iter().enumerate() {
        let (row_from_top, col) = (k / nx, k % nx);
        let is_nodata = v.is_nan() || nodata.is_some_and(|nd| v == nd);
        if is_nodata {
            continue;
        }
        let bad = |what: String| {
            err(format!(
                "the value {v} at row {} column {} (from the top left, counting from 1) is not valid; expected {what}",
                row_from_top + 1,
                col + 1
            ))
        };
        if !v.is_finite() {
            return Err(bad("a finite number or NoData".into()));
        }
        check(v).map_err(bad)?;
        values[(ny - 1 - row_from_top) * nx + col] = Some(v);
    }
    Ok(GeoGrid {
        grid: AscGrid {
            grid: GridSpec {
                nx,
                ny,
                x0_km: x / 1000.0,
                y0_km: south / 1000.0,
                cell_km: sx / 1000.0,
            },
            values,
        },
        epsg,
    })
}

/// The GeoKey entries held in the directory itself (key, value); keys stored elsewhere
/// (doubles, ASCII) are skipped.
fn read_geokeys(dec: &mut Decoder<Cursor<&[u8]>>) -> Result<Vec<(u16, u16)>, String> {
    let dir = match dec.find_tag(Tag::GeoKeyDirectoryTag) {
        Ok(None) => {
            return Err(
                "no GeoKeyDirectoryTag; expected a GeoTIFF whose GeoKeys name its CRS".into(),
            )
        }
        Ok(Some(v)) => v
            .into_u16_vec()
            .map_err(|e| format!("not a readable GeoTIFF: GeoKeyDirectoryTag: {e}"))?,
        Err(e) => return Err(format!("not a readable GeoTIFF: GeoKeyDirectoryTag: {e}")),
    };
    if dir.len() < 4 || dir[0] != 1 {
        return Err(format!(
            "the GeoKeyDirectoryTag starts {:?}; expected version 1 and a key count",
            &dir[..dir.len().min(4)]
        ));
    }
    let n = dir[3] as usize;
    if dir.len() < 4 + 4 * n {
        return Err(format!(
            "the GeoKeyDirectoryTag announces {n} keys but holds {} values; expected {}",
            dir.len(),
            4 + 4 * n
        ));
    }
    Ok(dir[4..4 + 4 * n]
        .chunks_exact(4)
        .filter(|e| e[1] == 0)
        .map(|e| (e[0], e[3]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonneg(v: f64) -> Result<(), String> {
        if v >= 0.0 {
            Ok(())
        } else {
            Err("a value ≥ 0".into())
        }
    }

    #[test]
    fn writer_output_reads_back() {
        let grid = GridSpec {
            nx: 3,
            ny: 2,
            x0_km: 500.0,
            y0_km: 4400.0,
            cell_km: 0.25,
        };
        let values = [1.0, 2.0, f64::NAN, 4.0, 5.5, 6.0];
        let bytes =
            crate::output::geotiff::encode(&grid, Some(32650), (0.0, 0.0), &values).unwrap();
        let g = parse(&bytes, "t.tif", &nonneg).unwrap();
        assert_eq!(g.epsg, Some(32650));
        assert_eq!(g.grid.grid, grid);
        assert_eq!(
            g.grid.values,
            vec![Some(1.0), Some(2.0), None, Some(4.0), Some(5.5), Some(6.0)]
        );
        let e = parse(
            // South row first: the −2 is in the south (second from the top) row, column 2.
            &crate::output::geotiff::encode(
                &grid,
                Some(32650),
                (0.0, 0.0),
                &[1.0, -2.0, 3.0, 4.0, 5.0, 6.0],
            )
            .unwrap(),
            "t.tif",
            &nonneg,
        )
        .unwrap_err();
        assert!(e.to_string().contains("value -2 at row 2 column 2"), "{e}");
    }

    #[test]
    fn garbage_is_an_error() {
        for bytes in [&b""[..], b"II*\0", b"MM\0*\0\0\0\x08", b"not a tiff at all"] {
            assert!(parse(bytes, "t.tif", &nonneg).is_err());
        }
    }
}
