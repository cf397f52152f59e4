//! Phase `firms`: every firm produces, pays wages and rent, innovates, and proposes growth,
//! relocation (a multinomial-logit location choice) or exit. Runs in parallel over fixed chunks.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

use super::fields::FieldTables;
pub use super::firm_sums::FirmSums;
use super::workers::FirmView;
use super::{wage_of, Simulation};
use crate::params::Params;
use crate::rng::{stochastic_round, stream, Stream, CHUNK};
use crate::sampling::gumbel;
use crate::types::{FirmKind, Generation, Sector, Stage, Use};
use crate::world::agents::{flags, Firms, Incubators, NO_INCUBATOR};
use crate::world::grid::GridSpec;
use crate::world::{Cells, PartnerSite};

/// Monthly hazard of closing for an established firm displaced from its space (by a
/// conversion) that has not yet found new space.
pub const DISPLACED_EXIT_HAZARD: f64 = 0.1;

// The firm phase's fixed numbers besides the displaced-exit hazard (docs/ODD.md §7.18: not
// parameters; listed so that calibration knows they exist).

/// Productivity of a home-based firm (no floor space of its own) relative to one with space.
const HOME_BASED_PRODUCTIVITY: f64 = 0.85;
/// Innovation rate of a firm that is not high-tech relative to a high-tech one.
const OTHER_INNOVATION: f64 = 0.3;
/// Profit margin below which an established firm lays off.
const LAYOFF_MARGIN: f64 = -0.05;
/// Largest monthly lay-off probability per employee.
const MAX_LAYOFF: f64 = 0.3;
/// Months of costs a start-up must hold in cash before it hires.
pub(crate) const STARTUP_HIRING_CASH_MONTHS: f64 = 2.0;
/// Utility of staying in the current site in the location choice: moving costs something.
const FIRM_STAY_BONUS: f64 = 0.3;
/// Knowledge assumed at a partner site, `K` in `ln(1 + K)`: some, less than in the zone.
const PARTNER_KNOWLEDGE: f64 = 0.5;
/// Distance (km) beyond which a partner site's distance costs no more: a move, not a commute.
const PARTNER_DISTANCE_CAP_KM: f64 = 30.0;

/// The most workers a firm agent hires in a month (its vacancies are kept as `u16`). At real
/// size the largest firm's growth posts a few thousand; the cap binds only with extreme
/// parameters.
pub const MAX_HIRES: u32 = u16::MAX as u32;

/// What a firm proposes this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirmAction {
    /// Nothing contested (only hiring, if `hires > 0`).
    Stay,
    /// Close down.
    Exit,
    /// Move to a cell.
    Move(u32),
    /// Move to a regional partner site (leaves the grid).
    Partner(u16),
    /// Leave its incubator (graduation or end of stay); it will look for space next.
    LeaveIncubator,
}

/// A firm's proposal.
#[derive(Clone, Copy, Debug)]
pub struct FirmProposal {
    /// Firm index.
    pub firm: u32,
    /// Action.
    pub action: FirmAction,
    /// Workers it wants to hire (at most [`MAX_HIRES`]).
    pub hires: u32,
}

/// What `firms` and `startups` make each month for `matching::resolve_firms` and the record:
/// proposals and sums per chunk of firms (`Simulation::step` hands it on).
#[derive(Default)]
pub struct FirmProposals {
    /// Proposals per chunk, in firm order within a chunk (the firm phase's, then the
    /// start-up phase's).
    pub chunks: Vec<Vec<FirmProposal>>,
    /// Per-chunk sums of the firm phase.
    pub sums: Vec<FirmSums>,
    /// Per chunk, per park: revenue and value added of the chunk's firms in the park (yuan,
    /// agent sums; `park_stride()` entries a chunk).
    pub park_money: Vec<[f64; 2]>,
    /// Per-chunk sums of the start-up phase.
    pub startup_sums: Vec<super::startups::StartupSums>,
    /// Per cell with jobs: `(1 + K)^e` for productivity and for innovation (the firm phase's
    /// own work buffer).
    k_factors: Vec<(f64, f64)>,
    /// The month's per-cell location terms (made by the firm phase; firm entry reads them).
    loc_terms: LocationTerms,
}

/// Read-only context of a location choice.
pub struct LocationCtx<'a> {
    /// Grid.
    pub grid: &'a GridSpec,
    /// Cells.
    pub cells: &'a Cells,
    /// Cumulative free space per use.
    pub free_cum: &'a [crate::sampling::CumTable],
    /// Cumulative floor space (capacity) per use.
    pub cap_cum: &'a [crate::sampling::CumTable],
    /// Partner sites.
    pub partners: &'a [PartnerSite],
    /// Parameters.
    pub params: &'a Params,
    /// Scale.
    pub scale: f64,
    /// `ln(1 + K)` per cell this month.
    pub ln1p_knowledge: &'a [f64],
    /// The month's per-cell terms, where computed.
    pub terms: Option<&'a LocationTerms>,
}

/// Per cell, the terms of the location utility that do not depend on the firm (knowledge,
/// jobs, and rent per use), computed once a month where many firms choose: at large scales
/// the must-move start-ups alone make millions of utility evaluations a month.
#[derive(Clone, Debug, Default)]
pub struct LocationTerms {
    /// Whether the terms are filled this month.
    filled: bool,
    /// `beta_knowledge · ln(1 + K)` per cell.
    know: Vec<f64>,
    /// `beta_jobs · ln(1 + jobs / 1000)` per cell.
    jobs: Vec<f64>,
    /// `beta_rent · ln(max(rent, 1))` per use and cell (`[use * n_cells + cell]`).
    rent: Vec<f64>,
}

/// Firms from which [`LocationTerms`] are computed each month (below, each utility computes
/// its terms; the same numbers either way).
const LOCATION_TERMS_MIN_FIRMS: usize = 1 << 17;

impl FirmProposals {
    /// Entries of `park_money` per chunk (one per park, at least one).
    pub fn park_stride(n_parks: usize) -> usize {
        n_parks.max(1)
    }
    /// The month's per-cell location terms, when the firm phase filled them.
    pub fn location_terms(&self) -> Option<&LocationTerms> {
        self.loc_terms.get()
    }
}

impl LocationTerms {
    /// This month's terms, filled when there are `n_firms` ≥ [`LOCATION_TERMS_MIN_FIRMS`]
    /// firms (from the cells, `ln(1 + K)` per cell and the firm parameters), else none.
    fn update(
        &mut self,
        n_firms: usize,
        (cells, ln1p_k, fp): (&Cells, &[f64], &crate::params::FirmParams),
        scale: f64,
    ) {
        self.filled = false;
        if n_firms >= LOCATION_TERMS_MIN_FIRMS {
            self.fill(cells, ln1p_k, fp, scale);
        }
    }
    /// The terms, when filled this month.
    fn get(&self) -> Option<&LocationTerms> {
        self.filled.then_some(self)
    }
    /// Fill the terms for this month's cells, in parallel over cells.
    fn fill(&mut self, cells: &Cells, ln1p_k: &[f64], fp: &crate::params::FirmParams, scale: f64) {
        let n = cells.jobs.len();
        self.filled = true;
        self.know.resize(n, 0.0);
        self.jobs.resize(n, 0.0);
        self.rent.resize(Use::N * n, 0.0);
        self.know
            .par_iter_mut()
            .zip(self.jobs.par_iter_mut())
            .enumerate()
            .with_min_len(CHUNK)
            .for_each(|(c, (k, j))| {
                *k = knowledge_term(fp, ln1p_k[c]);
                *j = jobs_term(fp, cells.jobs[c], scale);
            });
        self.rent
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(u, row)| {
                for (c, r) in row.iter_mut().enumerate() {
                    *r = rent_term(fp, cells.rent[[u, c]]);
                }
            });
    }
}

/// The location utility's knowledge term for `ln(1 + K)`.
#[inline]
fn knowledge_term(fp: &crate::params::FirmParams, ln1p_k: f64) -> f64 {
    fp.beta_knowledge * ln1p_k
}

/// The location utility's jobs term for a cell's `jobs` agents at `scale`.
#[inline]
fn jobs_term(fp: &crate::params::FirmParams, jobs: u32, scale: f64) -> f64 {
    let jobs = jobs as f64 / scale;
    fp.beta_jobs * (1.0 + jobs / 1000.0).ln()
}

/// The location utility's rent term for a rent (yuan/m²/month).
#[inline]
fn rent_term(fp: &crate::params::FirmParams, rent: f64) -> f64 {
    fp.beta_rent * rent.max(1.0).ln()
}

impl LocationCtx<'_> {
    /// Deterministic part of the location utility of `cell` for a firm coming from `origin`.
    #[inline]
    pub fn utility(&self, use_: Use, cell: usize, origin: usize) -> f64 {
        let fp = &self.params.firms;
        let (know, rent, jobs) = match self.terms {
            Some(t) => (
                t.know[cell],
                t.rent[use_ as usize * t.know.len() + cell],
                t.jobs[cell],
            ),
            None => (
                knowledge_term(fp, self.ln1p_knowledge[cell]),
                rent_term(fp, self.cells.rent[[use_ as usize, cell]]),
                jobs_term(fp, self.cells.jobs[cell], self.scale),
            ),
        };
        know - rent - fp.beta_distance * self.grid.dist_km(origin, cell) + jobs
    }

    /// Multinomial-logit choice among `k` cells sampled in proportion to free space of `use_`
    /// (plus partner sites taking the sector, plus staying unless `forced`).
    /// Returns the chosen action, or `Stay`.
    #[allow(clippy::too_many_arguments)]
    pub fn choose(
        &self,
        rng: &mut ChaCha8Rng,
        use_: Use,
        sector: Sector,
        origin: usize,
        need_m2: f64,
        k: u32,
        forced: bool,
        stay_bonus: f64,
    ) -> FirmAction {
        let mut best = if forced {
            (f64::NEG_INFINITY, FirmAction::Stay)
        } else {
            (
                self.utility(use_, origin, origin) + stay_bonus + gumbel(rng),
                FirmAction::Stay,
            )
        };
        // Half the candidates are drawn where space is free, half where floor space of the use
        // exists (where firms like to be, full or not): a firm that picks a full cell fails to
        // move, and its demand shows up as unmet demand that raises the rent there.
        let free = &self.free_cum[use_ as usize];
        let all = &self.cap_cum[use_ as usize];
        let totals = [free.total().unwrap_or(0.0), all.total().unwrap_or(0.0)];
        for j in 0..k {
            let (cum, total) = if j % 2 == 0 {
                (free, totals[0])
            } else {
                (all, totals[1])
            };
            if total <= 0.0 {
                continue;
            }
            let x = rng.random::<f64>() * total;
            let cell = cum.find(x);
            if cell == origin || (j % 2 == 0 && self.cells.free(use_, cell) < need_m2) {
                continue;
            }
            let u = self.utility(use_, cell, origin) + gumbel(rng);
            if u > best.0 {
                best = (u, FirmAction::Move(cell as u32));
            }
        }
        let fp = &self.params.firms;
        for (s, site) in self.partners.iter().enumerate() {
            if !site.sectors[sector as usize] || site.used + 1.0 / self.scale > site.capacity {
                continue;
            }
            let u = fp.beta_knowledge * PARTNER_KNOWLEDGE.ln_1p()
                - fp.beta_rent * site.rent.max(1.0).ln()
                - fp.beta_distance * site.distance_km.min(PARTNER_DISTANCE_CAP_KM)
                + site.bonus
                + gumbel(rng);
            if u > best.0 {
                best = (u, FirmAction::Partner(s as u16));
            }
        }
        best.1
    }
}

/// Productivity of a firm per worker per month (yuan).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn productivity(
    p: &Params,
    sector: Sector,
    tfp: f64,
    high_tech: bool,
    knowledge: f64,
    startup_ramp: f64,
    home_based: bool,
) -> f64 {
    let spill = (1.0 + knowledge).powf(p.firms.spillover_elasticity);
    productivity_with(p, sector, tfp, high_tech, spill, startup_ramp, home_based)
}

/// [`productivity`] with the knowledge spillover factor `(1 + K)^elasticity` given.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn productivity_with(
    p: &Params,
    sector: Sector,
    tfp: f64,
    high_tech: bool,
    spill: f64,
    startup_ramp: f64,
    home_based: bool,
) -> f64 {
    let fp = &p.firms;
    fp.revenue_per_worker.get(sector)
        * tfp
        * if high_tech { fp.high_tech_premium } else { 1.0 }
        * spill
        * startup_ramp
        * if home_based {
            HOME_BASED_PRODUCTIVITY
        } else {
            1.0
        }
}

/// Per cell with jobs: the knowledge factors `(1 + K)^e` of productivity and of innovation
/// (NaN elsewhere), in parallel over cells.
fn knowledge_factors(sim: &Simulation, out: &mut Vec<(f64, f64)>) {
    let cells = &sim.world.cells;
    let fp = &sim.params.firms;
    out.resize(cells.jobs.len(), (f64::NAN, f64::NAN));
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(ci, chunk)| {
            for (j, o) in chunk.iter_mut().enumerate() {
                let c = ci * CHUNK + j;
                *o = if cells.jobs[c] > 0 {
                    let k = cells.knowledge[c];
                    (
                        (1.0 + k).powf(fp.spillover_elasticity),
                        (1.0 + k).powf(fp.innovation_spillover),
                    )
                } else {
                    (f64::NAN, f64::NAN)
                };
            }
        });
}

/// Monthly relocation probability for a rent burden (rent / value added).
#[inline]
pub fn relocation_probability(p: &Params, burden: f64) -> f64 {
    let fp = &p.firms;
    fp.relocation_base
        + fp.relocation_max
            / (1.0 + (-fp.relocation_slope * (burden - fp.relocation_threshold)).exp())
}

/// The generation of service a firm receives from its incubator, if any.
#[inline]
pub fn service_of(inc: &Incubators, incubator: u16, sector: Sector) -> Option<Generation> {
    (incubator != NO_INCUBATOR).then(|| inc.service_generation(incubator as usize, sector))
}

/// Rent a firm pays this month (yuan): its floor space at its cell's rent (an incubator
/// tenant rents a desk per person in maker space), less the incubator's discount and the
/// subsidy share.
#[inline]
fn rent_paid(
    ctx: &LocationCtx,
    (c, space_use, space): (usize, u8, f32),
    e: f64,
    gen: Option<Generation>,
    subsidy: f64,
) -> f64 {
    let (fp, ip) = (&ctx.params.firms, &ctx.params.incubators);
    let use_ = Use::from_index(space_use as usize);
    let rent_rate = ctx.cells.rent[[use_ as usize, c]];
    let rented_m2 = if gen.is_some() {
        e.max(1.0) * fp.m2_per_worker.maker
    } else {
        space as f64
    };
    let discount = gen.map_or(0.0, |g| ip.rent_discount.get(g));
    rented_m2 * rent_rate * (1.0 - discount - subsidy).max(0.0)
}

/// Patents of a firm this month: Poisson with a rate proportional to its staff, its sector's
/// innovation rate, ×`incumbent_innovation` for an incumbent, ×`OTHER_INNOVATION` unless
/// high-tech, and the knowledge spillover and incubator multipliers.
#[inline]
fn patents(
    fp: &crate::params::FirmParams,
    rng: &mut ChaCha8Rng,
    (e, s, incumbent, high_tech): (f64, Sector, bool, bool),
    innov_spill: f64,
    innov_mult: f64,
) -> f64 {
    let kind_mult = if incumbent {
        fp.incumbent_innovation
    } else {
        1.0
    };
    let lambda = e
        * fp.innovation_rate.get(s)
        * kind_mult
        * if high_tech { 1.0 } else { OTHER_INNOVATION }
        * innov_spill
        * innov_mult;
    if lambda > 0.0 {
        Poisson::new(lambda).map(|d| d.sample(rng)).unwrap_or(0.0)
    } else {
        0.0
    }
}

/// Whether an established firm closes this month: debt beyond `exit_debt_months` of costs,
/// other causes (SMEs, `base_exit_hazard`), or displaced from its space and still without
/// any (`DISPLACED_EXIT_HAZARD`).
#[inline]
fn closes(
    fp: &crate::params::FirmParams,
    rng: &mut ChaCha8Rng,
    (cash, costs): (f64, f64),
    kind: u8,
    home_based: bool,
) -> bool {
    let broke = cash < -fp.exit_debt_months * costs.max(1.0);
    let other = kind == FirmKind::Sme as u8 && rng.random::<f64>() < fp.base_exit_hazard;
    broke || other || (home_based && rng.random::<f64>() < DISPLACED_EXIT_HAZARD)
}

/// Hires of a start-up this month: toward its staff target (at most half again its staff; the
/// target is a `u16`, so at most [`MAX_HIRES`])
/// when its cash covers `STARTUP_HIRING_CASH_MONTHS` of costs.
#[inline]
fn startup_hires(target: u32, employees: u32, cash: f64, costs: f64) -> u32 {
    if target > employees && cash > STARTUP_HIRING_CASH_MONTHS * costs {
        (target - employees).min(1 + employees / 2)
    } else {
        0
    }
}

/// Growth of an established firm this month: below `LAYOFF_MARGIN` a lay-off probability per
/// employee; from there to the target margin nothing (its leavers are not replaced); at or
/// above the target margin hires of `replace` (last month's separation rate: its leavers
/// replaced) plus its margin above the target times the growth rate and the labour market's
/// slack, as a share of its staff (at most [`MAX_HIRES`]). Draws one number only when it
/// hires.
#[inline]
fn growth(
    fp: &crate::params::FirmParams,
    rng: &mut ChaCha8Rng,
    employees: u32,
    margin: f64,
    (slack, replace): (f64, f64),
) -> (u32, f32) {
    if margin < LAYOFF_MARGIN {
        if employees > 1 {
            (0, (fp.shrink_rate * -margin).min(MAX_LAYOFF) as f32)
        } else {
            (0, 0.0)
        }
    } else if margin < fp.target_margin {
        (0, 0.0)
    } else {
        let rate = replace + fp.growth_rate * slack * (margin - fp.target_margin);
        if rate <= 0.0 {
            return (0, 0.0);
        }
        let hires = stochastic_round(employees as f64 * rate, rng.random());
        (hires.min(MAX_HIRES), 0.0)
    }
}

/// What the relocation decision needs of a firm this month.
pub struct Mover {
    /// Its sector.
    pub sector: Sector,
    /// Its cell.
    pub cell: usize,
    /// Its staff.
    pub staff: f64,
    /// Its hires this month.
    pub hires: u32,
    /// A start-up before its growth stage (it looks for maker space).
    pub maker: bool,
    /// Its `flags::*`.
    pub flags: u8,
    /// In an incubator.
    pub in_incubator: bool,
    /// Rent paid over value added (1 without value added).
    pub burden: f64,
}

impl LocationCtx<'_> {
    /// Whether and where a firm moves this month: a firm that must (evicted, graduated, or
    /// home-based and hiring) always looks; others outside incubators with the relocation
    /// probability of their rent burden (higher when short of space). The choice is
    /// [`LocationCtx::choose`] among sampled sites, the current one with a stay bonus.
    #[inline]
    pub fn relocation(&self, rng: &mut ChaCha8Rng, m: Mover) -> FirmAction {
        let fp = &self.params.firms;
        let home_based = m.flags & flags::HOME_BASED != 0;
        let must_move = m.flags & flags::MUST_MOVE != 0 || (home_based && m.hires > 0);
        if !must_move && m.in_incubator {
            return FirmAction::Stay;
        }
        let constrained = if m.flags & flags::SPACE_CONSTRAINED != 0 {
            fp.relocation_space_constrained
        } else {
            0.0
        };
        let p_move = if must_move {
            1.0
        } else {
            relocation_probability(self.params, m.burden) + constrained
        };
        if rng.random::<f64>() >= p_move {
            return FirmAction::Stay;
        }
        let target_use = if m.maker {
            Use::Maker
        } else {
            m.sector.space_use()
        };
        let need =
            (m.staff + m.hires as f64).max(1.0) * fp.m2_per_worker.get(target_use) / self.scale;
        self.choose(
            rng,
            target_use,
            m.sector,
            m.cell,
            need,
            fp.location_candidates,
            must_move,
            FIRM_STAY_BONUS,
        )
    }
}

impl FirmProposals {
    /// Size the month's buffers for `n` firms (and `view`, whose lay-off probabilities the
    /// phase writes); returns the number of chunks.
    fn prepare(&mut self, n: usize, n_parks: usize, view: &mut Vec<FirmView>) -> usize {
        let n_chunks = n.div_ceil(CHUNK);
        self.chunks
            .resize_with(n_chunks.max(self.chunks.len()), Vec::new);
        // Exactly this month's chunks: the metrics phase adds them all, and firms set up later
        // in the month must not bring in a stale sum of an earlier month's chunk.
        self.sums.resize(n_chunks, FirmSums::default());
        self.park_money.clear();
        self.park_money
            .resize(n_chunks * Self::park_stride(n_parks), [0.0; 2]);
        view.resize(n, FirmView::default());
        n_chunks
    }
}

/// Run the phase: firms act on their own columns and propose (into `out`) what contests
/// others' — exits, moves, floor space; draws locations from `fields`' free-space tables.
/// Each firm's lay-off probability for the month goes into `view` (`workers::FirmView`).
pub fn run(
    sim: &mut Simulation,
    fields: &FieldTables,
    out: &mut FirmProposals,
    view: &mut Vec<FirmView>,
) {
    knowledge_factors(sim, &mut out.k_factors);
    let n = sim.world.firms.len();
    let n_parks = sim.world.parks.len();
    let n_chunks = out.prepare(n, n_parks, view);
    let params = &sim.params;
    let (seed, tick) = (sim.seed, sim.tick);
    let world = &mut sim.world;
    let scale = world.scale;
    let terms_in = (&world.cells, &fields.ln1p_knowledge[..], &params.firms);
    out.loc_terms.update(n, terms_in, scale);
    let ctx = LocationCtx {
        grid: &world.grid,
        cells: &world.cells,
        free_cum: &fields.free_cum,
        cap_cum: &fields.cap_cum,
        partners: &world.partner_sites,
        params,
        scale,
        ln1p_knowledge: &fields.ln1p_knowledge,
        terms: out.loc_terms.get(),
    };
    let policy = &sim.policy;
    let incs = &world.incubators;
    let k_factors = &out.k_factors;
    let Firms {
        cell,
        sector,
        kind,
        stage,
        flags: fl,
        space_use,
        employees,
        space,
        tfp,
        cash,
        knowledge,
        age,
        incubator,
        staff_target,
        ..
    } = &mut world.firms;
    let (cell, sector, kind, stage, fl, space_use, employees, space, tfp, incubator, staff_target) = (
        &*cell,
        &*sector,
        &*kind,
        &*stage,
        &*fl,
        &*space_use,
        &*employees,
        &*space,
        &*tfp,
        &*incubator,
        &*staff_target,
    );
    let fp = &params.firms;
    let any_sub = policy.any_subsidy();
    let (prod_index, wage_index) = (sim.economy.productivity, sim.economy.wages);
    let slack = (1.0
        + fp.hiring_slack_gain * (sim.economy.unemployment - params.workers.natural_unemployment))
        .max(0.0);
    let replace = sim.economy.separations;
    (
        cash.par_chunks_mut(CHUNK),
        knowledge.par_chunks_mut(CHUNK),
        age.par_chunks_mut(CHUNK),
        view[..n].par_chunks_mut(CHUNK),
        out.chunks[..n_chunks].par_iter_mut(),
        out.sums[..n_chunks].par_iter_mut(),
        out.park_money
            .par_chunks_mut(FirmProposals::park_stride(n_parks)),
    )
        .into_par_iter()
        .enumerate()
        .for_each(|(ci, (cash, know, age, lay, props, sums, park_money))| {
            let mut rng = stream(seed, tick, Stream::Firms, ci as u64);
            super::recycle(props);
            *sums = FirmSums::default();
            for j in 0..cash.len() {
                let i = ci * CHUNK + j;
                lay[j].layoff = 0.0;
                if fl[i] & flags::ALIVE == 0 {
                    continue;
                }
                let s = Sector::from_index(sector[i] as usize);
                let c = cell[i] as usize;
                let e = employees[i] as f64;
                let startup = kind[i] == FirmKind::Startup as u8;
                let home_based = fl[i] & flags::HOME_BASED != 0;
                let high_tech = fl[i] & flags::HIGH_TECH != 0;
                let gen = service_of(incs, incubator[i], s);
                let ip = &params.incubators;
                age[j] = age[j].saturating_add(1);
                let k = ctx.cells.knowledge[c];
                // (1 + K)^e for productivity and innovation: from the per-cell table (cells
                // with jobs at the start of the tick), else computed.
                let (spill, innov_spill) = match k_factors[c] {
                    (a, b) if !a.is_nan() => (a, b),
                    _ => (
                        (1.0 + k).powf(fp.spillover_elasticity),
                        (1.0 + k).powf(fp.innovation_spillover),
                    ),
                };
                let innov_mult = gen.map_or(1.0, |g| ip.innovation_multiplier.get(g));
                let ramp = if startup {
                    (age[j] as f64 * innov_mult / params.startups.revenue_ramp_months).min(1.0)
                } else {
                    1.0
                };
                let prod = prod_index
                    * productivity_with(
                        params,
                        s,
                        tfp[i] as f64,
                        high_tech,
                        spill,
                        ramp,
                        home_based,
                    );
                let revenue = e * prod;
                let va = revenue * fp.value_added_share.get(s);
                let wages = e * wage_of(params, s, high_tech) * wage_index;
                let subsidy = if any_sub {
                    policy.firm_subsidy(c, s, kind[i], space_use[i], gen)
                } else {
                    0.0
                };
                let rent_paid = rent_paid(&ctx, (c, space_use[i], space[i]), e, gen, subsidy);
                let costs =
                    (wages + rent_paid) * (1.0 - gen.map_or(0.0, |g| ip.burn_reduction.get(g)));
                let profit = va * (1.0 - fp.capital_share) - costs;
                cash[j] += profit;
                sums.add_money(park_money, ctx.cells.park[c], (revenue, va), high_tech);

                // Innovation: Poisson patents; knowledge stock with depreciation.
                let incumbent = kind[i] == FirmKind::Incumbent as u8;
                let patents = patents(
                    fp,
                    &mut rng,
                    (e, s, incumbent, high_tech),
                    innov_spill,
                    innov_mult,
                );
                know[j] = (know[j] as f64 * (1.0 - params.knowledge.depreciation) + patents) as f32;
                sums.add_patents(patents, startup, incumbent);

                // Exit of established firms.
                if !startup && closes(fp, &mut rng, (cash[j], costs), kind[i], home_based) {
                    props.push(FirmProposal {
                        firm: i as u32,
                        action: FirmAction::Exit,
                        hires: 0,
                    });
                    continue;
                }

                // Growth.
                let margin = if va > 0.0 { profit / va } else { -1.0 };
                let (hires, layoff) = if startup {
                    (
                        startup_hires(staff_target[i] as u32, employees[i], cash[j], costs),
                        0.0,
                    )
                } else {
                    growth(fp, &mut rng, employees[i], margin, (slack, replace))
                };
                lay[j].layoff = layoff;

                // Relocation.
                let action = ctx.relocation(
                    &mut rng,
                    Mover {
                        sector: s,
                        cell: c,
                        staff: e,
                        hires,
                        maker: startup && stage[i] < Stage::Growth as u8,
                        flags: fl[i],
                        in_incubator: incubator[i] != NO_INCUBATOR,
                        burden: if va > 0.0 { rent_paid / va } else { 1.0 },
                    },
                );
                if action != FirmAction::Stay || hires > 0 {
                    props.push(FirmProposal {
                        firm: i as u32,
                        action,
                        hires,
                    });
                }
            }
        });
}

#[cfg(test)]
#[path = "firms_tests.rs"]
mod tests;
