//! The embedded default world `beijing`, built from its data file
//! `assets/presets/beijing.toml` (places, parks, districts, areas, job and residential
//! centres, density profiles, land-use and floor-space rules, universities, incubators, ring
//! roads and lines). This file holds only the code that turns those tables into the world's
//! layers; every number of the preset is in the data file, with its meaning and source.

use std::f64::consts::PI;
use std::sync::OnceLock;

use ndarray::{Array1, Array2};
use serde::Deserialize;

use super::grid::GridSpec;
use super::layers::{rent_from_access, IncubatorSpec, Link, LinkKind, UniversitySpec, WorldLayers};
use super::places::Place;
use super::regions::{resolve, resolve_areas, AreaSpec, RegionSpec, Regions};
use crate::params::Params;
use crate::types::{Generation, LandUse, Sector, Use};

/// The preset's data file, embedded.
pub const PRESET_TOML: &str = include_str!("../../assets/presets/beijing.toml");

/// A point, km east / north of Tiananmen.
type Xy = [f64; 2];

/// The preset's data (`assets/presets/beijing.toml`; its comments say what each table means).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    name: String,
    /// Regions whose commutes and start-up births are tracked besides the parks.
    pub tracked_regions: Vec<String>,
    core: RegionSpec,
    periphery_beyond_km: f64,
    grid: GridSpec,
    avenue: String,
    residents: Residents,
    tech_share: TechShare,
    jobs: Jobs,
    access: Vec<AccessCentre>,
    mountains: Vec<Mountain>,
    land_use: LandUseRules,
    floor: FloorRules,
    place: Vec<Place>,
    park: Vec<AreaSpec>,
    district: Vec<AreaSpec>,
    area: Vec<AreaSpec>,
    university: Vec<University>,
    incubator: Vec<Incubator>,
    ring: Vec<Ring>,
    link: Vec<Line>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Residents {
    peak: f64,
    decay_km: f64,
    floor: f64,
    university_radius_km: f64,
    university_factor: f64,
    centre: Vec<Bump>,
}

/// A Gaussian bump: `peak · exp(−d² / 2σ²)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Bump {
    #[allow(dead_code)]
    name: String,
    at: Xy,
    sigma_km: f64,
    peak: f64,
}

/// A weighted Gaussian term of the tech-share profile: `weight · exp(−d² / 2σ²)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TechCentre {
    #[allow(dead_code)]
    name: String,
    at: Xy,
    sigma_km: f64,
    weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TechShare {
    base: f64,
    max: f64,
    centres: Vec<TechCentre>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Jobs {
    emall_on_avenue: f64,
    local_services_per_resident: f64,
    high_tech_elsewhere: f64,
    centre: Vec<JobCentre>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobCentre {
    #[allow(dead_code)]
    name: String,
    at: Xy,
    sigma_km: f64,
    jobs: f64,
    /// Sector mix: IT, bio-medicine, smart manufacturing, services, e-mall trade.
    mix: [f64; Sector::N],
    high_tech: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessCentre {
    #[allow(dead_code)]
    name: String,
    at: Xy,
    weight: f64,
    reach_km: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mountain {
    #[allow(dead_code)]
    name: String,
    x_min: Option<f64>,
    x_max: Option<f64>,
    y_min: Option<f64>,
    y_max: Option<f64>,
    #[serde(default)]
    except: Vec<[f64; 3]>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LandUseRules {
    office_jobs_per_resident: f64,
    office_min_jobs_per_km2: f64,
    industrial_manufacturing_share: f64,
    residential_min_per_km2: f64,
    green_beyond_km: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FloorRules {
    occupancy_centre: f64,
    occupancy_drop: f64,
    occupancy_drop_km: f64,
    low_access: f64,
    low_access_cut: f64,
    maker_m2: f64,
    built_up_access: f64,
    built_up_residents_per_km2: f64,
    redevelopment: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct University {
    name: String,
    at: Xy,
    weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Incubator {
    name: String,
    at: Xy,
    generation: Generation,
    sector: Option<Sector>,
    seats: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ring {
    name: String,
    half_km: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    name: String,
    mode: LinkKind,
    points: Vec<Xy>,
}

/// The preset's data, read from the embedded file once.
pub fn preset() -> &'static Preset {
    static PRESET: OnceLock<Preset> = OnceLock::new();
    PRESET.get_or_init(|| {
        toml::from_str(PRESET_TOML)
            .unwrap_or_else(|e| panic!("assets/presets/beijing.toml is not a valid preset: {e}"))
    })
}

fn gauss(x: f64, y: f64, cx: f64, cy: f64, sigma: f64) -> f64 {
    (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * sigma * sigma)).exp()
}

impl Mountain {
    fn contains(&self, x: f64, y: f64) -> bool {
        self.x_min.is_none_or(|v| x > v)
            && self.x_max.is_none_or(|v| x < v)
            && self.y_min.is_none_or(|v| y > v)
            && self.y_max.is_none_or(|v| y < v)
            && !self
                .except
                .iter()
                .any(|&[cx, cy, r]| ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() < r)
    }
}

/// Residents, jobs and skills per cell, before land use.
struct People {
    residents: Array1<f64>,
    jobs: Array2<f64>,
    high_tech: Array1<f64>,
    tech_share: Array1<f64>,
    mountain: Vec<bool>,
}

/// Whether `cell` is within the campus radius of a university.
fn on_campus(p: &Preset, grid: &GridSpec, universities: &[UniversitySpec], cell: usize) -> bool {
    universities
        .iter()
        .any(|u| grid.dist_km(u.cell as usize, cell) < p.residents.university_radius_km)
}

/// Resident workers (normalised to the labour force), jobs per sector (to the employed),
/// the chance that a technology firm is high-tech, and the residents' technical share.
fn people(
    p: &Preset,
    params: &Params,
    grid: &GridSpec,
    universities: &[UniversitySpec],
    avenue: &[u32],
) -> People {
    let n = grid.n_cells();
    let pop = &params.population;
    let r = &p.residents;
    let mut residents = Array1::<f64>::zeros(n);
    let mut jobs = Array2::<f64>::zeros((Sector::N, n));
    let mut high_tech_num = Array1::<f64>::zeros(n);
    let mut tech_den = Array1::<f64>::zeros(n);
    let mut tech_share = Array1::<f64>::zeros(n);
    let mut mountain = vec![false; n];
    for cell in 0..n {
        let (x, y) = grid.centre(cell);
        if p.mountains.iter().any(|m| m.contains(x, y)) {
            mountain[cell] = true;
            continue;
        }
        let d = (x * x + y * y).sqrt();
        let mut res = r.peak * (-d / r.decay_km).exp() + r.floor;
        for b in &r.centre {
            res += b.peak * gauss(x, y, b.at[0], b.at[1], b.sigma_km);
        }
        if on_campus(p, grid, universities, cell) {
            res *= r.university_factor;
        }
        residents[cell] = res * grid.cell_km2();
        let t = &p.tech_share;
        tech_share[cell] = t
            .centres
            .iter()
            .fold(t.base, |s, b| {
                s + b.weight * gauss(x, y, b.at[0], b.at[1], b.sigma_km)
            })
            .min(t.max);
        for c in &p.jobs.centre {
            let w = c.jobs * gauss(x, y, c.at[0], c.at[1], c.sigma_km) * grid.cell_km2()
                / (2.0 * PI * c.sigma_km * c.sigma_km);
            if w <= 0.0 {
                continue;
            }
            for (s, share) in c.mix.iter().enumerate() {
                jobs[[s, cell]] += w * share;
            }
            let tech_jobs = w * (c.mix[0] + c.mix[1] + c.mix[2]);
            high_tech_num[cell] += tech_jobs * c.high_tech;
            tech_den[cell] += tech_jobs;
        }
    }
    for &c in avenue {
        jobs[[Sector::EmallTrade as usize, c as usize]] +=
            p.jobs.emall_on_avenue / avenue.len() as f64;
    }
    let res_total: f64 = residents.sum();
    residents.mapv_inplace(|v| v * pop.labour_force / res_total);
    // Local services follow residents.
    for cell in 0..n {
        jobs[[Sector::Services as usize, cell]] +=
            p.jobs.local_services_per_resident * residents[cell];
    }
    let employed = pop.labour_force * (1.0 - pop.initial_unemployment);
    let k = employed / jobs.sum();
    jobs.mapv_inplace(|v| v * k);
    // The job centres' high-tech shares, weighted by their tech jobs in the cell.
    let high_tech = Array1::from_shape_fn(n, |c| {
        if tech_den[c] > 1e-9 {
            (high_tech_num[c] / tech_den[c]).clamp(0.0, 1.0)
        } else {
            p.jobs.high_tech_elsewhere
        }
    });
    People {
        residents,
        jobs,
        high_tech,
        tech_share,
        mountain,
    }
}

/// The land-use zone of every cell (`[land_use]` of the data file).
fn land_use(
    p: &Preset,
    grid: &GridSpec,
    people: &People,
    universities: &[UniversitySpec],
    on_avenue: &[bool],
) -> Vec<LandUse> {
    let rules = &p.land_use;
    (0..grid.n_cells())
        .map(|cell| {
            let (x, y) = grid.centre(cell);
            let j: f64 = (0..Sector::N).map(|s| people.jobs[[s, cell]]).sum();
            let dens_res = people.residents[cell] / grid.cell_km2();
            let dens_jobs = j / grid.cell_km2();
            if people.mountain[cell] {
                LandUse::Green
            } else if on_campus(p, grid, universities, cell) {
                LandUse::University
            } else if on_avenue[cell] {
                LandUse::Commercial
            } else if dens_jobs > rules.office_jobs_per_resident * dens_res
                && dens_jobs > rules.office_min_jobs_per_km2
            {
                let manuf = people.jobs[[Sector::SmartManufacturing as usize, cell]];
                if manuf > rules.industrial_manufacturing_share * j {
                    LandUse::Industrial
                } else {
                    LandUse::Office
                }
            } else if dens_res + dens_jobs > rules.residential_min_per_km2 {
                LandUse::Residential
            } else if (x * x + y * y).sqrt() > rules.green_beyond_km {
                LandUse::Green
            } else {
                LandUse::Village
            }
        })
        .collect()
}

/// Floor space per use, the zoning limit and starting rents per cell (`[floor]` and
/// `[[access]]` of the data file).
fn floor_and_rent(
    p: &Preset,
    params: &Params,
    grid: &GridSpec,
    people: &People,
    land_use: &[LandUse],
) -> (Array2<f64>, Array1<f64>, Array2<f64>) {
    let n = grid.n_cells();
    let (fp, pop, f) = (&params.firms, &params.population, &p.floor);
    let mut floor = Array2::<f64>::zeros((Use::N, n));
    let mut max_floor = Array1::<f64>::zeros(n);
    let mut rent = Array2::<f64>::zeros((Use::N, n));
    for cell in 0..n {
        if land_use[cell] == LandUse::Green {
            continue;
        }
        let (x, y) = grid.centre(cell);
        let r = (x * x + y * y).sqrt();
        let access = p
            .access
            .iter()
            .map(|a| {
                let d = ((x - a.at[0]).powi(2) + (y - a.at[1]).powi(2)).sqrt();
                a.weight * (-d / a.reach_km).exp()
            })
            .fold(0.0, f64::max);
        let occupancy = f.occupancy_centre
            - f.occupancy_drop * (r / f.occupancy_drop_km).min(1.0)
            - if access > f.low_access {
                0.0
            } else {
                f.low_access_cut
            };
        let mut need = [0.0; Use::N];
        need[Use::Residential as usize] = people.residents[cell] * pop.home_m2_per_worker;
        for s in Sector::ALL {
            let u = s.space_use();
            need[u as usize] += people.jobs[[s as usize, cell]] * fp.m2_per_worker.get(u);
        }
        for u in 0..Use::N {
            floor[[u, cell]] = need[u] / occupancy;
        }
        if matches!(land_use[cell], LandUse::Office | LandUse::University) {
            floor[[Use::Maker as usize, cell]] += f.maker_m2;
        }
        let total: f64 = (0..Use::N).map(|u| floor[[u, cell]]).sum();
        let zoning = params.land.max_far * grid.cell_m2();
        let built_up = access > f.built_up_access
            || people.residents[cell] / grid.cell_km2() > f.built_up_residents_per_km2;
        max_floor[cell] = if built_up {
            total * f.redevelopment
        } else {
            zoning.max(total * f.redevelopment)
        };
        for u in Use::ALL {
            let core = params.land.core_rent.get(u);
            let fl = params.land.rent_floor.get(u);
            rent[[u as usize, cell]] = rent_from_access(core, fl, access);
        }
    }
    (floor, max_floor, rent)
}

/// The ring roads, then the lines, as links of the travel network.
fn links(p: &Preset) -> Vec<Link> {
    let ring = |r: &Ring| {
        let h = r.half_km;
        Link {
            name: r.name.clone(),
            kind: LinkKind::Expressway,
            points: vec![(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)],
            speed_kmh: None,
        }
    };
    let line = |l: &Line| Link {
        name: l.name.clone(),
        kind: l.mode,
        points: l.points.iter().map(|&[x, y]| (x, y)).collect(),
        speed_kmh: None,
    };
    p.ring
        .iter()
        .map(ring)
        .chain(p.link.iter().map(line))
        .collect()
}

/// Build the Beijing preset's layers from its data. Deterministic; depends only on the
/// population and firm parameters (totals and floor space per worker).
pub fn layers(params: &Params) -> WorldLayers {
    let p = preset();
    let grid = p.grid;
    let n = grid.n_cells();
    let universities: Vec<UniversitySpec> = p
        .university
        .iter()
        .filter_map(|u| {
            grid.cell_at(u.at[0], u.at[1]).map(|cell| UniversitySpec {
                name: u.name.clone(),
                cell: cell as u32,
                weight: u.weight,
            })
        })
        .collect();
    // The avenue's cells (its area, resolved against the places as a user's would be).
    let sketch = Sketch {
        grid: &grid,
        places: &p.place,
    };
    let avenue = p
        .area
        .iter()
        .position(|a| a.name == p.avenue)
        .expect("the preset's avenue is one of its areas");
    let avenue_cells = resolve_areas(&p.area[avenue..=avenue], &sketch, "area", None)
        .expect("the preset's avenue resolves")
        .remove(0)
        .cells;
    let mut on_avenue = vec![false; n];
    for &c in &avenue_cells {
        on_avenue[c as usize] = true;
    }
    let people = people(p, params, &grid, &universities, &avenue_cells);
    let land_use = land_use(p, &grid, &people, &universities, &on_avenue);
    let (floor, max_floor, rent) = floor_and_rent(p, params, &grid, &people, &land_use);
    let periphery = (0..n)
        .filter(|&cell| {
            let (x, y) = grid.centre(cell);
            x.abs().max(y.abs()) > p.periphery_beyond_km && land_use[cell] != LandUse::Green
        })
        .map(|c| c as u32)
        .collect();
    let incubators = p
        .incubator
        .iter()
        .filter_map(|i| {
            grid.cell_at(i.at[0], i.at[1]).map(|cell| IncubatorSpec {
                name: i.name.clone(),
                cell: cell as u32,
                generation: i.generation,
                sector: i.sector,
                seats: i.seats,
            })
        })
        .collect();
    let mut layers = WorldLayers {
        name: p.name.clone(),
        grid,
        georef: Some(super::geo::Georef::beijing()),
        land_use,
        floor,
        max_floor,
        residents: people.residents,
        jobs: people.jobs,
        high_tech: people.high_tech,
        tech_share: people.tech_share,
        rent,
        places: p.place.clone(),
        parks: Vec::new(),
        districts: Vec::new(),
        areas: Vec::new(),
        core: Vec::new(),
        periphery,
        universities,
        incubators,
        links: links(p),
        tracked_regions: p.tracked_regions.clone(),
    };
    // Parks, districts, areas and the core by the code that reads a user's `[world]` tables.
    let resolved = |list: &[AreaSpec], path: &str, l: &WorldLayers, parks: bool| {
        resolve_areas(list, l, path, parks.then_some(&l.land_use[..]))
            .unwrap_or_else(|(k, m)| panic!("the embedded preset: {k}: {m}"))
    };
    layers.parks = resolved(&p.park, "park", &layers, true);
    layers.districts = resolved(&p.district, "district", &layers, false);
    layers.areas = resolved(&p.area, "area", &layers, false);
    layers.core = resolve(&p.core, &layers, "core")
        .unwrap_or_else(|(k, m)| panic!("the embedded preset: {k}: {m}"));
    layers
}

/// The preset's grid and places, for resolving its avenue before the layers exist.
struct Sketch<'a> {
    grid: &'a GridSpec,
    places: &'a [Place],
}

impl Regions for Sketch<'_> {
    fn grid(&self) -> &GridSpec {
        self.grid
    }
    fn places(&self) -> &[Place] {
        self.places
    }
    fn named(&self, name: &str) -> Option<Vec<u32>> {
        Some(
            self.places
                .iter()
                .find(|p| p.name == name)?
                .cells(self.grid),
        )
    }
    fn all_names(&self) -> Vec<String> {
        self.places.iter().map(|p| p.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_is_consistent_and_places_fall_on_the_grid() {
        let l = layers(&Params::default());
        l.validate().unwrap();
        for p in &l.places {
            assert!(
                l.grid.cell_at(p.x_km, p.y_km).is_some(),
                "{} off the grid",
                p.name
            );
        }
        let total_res: f64 = l.residents.sum();
        assert!((total_res - 12_400_000.0).abs() < 1.0);
        let haidian = l.parks.iter().find(|p| p.name == "haidian").unwrap();
        let area = haidian.area_km2(&l.grid);
        assert!(area > 140.0 && area < 190.0, "Haidian park area {area}");
        // Huilongguan has many residents and few jobs.
        let hui = l.region_by_name("huilongguan").unwrap();
        let res: f64 = hui.iter().map(|&c| l.residents[c as usize]).sum();
        let jobs: f64 = hui
            .iter()
            .map(|&c| (0..Sector::N).map(|s| l.jobs[[s, c as usize]]).sum::<f64>())
            .sum();
        assert!(
            jobs / res < 0.5,
            "Huilongguan jobs/residents {}",
            jobs / res
        );
        // Every area is non-empty and every university and incubator falls on the grid.
        assert!(l.areas.iter().all(|a| !a.cells.is_empty()));
        assert_eq!(l.universities.len(), preset().university.len());
        assert_eq!(l.incubators.len(), preset().incubator.len());
        assert_eq!(l.links.len(), preset().ring.len() + preset().link.len());
    }
}
