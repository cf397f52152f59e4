//! Phase `workers`: retirement, lay-offs, job search (gravity-type logit over sampled vacancies),
//! moving home (Alonso–Muth–Mills trade-off) and founding start-ups. Runs in parallel over chunks.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::firms::gumbel;
use super::Simulation;
use crate::params::Params;
use crate::rng::{stream, Stream, CHUNK};
use crate::sampling::{guided_search_u64, GravityTable};
use crate::world::agents::{flags, status, traits, Incubators, Workers};
use crate::world::grid::GridSpec;
use crate::world::travel::Travel;
use crate::world::types::{Sector, Use, NONE};
use crate::world::Cells;

/// What a worker proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerAction {
    /// Leave the labour force.
    Retire,
    /// Laid off.
    Quit,
    /// Take one of up to three jobs (firm indices, best first).
    Job,
    /// Move to one of up to three homes (cells, best first).
    Home,
    /// Found a start-up: `targets[0]` incubator or NONE, `targets[1]` market cell or NONE.
    Found,
}

/// A worker's proposal.
#[derive(Clone, Copy, Debug)]
pub struct WorkerProposal {
    /// Worker index.
    pub worker: u32,
    /// Action.
    pub action: WorkerAction,
    /// Targets, `NONE` where unused.
    pub targets: [u32; 3],
    /// Founding: sector (low 4 bits) and high-tech flag (bit 4).
    pub aux: u32,
    /// Founding: start-up quality.
    pub quality: f32,
}

/// Wage a firm pays (yuan/month).
#[inline]
pub fn wage_of(p: &Params, sector: Sector, high_tech: bool) -> f64 {
    p.firms.wage.get(sector) * if high_tech { 1.1 } else { 1.0 }
}

/// Skill fit of a worker for a firm (utility units).
#[inline]
pub fn skill_fit(tech: bool, high_tech_firm: bool) -> f64 {
    match (tech, high_tech_firm) {
        (true, true) => 0.5,
        (false, true) => -1.0,
        _ => 0.0,
    }
}

/// Founding multiplier for a worker's age.
#[inline]
pub fn age_multiplier(p: &Params, age: u8) -> f64 {
    let m = &p.startups.age_multiplier;
    if age < 30 {
        m[0]
    } else if age < 45 {
        m[1]
    } else {
        m[2]
    }
}

/// Read-only context of the worker phase.
struct Ctx<'a> {
    params: &'a Params,
    grid: &'a GridSpec,
    cells: &'a Cells,
    travel: &'a Travel,
    incs: &'a Incubators,
    open_incubators: &'a [u32],
    view: &'a [FirmView],
    vac_firms: &'a [u32],
    vac_cum: &'a [u64],
    vac_guide: &'a [u32],
    vac_zone_start: &'a [u32],
    job_grav: &'a GravityTable,
    home_grav: &'a GravityTable,
    wage: &'a WageTable,
    zone_order: &'a [u32],
    zone_start: &'a [u32],
    res_cum: &'a [f64],
    free_cum: &'a [Vec<f64>],
    found_tech: &'a [f32],
    found_other: &'a [f32],
    policy: &'a super::policy::PolicyState,
    scale: f64,
}

/// Keep the three best (utility, target) pairs, best first, without duplicates.
#[inline]
fn push_top3(top: &mut [(f64, u32); 3], u: f64, t: u32) {
    if top.iter().any(|&(_, x)| x == t) {
        return;
    }
    if u > top[2].0 {
        top[2] = (u, t);
        if top[2].0 > top[1].0 {
            top.swap(1, 2);
        }
        if top[1].0 > top[0].0 {
            top.swap(0, 1);
        }
    }
}

impl Ctx<'_> {
    fn job_search(
        &self,
        rng: &mut ChaCha8Rng,
        home: usize,
        tech: bool,
        current: Option<f64>,
    ) -> Option<[u32; 3]> {
        if self.vac_firms.is_empty() {
            return None;
        }
        let wp = &self.params.workers;
        let hz = self.travel.cell_zone[home] as usize;
        // The current job gets its own taste shock, so that noise alone does not make jobs look better.
        let floor = current.map_or(f64::NEG_INFINITY, |c| c + wp.switch_margin + gumbel(rng));
        let mut top = [(f64::NEG_INFINITY, NONE); 3];
        for _ in 0..wp.job_candidates {
            // Gravity: a destination zone ∝ vacancies × exp(−t / τ), then a vacancy in it.
            let Some(z) = self.job_grav.sample(hz, || rng.random::<f64>()) else {
                break;
            };
            let (lo, hi) = (
                self.vac_zone_start[z] as usize,
                self.vac_zone_start[z + 1] as usize,
            );
            if lo >= hi {
                continue;
            }
            let base = if lo == 0 { 0 } else { self.vac_cum[lo - 1] };
            let span = self.vac_cum[hi - 1] - base;
            let x = base + (rng.random::<f64>() * span as f64) as u64;
            let guide = &self.vac_guide[lo + z..hi + z + 1];
            let k = (lo + guided_search_u64(&self.vac_cum[lo..hi], guide, base, x)).min(hi - 1);
            let f = self.vac_firms[k] as usize;
            let v = self.view[f];
            // Vacancies are grouped by their firm's zone: the work zone is `z`.
            debug_assert_eq!(v.zone as usize, z);
            let ht = v.high_tech();
            let u = self.wage.beta_ln[v.class as usize]
                - wp.beta_commute * self.travel.time(hz, z) as f64
                + skill_fit(tech, ht)
                + gumbel(rng);
            if u > floor {
                push_top3(&mut top, u, f as u32);
            }
        }
        (top[0].1 != NONE).then(|| top.map(|(_, t)| t))
    }

    fn home_utility(&self, cell: usize, work_zone: Option<usize>, income: f64, maker: bool) -> f64 {
        let wp = &self.params.workers;
        let commute = work_zone.map_or(0.0, |wz| {
            self.travel.time(self.travel.cell_zone[cell] as usize, wz) as f64
        });
        let sub = if maker {
            self.policy.housing_subsidy(cell)
        } else {
            0.0
        };
        let rent = self.cells.rent[[Use::Residential as usize, cell]]
            * self.params.population.home_m2_per_worker
            * (1.0 - sub);
        -wp.beta_commute * commute - wp.beta_home_rent * rent / income.max(1.0)
            + 0.2 * (1.0 + self.cells.knowledge[cell]).ln()
    }

    fn home_search(
        &self,
        rng: &mut ChaCha8Rng,
        home: usize,
        work_zone: Option<usize>,
        income: f64,
        maker: bool,
    ) -> Option<[u32; 3]> {
        let total = *self.res_cum.last()?;
        let need = self.params.population.home_m2_per_worker / self.scale;
        if total < need {
            return None;
        }
        // Moving costs something, and the current home gets its own taste shock too.
        let current = self.home_utility(home, work_zone, income, maker) + 0.3 + gumbel(rng);
        let mut top = [(f64::NEG_INFINITY, NONE); 3];
        for _ in 0..self.params.workers.home_candidates {
            // Workers search near their job (gravity on free homes); others anywhere.
            let (lo, hi) = match work_zone.and_then(|wz| self.home_grav.sample(wz, || rng.random()))
            {
                Some(z) => (self.zone_start[z] as usize, self.zone_start[z + 1] as usize),
                None => (0, self.res_cum.len()),
            };
            if lo >= hi {
                continue;
            }
            let base = if lo == 0 { 0.0 } else { self.res_cum[lo - 1] };
            let span = self.res_cum[hi - 1] - base;
            if span <= 0.0 {
                continue;
            }
            let x = base + rng.random::<f64>() * span;
            let k = (lo + self.res_cum[lo..hi].partition_point(|&v| v <= x)).min(hi - 1);
            let c = self.zone_order[k] as usize;
            if c == home || self.cells.free(Use::Residential, c) < need {
                continue;
            }
            let u = self.home_utility(c, work_zone, income, maker) + gumbel(rng);
            if u > current {
                push_top3(&mut top, u, c as u32);
            }
        }
        (top[0].1 != NONE).then(|| top.map(|(_, t)| t))
    }

    fn found(&self, rng: &mut ChaCha8Rng, home: usize, tech: bool) -> (u32, [u32; 3], f32) {
        let sp = &self.params.startups;
        let sector = if tech {
            let mix = sp.tech_sector_mix.to_array();
            let total: f64 = mix.iter().sum();
            let mut x = rng.random::<f64>() * total;
            let mut pick = Sector::ItElectronics;
            for (i, w) in mix.iter().enumerate() {
                if x < *w {
                    pick = Sector::from_index(i);
                    break;
                }
                x -= w;
            }
            pick
        } else {
            let u: f64 = rng.random();
            if u < 0.85 {
                Sector::Services
            } else if u < 0.95 {
                Sector::SmartManufacturing
            } else {
                Sector::EmallTrade
            }
        };
        let ht_p = if !sector.can_be_high_tech() {
            0.0
        } else if tech {
            sp.high_tech_share_tech
        } else {
            0.05
        };
        let high_tech = rng.random::<f64>() < ht_p;
        let z: f64 = StandardNormal.sample(rng);
        let quality = (sp.quality_median.ln() + sp.quality_sigma * z).exp() as f32;
        // Location: an open incubator in reach, maker space, or the founder's home.
        let ip = &self.params.incubators;
        let (hx, hy) = self.grid.centre(home);
        let mut best_inc = (f64::NEG_INFINITY, NONE);
        for &i in self.open_incubators {
            let i = i as usize;
            let (x, y) = self.grid.centre(self.incs.cell[i] as usize);
            let d = ((x - hx).powi(2) + (y - hy).powi(2)).sqrt();
            if d > ip.reach_km {
                continue;
            }
            let g = self.incs.service_generation(i, sector);
            let value = ip.funding_multiplier.get(g).ln()
                + (1.0 - ip.hazard_multiplier.get(g))
                + ip.rent_discount.get(g);
            let u = value - 0.15 * d + gumbel(rng);
            if u > best_inc.0 {
                best_inc = (u, i as u32);
            }
        }
        let cum = &self.free_cum[Use::Maker as usize];
        let need = self.params.firms.m2_per_worker.maker / self.scale;
        let mut best_cell = (-0.5 + gumbel(rng), NONE);
        if self.cells.free(Use::Maker, home) >= need {
            best_cell = (
                0.3 * (1.0 + self.cells.knowledge[home]).ln() + gumbel(rng),
                home as u32,
            );
        }
        if let Some(&total) = cum.last() {
            if total >= need {
                for _ in 0..sp.location_candidates {
                    let x = rng.random::<f64>() * total;
                    let c = cum.partition_point(|&v| v <= x).min(cum.len() - 1);
                    if self.cells.free(Use::Maker, c) < need {
                        continue;
                    }
                    let u = -0.15 * self.grid.dist_km(home, c)
                        + 0.3 * (1.0 + self.cells.knowledge[c]).ln()
                        + gumbel(rng);
                    if u > best_cell.0 {
                        best_cell = (u, c as u32);
                    }
                }
            }
        }
        let inc = if best_inc.0 > best_cell.0 {
            best_inc.1
        } else {
            NONE
        };
        let aux = sector as u32 | if high_tech { 16 } else { 0 };
        (aux, [inc, best_cell.1, NONE], quality)
    }
}

/// What the worker phase reads of a firm, packed into 8 bytes so that a worker's employer
/// costs one random memory access. Rebuilt at the start of the phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirmView {
    /// Probability that each employee is laid off this tick.
    pub layoff: f32,
    /// Travel zone of the firm's cell.
    pub zone: u16,
    /// `flags::*` bits.
    pub flags: u8,
    /// Wage class: `sector * 2 + high_tech`.
    pub class: u8,
}

impl FirmView {
    /// Whether the firm is operating.
    #[inline]
    pub fn alive(self) -> bool {
        self.flags & flags::ALIVE != 0
    }
    /// Whether the firm is high-tech.
    #[inline]
    pub fn high_tech(self) -> bool {
        self.flags & flags::HIGH_TECH != 0
    }
}

/// Wages and wage utilities per wage class (`sector * 2 + high_tech`).
#[derive(Clone, Debug, Default)]
pub struct WageTable {
    /// `wage_of(sector, high_tech)`.
    pub wage: [f64; 2 * Sector::N],
    /// `beta_wage * ln(wage)`.
    pub beta_ln: [f64; 2 * Sector::N],
}

impl WageTable {
    /// The table for the current parameters.
    pub fn new(p: &Params) -> WageTable {
        let mut t = WageTable::default();
        for s in Sector::ALL {
            for ht in [false, true] {
                let c = s as usize * 2 + ht as usize;
                t.wage[c] = wage_of(p, s, ht);
                t.beta_ln[c] = p.workers.beta_wage * wage_of(p, s, ht).ln();
            }
        }
        t
    }
}

/// Rebuild the packed firm view (parallel over firms).
fn build_view(world: &crate::world::World, out: &mut Vec<FirmView>) {
    let f = &world.firms;
    let zone = &world.travel.cell_zone;
    out.resize(f.len(), FirmView::default());
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(ci, chunk)| {
            for (j, v) in chunk.iter_mut().enumerate() {
                let i = ci * CHUNK + j;
                *v = FirmView {
                    layoff: f.layoff[i],
                    zone: zone[f.cell[i] as usize],
                    flags: f.flags[i],
                    class: f.sector[i].min(Sector::N as u8 - 1) * 2 + f.high_tech(i) as u8,
                };
            }
        });
}

/// Prefetch the cache line holding `x` (a hint; no effect on results).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint that never faults, and the pointer comes from a reference.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x as *const T as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// How many workers ahead the main loop prefetches its employer's firm view.
const PREFETCH: usize = 16;

/// Run the phase.
pub fn run(sim: &mut Simulation) {
    let n = sim.world.workers.len();
    let n_chunks = n.div_ceil(CHUNK);
    let sc = &mut sim.scratch;
    sc.worker_props
        .resize_with(n_chunks.max(sc.worker_props.len()), Vec::new);
    build_view(&sim.world, &mut sc.firm_view);
    let params = &sim.params;
    let wage = WageTable::new(params);
    let (seed, tick) = (sim.seed, sim.tick);
    let month = sim.start.plus(sim.tick).month as usize - 1;
    let world = &mut sim.world;
    let ctx = Ctx {
        params,
        grid: &world.grid,
        cells: &world.cells,
        travel: &world.travel,
        view: &sc.firm_view,
        incs: &world.incubators,
        open_incubators: &sc.open_incubators,
        vac_firms: &sc.vac_firms,
        vac_cum: &sc.vac_cum,
        vac_guide: &sc.vac_guide,
        vac_zone_start: &sc.vac_zone_start,
        job_grav: &sc.job_grav,
        home_grav: &sc.home_grav,
        wage: &wage,
        zone_order: &sc.zone_order,
        zone_start: &sc.zone_start,
        res_cum: &sc.res_cum,
        free_cum: &sc.free_cum,
        found_tech: &sc.found_tech,
        found_other: &sc.found_other,
        policy: &sim.policy,
        scale: world.scale,
    };
    let view = &sc.firm_view[..];
    let wp = &params.workers;
    let wage_index = sim.economy.wages;
    let retire_age = params.population.retirement_age;
    let Workers {
        home,
        employer,
        status: st,
        traits: tr,
        age,
        commute,
    } = &mut world.workers;
    let (home, tr, commute) = (&*home, &*tr, &*commute);
    (
        employer.par_chunks_mut(CHUNK),
        st.par_chunks_mut(CHUNK),
        age.par_chunks_mut(CHUNK),
        sc.worker_props[..n_chunks].par_iter_mut(),
    )
        .into_par_iter()
        .enumerate()
        .for_each(|(ci, (employer, st, age, props))| {
            let mut rng = stream(seed, tick, Stream::Workers, ci as u64);
            props.clear();
            let len = employer.len();
            for j in 0..len {
                if j + PREFETCH < len {
                    let e = employer[j + PREFETCH];
                    if e != NONE {
                        prefetch(&view[e as usize]);
                    }
                }
                let w = ci * CHUNK + j;
                if st[j] == status::RETIRED {
                    continue;
                }
                let emp = employer[j];
                if emp != NONE && !view[emp as usize].alive() {
                    employer[j] = NONE;
                    st[j] = status::UNEMPLOYED;
                }
                if w % 12 == month {
                    age[j] = age[j].saturating_add(1);
                }
                let blank = WorkerProposal {
                    worker: w as u32,
                    action: WorkerAction::Retire,
                    targets: [NONE; 3],
                    aux: 0,
                    quality: 0.0,
                };
                if age[j] >= retire_age {
                    props.push(blank);
                    continue;
                }
                let tech = tr[j] & traits::TECH != 0;
                let h = home[w] as usize;
                let mut u: f64 = rng.random();
                let p_lay = if st[j] == status::EMPLOYED {
                    view[employer[j] as usize].layoff as f64
                } else {
                    0.0
                };
                if u < p_lay {
                    props.push(WorkerProposal {
                        action: WorkerAction::Quit,
                        ..blank
                    });
                    continue;
                }
                u -= p_lay;
                if st[j] != status::FOUNDER {
                    let base = if tech {
                        ctx.found_tech[h]
                    } else {
                        ctx.found_other[h]
                    } as f64;
                    let college = if tr[j] & traits::COLLEGE != 0 {
                        params.startups.college_multiplier
                    } else {
                        1.0
                    };
                    let p_found = base * age_multiplier(params, age[j]) * college;
                    if u < p_found {
                        let (aux, targets, quality) = ctx.found(&mut rng, h, tech);
                        props.push(WorkerProposal {
                            action: WorkerAction::Found,
                            targets,
                            aux,
                            quality,
                            ..blank
                        });
                        continue;
                    }
                    u -= p_found;
                }
                let long = (commute[w] as f64 - 45.0).max(0.0) / 60.0;
                let p_search = match st[j] {
                    status::UNEMPLOYED => 1.0,
                    status::FOUNDER => 0.0,
                    _ => wp.on_the_job_search + wp.commute_search_gain * long,
                };
                let search = u < p_search;
                let u2 = if st[j] == status::UNEMPLOYED || search {
                    None
                } else {
                    Some((u - p_search) / (1.0 - p_search).max(1e-9))
                };
                let p_move = wp.move_rate + wp.move_commute_gain * long;
                if !search && u2.is_some_and(|u2| u2 >= p_move) {
                    // Neither searching for a job nor (without a further draw) moving home.
                    continue;
                }
                // The employer's zone and the worker's income, needed from here on only.
                let emp_view = (employer[j] != NONE).then(|| view[employer[j] as usize]);
                let mut work_zone = emp_view.map(|v| v.zone as usize);
                let income = wage_index * emp_view.map_or(4_000.0, |v| wage.wage[v.class as usize]);
                if search {
                    let current = (st[j] == status::EMPLOYED).then(|| {
                        let v = emp_view.expect("employed workers have an employer");
                        wp.beta_wage * (income / wage_index).ln()
                            - wp.beta_commute * commute[w] as f64
                            + skill_fit(tech, v.high_tech())
                    });
                    if let Some(targets) = ctx.job_search(&mut rng, h, tech, current) {
                        work_zone = Some(view[targets[0] as usize].zone as usize);
                        props.push(WorkerProposal {
                            action: WorkerAction::Job,
                            targets,
                            ..blank
                        });
                    }
                }
                let u2 = u2.unwrap_or_else(|| rng.random::<f64>());
                if u2 < p_move {
                    let maker = st[j] == status::FOUNDER;
                    if let Some(targets) = ctx.home_search(&mut rng, h, work_zone, income, maker) {
                        props.push(WorkerProposal {
                            action: WorkerAction::Home,
                            targets,
                            ..blank
                        });
                    }
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top3_keeps_best_distinct() {
        let mut top = [(f64::NEG_INFINITY, NONE); 3];
        for (u, t) in [(1.0, 1), (3.0, 2), (2.0, 3), (5.0, 2), (0.5, 4), (2.5, 5)] {
            push_top3(&mut top, u, t);
        }
        assert_eq!(top.map(|x| x.1), [2, 5, 3]);
    }

    #[test]
    fn founding_peaks_in_mid_career() {
        let p = Params::default();
        assert!(age_multiplier(&p, 35) > age_multiplier(&p, 25));
        assert!(age_multiplier(&p, 35) > age_multiplier(&p, 50));
    }
}
