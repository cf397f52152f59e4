//! The input of a world: grid layers, places, parks, districts, knowledge sources and links,
//! as produced by the embedded Beijing preset or read from a user's grid files.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::grid::GridSpec;
use super::places::{Area, Place};
use crate::types::{Generation, LandUse, Sector, Use};

/// A university or research institute: a fixed knowledge source that releases graduates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UniversitySpec {
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: u32,
    /// Relative knowledge weight (1 = an average research university).
    pub weight: f64,
}

/// An incubator that exists at the start of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncubatorSpec {
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: u32,
    /// Generation.
    pub generation: Generation,
    /// Sector focus (3.0 only).
    pub sector: Option<Sector>,
    /// Seats at real size (start-ups it can host).
    pub seats: f64,
}

/// Kind of a fast link in the travel network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Ring road or expressway.
    Expressway,
    /// Rail (metro or suburban) corridor.
    Rail,
}

/// A fast link: a polyline in km with its own speed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: LinkKind,
    /// Vertices (km east, km north).
    pub points: Vec<(f64, f64)>,
    /// Speed override (km/h); `None` uses the kind's default speed.
    pub speed_kmh: Option<f64>,
}

/// Everything a world is built from. All quantities are at real size (scale 1).
#[derive(Clone, Debug)]
pub struct WorldLayers {
    /// World name (`beijing` for the preset).
    pub name: String,
    /// Grid geometry.
    pub grid: GridSpec,
    /// Where the km coordinates are on the Earth (`None`: a city without a CRS).
    pub georef: Option<super::geo::Georef>,
    /// Land-use zone per cell.
    pub land_use: Vec<LandUse>,
    /// Floor space (m²) per use and cell: shape `[Use::N, n_cells]`.
    pub floor: Array2<f64>,
    /// Largest total floor space (m²) developers may reach per cell (zoning).
    pub max_floor: Array1<f64>,
    /// Resident workers per cell.
    pub residents: Array1<f64>,
    /// Jobs per sector and cell: shape `[Sector::N, n_cells]`.
    pub jobs: Array2<f64>,
    /// Probability that an IT or bio-medicine firm in the cell is high-tech (other sectors scale it:
    /// manufacturing 0.9, services 0.35, e-mall trade 0).
    pub high_tech: Array1<f64>,
    /// Share of the cell's residents with technical skills.
    pub tech_share: Array1<f64>,
    /// Starting rent per use and cell (yuan/m²/month): shape `[Use::N, n_cells]`.
    pub rent: Array2<f64>,
    /// Named points.
    pub places: Vec<Place>,
    /// Science parks (policy areas) used by the park indicators.
    pub parks: Vec<Area>,
    /// Administrative districts.
    pub districts: Vec<Area>,
    /// Other named areas (e.g. `zhongguancun_avenue`).
    pub areas: Vec<Area>,
    /// The innovation core (cells) for the core indicators.
    pub core: Vec<u32>,
    /// The periphery (cells) for the periphery rent indicator.
    pub periphery: Vec<u32>,
    /// Universities and institutes.
    pub universities: Vec<UniversitySpec>,
    /// Incubators at the start.
    pub incubators: Vec<IncubatorSpec>,
    /// Fast links.
    pub links: Vec<Link>,
    /// Regions (by name) whose residents' commutes and start-up births are tracked besides
    /// the parks (`regions.csv`), where the world has them: the preset's list for `beijing`,
    /// `core` for a user's city. `core` is the core's cells.
    pub tracked_regions: Vec<String>,
}

impl WorldLayers {
    /// Number of cells.
    pub fn n_cells(&self) -> usize {
        self.grid.n_cells()
    }

    /// Total floor space of a cell over all uses.
    pub fn total_floor(&self, cell: usize) -> f64 {
        (0..Use::N).map(|u| self.floor[[u, cell]]).sum()
    }

    /// Check the internal consistency of the layers; returns a description of the first problem.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.n_cells();
        let check = |what: &str, len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(format!("layer `{what}` has {len} cells, the grid has {n}"))
            }
        };
        check("land_use", self.land_use.len())?;
        check("floor", self.floor.ncols())?;
        check("max_floor", self.max_floor.len())?;
        check("residents", self.residents.len())?;
        check("jobs", self.jobs.ncols())?;
        check("high_tech", self.high_tech.len())?;
        check("tech_share", self.tech_share.len())?;
        check("rent", self.rent.ncols())?;
        let finite_nonneg = |what: &str, mut it: Box<dyn Iterator<Item = f64> + '_>| {
            if it.any(|v| !v.is_finite() || v < 0.0) {
                Err(format!("layer `{what}` has a negative or non-finite value"))
            } else {
                Ok(())
            }
        };
        finite_nonneg("floor", Box::new(self.floor.iter().copied()))?;
        finite_nonneg("residents", Box::new(self.residents.iter().copied()))?;
        finite_nonneg("jobs", Box::new(self.jobs.iter().copied()))?;
        finite_nonneg("rent", Box::new(self.rent.iter().copied()))?;
        for area in self.parks.iter().chain(&self.districts).chain(&self.areas) {
            if area.cells.iter().any(|&c| c as usize >= n) {
                return Err(format!("area `{}` has a cell outside the grid", area.name));
            }
        }
        Ok(())
    }

    /// Region lookup by name: a park, district, named area or place (a disc of the place's radius).
    pub fn region_by_name(&self, name: &str) -> Option<Vec<u32>> {
        if let Some(a) = self
            .parks
            .iter()
            .chain(&self.districts)
            .chain(&self.areas)
            .find(|a| a.name == name)
        {
            return Some(a.cells.clone());
        }
        self.places
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.cells(&self.grid))
    }

    /// All names a region can use: (kind, name, label).
    pub fn region_names(&self) -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        for p in &self.places {
            out.push(("place", p.name.clone(), p.label.clone()));
        }
        for a in &self.parks {
            out.push(("park", a.name.clone(), a.label.clone()));
        }
        for a in &self.districts {
            out.push(("district", a.name.clone(), a.label.clone()));
        }
        for a in &self.areas {
            out.push(("area", a.name.clone(), a.label.clone()));
        }
        out
    }
}

/// Starting rent for a use given an accessibility index in [0, 1]:
/// `floor + (core − floor)·access`.
pub fn rent_from_access(core: f64, floor: f64, access: f64) -> f64 {
    floor + (core - floor).max(0.0) * access.clamp(0.0, 1.0)
}
