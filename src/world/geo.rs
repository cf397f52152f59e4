//! The world's georeference: which projected coordinate reference system (an EPSG code) its
//! kilometre coordinates live in and where their origin is, and the conversions to and from
//! longitude/latitude (WGS 84) through proj4rs, a pure-Rust port of PROJ.
//!
//! A world's coordinates are km east/north of an origin; in the CRS that point is
//! `origin_m` (metres), so a point `(x_km, y_km)` is `(origin_m.0 + 1000·x_km, origin_m.1 +
//! 1000·y_km)` in the CRS. The Beijing preset uses WGS 84 / UTM zone 50N (EPSG:32650) with the
//! origin at Tiananmen (docs/scenarios.md, "Coordinates"); a user's city takes the CRS of its
//! grid files (GeoTIFF GeoKeys or the `.prj` beside an ESRI ASCII grid, or `world.crs`), with
//! the origin at the CRS's own origin unless `world.origin_m` moves it.

use proj4rs::proj::Proj;
use serde::{Deserialize, Serialize};

/// The EPSG code of WGS 84 longitude/latitude (GeoJSON's CRS, RFC 7946).
pub const WGS84: u16 = 4326;

/// WGS 84 / UTM zone 50N: the Beijing preset's CRS (central meridian 117° E, 0.6° east of
/// Tiananmen, so the scale error over the plain stays below 0.04%; the CRS every GIS, GPS and
/// web map knows without a Chinese datum grid).
pub const BEIJING_EPSG: u16 = 32650;

/// Tiananmen (longitude, latitude) in WGS 84: the Beijing preset's origin.
pub const TIANANMEN_LONLAT: (f64, f64) = (116.3975, 39.9087);

/// Where a world's km coordinates are on the Earth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Georef {
    /// EPSG code of a projected CRS in metres.
    pub epsg: u16,
    /// The CRS coordinates (metres) of the world's (0 km, 0 km).
    pub origin_m: (f64, f64),
}

/// Why a CRS cannot be used.
pub fn check_epsg(epsg: u16) -> Result<(), String> {
    let def = crs_definitions::from_code(epsg)
        .ok_or_else(|| format!("EPSG:{epsg} is not a coordinate reference system zgc knows"))?;
    let proj = Proj::from_proj_string(def.proj4)
        .map_err(|e| format!("EPSG:{epsg} cannot be set up ({e})"))?;
    if proj.is_latlong() || proj.is_geocent() {
        return Err(format!(
            "EPSG:{epsg} is not a projected CRS; expected one in metres (e.g. a UTM zone, EPSG:326xx)"
        ));
    }
    if (proj.to_meter() - 1.0).abs() > 1e-12 {
        return Err(format!(
            "EPSG:{epsg} is in {}, not metres; expected a projected CRS in metres",
            proj.units()
        ));
    }
    Ok(())
}

/// The CRS's WKT (OGC WKT 1, as in a `.prj` file).
pub fn wkt(epsg: u16) -> Option<&'static str> {
    crs_definitions::from_code(epsg).map(|d| d.wkt)
}

/// The CRS's name (from its WKT), e.g. "WGS 84 / UTM zone 50N".
pub fn crs_name(epsg: u16) -> String {
    wkt(epsg)
        .and_then(|w| w.split('"').nth(1))
        .map(str::to_string)
        .unwrap_or_else(|| format!("EPSG:{epsg}"))
}

/// The EPSG code a `.prj` (WKT) names for the whole CRS: the last `AUTHORITY["EPSG","N"]`
/// (or WKT 2 `ID["EPSG",N]`) at the outermost level of the definition.
pub fn epsg_of_wkt(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth = depth.saturating_sub(1),
            _ => {
                let rest = &text[i..];
                let upper = rest.get(..10).unwrap_or(rest).to_ascii_uppercase();
                if depth == 1 && (upper.starts_with("AUTHORITY[") || upper.starts_with("ID[")) {
                    let open = rest.find('[').unwrap_or(0);
                    let close = rest.find(']').unwrap_or(rest.len());
                    let inner = &rest[open + 1..close];
                    let mut parts = inner.split(',').map(|p| p.trim().trim_matches('"'));
                    if parts.next().is_some_and(|a| a.eq_ignore_ascii_case("EPSG")) {
                        found = parts.next().and_then(|c| c.parse::<u16>().ok());
                    }
                }
            }
        }
        i += 1;
    }
    found
}

/// GeoTIFF keys (OGC GeoTIFF 1.1) that zgc writes and reads.
pub mod geokey {
    /// GTModelTypeGeoKey: 1 projected, 2 geographic.
    pub const MODEL_TYPE: u16 = 1024;
    /// GTRasterTypeGeoKey: 1 PixelIsArea, 2 PixelIsPoint.
    pub const RASTER_TYPE: u16 = 1025;
    /// ProjectedCSTypeGeoKey: the EPSG code of the projected CRS (32767 user-defined).
    pub const PROJECTED_CS_TYPE: u16 = 3072;
    /// ProjLinearUnitsGeoKey: 9001 metre.
    pub const PROJ_LINEAR_UNITS: u16 = 3076;
    /// GTModelType "projected".
    pub const MODEL_PROJECTED: u16 = 1;
    /// GTRasterType "PixelIsArea".
    pub const PIXEL_IS_AREA: u16 = 1;
    /// GTRasterType "PixelIsPoint".
    pub const PIXEL_IS_POINT: u16 = 2;
    /// EPSG unit code of the metre.
    pub const METRE: u16 = 9001;
    /// "User-defined" in GeoKeys.
    pub const USER_DEFINED: u16 = 32767;
}

fn proj(epsg: u16) -> Option<Proj> {
    Proj::from_proj_string(crs_definitions::from_code(epsg)?.proj4).ok()
}

impl Georef {
    /// The Beijing preset's georeference: UTM 50N with Tiananmen at (0 km, 0 km).
    pub fn beijing() -> Georef {
        let (lon, lat) = TIANANMEN_LONLAT;
        let origin_m = lonlat_to_crs(BEIJING_EPSG, lon, lat).expect("UTM 50N is known");
        Georef {
            epsg: BEIJING_EPSG,
            origin_m,
        }
    }

    /// CRS metres of a point given in the world's km.
    pub fn km_to_crs(&self, x_km: f64, y_km: f64) -> (f64, f64) {
        (
            self.origin_m.0 + x_km * 1000.0,
            self.origin_m.1 + y_km * 1000.0,
        )
    }

    /// The world's km of a point in CRS metres.
    pub fn crs_to_km(&self, x_m: f64, y_m: f64) -> (f64, f64) {
        (
            (x_m - self.origin_m.0) / 1000.0,
            (y_m - self.origin_m.1) / 1000.0,
        )
    }

    /// Longitude and latitude (degrees, WGS 84) of a point in the world's km.
    pub fn to_lonlat(&self, x_km: f64, y_km: f64) -> (f64, f64) {
        let (x, y) = self.km_to_crs(x_km, y_km);
        crs_to_lonlat(self.epsg, x, y).unwrap_or((f64::NAN, f64::NAN))
    }

    /// Many points at once (one projection set-up), km → (lon, lat).
    pub fn to_lonlat_many(&self, pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
        let (Some(src), Some(dst)) = (proj(self.epsg), proj(WGS84)) else {
            return vec![(f64::NAN, f64::NAN); pts.len()];
        };
        pts.iter()
            .map(|&(x, y)| {
                let (x, y) = self.km_to_crs(x, y);
                let mut p = (x, y, 0.0);
                match proj4rs::transform::transform(&src, &dst, &mut p) {
                    Ok(()) => (p.0.to_degrees(), p.1.to_degrees()),
                    Err(_) => (f64::NAN, f64::NAN),
                }
            })
            .collect()
    }

    /// The world's km of a longitude/latitude (degrees, WGS 84).
    pub fn from_lonlat(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let (x, y) = lonlat_to_crs(self.epsg, lon, lat)?;
        Some(self.crs_to_km(x, y))
    }
}

/// CRS metres of a longitude/latitude (degrees, WGS 84); `None` if the projection fails.
pub fn lonlat_to_crs(epsg: u16, lon: f64, lat: f64) -> Option<(f64, f64)> {
    let (src, dst) = (proj(WGS84)?, proj(epsg)?);
    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&src, &dst, &mut p).ok()?;
    (p.0.is_finite() && p.1.is_finite()).then_some((p.0, p.1))
}

/// Longitude/latitude (degrees, WGS 84) of CRS metres; `None` if the projection fails.
pub fn crs_to_lonlat(epsg: u16, x: f64, y: f64) -> Option<(f64, f64)> {
    let (src, dst) = (proj(epsg)?, proj(WGS84)?);
    let mut p = (x, y, 0.0);
    proj4rs::transform::transform(&src, &dst, &mut p).ok()?;
    let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
    (lon.is_finite() && lat.is_finite()).then_some((lon, lat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiananmen_is_the_origin_and_round_trips() {
        let g = Georef::beijing();
        // UTM 50N of Tiananmen, as PROJ (pyproj 3) gives it: 448 502.18 m E, 4 417 797.61 m N.
        assert!(
            (g.origin_m.0 - 448_502.182).abs() < 0.01,
            "{:?}",
            g.origin_m
        );
        assert!(
            (g.origin_m.1 - 4_417_797.609).abs() < 0.01,
            "{:?}",
            g.origin_m
        );
        let (lon, lat) = g.to_lonlat(0.0, 0.0);
        assert!((lon - 116.3975).abs() < 1e-9 && (lat - 39.9087).abs() < 1e-9);
        let (x, y) = g.from_lonlat(116.316, 39.983).unwrap();
        let (lon2, lat2) = g.to_lonlat(x, y);
        assert!((lon2 - 116.316).abs() < 1e-9 && (lat2 - 39.983).abs() < 1e-9);
        // Zhongguancun is about 7 km west and 8 km north of Tiananmen.
        assert!((x + 7.0).abs() < 0.3 && (y - 8.3).abs() < 0.3, "{x} {y}");
    }

    #[test]
    fn wkt_epsg_and_checks() {
        assert_eq!(epsg_of_wkt(wkt(32650).unwrap()), Some(32650));
        assert_eq!(epsg_of_wkt(wkt(4548).unwrap()), Some(4548));
        assert_eq!(epsg_of_wkt("LOCAL_CS[\"x\"]"), None);
        assert!(check_epsg(32650).is_ok());
        assert!(check_epsg(4548).is_ok());
        assert!(check_epsg(4326).unwrap_err().contains("not a projected"));
        assert!(check_epsg(1).unwrap_err().contains("not a coordinate"));
        assert_eq!(crs_name(32650), "WGS 84 / UTM zone 50N");
    }
}
