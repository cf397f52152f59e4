//! The monthly tick: the phase order, the simulation state and its per-phase timers.
//!
//! Phase order (one tick = one month), listed here and nowhere else:
//! 1. `policy`   — scheduled policy events take effect;
//! 2. `fields`   — knowledge field, per-cell counts, founding rates, sampling tables;
//! 3. `firms`    — production, costs, innovation, growth, relocation and exit proposals (parallel);
//! 4. `startups` — funding, survival, stage, graduation proposals (parallel);
//! 5. `matching` (part 1) — firm exits, moves, incubator exits and space for hiring, in firm order;
//! 6. `workers`  — retirement, lay-offs, job search, moving home, founding proposals (parallel);
//! 7. `matching` (part 2) — founding, jobs and homes, in worker order; then `entrants`,
//!    labour-force entry;
//! 8. `land`     — rents respond to demand, developers add floor space;
//! 9. `commute`  — commute times with congestion, flows for next month's congestion (parallel);
//! 10. `metrics` — indicators (`record`); each January the world is compacted and the workers
//!     are ordered by home zone.
//!
//! The tables one phase makes and later phases read (`Tables`) are passed explicitly in
//! `Simulation::step`.
//!
//! Parallel phases read the state as it was at the start of the phase and write only their
//! own agents' slots and per-chunk proposal lists; contested resources are resolved
//! sequentially in a fixed order, so results never depend on the thread count.

pub mod commute;
pub mod entrants;
pub mod fields;
pub mod firm_entry;
pub mod firm_sums;
pub mod firms;
pub mod invariants;
pub mod land;
pub mod matching;
pub mod policy;
pub mod record;
pub mod seed;
pub mod startups;
pub mod workers;

use std::time::{Duration, Instant};

use crate::calendar::YearMonth;
use crate::metrics::{MetricsState, ParkRow, RegionRow, TickRow};
use crate::params::Params;
use crate::world::World;
use policy::{Policy, PolicyState};

/// The phases, in order, for timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Policy events.
    Policy = 0,
    /// Fields and tables.
    Fields = 1,
    /// Firms.
    Firms = 2,
    /// Start-ups.
    Startups = 3,
    /// Workers.
    Workers = 4,
    /// Matching (both parts).
    Matching = 5,
    /// Land market.
    Land = 6,
    /// Commuting.
    Commute = 7,
    /// Indicators.
    Metrics = 8,
}

impl Phase {
    /// Number of phases.
    pub const N: usize = 9;
    /// All phases in order.
    pub const ALL: [Phase; 9] = [
        Phase::Policy,
        Phase::Fields,
        Phase::Firms,
        Phase::Startups,
        Phase::Workers,
        Phase::Matching,
        Phase::Land,
        Phase::Commute,
        Phase::Metrics,
    ];
    /// Name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Policy => "policy",
            Phase::Fields => "fields",
            Phase::Firms => "firms",
            Phase::Startups => "startups",
            Phase::Workers => "workers",
            Phase::Matching => "matching",
            Phase::Land => "land",
            Phase::Commute => "commute",
            Phase::Metrics => "metrics",
        }
    }
}

/// What one tick returns: the indicator row, park rows when a year closes, the tracked
/// regions' rows, policy events and timings. A saved state keeps these of the months before
/// it (`state::History`), so a resumed run's tables are whole.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TickReport {
    /// Indicators of this tick.
    pub row: TickRow,
    /// Per-park yearly rows (December and the last tick).
    pub parks: Vec<ParkRow>,
    /// Rows of the tracked regions (`regions.csv`).
    pub regions: Vec<RegionRow>,
    /// Wall time per phase.
    pub timings: [Duration; Phase::N],
    /// Policy events that took effect.
    pub events: Vec<String>,
}

/// Wage premium of a high-tech firm over its sector's wage (docs/ODD.md §7.18).
const HIGH_TECH_WAGE_PREMIUM: f64 = 1.1;

/// Largest monthly change of the wage index from the unemployment gap (0.2 %): wages are
/// sticky (docs/ODD.md §7.18).
const MAX_WAGE_ADJUSTMENT: f64 = 0.002;

/// Wage a firm of `sector` pays (yuan/month at the start; the wage index scales it): the
/// sector's wage, 10 % more for a high-tech firm. Used by the firms (their costs) and the
/// workers (the offers they compare).
#[inline]
pub fn wage_of(p: &Params, sector: crate::types::Sector, high_tech: bool) -> f64 {
    p.firms.wage.get(sector)
        * if high_tech {
            HIGH_TECH_WAGE_PREMIUM
        } else {
            1.0
        }
}

/// City-wide price indices: nominal productivity and wages (1.0 at the start).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Economy {
    /// Revenue-per-worker index.
    pub productivity: f64,
    /// Wage index.
    pub wages: f64,
    /// Unemployment rate at the end of the last tick.
    pub unemployment: f64,
    /// Last tick's quits / employed (0 before the first tick): the share of their staff that
    /// established firms replace (docs/ODD.md §7.7).
    pub separations: f64,
}

impl Economy {
    /// Advance one month: productivity grows at its trend; wages follow it, faster when
    /// unemployment is below its natural rate and slower when above (a Phillips curve).
    pub fn advance(&mut self, p: &Params) {
        let g = (1.0 + p.firms.productivity_growth).powf(1.0 / 12.0);
        self.productivity *= g;
        let gap = p.workers.natural_unemployment - self.unemployment;
        let adj =
            (p.workers.wage_flexibility * gap).clamp(-MAX_WAGE_ADJUSTMENT, MAX_WAGE_ADJUSTMENT);
        self.wages *= g * (1.0 + adj);
    }
}

/// The state of one run.
pub struct Simulation {
    /// The world.
    pub world: World,
    /// Parameters.
    pub params: Params,
    /// Master seed.
    pub seed: u64,
    /// Ticks done.
    pub tick: u32,
    /// Total ticks of the run.
    pub ticks: u32,
    /// Calendar month of tick 0.
    pub start: YearMonth,
    /// Policies.
    pub policy: PolicyState,
    /// Indicator accumulators.
    pub metrics: MetricsState,
    /// The tables the phases hand on (their buffers, between months).
    pub tables: Tables,
    /// Knowledge normalisation (mean raw field over job cells at the start).
    pub k_ref: f64,
    /// Labour force (agents) at the start.
    pub labour_start: f64,
    /// Price indices.
    pub economy: Economy,
    /// Land-use zones at the start (policy regions resolve against them; kept for a saved
    /// state, whose world may have been rezoned since).
    pub land_use0: Vec<crate::types::LandUse>,
}

/// What a simulation continued from a saved state takes besides its world and parameters
/// (`Simulation::restore`).
pub struct Restored {
    /// Master seed.
    pub seed: u64,
    /// Calendar month of tick 0.
    pub start: YearMonth,
    /// Total ticks of the run.
    pub ticks: u32,
    /// Ticks done.
    pub tick: u32,
    /// Policies with their bookkeeping.
    pub policy: PolicyState,
    /// Indicator accumulators.
    pub metrics: MetricsState,
    /// Land-use zones at the start.
    pub land_use0: Vec<crate::types::LandUse>,
    /// Knowledge normalisation.
    pub k_ref: f64,
    /// Labour force at the start.
    pub labour_start: f64,
    /// Price indices.
    pub economy: Economy,
}

/// The tables the phases hand on within a month, each made by one phase and read by those
/// after it; `Simulation::step` passes each one explicitly, by name. Kept between months only
/// so their buffers are reused (no allocation per agent); a month never reads a table before
/// its phase has remade it, so they are not part of the state (ARCHITECTURE invariant 9).
#[derive(Default)]
pub struct Tables {
    /// Made by `fields`: founding rates, free-space and free-home sampling tables, the zone
    /// index, incubators with a free seat.
    pub fields: fields::FieldTables,
    /// Made by `firms` and `startups`: proposals and sums per chunk of firms.
    pub firms: firms::FirmProposals,
    /// Made by `matching::vacancy_table`: the vacancy urn and the gravity tables of search.
    pub vacancies: matching::VacancyTable,
    /// Made by `workers`: proposals per chunk of workers.
    pub workers: workers::WorkerProposals,
    /// The packed firm view the workers read: `firms` writes each firm's lay-off probability
    /// (it lives nowhere else), `workers` the rest (zone, flags, wage class); `commute` reads
    /// the zones, adding those of the firms set up since `workers`.
    pub view: Vec<workers::FirmView>,
    /// Firm entry's own work buffer: the month's would-be entrants.
    pub entrants: firm_entry::Entrants,
}

impl Simulation {
    /// A new simulation over a built world.
    pub fn new(
        world: World,
        params: Params,
        seed: u64,
        start: YearMonth,
        ticks: u32,
        policies: Vec<Policy>,
    ) -> Simulation {
        let labour_start = world.n_workers_active() as f64;
        let unemployed0 = world
            .workers
            .state
            .iter()
            .filter(|&&s| {
                crate::world::agents::status::of(s) == crate::world::agents::status::UNEMPLOYED
            })
            .count() as f64;
        let n_parks = world.parks.len();
        let land_use0 = world.cells.land_use.clone();
        let mut sim = Simulation {
            world,
            params,
            seed,
            tick: 0,
            ticks,
            start,
            policy: PolicyState::new(policies),
            metrics: MetricsState::new(n_parks, ticks),
            tables: Tables::default(),
            k_ref: 0.0,
            labour_start,
            economy: Economy {
                productivity: 1.0,
                wages: 1.0,
                unemployment: unemployed0 / labour_start.max(1.0),
                separations: 0.0,
            },
            land_use0,
        };
        let n_cells = sim.world.grid.n_cells();
        let mut regions: Vec<(String, Vec<u32>)> = Vec::new();
        let core: Vec<u32> = (0..n_cells)
            .filter(|&c| sim.world.cells.core[c])
            .map(|c| c as u32)
            .collect();
        for name in &sim.world.tracked_regions {
            if name == "core" {
                regions.push(("core".into(), core.clone()));
            } else if let Some(cells) = sim.world.region_by_name(name) {
                regions.push((name.clone(), cells));
            }
        }
        for p in &sim.world.parks {
            regions.push((format!("park:{}", p.name), p.cells.clone()));
        }
        sim.metrics.set_regions(n_cells, regions);
        let mut t = Tables::default();
        fields::run(&mut sim, &mut t.fields);
        seed::run(&mut sim, &t.fields);
        sim.world.order_workers();
        commute::run(&mut sim, &mut t.view);
        sim.tables = t;
        sim
    }

    /// A simulation continued from a saved state (`state::resume`): the phases' buffers are
    /// made anew (each phase rebuilds what it reads before reading it), nothing else is run.
    pub fn restore(world: World, params: Params, r: Restored) -> Simulation {
        Simulation {
            world,
            params,
            seed: r.seed,
            tick: r.tick,
            ticks: r.ticks,
            start: r.start,
            policy: r.policy,
            metrics: r.metrics,
            tables: Tables::default(),
            k_ref: r.k_ref,
            labour_start: r.labour_start,
            economy: r.economy,
            land_use0: r.land_use0,
        }
    }

    /// Calendar month of the current tick.
    pub fn date(&self) -> YearMonth {
        self.start.plus(self.tick)
    }

    /// Whether the run is complete.
    pub fn done(&self) -> bool {
        self.tick >= self.ticks
    }

    /// Advance one month.
    pub fn step(&mut self) -> TickReport {
        let mut timings = [Duration::ZERO; Phase::N];
        let mut timed = |phase: Phase, f: &mut dyn FnMut()| {
            let t0 = Instant::now();
            f();
            timings[phase as usize] += t0.elapsed();
        };
        let mut events = Vec::new();
        timed(Phase::Policy, &mut || {
            let m2 = self.params.incubators.m2_per_seat;
            events = self
                .policy
                .apply(self.tick, &mut self.world, m2, &self.params.commute)
                .events;
        });
        self.metrics.begin_tick();
        // The month's prices (P_t, W_t).
        self.economy.advance(&self.params);
        // Each phase's table, taken out for the month and handed on by name.
        let mut t = std::mem::take(&mut self.tables);
        // Counts, the knowledge field and founding rates; sampling tables of free space,
        // free homes and open incubators.
        timed(Phase::Fields, &mut || fields::run(self, &mut t.fields));
        // Firms produce, innovate, grow and propose exits, moves and hires.
        timed(Phase::Firms, &mut || {
            firms::run(self, &t.fields, &mut t.firms, &mut t.view)
        });
        // Start-ups: funding, hazard, stages, graduation; their proposals join the firms'.
        timed(Phase::Startups, &mut || startups::run(self, &mut t.firms));
        // Firm proposals resolved in firm order: exits, moves, space for hiring.
        timed(Phase::Matching, &mut || {
            matching::resolve_firms(self, &t.firms)
        });
        // Surplus space released; the vacancy table the workers search.
        timed(Phase::Matching, &mut || {
            matching::vacancy_table(self, &t.fields, &mut t.vacancies)
        });
        // Workers age, retire, found, search jobs and homes, and propose.
        timed(Phase::Workers, &mut || {
            workers::run(self, &t.fields, &t.vacancies, &mut t.view, &mut t.workers)
        });
        // Worker proposals resolved in worker order.
        timed(Phase::Matching, &mut || {
            matching::resolve_workers(self, &mut t.workers)
        });
        // Graduates and in-migrants enter the labour force near open jobs.
        timed(Phase::Matching, &mut || {
            entrants::run(self, &t.fields, &t.vacancies)
        });
        // Ordinary firms set up by members of the labour force.
        timed(Phase::Matching, &mut || {
            firm_entry::run(self, &t.fields, &t.firms, &mut t.entrants)
        });
        // Rents and development.
        timed(Phase::Land, &mut || land::run(self));
        // Commutes and congestion (into the metrics' commute sums).
        timed(Phase::Commute, &mut || commute::run(self, &mut t.view));
        // Indicators: this month's row, park rows at a year's end, the unemployment rate
        // that sets next month's wages.
        let mut recorded = None;
        timed(Phase::Metrics, &mut || {
            recorded = Some(record::record(self, &t.firms))
        });
        self.tables = t;
        let record::Recorded {
            row,
            parks,
            unemployment,
            separations,
        } = recorded.expect("metrics ran");
        if let Some(u) = unemployment {
            self.economy.unemployment = u;
        }
        if let Some(s) = separations {
            self.economy.separations = s;
        }
        self.tick += 1;
        // Each January: retired workers and closed firms leave the tables (timed with the
        // metrics phase, as ODD's process overview lists it).
        let t0 = Instant::now();
        if self.date().month == 1 {
            self.world.compact();
            self.world.order_workers();
        }
        // After the compaction, where every caller read them before they moved here.
        let regions = record::region_rows(self);
        timings[Phase::Metrics as usize] += t0.elapsed();
        TickReport {
            row,
            parks,
            regions,
            timings,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_arithmetic() {
        let s = YearMonth::parse("2009-01").unwrap();
        assert_eq!(s.plus(239).to_string(), "2028-12");
        assert_eq!(s.months_until(YearMonth::parse("2015-11").unwrap()), 82);
        assert!(YearMonth::parse("2009-13").is_none());
        assert!(YearMonth::parse("209-01").is_none());
        assert!(YearMonth::parse("-001-12").is_none());
        assert!(YearMonth::parse("2009-+1").is_none());
        assert!(YearMonth::parse("+009-01").is_none());
    }
}

#[cfg(test)]
mod run_tests {
    use super::*;
    use crate::world::{beijing, World};

    fn small(seed: u64) -> Simulation {
        let params = Params::default();
        let layers = beijing::layers(&params);
        let world = World::build(&layers, &params, 0.002, seed).unwrap();
        Simulation::new(
            world,
            params,
            seed,
            YearMonth::parse("2009-01").unwrap(),
            30,
            vec![],
        )
    }

    #[test]
    fn invariants_hold_every_tick() {
        let mut sim = small(3);
        invariants::check(&sim).unwrap();
        while !sim.done() {
            sim.step();
            invariants::check(&sim).unwrap_or_else(|e| panic!("tick {}: {e}", sim.tick));
        }
        // Something happened: births, exits, moves.
        assert!(sim.world.firms.born.iter().any(|&b| b != u16::MAX));
    }

    #[test]
    fn closer_universities_mean_more_spillover() {
        let sim = small(1);
        let w = &sim.world;
        let tsinghua = w.universities[0].cell as usize;
        let near = w
            .grid
            .cell_at(w.grid.centre(tsinghua).0 + 1.0, w.grid.centre(tsinghua).1)
            .unwrap();
        let far = w
            .grid
            .cell_at(
                w.grid.centre(tsinghua).0 + 20.0,
                w.grid.centre(tsinghua).1 - 20.0,
            )
            .unwrap();
        assert!(
            w.cells.knowledge[near] > 2.0 * w.cells.knowledge[far],
            "{} vs {}",
            w.cells.knowledge[near],
            w.cells.knowledge[far]
        );
    }
}

/// Empty a per-chunk buffer for this month, keeping room for about what it held last month.
/// Without this a chunk's capacity stays at its busiest month ever (doubled by `Vec`'s
/// growth): at real size the workers' proposal buffers held about five times a month's
/// proposals after a year (2.0 million slots for 0.36 million proposals, 56 MB).
pub(crate) fn recycle<T>(v: &mut Vec<T>) {
    let keep = v.len() + v.len() / 2 + 16;
    v.clear();
    if v.capacity() > 2 * keep {
        v.shrink_to(keep);
    }
}
