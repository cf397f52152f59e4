//! Phase `workers`: retirement, lay-offs, job search (gravity-type logit over sampled vacancies),
//! moving home (Alonso–Muth–Mills trade-off) and founding start-ups. Runs in parallel over chunks.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::fields::FieldTables;
use super::matching::VacancyTable;
use super::{wage_of, Simulation};
use crate::params::Params;
use crate::rng::{stream, Stream, CHUNK};
use crate::sampling::GravityTable;
use crate::sampling::{gumbel, gumbel_of, prefetch};
use crate::types::{Sector, Use, NONE};
use crate::world::agents::{flags, status, traits, Incubators, Workers};
use crate::world::grid::GridSpec;
use crate::world::travel::Travel;
use crate::world::Cells;

// The worker phase's fixed numbers (docs/ODD.md §7.18: not parameters; listed so that
// calibration knows they exist). Utilities are in the units of the Gumbel taste shocks.

/// Skill fit of a technical worker at a high-tech firm: the skills it hires for.
const FIT_TECH_AT_HIGH_TECH: f64 = 0.5;
/// Skill fit of a non-technical worker at a high-tech firm: a poor match.
const FIT_OTHER_AT_HIGH_TECH: f64 = -1.0;
/// Ages at which the founding multiplier `params.startups.age_multiplier` steps: under 30,
/// 30–44, 45 and over.
const AGE_BANDS: [u8; 2] = [30, 45];
/// Weight of local knowledge `ln(1 + K)` in a home's utility (an amenity: cafés, talks, peers).
const HOME_KNOWLEDGE_AMENITY: f64 = 0.2;
/// Utility of staying in the current home: moving costs something.
const HOME_STAY_BONUS: f64 = 0.3;
/// Sectors of a non-technical founder's start-up, cumulative: services below the first,
/// smart manufacturing below the second, e-mall trade above (.85/.10/.05).
const NON_TECH_SECTOR_CUM: [f64; 2] = [0.85, 0.95];
/// Probability that a non-technical founder's start-up is high-tech.
const NON_TECH_HIGH_TECH: f64 = 0.05;
/// A founder's cost per km between home and an incubator or maker space.
pub(crate) const FOUNDER_COST_PER_KM: f64 = 0.15;
/// Weight of local knowledge `ln(1 + K)` in a founder's choice of maker space.
pub(crate) const FOUNDER_KNOWLEDGE: f64 = 0.3;
/// Utility of founding home-based (no maker space, no incubator): the fallback.
const FOUNDER_HOME_BASED: f64 = -0.5;
/// Commute (minutes) above which job search and moving rise
/// (`params.workers.commute_search_gain`, `move_commute_gain` per hour above it).
const LONG_COMMUTE_MIN: f64 = 45.0;
/// Monthly income (yuan, times the wage index) assumed for someone without a wage, in the
/// rent burden of their home choice.
const UNEMPLOYED_INCOME: f64 = 4_000.0;

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

/// What the phase makes each month for `matching::resolve_workers` (`Simulation::step` hands
/// it on): proposals per chunk of workers, in worker order within a chunk.
#[derive(Default)]
pub struct WorkerProposals {
    /// Proposals per chunk.
    pub chunks: Vec<Vec<WorkerProposal>>,
    /// Bit per firm: operating with no lay-offs this month (the phase's own).
    pub(super) steady: Vec<u64>,
    /// The order matching resolves the proposals in, as (chunk, index) pairs (matching's own).
    pub(super) order: Vec<(u32, u32)>,
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

/// Skill fit of a worker for a firm (utility units).
#[inline]
pub fn skill_fit(tech: bool, high_tech_firm: bool) -> f64 {
    match (tech, high_tech_firm) {
        (true, true) => FIT_TECH_AT_HIGH_TECH,
        (false, true) => FIT_OTHER_AT_HIGH_TECH,
        _ => 0.0,
    }
}

/// An employed searcher keeps only candidates better than the current job plus the switching
/// margin; the current job gets its own taste shock (drawn after the candidates), so noise
/// alone does not make other jobs look better. A threshold commutes with taking the best
/// three, so filtering afterwards gives the same result as filtering each candidate. Nothing
/// is drawn when there is no candidate.
#[inline]
fn drop_below_current(
    top: &mut [(f64, u32); 3],
    current: Option<f64>,
    margin: f64,
    rng: &mut ChaCha8Rng,
) {
    if let (Some(c), true) = (current, top[0].1 != NONE) {
        let floor = c + margin + gumbel(rng);
        for t in top.iter_mut() {
            if t.0 <= floor {
                *t = (f64::NEG_INFINITY, NONE);
            }
        }
    }
}

/// Founding multiplier for a worker's age.
#[inline]
pub fn age_multiplier(p: &Params, age: u8) -> f64 {
    let m = &p.startups.age_multiplier;
    if age < AGE_BANDS[0] {
        m[0]
    } else if age < AGE_BANDS[1] {
        m[1]
    } else {
        m[2]
    }
}

/// A new venture's sector, high-tech status and quality, as a founder of that kind draws them
/// (docs/ODD.md §7.10).
pub fn draw_venture(p: &Params, rng: &mut ChaCha8Rng, tech: bool) -> (Sector, bool, f32) {
    let sp = &p.startups;
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
        if u < NON_TECH_SECTOR_CUM[0] {
            Sector::Services
        } else if u < NON_TECH_SECTOR_CUM[1] {
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
        NON_TECH_HIGH_TECH
    };
    let high_tech = rng.random::<f64>() < ht_p;
    let z: f64 = StandardNormal.sample(rng);
    let quality = (sp.quality_median.ln() + sp.quality_sigma * z).exp() as f32;
    (sector, high_tech, quality)
}

/// A worker's monthly founding probability: the home cell's founding rate for its skill
/// (`found_tech` or `found_other`, §7.3) times the age and college multipliers.
#[inline]
pub fn founding_probability(p: &Params, rate: f64, traits_: u8, age: u8) -> f64 {
    let college = if traits_ & traits::COLLEGE != 0 {
        p.startups.college_multiplier
    } else {
        1.0
    };
    rate * age_multiplier(p, age) * college
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
    vac_urn: &'a [Vacancy],
    vac_zones: &'a [VacZone],
    job_grav: &'a GravityTable,
    home_grav: &'a GravityTable,
    wage: &'a WageTable,
    zone_order: &'a [u32],
    zone_start: &'a [u32],
    res_cum: &'a [f64],
    free_cum: &'a [crate::sampling::CumTable],
    found_tech: &'a [f32],
    found_other: &'a [f32],
    ln1p_knowledge: &'a [f64],
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
    /// Up to three job offers, best first, and the work zone of the best.
    ///
    /// The same draws, in the same order, and the same result as [`Ctx::job_search_seq`]; but
    /// the candidates' random numbers are drawn first and their table look-ups issued stage by
    /// stage across all candidates (zone, vacancy, firm), so that the cache misses overlap.
    /// In the rare case a sampled zone has no vacancy (a draw rounded to the row's total), the
    /// draw pattern differs: the generator is rewound and the sequential search runs instead.
    fn job_search(
        &self,
        rng: &mut ChaCha8Rng,
        home: usize,
        tech: bool,
        current: Option<f64>,
    ) -> Option<([u32; 3], usize)> {
        const MAX: usize = 16;
        let wp = &self.params.workers;
        let n = wp.job_candidates as usize;
        if self.vac_urn.is_empty() {
            return None;
        }
        let hz = self.travel.cell_zone[home] as usize;
        // No row or no weight: the sequential search stops before its first draw.
        let row = self.job_grav.row(hz)?;
        if n > MAX {
            return self.job_search_seq(rng, home, tech, current);
        }
        let pos = rng.get_word_pos();
        let mut u = [[0.0f64; 3]; MAX];
        for uc in &mut u[..n] {
            *uc = [rng.random(), rng.random(), rng.random()];
        }
        // Stage 1: destination zones.
        let mut x = [0.0f64; MAX];
        for c in 0..n {
            x[c] = u[c][0] * row.total;
            prefetch(row.guide_entry(x[c]));
        }
        let mut z = [0usize; MAX];
        for c in 0..n {
            z[c] = row.zone(x[c]);
            if self.vac_zones[z[c]].span == 0 {
                rng.set_word_pos(pos);
                return self.job_search_seq(rng, home, tech, current);
            }
        }
        // Stage 2: a vacancy in each zone (and its travel time).
        let nz = self.travel.n_zones();
        let mut at = [0usize; MAX];
        for c in 0..n {
            let vz = self.vac_zones[z[c]];
            at[c] = vz.urn as usize + (u[c][1] * vz.span as f64) as u64 as usize;
            prefetch(&self.vac_urn[at[c]]);
            prefetch(&self.travel.base[hz * nz + z[c]]);
        }
        let mut v = [Vacancy::default(); MAX];
        for c in 0..n {
            v[c] = self.vac_urn[at[c]];
        }
        // Stage 3: utilities, in candidate order.
        let mut top = [(f64::NEG_INFINITY, NONE); 3];
        let mut zones = [0u16; 3];
        for c in 0..n {
            let v = v[c];
            debug_assert_eq!(self.view[v.firm as usize].zone as usize, z[c]);
            let ht = v.class & 1 != 0;
            let util = self.wage.beta_ln[v.class as usize]
                - wp.beta_commute * self.travel.time(hz, z[c]) as f64
                + skill_fit(tech, ht)
                + gumbel_of(u[c][2]);
            if !top.iter().any(|&(_, t)| t == v.firm) && util > top[2].0 {
                top[2] = (util, v.firm);
                zones[2] = z[c] as u16;
                if top[2].0 > top[1].0 {
                    top.swap(1, 2);
                    zones.swap(1, 2);
                }
                if top[1].0 > top[0].0 {
                    top.swap(0, 1);
                    zones.swap(0, 1);
                }
            }
        }
        drop_below_current(&mut top, current, wp.switch_margin, rng);
        (top[0].1 != NONE).then(|| (top.map(|(_, t)| t), zones[0] as usize))
    }

    /// The job search, one candidate after another (the reference for [`Ctx::job_search`]).
    fn job_search_seq(
        &self,
        rng: &mut ChaCha8Rng,
        home: usize,
        tech: bool,
        current: Option<f64>,
    ) -> Option<([u32; 3], usize)> {
        if self.vac_urn.is_empty() {
            return None;
        }
        let wp = &self.params.workers;
        let hz = self.travel.cell_zone[home] as usize;
        let mut top = [(f64::NEG_INFINITY, NONE); 3];
        let mut zones = [0u16; 3];
        for _ in 0..wp.job_candidates {
            // Gravity: a destination zone ∝ vacancies × exp(−t / τ), then a vacancy in it.
            let Some(z) = self.job_grav.sample(hz, || rng.random::<f64>()) else {
                break;
            };
            let vz = self.vac_zones[z];
            if vz.span == 0 {
                continue;
            }
            // A uniform vacancy of the zone: entry d of its urn.
            let d = (rng.random::<f64>() * vz.span as f64) as u64;
            let v = self.vac_urn[vz.urn as usize + d as usize];
            // Vacancies are grouped by their firm's zone: the work zone is `z`.
            debug_assert_eq!(self.view[v.firm as usize].zone as usize, z);
            debug_assert_eq!(self.view[v.firm as usize].class, v.class);
            let ht = v.class & 1 != 0;
            let u = self.wage.beta_ln[v.class as usize]
                - wp.beta_commute * self.travel.time(hz, z) as f64
                + skill_fit(tech, ht)
                + gumbel(rng);
            if !top.iter().any(|&(_, t)| t == v.firm) && u > top[2].0 {
                // (the same insertion as `push_top3`, carrying the zone along)
                top[2] = (u, v.firm);
                zones[2] = z as u16;
                if top[2].0 > top[1].0 {
                    top.swap(1, 2);
                    zones.swap(1, 2);
                }
                if top[1].0 > top[0].0 {
                    top.swap(0, 1);
                    zones.swap(0, 1);
                }
            }
        }
        drop_below_current(&mut top, current, wp.switch_margin, rng);
        (top[0].1 != NONE).then(|| (top.map(|(_, t)| t), zones[0] as usize))
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
            + HOME_KNOWLEDGE_AMENITY * self.ln1p_knowledge[cell]
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
        let current =
            self.home_utility(home, work_zone, income, maker) + HOME_STAY_BONUS + gumbel(rng);
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
        let (sector, high_tech, quality) = draw_venture(self.params, rng, tech);
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
            let u = value - FOUNDER_COST_PER_KM * d + gumbel(rng);
            if u > best_inc.0 {
                best_inc = (u, i as u32);
            }
        }
        let cum = &self.free_cum[Use::Maker as usize];
        let need = self.params.firms.m2_per_worker.maker / self.scale;
        let mut best_cell = (FOUNDER_HOME_BASED + gumbel(rng), NONE);
        if self.cells.free(Use::Maker, home) >= need {
            best_cell = (
                FOUNDER_KNOWLEDGE * self.ln1p_knowledge[home] + gumbel(rng),
                home as u32,
            );
        }
        if let Some(total) = cum.total() {
            if total >= need {
                for _ in 0..sp.location_candidates {
                    let x = rng.random::<f64>() * total;
                    let c = cum.find(x);
                    if self.cells.free(Use::Maker, c) < need {
                        continue;
                    }
                    let u = -FOUNDER_COST_PER_KM * self.grid.dist_km(home, c)
                        + FOUNDER_KNOWLEDGE * self.ln1p_knowledge[c]
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

/// A firm with vacancies in the vacancy table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Vacancy {
    /// Firm index.
    pub firm: u32,
    /// Wage class (`sector * 2 + high_tech`).
    pub class: u8,
}

/// A zone's part of the vacancy urn.
#[derive(Clone, Copy, Debug, Default)]
pub struct VacZone {
    /// First entry in the urn.
    pub urn: u32,
    /// Vacancies in the zone (the urn holds `span + 1` entries when positive).
    pub span: u64,
}

/// Complete the packed firm view (the firm phase wrote the lay-off probabilities; firms set up
/// since have none) and build the bitmap of steady firms (operating, no lay-offs), in parallel
/// over firms.
fn build_view(world: &crate::world::World, out: &mut Vec<FirmView>, steady: &mut Vec<u64>) {
    let f = &world.firms;
    let zone = &world.travel.cell_zone;
    out.resize(f.len(), FirmView::default());
    steady.resize(f.len().div_ceil(64), 0);
    out.par_chunks_mut(CHUNK)
        .zip(steady.par_chunks_mut(CHUNK / 64))
        .enumerate()
        .for_each(|(ci, (chunk, bits))| {
            bits.fill(0);
            for (j, v) in chunk.iter_mut().enumerate() {
                let i = ci * CHUNK + j;
                *v = FirmView {
                    layoff: v.layoff,
                    zone: zone[f.cell[i] as usize],
                    flags: f.flags[i],
                    class: f.sector[i].min(Sector::N as u8 - 1) * 2 + f.high_tech(i) as u8,
                };
                if v.alive() && v.layoff == 0.0 {
                    bits[j / 64] |= 1 << (j % 64);
                }
            }
        });
}

/// How many workers ahead the main loop prefetches its employer's firm view.
const PREFETCH: usize = 16;

/// Run the phase: workers age, retire, leave firms that lay off, and propose (into `out`) to
/// found a start-up, take a job from `vacancies` or move home, drawing from `fields`' tables.
pub fn run(
    sim: &mut Simulation,
    fields: &FieldTables,
    vacancies: &VacancyTable,
    view: &mut Vec<FirmView>,
    out: &mut WorkerProposals,
) {
    let n = sim.world.workers.len();
    let n_chunks = n.div_ceil(CHUNK);
    out.chunks
        .resize_with(n_chunks.max(out.chunks.len()), Vec::new);
    build_view(&sim.world, view, &mut out.steady);
    let view: &[FirmView] = view;
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
        view,
        incs: &world.incubators,
        open_incubators: &fields.open_incubators,
        vac_urn: &vacancies.urn,
        vac_zones: &vacancies.zones,
        job_grav: &vacancies.job_grav,
        home_grav: &vacancies.home_grav,
        wage: &wage,
        zone_order: &fields.zone_order,
        zone_start: &fields.zone_start,
        res_cum: &fields.res_cum,
        free_cum: &fields.free_cum,
        found_tech: &fields.found_tech,
        found_other: &fields.found_other,
        ln1p_knowledge: &fields.ln1p_knowledge,
        policy: &sim.policy,
        scale: world.scale,
    };
    let steady = &out.steady[..];
    let wp = &params.workers;
    let wage_index = sim.economy.wages;
    let retire_age = params.population.retirement_age;
    let Workers {
        home,
        employer,
        state: st,
        age,
        work_zone,
    } = &mut world.workers;
    let (home, work_zone) = (&*home, &*work_zone);
    (
        employer.par_chunks_mut(CHUNK),
        st.par_chunks_mut(CHUNK),
        age.par_chunks_mut(CHUNK),
        out.chunks[..n_chunks].par_iter_mut(),
    )
        .into_par_iter()
        .enumerate()
        // One task per chunk: chunk costs vary (new entrants, who search, sit at the end).
        .with_max_len(1)
        .for_each(|(ci, (employer, st, age, props))| {
            let mut rng = stream(seed, tick, Stream::Workers, ci as u64);
            super::recycle(props);
            let len = employer.len();
            // Whether firm `f` operates and lays nobody off (a bit in a small, cached bitmap,
            // which spares most workers a read of their employer's view).
            let steady = |f: u32| steady[f as usize / 64] >> (f % 64) & 1 != 0;
            for j in 0..len {
                if j + PREFETCH < len {
                    let e = employer[j + PREFETCH];
                    if e != NONE && !steady(e) {
                        prefetch(&view[e as usize]);
                    }
                    // Last month's commute, read further down.
                    let ahead = ci * CHUNK + j + PREFETCH;
                    ctx.travel
                        .prefetch_last_commute(home[ahead] as usize, work_zone[ahead]);
                }
                let w = ci * CHUNK + j;
                if status::of(st[j]) == status::RETIRED {
                    continue;
                }
                let emp = employer[j];
                let emp_steady = emp != NONE && steady(emp);
                if emp != NONE && !emp_steady && !view[emp as usize].alive() {
                    employer[j] = NONE;
                    status::set(&mut st[j], status::UNEMPLOYED);
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
                // The status and the traits (one byte).
                let (s, tr) = (status::of(st[j]), st[j]);
                let tech = tr & traits::TECH != 0;
                let h = home[w] as usize;
                let mut u: f64 = rng.random();
                let p_lay = if s == status::EMPLOYED && !emp_steady {
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
                if s != status::FOUNDER {
                    let base = if tech {
                        ctx.found_tech[h]
                    } else {
                        ctx.found_other[h]
                    } as f64;
                    let p_found = founding_probability(params, base, tr, age[j]);
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
                // The commute at the end of last month (0 when not working then).
                let commute = ctx.travel.last_commute(h, work_zone[w]);
                let long = (commute as f64 - LONG_COMMUTE_MIN).max(0.0) / 60.0;
                let p_search = match s {
                    status::UNEMPLOYED => 1.0,
                    status::FOUNDER => 0.0,
                    _ => wp.on_the_job_search + wp.commute_search_gain * long,
                };
                let search = u < p_search;
                let u2 = if s == status::UNEMPLOYED || search {
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
                let income = wage_index
                    * emp_view.map_or(UNEMPLOYED_INCOME, |v| wage.wage[v.class as usize]);
                if search {
                    let current = (s == status::EMPLOYED).then(|| {
                        let v = emp_view.expect("employed workers have an employer");
                        wp.beta_wage * (income / wage_index).ln() - wp.beta_commute * commute as f64
                            + skill_fit(tech, v.high_tech())
                    });
                    if let Some((targets, zone)) = ctx.job_search(&mut rng, h, tech, current) {
                        work_zone = Some(zone);
                        props.push(WorkerProposal {
                            action: WorkerAction::Job,
                            targets,
                            ..blank
                        });
                    }
                }
                let u2 = u2.unwrap_or_else(|| rng.random::<f64>());
                if u2 < p_move {
                    let maker = s == status::FOUNDER;
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
#[path = "workers_tests.rs"]
mod tests;
