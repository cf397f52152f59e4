//! The simulated world: grid fields (ndarray), agents (struct-of-arrays), places and the travel model.

pub mod agents;
pub mod beijing;
pub mod build;
pub mod custom;
pub mod geo;
pub mod grid;
pub mod layers;
pub mod places;
pub mod regions;
pub mod travel;

use ndarray::{Array1, Array2};

use crate::types::{LandUse, Sector, Use, NONE};
use agents::{status, Firms, Incubators, University, Workers};
use grid::GridSpec;
use places::{Area, Place};
use travel::Travel;

/// Marker for "no park" in `Cells::park`.
pub const NO_PARK: u16 = u16::MAX;

/// Worker slots per block of the zone order (2^20; with blocks of 2^18 the workers phase
/// gained nothing, BENCHMARKS.md, session 12). The sort's buffers are one block's.
pub const WORKER_ORDER_BLOCK: usize = 1 << 20;

/// Per-cell state. Floor quantities are m² at real size; counts are agents.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Cells {
    /// Land-use zone.
    pub land_use: Vec<LandUse>,
    /// Park index or `NO_PARK`.
    pub park: Vec<u16>,
    /// Floor space per use: `[Use::N, n_cells]`.
    pub capacity: Array2<f64>,
    /// Floor space occupied per use.
    pub used: Array2<f64>,
    /// Rent per use (yuan/m²/month).
    pub rent: Array2<f64>,
    /// Demand that found no space this tick, per use (m²); reset by the land phase.
    pub unmet: Array2<f64>,
    /// Zoning limit on total floor space (m²).
    pub max_floor: Array1<f64>,
    /// Red-line cap on total floor space (m²); infinite where none applies.
    pub red_line: Array1<f64>,
    /// Knowledge field, normalised so that its mean over job cells at the start is 1.
    pub knowledge: Array1<f64>,
    /// Resident worker agents (retired excluded).
    pub residents: Vec<u32>,
    /// Resident worker agents with tech skills.
    pub tech_residents: Vec<u32>,
    /// Employees of firms located in the cell (agents).
    pub jobs: Vec<u32>,
    /// Alive start-ups located in the cell.
    pub startups: Vec<u32>,
    /// Whether the cell is in the innovation core.
    pub core: Vec<bool>,
    /// Whether the cell is in the periphery.
    pub periphery: Vec<bool>,
}

impl Cells {
    /// Free floor space of a use in a cell (m²).
    #[inline]
    pub fn free(&self, u: Use, cell: usize) -> f64 {
        (self.capacity[[u as usize, cell]] - self.used[[u as usize, cell]]).max(0.0)
    }
    /// Total floor capacity of a cell over all uses.
    pub fn total_capacity(&self, cell: usize) -> f64 {
        (0..Use::N).map(|u| self.capacity[[u, cell]]).sum()
    }
}

/// A regional partner site outside the grid that takes relocating firms (Jing-Jin-Ji).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PartnerSite {
    /// Name.
    pub name: String,
    /// Sectors it takes.
    pub sectors: [bool; Sector::N],
    /// Firms it can take (real size).
    pub capacity: f64,
    /// Firms taken so far (real size).
    pub used: f64,
    /// Office/industrial rent there (yuan/m²/month).
    pub rent: f64,
    /// Distance from the zone (km): a move cost.
    pub distance_km: f64,
    /// Attractiveness bonus in location-choice utility (incentives, supply chains).
    pub bonus: f64,
}

/// The whole simulated world.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct World {
    /// World name.
    pub name: String,
    /// Grid geometry.
    pub grid: GridSpec,
    /// Where the km coordinates are on the Earth (`None`: a city without a CRS).
    pub georef: Option<geo::Georef>,
    /// Agents per real agent (1.0 = real size).
    pub scale: f64,
    /// Cell state.
    pub cells: Cells,
    /// Workers.
    pub workers: Workers,
    /// Firms.
    pub firms: Firms,
    /// Incubators.
    pub incubators: Incubators,
    /// Universities.
    pub universities: Vec<University>,
    /// Travel model.
    pub travel: Travel,
    /// Named places.
    pub places: Vec<Place>,
    /// Parks.
    pub parks: Vec<Area>,
    /// Districts.
    pub districts: Vec<Area>,
    /// Other named areas.
    pub areas: Vec<Area>,
    /// Partner sites added by policies.
    pub partner_sites: Vec<PartnerSite>,
    /// Regions tracked besides the parks ([`WorldLayers::tracked_regions`]). Not saved with a
    /// state: the cells they resolved to are saved with the indicator accumulators.
    #[serde(skip)]
    pub tracked_regions: Vec<String>,
    /// Floor space (m²) added at the start because agents, each standing for `1/scale` real
    /// agents, needed more room than a thin cell's layer held (reported in the summary).
    pub widened_m2: f64,
}

impl World {
    /// Alive firms (counted in parallel).
    pub fn n_firms_alive(&self) -> usize {
        use rayon::prelude::*;
        self.firms
            .flags
            .par_chunks(1 << 16)
            .map(|c| c.iter().filter(|&&f| f & agents::flags::ALIVE != 0).count())
            .sum()
    }
    /// Workers in the labour force (not retired; counted in parallel).
    pub fn n_workers_active(&self) -> usize {
        use rayon::prelude::*;
        self.workers
            .state
            .par_chunks(1 << 16)
            .map(|c| {
                c.iter()
                    .filter(|&&s| agents::status::of(s) != agents::status::RETIRED)
                    .count()
            })
            .sum()
    }
    /// A region (park, district, area or place) by name.
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
    /// Order the workers by home zone, in blocks of [`WORKER_ORDER_BLOCK`] slots
    /// ([`agents::Workers::order_by_zone`]).
    pub fn order_workers(&mut self) {
        let nz = self.travel.n_zones();
        self.workers
            .order_by_zone(&self.travel.cell_zone, nz, WORKER_ORDER_BLOCK);
    }

    /// Yearly compaction: drop retired workers and closed firms, remapping employer indices.
    pub fn compact(&mut self) {
        let w = self;
        let keep_w: Vec<bool> = w
            .workers
            .state
            .iter()
            .map(|&s| status::of(s) != status::RETIRED)
            .collect();
        w.workers.retain(&keep_w);
        let keep_f: Vec<bool> = (0..w.firms.len()).map(|i| w.firms.alive(i)).collect();
        let map = w.firms.retain(&keep_f);
        for (e, s) in w
            .workers
            .employer
            .iter_mut()
            .zip(w.workers.state.iter_mut())
        {
            if *e != NONE {
                *e = map[*e as usize];
                if *e == NONE {
                    status::set(s, status::UNEMPLOYED);
                }
            }
        }
        debug_assert!(w
            .workers
            .employer
            .iter()
            .zip(&w.workers.state)
            .all(|(&e, &s)| (e == NONE) == (status::of(s) == status::UNEMPLOYED)));
    }
}
