//! Labour-force entry: in-migrants keep the labour force on its growth path and graduates
//! arrive each July, each finding a home near an open job (or a university) by the gravity
//! table of free homes.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::fields::FieldTables;
use super::matching::VacancyTable;
use super::Simulation;
use crate::rng::{stochastic_round, stream, Stream};
use crate::types::Use;
use crate::world::agents::traits;

// Entry's fixed numbers (docs/ODD.md §7.18: not parameters; listed so that calibration knows
// they exist).

/// Share of technical workers among graduates entering the labour force (Haidian's
/// universities are strong in engineering).
const GRADUATE_TECH: f64 = 0.6;
/// Age of a graduate entering the labour force.
const GRADUATE_AGE: u8 = 23;
/// In-migrants' age: normal with this mean and standard deviation (years), kept within
/// working age.
const MIGRANT_AGE: (f64, f64) = (30.0, 7.0);

/// New workers: in-migrants keep the labour force on its growth path; graduates arrive each July.
pub fn run(sim: &mut Simulation, fields: &FieldTables, vacancies: &VacancyTable) {
    let pop = sim.params.population.clone();
    let scale = sim.world.scale;
    let home_m2 = pop.home_m2_per_worker / scale;
    let date = sim.date();
    let years = (sim.tick as f64 / 12.0).min(pop.growth_years);
    let target = sim.labour_start * (1.0 + pop.growth_per_year).powf(years);
    let active = sim.world.n_workers_active() as f64;
    let mut rng = stream(sim.seed, sim.tick, Stream::Entrants, 0);
    let mut n_new = stochastic_round((target - active).max(0.0), rng.random()) as usize;
    let graduates = if date.month == 7 {
        stochastic_round(pop.graduates_per_year * sim.labour_start, rng.random()) as usize
    } else {
        0
    };
    n_new += graduates;
    let w = &mut sim.world;
    let sc = fields;
    let total = sc.res_cum.last().copied().unwrap_or(0.0);
    // Cumulative vacancies over zones (for drawing a migrant's job zone).
    let vac_zone_cum: Vec<u64> = vacancies
        .zones
        .iter()
        .scan(0u64, |a, z| {
            *a += z.span as u64;
            Some(*a)
        })
        .collect();
    let total_vac = vac_zone_cum.last().copied().unwrap_or(0);
    let tech_other = pop.tech_share;
    for k in 0..n_new {
        let graduate = k >= n_new - graduates;
        if total <= 0.0 {
            break;
        }
        // Migrants come for jobs: an anchor zone is drawn from the open vacancies (graduates:
        // a university's zone), then a home near it by the gravity table of free homes.
        let anchor = if graduate && !w.universities.is_empty() {
            let u = &w.universities[(rng.random::<f64>() * w.universities.len() as f64) as usize
                % w.universities.len()];
            Some(w.travel.cell_zone[u.cell as usize] as usize)
        } else if total_vac > 0 {
            let x = (rng.random::<f64>() * total_vac as f64) as u64;
            Some(
                vac_zone_cum
                    .partition_point(|&c| c <= x)
                    .min(vac_zone_cum.len() - 1),
            )
        } else {
            None
        };
        let mut cell = None;
        for _ in 0..8 {
            let (lo, hi) = match anchor {
                Some(a) => match vacancies.home_grav.sample(a, || rng.random::<f64>()) {
                    Some(z) => (sc.zone_start[z] as usize, sc.zone_start[z + 1] as usize),
                    None => (0, sc.res_cum.len()),
                },
                None => (0, sc.res_cum.len()),
            };
            if lo >= hi {
                continue;
            }
            let base = if lo == 0 { 0.0 } else { sc.res_cum[lo - 1] };
            let span = sc.res_cum[hi - 1] - base;
            if span <= 0.0 {
                continue;
            }
            let x = base + rng.random::<f64>() * span;
            let kk = (lo + sc.res_cum[lo..hi].partition_point(|&v| v <= x)).min(hi - 1);
            let c = sc.zone_order[kk] as usize;
            if w.cells.free(Use::Residential, c) >= home_m2 {
                cell = Some(c);
                break;
            }
        }
        let Some(c) = cell else {
            continue;
        };
        let tech = rng.random::<f64>() < if graduate { GRADUATE_TECH } else { tech_other };
        let college = graduate || rng.random::<f64>() < pop.college_share;
        let t = if tech { traits::TECH } else { 0 } | if college { traits::COLLEGE } else { 0 };
        let z: f64 = StandardNormal.sample(&mut rng);
        let age = if graduate {
            GRADUATE_AGE
        } else {
            (MIGRANT_AGE.0 + MIGRANT_AGE.1 * z).clamp(20.0, pop.retirement_age as f64 - 1.0) as u8
        };
        w.workers.push(c as u32, t, age);
        w.cells.used[[Use::Residential as usize, c]] += home_m2;
        w.cells.residents[c] += 1;
        if tech {
            w.cells.tech_residents[c] += 1;
        }
        sim.metrics.c.entrants += 1;
    }
}
