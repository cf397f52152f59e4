//! A user's own city from grid layers (land use, floor space, residents, jobs): the grid-derived
//! part of its `WorldLayers`. Places, parks, districts, incubators and links are added by the
//! scenario layer, as for the preset.
//!
//! The rules, kept simple and documented in `docs/scenarios.md`:
//! - the city is closed: residents are scaled to the labour force and jobs to the employed
//!   (labour force × (1 − initial unemployment)); the grids say *where*;
//! - a single jobs grid is split into sectors by the cell's land-use zone ([`ZONE_SECTOR_MIX`]);
//! - a total floor-space grid is split into uses first by what the cell's residents and jobs
//!   occupy (m² per worker), then any rest by the zone's development mix (vacant space);
//! - starting rents fall from the zone's core rent to the rent floor with an accessibility
//!   index: jobs within reach, Σ jobs·exp(−d² / 2σ²) with σ = `access_decay_km` (cut at 3σ),
//!   relative to the best cell;
//! - the share of tech workers among residents is uniform unless a grid gives it; the chance
//!   that a firm is high-tech follows the zone ([`ZONE_HIGH_TECH`]) unless a grid gives it;
//! - developers may build up to `params.land.max_far` × cell area (at least 3% above today's
//!   floor space), unless a `max_floor` grid gives the limit; nothing is built on green cells.

use ndarray::{Array1, Array2};

use super::grid::GridSpec;
use super::layers::{rent_from_access, WorldLayers};
use crate::params::Params;
use crate::types::{LandUse, Sector, Use};

/// Sector shares of a cell's jobs by land-use zone (IT, bio, manufacturing, services, e-mall),
/// used when a single jobs grid is given.
pub const ZONE_SECTOR_MIX: [[f64; Sector::N]; LandUse::N] = [
    [0.0, 0.0, 0.0, 1.0, 0.0],     // green: only services (parks, upkeep)
    [0.05, 0.0, 0.0, 0.95, 0.0],   // residential: local services
    [0.60, 0.10, 0.05, 0.25, 0.0], // office / R&D
    [0.10, 0.0, 0.0, 0.70, 0.20],  // commercial, with electronics malls
    [0.10, 0.10, 0.70, 0.10, 0.0], // industrial
    [0.50, 0.30, 0.0, 0.20, 0.0],  // university / institute
    [0.0, 0.0, 0.40, 0.60, 0.0],   // village collective land
    [0.40, 0.10, 0.10, 0.40, 0.0], // mixed live/work
];

/// Chance that an IT or bio-medicine firm is high-tech, by land-use zone (when no grid gives it).
pub const ZONE_HIGH_TECH: [f64; LandUse::N] = [0.2, 0.3, 0.8, 0.3, 0.6, 0.9, 0.2, 0.7];

/// Default decay length (km) of the accessibility index behind starting rents.
pub const DEFAULT_ACCESS_DECAY_KM: f64 = 3.0;

/// Floor space per cell: one total, or one layer per use.
#[derive(Clone, Debug)]
pub enum FloorInput {
    /// Total floor m² per cell.
    Total(Vec<f64>),
    /// Floor m² per use and cell: shape `[Use::N, n_cells]`.
    PerUse(Array2<f64>),
}

/// Jobs per cell: one total, or one layer per sector.
#[derive(Clone, Debug)]
pub enum JobsInput {
    /// Total jobs per cell.
    Total(Vec<f64>),
    /// Jobs per sector and cell: shape `[Sector::N, n_cells]`.
    PerSector(Array2<f64>),
}

/// The grid layers of a user's city (all values at real size, non-negative).
#[derive(Clone, Debug)]
pub struct GridInput {
    /// World name.
    pub name: String,
    /// Geometry.
    pub grid: GridSpec,
    /// The grids' CRS and the km origin in it (`None` when the files name no CRS).
    pub georef: Option<super::geo::Georef>,
    /// Land-use zone per cell.
    pub land_use: Vec<LandUse>,
    /// Floor space.
    pub floor: FloorInput,
    /// Resident workers per cell (a distribution; scaled to the labour force).
    pub residents: Vec<f64>,
    /// Jobs (a distribution; scaled to the employed).
    pub jobs: JobsInput,
    /// Share of residents with technical skills, per cell.
    pub tech_share: Option<Vec<f64>>,
    /// Chance that an IT / bio-medicine firm is high-tech, per cell.
    pub high_tech: Option<Vec<f64>>,
    /// Zoning limit of total floor space (m²) per cell.
    pub max_floor: Option<Vec<f64>>,
    /// Reach (km, σ of a Gaussian) of the accessibility index behind starting rents.
    pub access_decay_km: f64,
}

/// Gaussian smoothing of a field (standard deviation `sigma_km`, cut at 3σ), separable.
fn smooth(grid: &GridSpec, field: &[f64], sigma_km: f64) -> Vec<f64> {
    let sigma = (sigma_km / grid.cell_km).max(1e-6);
    let r = ((3.0 * sigma).ceil() as usize).min(grid.nx.max(grid.ny));
    let w: Vec<f64> = (0..=r)
        .map(|d| (-((d * d) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let (nx, ny) = (grid.nx, grid.ny);
    let mut rows = vec![0.0; field.len()];
    for y in 0..ny {
        for x in 0..nx {
            let lo = x.saturating_sub(r);
            let hi = (x + r).min(nx - 1);
            rows[y * nx + x] = (lo..=hi)
                .map(|x2| field[y * nx + x2] * w[x.abs_diff(x2)])
                .sum();
        }
    }
    let mut out = vec![0.0; field.len()];
    for x in 0..nx {
        for y in 0..ny {
            let lo = y.saturating_sub(r);
            let hi = (y + r).min(ny - 1);
            out[y * nx + x] = (lo..=hi)
                .map(|y2| rows[y2 * nx + x] * w[y.abs_diff(y2)])
                .sum();
        }
    }
    out
}

/// Build the grid-derived layers. Places, areas, core and periphery are left empty.
pub fn layers(input: &GridInput, params: &Params) -> Result<WorldLayers, String> {
    let grid = input.grid;
    let n = grid.n_cells();
    let pop = &params.population;
    let res_total: f64 = input.residents.iter().sum();
    if res_total <= 0.0 {
        return Err("the residents grid is empty (all zero)".into());
    }
    let residents = Array1::from_iter(
        input
            .residents
            .iter()
            .map(|r| r * pop.labour_force / res_total),
    );

    let mut jobs = Array2::<f64>::zeros((Sector::N, n));
    match &input.jobs {
        JobsInput::Total(t) => {
            for c in 0..n {
                let mix = ZONE_SECTOR_MIX[input.land_use[c] as usize];
                for s in 0..Sector::N {
                    jobs[[s, c]] = t[c] * mix[s];
                }
            }
        }
        JobsInput::PerSector(a) => jobs.assign(a),
    }
    let jobs_total: f64 = jobs.sum();
    if jobs_total <= 0.0 {
        return Err("the jobs grid is empty (all zero)".into());
    }
    let employed = pop.labour_force * (1.0 - pop.initial_unemployment);
    jobs.mapv_inplace(|v| v * employed / jobs_total);

    // Floor space.
    let fp = &params.firms;
    let mut floor = Array2::<f64>::zeros((Use::N, n));
    for c in 0..n {
        let mut need = [0.0; Use::N];
        need[Use::Residential as usize] = residents[c] * pop.home_m2_per_worker;
        for s in Sector::ALL {
            let u = s.space_use();
            need[u as usize] += jobs[[s as usize, c]] * fp.m2_per_worker.get(u);
        }
        match &input.floor {
            FloorInput::PerUse(a) => {
                for u in 0..Use::N {
                    floor[[u, c]] = a[[u, c]];
                }
            }
            FloorInput::Total(t) => {
                let total = t[c];
                let need_sum: f64 = need.iter().sum();
                if total <= need_sum {
                    let k = if need_sum > 0.0 {
                        total / need_sum
                    } else {
                        0.0
                    };
                    for u in 0..Use::N {
                        floor[[u, c]] = need[u] * k;
                    }
                } else {
                    let mut mix = input.land_use[c].development_mix();
                    if mix.iter().sum::<f64>() <= 0.0 {
                        mix = LandUse::Residential.development_mix();
                    }
                    let rest = total - need_sum;
                    for u in 0..Use::N {
                        floor[[u, c]] = need[u] + rest * mix[u];
                    }
                }
            }
        }
    }

    // Accessibility: jobs within reach, relative to the best cell. A Gaussian kernel of
    // standard deviation `access_decay_km`, cut at three of them, applied row then column.
    let job_tot: Vec<f64> = (0..n)
        .map(|c| (0..Sector::N).map(|s| jobs[[s, c]]).sum())
        .collect();
    let mut access = smooth(&grid, &job_tot, input.access_decay_km);
    let best = access.iter().copied().fold(0.0, f64::max);
    if best > 0.0 {
        access.iter_mut().for_each(|a| *a /= best);
    }
    let mut rent = Array2::<f64>::zeros((Use::N, n));
    for c in 0..n {
        for u in Use::ALL {
            rent[[u as usize, c]] = rent_from_access(
                params.land.core_rent.get(u),
                params.land.rent_floor.get(u),
                access[c],
            );
        }
    }

    let zoning = params.land.max_far * grid.cell_m2();
    let max_floor = Array1::from_shape_fn(n, |c| {
        let total: f64 = (0..Use::N).map(|u| floor[[u, c]]).sum();
        match &input.max_floor {
            Some(m) => m[c].max(total),
            None if input.land_use[c] == LandUse::Green => total,
            None => zoning.max(total * 1.03),
        }
    });
    let tech_share = match &input.tech_share {
        Some(t) => Array1::from_iter(t.iter().map(|v| v.clamp(0.0, 1.0))),
        None => Array1::from_elem(n, pop.tech_share),
    };
    let high_tech = match &input.high_tech {
        Some(h) => Array1::from_iter(h.iter().map(|v| v.clamp(0.0, 1.0))),
        None => Array1::from_iter(input.land_use.iter().map(|z| ZONE_HIGH_TECH[*z as usize])),
    };
    Ok(WorldLayers {
        name: input.name.clone(),
        grid,
        georef: input.georef,
        land_use: input.land_use.clone(),
        floor,
        max_floor,
        residents,
        jobs,
        high_tech,
        tech_share,
        rent,
        places: Vec::new(),
        parks: Vec::new(),
        districts: Vec::new(),
        areas: Vec::new(),
        core: Vec::new(),
        periphery: Vec::new(),
        universities: Vec::new(),
        incubators: Vec::new(),
        links: Vec::new(),
        tracked_regions: vec!["core".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> GridInput {
        let grid = GridSpec {
            nx: 4,
            ny: 3,
            x0_km: 0.0,
            y0_km: 0.0,
            cell_km: 0.5,
        };
        let n = grid.n_cells();
        let mut land_use = vec![LandUse::Residential; n];
        land_use[5] = LandUse::Office;
        land_use[0] = LandUse::Green;
        let mut jobs = vec![10.0; n];
        jobs[5] = 1000.0;
        jobs[0] = 0.0;
        GridInput {
            name: "t".into(),
            grid,
            georef: None,
            land_use,
            floor: FloorInput::Total(vec![100_000.0; n]),
            residents: vec![100.0; n],
            jobs: JobsInput::Total(jobs),
            tech_share: None,
            high_tech: None,
            max_floor: None,
            access_decay_km: 1.0,
        }
    }

    #[test]
    fn totals_follow_the_labour_force_and_rents_peak_at_the_jobs() {
        let mut p = Params::default();
        p.population.labour_force = 12_000.0;
        let l = layers(&input(), &p).unwrap();
        l.validate().unwrap();
        assert!((l.residents.sum() - 12_000.0).abs() < 1e-6);
        let employed = 12_000.0 * (1.0 - p.population.initial_unemployment);
        assert!((l.jobs.sum() - employed).abs() < 1e-6);
        // The office cell has the best access, hence the core rent.
        let office = Use::Office as usize;
        assert!((l.rent[[office, 5]] - p.land.core_rent.office).abs() < 1e-9);
        assert!(l.rent[[office, 11]] < l.rent[[office, 5]]);
        // The office cell's jobs are mostly IT, split by the zone mix.
        assert!(
            l.jobs[[Sector::ItElectronics as usize, 5]] > l.jobs[[Sector::Services as usize, 5]]
        );
        // Floor space is conserved by the split.
        let total: f64 = (0..Use::N).map(|u| l.floor[[u, 7]]).sum();
        assert!((total - 100_000.0).abs() < 1e-6);
        assert_eq!(l.max_floor[0], l.total_floor(0));
    }
}
