//! Populating a world from its layers: workers, firms (size distribution, incumbents), jobs, incubators.

use ndarray::Array1;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::agents::{flags, status, traits, Firms, Incubators, NewFirm, University, Workers};
use super::layers::WorldLayers;
use super::travel::Travel;
use super::{Cells, World, NO_PARK};
use crate::params::Params;
use crate::rng::{stream, Stream};
use crate::sampling::CumTable;
use crate::types::{FirmKind, Sector, Stage, Use, NONE};

/// Candidate job slots a worker weighs when the initial jobs are assigned.
const INIT_JOB_CANDIDATES: usize = 16;

/// Share of jobs held by firms of at least `k` employees under the truncated discrete Pareto
/// distribution P(size ≥ s) = s^−α, 1 ≤ s ≤ max.
pub fn employment_share_at_least(alpha: f64, max: u32, k: u32) -> f64 {
    let p = |s: u32| {
        (s as f64).powf(-alpha)
            - if s < max {
                ((s + 1) as f64).powf(-alpha)
            } else {
                0.0
            }
    };
    let (mut above, mut total) = (0.0, 0.0);
    for s in 1..=max {
        let w = s as f64 * p(s);
        total += w;
        if s >= k {
            above += w;
        }
    }
    if total > 0.0 {
        above / total
    } else {
        0.0
    }
}

/// Workers ahead whose candidate slots are drawn and prefetched in the initial job assignment.
const INIT_AHEAD: usize = 2;

// The initial state's fixed numbers (docs/ODD.md §7.18: not parameters; listed so that
// calibration knows they exist).

/// Skill fit of a technical worker at a high-tech firm in the initial job choice (stronger
/// than in the monthly search, `FIT_TECH_AT_HIGH_TECH`: the 2009 city has sorted already).
const INIT_FIT_TECH: f64 = 1.5;
/// Skill fit of a non-technical worker at a high-tech firm in the initial job choice.
const INIT_FIT_OTHER: f64 = -1.0;
/// Weight of commute time in the initial job choice, times `params.workers.beta_commute`:
/// the 2009 city's workers live near their jobs.
const INIT_COMMUTE_WEIGHT: f64 = 2.0;
/// Largest chance that a worker drawn in a cell is technical (the layer's share rescaled to
/// the city's share can exceed 1).
const MAX_TECH_CHANCE: f64 = 0.95;
/// Share of technical workers with a college degree (the rest of the college share falls on
/// the others).
const TECH_COLLEGE: f64 = 0.9;
/// Chance that a firm of the cell is high-tech, relative to an IT or bio-medicine firm, for
/// smart manufacturing and services (e-mall trade: never).
const HIGH_TECH_MANUFACTURING: f64 = 0.9;
/// See [`HIGH_TECH_MANUFACTURING`].
const HIGH_TECH_SERVICES: f64 = 0.35;
/// Innovation rate of a firm that is not high-tech, relative to a high-tech one, in its
/// starting knowledge stock (as `OTHER_INNOVATION` of the firm phase).
const INIT_OTHER_INNOVATION: f64 = 0.3;
/// A firm's starting cash: `initial_cash_months` of value added times a uniform draw in
/// [this, this + 1).
pub(crate) const INIT_CASH_LOW: f64 = 0.5;
/// A firm's starting age in months: uniform in [12, 240) (one to twenty years).
const INIT_FIRM_AGE: (f64, f64) = (12.0, 240.0);
/// Occupancy at which the starting agents fill a cell's floor space where they need more
/// than its layer holds (the capacity is widened to that).
const INIT_MAX_OCCUPANCY: f64 = 0.97;

/// The initial job assignment: employed workers `0..n_employed`, in index order, each take the
/// best of [`INIT_JOB_CANDIDATES`] open slots sampled uniformly (utility: skill fit minus
/// `beta_c` × commute), the chosen slot closing. `plans` are (size, zone, high-tech); returns
/// each worker's plan or `NONE`.
///
/// Each slot is one packed `u64` (plan, zone, high-tech bit), so a candidate costs one random
/// memory access; candidates are drawn a few workers ahead (the draws and their order are
/// those of the plain loop: worker `w` draws `min(16, open slots)` numbers against
/// `n_slots − w` open slots) and prefetched, so that these accesses overlap.
fn assign_initial_jobs(
    plans: &[(u32, u16, bool)],
    workers: &Workers,
    n_employed: usize,
    travel: &Travel,
    beta_c: f64,
    seed: u64,
) -> Vec<u32> {
    let mut employer_plan = vec![NONE; workers.len()];
    let mut slots: Vec<u64> = Vec::with_capacity(plans.iter().map(|p| p.0 as usize).sum());
    for (i, &(size, zone, ht)) in plans.iter().enumerate() {
        let packed = i as u64 | (zone as u64) << 32 | (ht as u64) << 48;
        slots.extend(std::iter::repeat(packed).take(size as usize));
    }
    let n_slots = slots.len();
    let n = n_employed.min(n_slots);
    let mut rng = stream(seed, 0, Stream::InitJobs, 0);
    // Candidate indices of workers w..=w+INIT_AHEAD (ring buffer by worker index).
    let mut cand = [[0usize; INIT_JOB_CANDIDATES]; INIT_AHEAD + 1];
    let mut draw = |v: usize, slots: &[u64], cand: &mut [[usize; INIT_JOB_CANDIDATES]]| {
        let len = n_slots - v;
        let row = &mut cand[v % (INIT_AHEAD + 1)];
        for k in row.iter_mut().take(INIT_JOB_CANDIDATES.min(len)) {
            *k = ((rng.random::<f64>() * len as f64) as usize).min(len - 1);
            crate::sampling::prefetch(&slots[*k]);
        }
    };
    for v in 0..(INIT_AHEAD + 1).min(n) {
        draw(v, &slots, &mut cand);
    }
    for w in 0..n {
        let hz = travel.cell_zone[workers.home[w] as usize] as usize;
        let tech = workers.state[w] & traits::TECH != 0;
        let mut best = (f64::NEG_INFINITY, 0usize);
        let len = n_slots - w;
        debug_assert_eq!(len, slots.len());
        for &k in &cand[w % (INIT_AHEAD + 1)][..INIT_JOB_CANDIDATES.min(len)] {
            let s = slots[k];
            let wz = ((s >> 32) & 0xFFFF) as usize;
            let skill = match (tech, s >> 48 != 0) {
                (true, true) => INIT_FIT_TECH,
                (false, true) => INIT_FIT_OTHER,
                _ => 0.0,
            };
            let u = skill - beta_c * travel.time(hz, wz) as f64;
            if u > best.0 {
                best = (u, k);
            }
        }
        employer_plan[w] = (slots.swap_remove(best.1) & 0xFFFF_FFFF) as u32;
        if w + INIT_AHEAD + 1 < n {
            draw(w + INIT_AHEAD + 1, &slots, &mut cand);
        }
    }
    employer_plan
}

impl World {
    /// Build a world from its layers at `scale` (agents per real agent), deterministically from `seed`.
    pub fn build(
        layers: &WorldLayers,
        params: &Params,
        scale: f64,
        seed: u64,
    ) -> Result<World, String> {
        layers.validate()?;
        if !(scale > 0.0 && scale <= 1.0) {
            return Err(format!("scale must be in (0, 1], got {scale}"));
        }
        let grid = layers.grid;
        let pop = &params.population;

        let mut cells = initial_cells(layers);
        let travel = Travel::new(&grid, layers.links.clone(), &params.commute);

        let (mut workers, n_workers) = draw_workers(layers, params, scale, seed, &mut cells)?;

        let plans = plan_firms(layers, params, scale, seed, &travel);

        // --- Initial jobs: each employed worker takes the best of a few sampled open slots.
        let n_employed = (((n_workers as f64) * (1.0 - pop.initial_unemployment)).round() as usize)
            .min(n_workers);
        let employer_plan = assign_initial_jobs(
            &plans
                .iter()
                .map(|p| (p.size, travel.cell_zone[p.cell as usize], p.high_tech))
                .collect::<Vec<_>>(),
            &workers,
            n_employed,
            &travel,
            params.workers.beta_commute * INIT_COMMUTE_WEIGHT,
            seed,
        );
        let mut assigned = vec![0u32; plans.len()];
        for &p in &employer_plan {
            if p != NONE {
                assigned[p as usize] += 1;
            }
        }

        // Incumbents: the largest firms holding the share of jobs that firms of at least
        // `incumbent_size` employees hold at real size.
        let incumbent = incumbents(params, &assigned);
        let (firms, plan_firm) = create_firms(
            &plans,
            &assigned,
            &incumbent,
            params,
            (scale, seed),
            &mut cells,
        );
        for w in 0..n_workers {
            if employer_plan[w] != NONE {
                workers.employer[w] = plan_firm[employer_plan[w] as usize];
                status::set(&mut workers.state[w], status::EMPLOYED);
            }
        }
        let widened_m2 = widen_capacity(&mut cells);

        let mut incubators = Incubators::default();
        for spec in &layers.incubators {
            incubators.push(
                spec.name.clone(),
                spec.cell,
                spec.generation,
                spec.sector,
                spec.seats,
            );
        }
        let universities = layers
            .universities
            .iter()
            .map(|u| University {
                name: u.name.clone(),
                cell: u.cell,
                weight: u.weight,
            })
            .collect();

        Ok(World {
            name: layers.name.clone(),
            grid,
            georef: layers.georef,
            scale,
            cells,
            workers,
            firms,
            incubators,
            universities,
            travel,
            places: layers.places.clone(),
            parks: layers.parks.clone(),
            districts: layers.districts.clone(),
            areas: layers.areas.clone(),
            partner_sites: Vec::new(),
            tracked_regions: layers.tracked_regions.clone(),
            widened_m2,
        })
    }
}

/// The cells' state at the start from the layers: zones, parks, core and periphery, floor
/// space and rents; nothing used yet.
fn initial_cells(layers: &WorldLayers) -> Cells {
    let n = layers.grid.n_cells();
    let mut park = vec![NO_PARK; n];
    for (p, area) in layers.parks.iter().enumerate() {
        for &c in &area.cells {
            if park[c as usize] == NO_PARK {
                park[c as usize] = p as u16;
            }
        }
    }
    let mut core = vec![false; n];
    for &c in &layers.core {
        core[c as usize] = true;
    }
    let mut periphery = vec![false; n];
    for &c in &layers.periphery {
        periphery[c as usize] = true;
    }
    Cells {
        land_use: layers.land_use.clone(),
        park,
        capacity: layers.floor.clone(),
        used: ndarray::Array2::zeros((Use::N, n)),
        rent: layers.rent.clone(),
        unmet: ndarray::Array2::zeros((Use::N, n)),
        max_floor: layers.max_floor.clone(),
        red_line: Array1::from_elem(n, f64::INFINITY),
        knowledge: Array1::zeros(n),
        residents: vec![0; n],
        tech_residents: vec![0; n],
        jobs: vec![0; n],
        startups: vec![0; n],
        core,
        periphery,
    }
}

/// The workers: homes drawn from the residents layer, skills, education and age; their homes'
/// floor space taken. Returns them and their number.
fn draw_workers(
    layers: &WorldLayers,
    params: &Params,
    scale: f64,
    seed: u64,
    cells: &mut Cells,
) -> Result<(Workers, usize), String> {
    let n = layers.grid.n_cells();
    let pop = &params.population;
    // --- Workers: homes drawn from the residents layer.
    let n_workers = (pop.labour_force * scale).round() as usize;
    if n_workers == 0 {
        return Err(format!(
            "scale {scale} gives no workers; use a larger scale"
        ));
    }
    let mut cum = Vec::with_capacity(n);
    let mut acc = 0.0;
    for c in 0..n {
        acc += layers.residents[c];
        cum.push(acc);
    }
    if acc <= 0.0 {
        return Err("the residents layer is empty".into());
    }
    // Tech share of the layer, rescaled so the city-wide share matches the parameter.
    let layer_tech: f64 = (0..n)
        .map(|c| layers.residents[c] * layers.tech_share[c])
        .sum::<f64>()
        / acc;
    let tech_k = if layer_tech > 0.0 {
        pop.tech_share / layer_tech
    } else {
        0.0
    };
    let mut workers = Workers::default();
    let mut rng = stream(seed, 0, Stream::InitWorkers, 0);
    let homes = CumTable::new(cum);
    let home_m2 = pop.home_m2_per_worker / scale;
    for _ in 0..n_workers {
        let total = homes.total().unwrap_or(0.0);
        let cell = homes.find(rng.random::<f64>() * total);
        let tech = rng.random::<f64>() < (layers.tech_share[cell] * tech_k).min(MAX_TECH_CHANCE);
        let college_p = if tech {
            TECH_COLLEGE
        } else {
            ((pop.college_share - TECH_COLLEGE * pop.tech_share) / (1.0 - pop.tech_share))
                .clamp(0.0, 1.0)
        };
        let college = rng.random::<f64>() < college_p;
        let age = 20 + (rng.random::<f64>() * (pop.retirement_age.saturating_sub(20)) as f64) as u8;
        let t = if tech { traits::TECH } else { 0 } | if college { traits::COLLEGE } else { 0 };
        workers.push(cell as u32, t, age);
        cells.used[[Use::Residential as usize, cell]] += home_m2;
        cells.residents[cell] += 1;
        if tech {
            cells.tech_residents[cell] += 1;
        }
    }
    Ok((workers, n_workers))
}

/// A firm to create at the start: where, what, how large, whether high-tech, its TFP.
struct FirmPlan {
    cell: u32,
    sector: Sector,
    size: u32,
    high_tech: bool,
    tfp: f32,
}

/// The firms to create, per travel zone and sector, sizes from a truncated discrete Pareto.
fn plan_firms(
    layers: &WorldLayers,
    params: &Params,
    scale: f64,
    seed: u64,
    travel: &Travel,
) -> Vec<FirmPlan> {
    let n = layers.grid.n_cells();
    let (pop, fp) = (&params.population, &params.firms);
    // --- Firms: per cell and sector, sizes from a truncated discrete Pareto.
    let mut rng = stream(seed, 0, Stream::InitFirms, 0);
    let mut plans: Vec<FirmPlan> = Vec::new();
    let alpha = pop.firm_size_exponent;
    // Firms are generated per travel zone and sector (so that a zone's jobs, not a thin
    // cell's, bound a firm's size), then placed in a cell of the zone in proportion to the
    // cell's jobs of that sector. Sizes come from the truncated Pareto until the zone's jobs
    // are filled; the last firm is kept with the probability that keeps the expected total
    // equal to the layer's jobs.
    let nz = travel.n_zones();
    let mut zone_cells: Vec<Vec<usize>> = vec![Vec::new(); nz];
    for c in 0..n {
        zone_cells[travel.cell_zone[c] as usize].push(c);
    }
    for cells_z in &zone_cells {
        for s in Sector::ALL {
            let jobs: f64 = cells_z
                .iter()
                .map(|&c| layers.jobs[[s as usize, c]])
                .sum::<f64>()
                * scale;
            if jobs <= 0.0 {
                continue;
            }
            // A firm is at most as large as the zone's largest cell of this sector can hold,
            // and goes to a cell whose remaining jobs can take at least half of it (in
            // proportion to the remaining jobs), so cells fill as the layer says.
            let mut remaining: Vec<f64> = cells_z
                .iter()
                .map(|&c| layers.jobs[[s as usize, c]] * scale)
                .collect();
            let max_cell = remaining.iter().copied().fold(0.0, f64::max);
            let cap = (max_cell.ceil() as u32).clamp(1, pop.firm_size_max);
            let mut left = jobs;
            while left > 0.0 {
                let u: f64 = rng.random::<f64>().max(1e-12);
                let raw = u.powf(-1.0 / alpha).floor();
                let size = (raw.min(cap as f64) as u32).max(1);
                if size as f64 > left && rng.random::<f64>() >= left / size as f64 {
                    break;
                }
                left -= size as f64;
                let fits = |r: f64| if r >= 0.5 * size as f64 { r } else { 0.0 };
                let mut total: f64 = remaining.iter().map(|&r| fits(r)).sum();
                let strict = total > 0.0;
                if !strict {
                    total = remaining.iter().map(|&r| r.max(0.0)).sum();
                }
                let mut x = rng.random::<f64>() * total;
                let mut k = remaining.len() - 1;
                for (j, &r) in remaining.iter().enumerate() {
                    let w = if strict { fits(r) } else { r.max(0.0) };
                    if x < w {
                        k = j;
                        break;
                    }
                    x -= w;
                }
                remaining[k] -= size as f64;
                let cell = cells_z[k];
                let ht_p = layers.high_tech[cell]
                    * match s {
                        Sector::ItElectronics | Sector::BioMedicine => 1.0,
                        Sector::SmartManufacturing => HIGH_TECH_MANUFACTURING,
                        Sector::Services => HIGH_TECH_SERVICES,
                        Sector::EmallTrade => 0.0,
                    };
                let high_tech = rng.random::<f64>() < ht_p;
                let z: f64 = StandardNormal.sample(&mut rng);
                let sigma = fp.tfp_sigma;
                let tfp = initial_tfp(sigma, z) as f32;
                plans.push(FirmPlan {
                    cell: cell as u32,
                    sector: s,
                    size,
                    high_tech,
                    tfp,
                });
            }
        }
    }
    plans
}

/// A firm's TFP from a standard-normal draw `z`: log-normal with standard deviation `sigma`
/// and mean 1 (the initial firms' and the entrants' law, docs/ODD.md §5.8, §7.6).
pub(crate) fn initial_tfp(sigma: f64, z: f64) -> f64 {
    (sigma * z - 0.5 * sigma * sigma).exp()
}

/// Incumbents: the largest firms (by staff assigned) holding the share of jobs that firms of
/// at least `incumbent_size` employees hold at real size.
fn incumbents(params: &Params, assigned: &[u32]) -> Vec<bool> {
    let pop = &params.population;
    let alpha = pop.firm_size_exponent;
    let share = employment_share_at_least(alpha, pop.firm_size_max, pop.incumbent_size);
    let total_assigned: u64 = assigned.iter().map(|&a| a as u64).sum();
    let mut order: Vec<usize> = (0..assigned.len()).collect();
    order.sort_by(|&a, &b| assigned[b].cmp(&assigned[a]).then(a.cmp(&b)));
    let mut incumbent = vec![false; assigned.len()];
    let mut acc_jobs = 0u64;
    for &i in &order {
        if assigned[i] == 0 || (acc_jobs as f64) >= share * total_assigned as f64 {
            break;
        }
        incumbent[i] = true;
        acc_jobs += assigned[i] as u64;
    }
    incumbent
}

/// The firms planned that got staff, with their space, cash, knowledge and age; their floor
/// space and jobs counted in the cells. Returns them and each plan's firm index (`NONE`: none).
fn create_firms(
    plans: &[FirmPlan],
    assigned: &[u32],
    incumbent: &[bool],
    params: &Params,
    (scale, seed): (f64, u64),
    cells: &mut Cells,
) -> (Firms, Vec<u32>) {
    let fp = &params.firms;
    let mut firms = Firms::default();
    let mut plan_firm = vec![NONE; plans.len()];
    let mut rng = stream(seed, 1, Stream::InitFirms, 0);
    for (i, p) in plans.iter().enumerate() {
        if assigned[i] == 0 {
            continue;
        }
        let use_ = p.sector.space_use();
        let space = assigned[i] as f64 * fp.m2_per_worker.get(use_);
        let cell = p.cell as usize;
        let rpw = fp.revenue_per_worker.get(p.sector)
            * p.tfp as f64
            * if p.high_tech {
                fp.high_tech_premium
            } else {
                1.0
            };
        let va = assigned[i] as f64 * rpw * fp.value_added_share.get(p.sector);
        let k_rate = fp.innovation_rate.get(p.sector)
            * if incumbent[i] {
                fp.incumbent_innovation
            } else {
                1.0
            }
            * if p.high_tech {
                1.0
            } else {
                INIT_OTHER_INNOVATION
            };
        let knowledge =
            (assigned[i] as f64 * k_rate / params.knowledge.depreciation.max(1e-6)) as f32;
        let mut fl = flags::ALIVE;
        if p.high_tech {
            fl |= flags::HIGH_TECH;
        }
        let idx = firms.push(NewFirm {
            cell: p.cell,
            sector: p.sector,
            kind: if incumbent[i] {
                FirmKind::Incumbent
            } else {
                FirmKind::Sme
            } as u8,
            stage: Stage::Industrialisation as u8,
            flags: fl,
            space_use: use_ as u8,
            employees: assigned[i],
            space: space as f32,
            tfp: p.tfp,
            cash: fp.initial_cash_months * va * (INIT_CASH_LOW + rng.random::<f64>()),
            knowledge,
            age: (INIT_FIRM_AGE.0 + rng.random::<f64>() * (INIT_FIRM_AGE.1 - INIT_FIRM_AGE.0))
                as u16,
            born: u16::MAX,
            incubator: NONE,
        });
        plan_firm[i] = idx as u32;
        cells.used[[use_ as usize, cell]] += space / scale;
        cells.jobs[cell] += assigned[i];
    }
    (firms, plan_firm)
}

/// Agent granularity can demand more space than a thin cell's layer holds: widen the
/// capacity to what the starting agents occupy (at 97% occupancy) so floor space used never
/// exceeds capacity, and the zoning limit to the capacity. Returns the floor space added (m²).
fn widen_capacity(cells: &mut Cells) -> f64 {
    let n = cells.land_use.len();
    let mut widened_m2 = 0.0;
    for u in 0..Use::N {
        for c in 0..n {
            let need = cells.used[[u, c]] / INIT_MAX_OCCUPANCY;
            if cells.capacity[[u, c]] < need {
                widened_m2 += need - cells.capacity[[u, c]];
                cells.capacity[[u, c]] = need;
            }
        }
    }
    for c in 0..n {
        let total = cells.total_capacity(c);
        if cells.max_floor[c] < total {
            cells.max_floor[c] = total;
        }
    }
    widened_m2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_share_is_sensible() {
        let s = employment_share_at_least(1.05, 20_000, 250);
        assert!(s > 0.2 && s < 0.6, "{s}");
        assert!((employment_share_at_least(1.05, 20_000, 1) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn small_beijing_world_is_consistent() {
        let params = Params::default();
        let layers = crate::world::beijing::layers(&params);
        let w = World::build(&layers, &params, 0.002, 1).unwrap();
        assert_eq!(w.workers.len(), (12_400_000.0f64 * 0.002).round() as usize);
        let employed = w
            .workers
            .state
            .iter()
            .filter(|&&s| status::of(s) == status::EMPLOYED)
            .count();
        let jobs: u32 = w.firms.employees.iter().sum();
        assert_eq!(employed as u32, jobs);
        for u in 0..Use::N {
            for c in 0..w.grid.n_cells() {
                assert!(w.cells.used[[u, c]] <= w.cells.capacity[[u, c]] + 1e-6);
            }
        }
        assert!(w.firms.kind.iter().any(|&k| k == FirmKind::Incumbent as u8));
    }
}
