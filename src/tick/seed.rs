//! Initial start-ups: the survivors of backdated monthly cohorts, founded at the first month's
//! rates and aged through the start-up rules, so that the start-up population begins near its
//! steady state instead of spinning up from none (docs/ODD.md §5.8 step 8).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::fields::FieldTables;
use super::firms::productivity_with;
use super::firms::STARTUP_HIRING_CASH_MONTHS;
use super::matching::{found_firm, leave_employer};
use super::startups::{base_hazard, funding_probability};
use super::workers::{draw_venture, founding_probability};
use super::workers::{FOUNDER_COST_PER_KM, FOUNDER_KNOWLEDGE};
use super::{wage_of, Simulation};
use crate::params::Params;
use crate::rng::{stochastic_round, stream, Stream};
use crate::sampling::gumbel;
use crate::types::{FirmKind, Sector, Stage, Use, NONE};
use crate::world::agents::{flags, status, traits, NewFirm, BORN_BEFORE_START};

/// How far back the cohorts go (months): start-ups older than this are SMEs or gone.
pub const COHORT_MONTHS: u32 = 240;

/// A backdated start-up that is still one at the first month.
struct Survivor {
    founder: u32,
    sector: Sector,
    high_tech: bool,
    quality: f32,
    age: u16,
    stage: Stage,
    cash: f64,
    staff_target: u16,
}

/// Read-only inputs of the backdating.
struct Ctx<'a> {
    params: &'a Params,
    fields: &'a FieldTables,
    home: &'a [u32],
    state: &'a [u8],
    age: &'a [u8],
    knowledge: &'a ndarray::Array1<f64>,
    maker_rent: &'a [f64],
    /// Each worker's monthly founding probability.
    p: Vec<f32>,
    /// The largest of them (for rejection sampling).
    p_max: f64,
}

impl Ctx<'_> {
    /// Monthly founding probability of worker `w` (0 for founders and the retired).
    fn p_found(&self, w: usize) -> f64 {
        if status::of(self.state[w]) == status::FOUNDER
            || status::of(self.state[w]) == status::RETIRED
        {
            return 0.0;
        }
        let h = self.home[w] as usize;
        let tech = self.state[w] & traits::TECH != 0;
        let rate = if tech {
            self.fields.found_tech[h]
        } else {
            self.fields.found_other[h]
        } as f64;
        founding_probability(self.params, rate, self.state[w], self.age[w])
    }

    /// A founder drawn in proportion to the founding probabilities (rejection sampling).
    fn draw_founder(&self, rng: &mut ChaCha8Rng) -> usize {
        let n = self.home.len();
        loop {
            let w = ((rng.random::<f64>() * n as f64) as usize).min(n - 1);
            if rng.random::<f64>() * self.p_max < self.p[w] as f64 {
                return w;
            }
        }
    }

    /// One start-up founded `months` months before the first tick: its founder and venture as
    /// the worker phase draws them, its life as the firm and start-up phases run it, under the
    /// first month's prices, rents and knowledge, working from the founder's home with its
    /// founder alone. `None` if it died or became an SME before the first month.
    fn backdate(&self, rng: &mut ChaCha8Rng, months: u32) -> Option<Survivor> {
        let (p, sp, fp) = (self.params, &self.params.startups, &self.params.firms);
        let w = self.draw_founder(rng);
        let tech = self.state[w] & traits::TECH != 0;
        let (sector, high_tech, quality) = draw_venture(p, rng, tech);
        let h = self.home[w] as usize;
        let k = self.knowledge[h];
        let monthly = fp.wage.get(sector) + fp.m2_per_worker.maker * self.maker_rent[h];
        let cash_months = sp.founder_cash_months[0]
            + rng.random::<f64>()
                * (sp.founder_cash_months[1] - sp.founder_cash_months[0]).max(0.0);
        let mut cash = cash_months * monthly;
        let spill = (1.0 + k).powf(fp.spillover_elasticity);
        let fund: [f64; 3] = std::array::from_fn(|r| {
            funding_probability(p, Stage::from_u8(r as u8), None, k, quality as f64, true)
        });
        let hazard = base_hazard(p, None, true);
        let wages = wage_of(p, sector, high_tech);
        // Value added kept after the normal return to capital, at the end of the ramp.
        let full = productivity_with(p, sector, quality as f64, high_tech, spill, 1.0, true)
            * fp.value_added_share.get(sector)
            * (1.0 - fp.capital_share);
        let (mut stage, mut staff_target) = (Stage::Idea, 1u16);
        // The month of the hazard exit and of the next round are geometric: the same law as a
        // draw each month, with two draws (and one per round) instead of two a month.
        let hazard_month = geometric(rng, hazard);
        let mut next_round = geometric(rng, fund[0]);
        for age in 1..=months {
            // Firm phase: revenue on the ramp, wages, no rent at home.
            let ramp = (age as f64 / sp.revenue_ramp_months).min(1.0);
            cash += full * ramp - wages;
            // Start-up phase: exit, funding, industrialisation.
            if cash < 0.0 || age == hazard_month {
                return None;
            }
            let r = stage as usize;
            if r < 3 && age == next_round {
                cash += sp.round_size[r];
                stage = Stage::from_u8((r + 1) as u8);
                staff_target = (sp.staff_after_round[r].round() as u16).max(staff_target);
                if r + 1 < 3 {
                    next_round = age + geometric(rng, fund[r + 1]);
                }
            }
            if stage >= Stage::Growth && age >= sp.industrialisation_age && cash > 0.0 {
                return None;
            }
        }
        Some(Survivor {
            founder: w as u32,
            sector,
            high_tech,
            quality,
            age: months.min(u16::MAX as u32) as u16,
            stage,
            cash,
            staff_target,
        })
    }
}

/// The trial (1, 2, ...) of the first success of independent monthly trials of probability `p`
/// (`u32::MAX` when `p` is 0, and far beyond any run).
fn geometric(rng: &mut ChaCha8Rng, p: f64) -> u32 {
    if p >= 1.0 {
        return 1;
    }
    if p <= 0.0 {
        return u32::MAX;
    }
    let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
    let t = (u.ln() / (1.0 - p).ln()).floor() + 1.0;
    if t >= u32::MAX as f64 {
        u32::MAX
    } else {
        t as u32
    }
}

/// Seed the start-ups alive at the first month: for each of the [`COHORT_MONTHS`] months
/// before it, a cohort of the size the first month's founding rates give (expected founders,
/// rounded stochastically), each member aged to the first month by [`Ctx::backdate`]; the
/// survivors, thinned to the births of the seeded world (whose founders found no more), are
/// applied by [`apply`]. Returns how many were
/// seeded. Cohorts are drawn in parallel, each from its own stream, and applied oldest first,
/// so the result does not depend on the thread count.
pub fn run(sim: &mut Simulation, fields: &FieldTables) -> usize {
    let w = &sim.world;
    let n_cells = w.grid.n_cells();
    let maker_rent: Vec<f64> = (0..n_cells)
        .map(|c| w.cells.rent[[Use::Maker as usize, c]])
        .collect();
    let mut ctx = Ctx {
        params: &sim.params,
        fields,
        home: &w.workers.home,
        state: &w.workers.state,
        age: &w.workers.age,
        knowledge: &w.cells.knowledge,
        maker_rent: &maker_rent,
        p: Vec::new(),
        p_max: 0.0,
    };
    let n = ctx.home.len();
    ctx.p = (0..n)
        .into_par_iter()
        .with_min_len(1 << 16)
        .map(|i| ctx.p_found(i) as f32)
        .collect();
    let (births, p_max) = ctx
        .p
        .par_chunks(1 << 16)
        .map(|c| {
            c.iter()
                .fold((0.0, 0.0f64), |(s, m), &p| (s + p as f64, m.max(p as f64)))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold((0.0, 0.0f64), |a, b| (a.0 + b.0, a.1.max(b.1)));
    if births <= 0.0 || p_max <= 0.0 || n == 0 {
        return 0;
    }
    ctx.p_max = p_max;
    let seed = sim.seed;
    let cohorts: Vec<Vec<Survivor>> = (1..=COHORT_MONTHS)
        .rev()
        .collect::<Vec<_>>()
        .into_par_iter()
        .with_max_len(1)
        .map(|months| {
            let mut rng = stream(seed, 0, Stream::InitStartups, months as u64);
            let size = stochastic_round(births, rng.random());
            (0..size)
                .filter_map(|_| ctx.backdate(&mut rng, months))
                .collect()
        })
        .collect();
    // The seeded founders found no more, so the seeded world's births are B − S·r, S the sum
    // of the survivors' founders' probabilities and r the share of survivors kept; cohorts of
    // that size keep r with r·B = B − r·S, r = B / (B + S) (each survivor kept independently).
    let mut founders: Vec<u32> = cohorts.iter().flatten().map(|s| s.founder).collect();
    founders.sort_unstable();
    founders.dedup();
    let taken: f64 = founders.iter().map(|&w| ctx.p[w as usize] as f64).sum();
    let keep = births / (births + taken);
    drop(ctx);
    let mut staff = Staffing::new(sim, fields);
    let mut seeded = 0;
    for s in cohorts.into_iter().flatten() {
        if staff.rng.random::<f64>() < keep {
            seeded += apply(sim, &s, &mut staff) as usize;
        }
    }
    // The founders' old employers that closed are not exits of the first month.
    sim.metrics.begin_tick();
    let labour = sim.labour_start.max(1.0);
    let unemployed = sim
        .world
        .workers
        .state
        .iter()
        .filter(|&&s| status::of(s) == status::UNEMPLOYED)
        .count();
    sim.economy.unemployment = unemployed as f64 / labour;
    seeded
}

/// What placing the funded survivors in maker space with their staff needs: the workers who
/// could join them, per travel zone of their home, and a stream.
struct Staffing<'a> {
    fields: &'a FieldTables,
    /// Per travel zone, the workers living there employed by an established firm at the start.
    by_zone: Vec<Vec<u32>>,
    rng: ChaCha8Rng,
}

impl<'a> Staffing<'a> {
    fn new(sim: &Simulation, fields: &'a FieldTables) -> Staffing<'a> {
        let w = &sim.world;
        let mut by_zone = vec![Vec::new(); w.travel.n_zones()];
        for i in 0..w.workers.len() {
            let e = w.workers.employer[i];
            if status::of(w.workers.state[i]) == status::EMPLOYED
                && e != NONE
                && w.firms.kind[e as usize] != FirmKind::Startup as u8
            {
                let z = w.travel.cell_zone[w.workers.home[i] as usize] as usize;
                by_zone[z].push(i as u32);
            }
        }
        Staffing {
            fields,
            by_zone,
            rng: stream(sim.seed, 0, Stream::InitStartups, 0),
        }
    }

    /// A cell with at least `need` m² (one real firm's) of free space of `use_` near `home`:
    /// the home cell if it has room, else the best of `params.startups.location_candidates`
    /// cells drawn in proportion to their free space of that use at the start, scored as a
    /// founder scores maker space (§7.10).
    fn place(&mut self, sim: &Simulation, use_: Use, home: usize, need: f64) -> Option<usize> {
        let w = &sim.world;
        let room = |c: usize| w.cells.free(use_, c) >= need / w.scale;
        if room(home) {
            return Some(home);
        }
        let cum = &self.fields.free_cum[use_ as usize];
        let total = cum.total()?;
        let mut best = (f64::NEG_INFINITY, None);
        for _ in 0..sim.params.startups.location_candidates {
            let c = cum.find(self.rng.random::<f64>() * total);
            if !room(c) {
                continue;
            }
            let u = -FOUNDER_COST_PER_KM * w.grid.dist_km(home, c)
                + FOUNDER_KNOWLEDGE * self.fields.ln1p_knowledge[c]
                + gumbel(&mut self.rng);
            if u > best.0 {
                best = (u, Some(c));
            }
        }
        best.1
    }

    /// A worker living in `zone` who works for an established firm with others (so that it
    /// stays open), if one is found in a few draws.
    fn recruit(&mut self, sim: &Simulation, zone: usize) -> Option<usize> {
        let w = &sim.world;
        let list = &self.by_zone[zone];
        if list.is_empty() {
            return None;
        }
        for _ in 0..RECRUIT_TRIES {
            let i = list[(self.rng.random::<f64>() * list.len() as f64) as usize % list.len()];
            let i = i as usize;
            let e = w.workers.employer[i];
            if status::of(w.workers.state[i]) == status::EMPLOYED
                && e != NONE
                && w.firms.alive(e as usize)
                && w.firms.kind[e as usize] != FirmKind::Startup as u8
                && w.firms.employees[e as usize] >= 2
            {
                return Some(i);
            }
        }
        None
    }
}

/// Draws for a recruit before giving up on a hire.
const RECRUIT_TRIES: usize = 8;

/// Make a survivor a firm of the world, its founder leaving their employer (as a founder does
/// in matching). A survivor that has raised a round takes maker space for its staff target,
/// as far as its cash covers two months of their wages and desks (the start-up hiring rule),
/// and hires that staff from established firms' workers living in its founder's zone;
/// otherwise, or without space, it works from the founder's home. False if the founder
/// already runs one (drawn twice).
fn apply(sim: &mut Simulation, s: &Survivor, staff: &mut Staffing) -> bool {
    let wi = s.founder as usize;
    let w = &mut sim.world;
    if status::of(w.workers.state[wi]) == status::FOUNDER
        || status::of(w.workers.state[wi]) == status::RETIRED
    {
        return false;
    }
    leave_employer(w, &mut sim.metrics, wi);
    let home = w.workers.home[wi] as usize;
    // Maker space before the growth stage, the sector's use after it (§7.9).
    let use_ = if s.stage >= Stage::Growth {
        s.sector.space_use()
    } else {
        Use::Maker
    };
    let desk = sim.params.firms.m2_per_worker.get(use_);
    let per_head =
        wage_of(&sim.params, s.sector, s.high_tech) + desk * w.cells.rent[[use_ as usize, home]];
    let affordable = (s.cash / (STARTUP_HIRING_CASH_MONTHS * per_head)).floor() as u32;
    let mut size = (s.staff_target as u32).min(affordable);
    let place = if size > 1 {
        staff.place(sim, use_, home, 2.0 * desk)
    } else {
        None
    };
    let w = &mut sim.world;
    let mut fl = flags::ALIVE;
    let (cell, space) = match place {
        Some(c) => {
            // As many desks as the cell has room for, up to the staff wanted.
            let fit = (w.cells.free(use_, c) * w.scale / desk).floor() as u32;
            size = size.min(fit);
            w.cells.used[[use_ as usize, c]] += size as f64 * desk / w.scale;
            (c as u32, (size as f64 * desk) as f32)
        }
        None => {
            fl |= flags::HOME_BASED;
            (home as u32, 0.0)
        }
    };
    if s.high_tech {
        fl |= flags::HIGH_TECH;
    }
    let idx = found_firm(
        w,
        wi,
        NewFirm {
            cell,
            sector: s.sector,
            kind: FirmKind::Startup as u8,
            stage: s.stage as u8,
            flags: fl,
            space_use: if place.is_some() { use_ } else { Use::Maker } as u8,
            employees: 1,
            space,
            tfp: s.quality,
            cash: s.cash,
            knowledge: 0.0,
            age: s.age,
            born: BORN_BEFORE_START,
            incubator: NONE,
        },
        status::FOUNDER,
    );
    w.firms.staff_target[idx] = s.staff_target;
    if place.is_some() {
        let zone = w.travel.cell_zone[home] as usize;
        for _ in 1..size {
            let Some(r) = staff.recruit(sim, zone) else {
                break;
            };
            let w = &mut sim.world;
            leave_employer(w, &mut sim.metrics, r);
            w.workers.employer[r] = idx as u32;
            w.firms.employees[idx] += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::YearMonth;
    use crate::world::{beijing, World};

    #[test]
    fn geometric_has_mean_one_over_p() {
        let mut rng = stream(3, 0, Stream::InitStartups, 0);
        let n = 200_000;
        let mean = (0..n)
            .map(|_| geometric(&mut rng, 0.05) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - 20.0).abs() < 0.3, "{mean}");
        assert_eq!(geometric(&mut rng, 1.0), 1);
        assert_eq!(geometric(&mut rng, 0.0), u32::MAX);
    }

    #[test]
    fn seeded_startups_are_consistent_and_thread_independent() {
        let params = Params::default();
        let layers = beijing::layers(&params);
        let build = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let w = World::build(&layers, &params, 0.002, 7).unwrap();
                let start = YearMonth::parse("2009-01").unwrap();
                Simulation::new(w, params.clone(), 7, start, 12, vec![])
            })
        };
        let sim = build(1);
        let f = &sim.world.firms;
        let seeded: Vec<usize> = (0..f.len())
            .filter(|&i| f.alive(i) && f.kind[i] == FirmKind::Startup as u8)
            .collect();
        assert!(seeded.len() > 100, "{}", seeded.len());
        for &i in &seeded {
            assert_eq!(f.born[i], BORN_BEFORE_START);
            assert!(f.age[i] >= 1 && f.age[i] as u32 <= COHORT_MONTHS);
            let desk = params.firms.m2_per_worker.maker as f32;
            if f.flags[i] & flags::HOME_BASED != 0 {
                assert!(f.employees[i] == 1 && f.space[i] == 0.0);
            } else {
                assert!(f.employees[i] >= 1 && f.space[i] >= f.employees[i] as f32 * desk - 1e-3);
                assert!(f.employees[i] <= f.staff_target[i] as u32);
            }
            assert!(f.cash[i] >= 0.0 && f.stage[i] <= Stage::Growth as u8);
        }
        let w = &sim.world.workers;
        let founders = (0..w.len())
            .filter(|&i| status::of(w.state[i]) == status::FOUNDER)
            .inspect(|&i| assert_eq!(f.kind[w.employer[i] as usize], FirmKind::Startup as u8))
            .count();
        assert_eq!(founders, seeded.len());
        let jobs: u32 = (0..f.len())
            .filter(|&i| f.alive(i))
            .map(|i| f.employees[i])
            .sum();
        let working = (0..w.len())
            .filter(|&i| {
                status::of(w.state[i]) == status::EMPLOYED
                    || status::of(w.state[i]) == status::FOUNDER
            })
            .count();
        assert_eq!(jobs as usize, working);
        assert!(seeded
            .iter()
            .any(|&i| f.flags[i] & flags::HOME_BASED == 0 && f.employees[i] > 1));
        crate::tick::invariants::check(&sim).unwrap();
        let other = build(2);
        assert_eq!(other.world.firms.cash, sim.world.firms.cash);
        assert_eq!(other.world.workers.employer, sim.world.workers.employer);
    }
}
