//! GeoTIFF grids (`grids/*.tif`, comparison Δ maps): float32, deflate-compressed, north up,
//! NoData = NaN (GDAL's `GDAL_NODATA` tag), GeoKeys naming the CRS by its EPSG code, written
//! with the pure-Rust `tiff` crate (no GDAL needed). Also the `.prj` sidecar (OGC WKT) of an
//! ESRI ASCII grid. GDAL, QGIS and rasterio read both; `tests/gis/` checks it with rasterio.

use std::io::Cursor;

use anyhow::{Context, Result};
use tiff::encoder::colortype::Gray32Float;
use tiff::encoder::{Compression, DeflateLevel, TiffEncoder};
use tiff::tags::{ExtraSamples, Tag};

use crate::world::geo::{self, geokey};
use crate::world::grid::GridSpec;

/// Rows of pixels per strip (deflate works per strip; 16 rows of 160 float32 are 10 kB).
const ROWS_PER_STRIP: u32 = 16;

/// The GeoKey directory: projected model, pixel-is-area, the EPSG code (or none) and metres.
fn geokeys(epsg: Option<u16>) -> Vec<u16> {
    let mut keys = vec![
        (geokey::MODEL_TYPE, geokey::MODEL_PROJECTED),
        (geokey::RASTER_TYPE, geokey::PIXEL_IS_AREA),
    ];
    if let Some(code) = epsg {
        keys.push((geokey::PROJECTED_CS_TYPE, code));
    }
    keys.push((geokey::PROJ_LINEAR_UNITS, geokey::METRE));
    let mut dir = vec![1, 1, 0, keys.len() as u16];
    for (k, v) in keys {
        dir.extend_from_slice(&[k, 0, 1, v]);
    }
    dir
}

/// North-first float32 pixels of bands given south-first (row 0 = south).
fn pixels(grid: &GridSpec, bands: &[&[f64]]) -> Vec<f32> {
    let mut out = Vec::with_capacity(grid.n_cells() * bands.len());
    for r in (0..grid.ny).rev() {
        for c in 0..grid.nx {
            for b in bands {
                out.push(b[r * grid.nx + c] as f32);
            }
        }
    }
    out
}

/// GeoTIFF bytes of one or two bands on a grid whose km coordinates have the CRS origin
/// `origin_m` (metres); NaN is NoData.
fn encode_bands(
    grid: &GridSpec,
    epsg: Option<u16>,
    origin_m: (f64, f64),
    bands: &[&[f64]],
) -> Result<Vec<u8>> {
    let mut buf = Cursor::new(Vec::new());
    let mut enc =
        TiffEncoder::new(&mut buf)?.with_compression(Compression::Deflate(DeflateLevel::Balanced));
    let (w, h) = (grid.nx as u32, grid.ny as u32);
    let west = origin_m.0 + grid.x0_km * 1000.0;
    let north = origin_m.1 + grid.y1_km() * 1000.0;
    let cell = grid.cell_km * 1000.0;
    let data = pixels(grid, bands);
    // Bands beyond the first are "extra samples" of a grey float image (GDAL reads them as bands).
    let mut img = enc.new_image::<Gray32Float>(w, h)?;
    img.rows_per_strip(ROWS_PER_STRIP)?;
    if bands.len() > 1 {
        img.extra_samples(&vec![ExtraSamples::Unspecified; bands.len() - 1])?;
    }
    let d = img.encoder();
    d.write_tag(Tag::ModelPixelScaleTag, &[cell, cell, 0.0][..])?;
    d.write_tag(
        Tag::ModelTiepointTag,
        &[0.0, 0.0, 0.0, west, north, 0.0][..],
    )?;
    d.write_tag(Tag::GeoKeyDirectoryTag, &geokeys(epsg)[..])?;
    d.write_tag(Tag::GdalNodata, "nan")?;
    img.write_data(&data)?;
    Ok(buf.into_inner())
}

/// GeoTIFF bytes of one field (values per cell, row 0 = south, NaN = NoData).
pub fn encode(
    grid: &GridSpec,
    epsg: Option<u16>,
    origin_m: (f64, f64),
    values: &[f64],
) -> Result<Vec<u8>> {
    encode_bands(grid, epsg, origin_m, &[values])
}

/// GeoTIFF bytes of a Δ map: band 1 the mean paired difference, band 2 1 where the cell's
/// interval excludes zero and 0 where it does not (NaN where either is NoData).
pub fn encode_delta(
    grid: &GridSpec,
    epsg: Option<u16>,
    origin_m: (f64, f64),
    mean: &[f64],
    significant: &[f64],
) -> Result<Vec<u8>> {
    encode_bands(grid, epsg, origin_m, &[mean, significant])
}

/// Write a GeoTIFF of a world's field.
pub fn write(path: &std::path::Path, world: &crate::world::World, values: &[f64]) -> Result<()> {
    let (epsg, origin) = epsg_origin(world.georef);
    let bytes = encode(&world.grid, epsg, origin, values)
        .with_context(|| format!("encoding {}", path.display()))?;
    crate::files::write_atomic(path, &bytes)
}

/// The EPSG code and the km origin in CRS metres (the CRS origin itself without a georeference).
pub fn epsg_origin(georef: Option<geo::Georef>) -> (Option<u16>, (f64, f64)) {
    match georef {
        Some(g) => (Some(g.epsg), g.origin_m),
        None => (None, (0.0, 0.0)),
    }
}

/// The `.prj` text (OGC WKT 1) of a CRS, or `None` when zgc has no definition of it.
pub fn prj_text(epsg: u16) -> Option<&'static str> {
    geo::wkt(epsg)
}
