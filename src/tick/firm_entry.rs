//! Entry of ordinary firms: each month some members of the labour force set up a firm of their
//! own (shops, services, consultancies, suppliers: firms that are not innovation start-ups),
//! which then lives as an established SME (docs/ODD.md §7.6).

use rand::Rng;
use rand_distr::{Binomial, Distribution, StandardNormal};
use rayon::prelude::*;

use super::fields::FieldTables;
use super::firms::{FirmAction, FirmProposals, LocationCtx};
use super::matching::{found_firm, quit_employer};
use super::Simulation;
use crate::rng::{stream, Stream};
use crate::types::{FirmKind, Sector, Stage, NONE};
use crate::world::agents::{flags, status, NewFirm};
use crate::world::build::{initial_tfp, INIT_CASH_LOW};

// Entry's fixed numbers (docs/ODD.md §7.18: not parameters; listed so that calibration knows
// they exist).

/// Draws of a random firm slot to find an operating established firm whose sector an entrant
/// takes; after that many misses the entrant does not enter.
const SECTOR_DRAWS: usize = 16;
/// Entrants per random stream in the parallel location choice (a fixed number: the streams
/// never depend on the thread count).
const ENTRANT_CHUNK: usize = 256;

/// One would-be entrant of the month: who, in what sector, and (after the location choice)
/// where, with the draws of its productivity and cash.
#[derive(Clone, Copy, Debug)]
pub struct Entrant {
    worker: u32,
    sector: Sector,
    /// The chosen cell, or `NONE` (no site).
    cell: u32,
    /// Standard-normal draw of log TFP.
    z: f64,
    /// Uniform draw of the cash reserve.
    u: f64,
    /// Uniform draw of the high-tech status.
    h: f64,
}

/// The phase's own work buffers, reused from month to month: the month's would-be entrants,
/// and per travel zone and sector the established firms and the high-tech ones among them.
#[derive(Clone, Debug, Default)]
pub struct Entrants {
    list: Vec<Entrant>,
    /// `[zone * Sector::N + sector]`: (established firms, high-tech ones).
    zone_sector: Vec<(u32, u32)>,
}

/// The phase. (1) `Binomial(worker slots, params.firms.entry_rate)` draws of a worker slot;
/// each drawn worker in the labour force (employed or unemployed, not a start-up founder) is a
/// would-be entrant, in the sector of a random established firm (the stock's mix by count).
/// (2) Each chooses its cell by the firms' location choice from its home, in parallel over
/// fixed chunks of entrants. (3) In draw order, an entrant whose cell still has room for one
/// worker sets up the firm: an SME, high-tech with the share of high-tech firms among the
/// established firms of its sector in its travel zone (of the city where the zone has none),
/// with a productivity drawn as the initial firms', `initial_cash_months` of its value added,
/// and its founder as its one employee; otherwise its demand is recorded as unmet in that cell.
pub fn run(sim: &mut Simulation, fields: &FieldTables, loc: &FirmProposals, buf: &mut Entrants) {
    let rate = sim.params.firms.entry_rate;
    let n_slots = sim.world.workers.len();
    buf.list.clear();
    if rate <= 0.0 || n_slots == 0 || sim.world.firms.is_empty() {
        return;
    }
    draw(sim, rate, &mut buf.list);
    if buf.list.is_empty() {
        return;
    }
    choose(sim, fields, loc, &mut buf.list);
    count_high_tech(sim, &mut buf.zone_sector);
    place(sim, &buf.list, &buf.zone_sector);
}

/// Per travel zone and sector, the operating established firms and the high-tech ones among
/// them; the city's totals per sector in the last row (`[n_zones * Sector::N + sector]`).
fn count_high_tech(sim: &Simulation, out: &mut Vec<(u32, u32)>) {
    let w = &sim.world;
    let n_zones = w.travel.n_zones();
    let len = (n_zones + 1) * Sector::N;
    let f = &w.firms;
    // Integer counts: the same whatever rayon's split (ARCHITECTURE invariant 1).
    let counts = (0..f.len())
        .into_par_iter()
        .with_min_len(crate::rng::CHUNK)
        .fold(
            || vec![(0u32, 0u32); len],
            |mut acc, i| {
                if f.alive(i) && f.kind[i] != FirmKind::Startup as u8 {
                    let z = w.travel.cell_zone[f.cell[i] as usize] as usize;
                    let s = f.sector[i] as usize;
                    let ht = (f.flags[i] & flags::HIGH_TECH != 0) as u32;
                    for k in [z * Sector::N + s, n_zones * Sector::N + s] {
                        acc[k].0 += 1;
                        acc[k].1 += ht;
                    }
                }
                acc
            },
        )
        .reduce_with(|mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.0 += y.0;
                x.1 += y.1;
            }
            a
        });
    out.clear();
    out.extend(counts.unwrap_or_else(|| vec![(0, 0); len]));
}

/// Step 1: the would-be entrants, in draw order (stream `(FirmEntry, 0)`).
fn draw(sim: &Simulation, rate: f64, out: &mut Vec<Entrant>) {
    let w = &sim.world;
    let n_slots = w.workers.len();
    let n_firms = w.firms.len();
    let mut rng = stream(sim.seed, sim.tick, Stream::FirmEntry, 0);
    let n = Binomial::new(n_slots as u64, rate.min(1.0))
        .map(|b| b.sample(&mut rng))
        .unwrap_or(0);
    for _ in 0..n {
        // Indices drawn as u32 (ARCHITECTURE invariant 1: no sampling of `usize`).
        let wi = rng.random_range(0..n_slots as u32) as usize;
        let st = status::of(w.workers.state[wi]);
        if st != status::EMPLOYED && st != status::UNEMPLOYED {
            continue;
        }
        let Some(model) = (0..SECTOR_DRAWS)
            .map(|_| rng.random_range(0..n_firms as u32) as usize)
            .find(|&f| w.firms.alive(f) && w.firms.kind[f] != FirmKind::Startup as u8)
        else {
            continue;
        };
        out.push(Entrant {
            worker: wi as u32,
            sector: Sector::from_index(w.firms.sector[model] as usize),
            cell: NONE,
            z: 0.0,
            u: 0.0,
            h: 0.0,
        });
    }
}

/// Step 2: each entrant's cell (the firms' location choice from its home, among sampled cells
/// of its sector's use, no partner sites) and its draws; stream `(FirmEntry, 1 + chunk)`.
fn choose(sim: &Simulation, fields: &FieldTables, loc: &FirmProposals, entrants: &mut [Entrant]) {
    let w = &sim.world;
    let scale = w.scale;
    let fp = &sim.params.firms;
    let ctx = LocationCtx {
        grid: &w.grid,
        cells: &w.cells,
        free_cum: &fields.free_cum,
        cap_cum: &fields.cap_cum,
        partners: &[],
        params: &sim.params,
        scale,
        ln1p_knowledge: &fields.ln1p_knowledge,
        terms: loc.location_terms(),
    };
    let (seed, tick) = (sim.seed, sim.tick);
    entrants
        .par_chunks_mut(ENTRANT_CHUNK)
        .enumerate()
        .for_each(|(ci, chunk)| {
            let mut rng = stream(seed, tick, Stream::FirmEntry, 1 + ci as u64);
            for e in chunk {
                let use_ = e.sector.space_use();
                let home = w.workers.home[e.worker as usize] as usize;
                let need = fp.m2_per_worker.get(use_) / scale;
                let action = ctx.choose(
                    &mut rng,
                    use_,
                    e.sector,
                    home,
                    need,
                    fp.location_candidates,
                    true,
                    0.0,
                );
                e.cell = match action {
                    FirmAction::Move(c) => c,
                    _ => NONE,
                };
                e.z = StandardNormal.sample(&mut rng);
                e.u = rng.random();
                e.h = rng.random();
            }
        });
}

/// Step 3: the firms set up, in draw order, where their cell still has room.
fn place(sim: &mut Simulation, entrants: &[Entrant], zone_sector: &[(u32, u32)]) {
    let scale = sim.world.scale;
    let n_zones = sim.world.travel.n_zones();
    let prod_index = sim.economy.productivity;
    let n_firms_before = sim.world.firms.len();
    for e in entrants {
        let wi = e.worker as usize;
        let employer = sim.world.workers.employer[wi];
        // Drawn twice this month: the first draw has set up its firm.
        if e.cell == NONE || (employer != NONE && employer as usize >= n_firms_before) {
            continue;
        }
        let params = &sim.params;
        let fp = &params.firms;
        let (cell, use_) = (e.cell as usize, e.sector.space_use());
        let m2 = fp.m2_per_worker.get(use_);
        let need = m2 / scale;
        let w = &mut sim.world;
        if w.cells.free(use_, cell) + 1e-9 < need {
            w.cells.unmet[[use_ as usize, cell]] += params.land.unmet_demand_weight * need;
            continue;
        }
        let s = e.sector as usize;
        let zone = w.travel.cell_zone[cell] as usize;
        let (n, ht) = match zone_sector[zone * Sector::N + s] {
            (0, _) => zone_sector[n_zones * Sector::N + s],
            local => local,
        };
        let high_tech = n > 0 && e.h < ht as f64 / n as f64;
        let tfp = initial_tfp(fp.tfp_sigma, e.z);
        let va = prod_index
            * super::firms::productivity(params, e.sector, tfp, high_tech, 0.0, 1.0, false)
            * fp.value_added_share.get(e.sector);
        let mut fl = flags::ALIVE;
        if high_tech {
            fl |= flags::HIGH_TECH;
        }
        let cash = fp.initial_cash_months * va * (INIT_CASH_LOW + e.u);
        quit_employer(w, &mut sim.metrics, wi);
        found_firm(
            w,
            wi,
            NewFirm {
                cell: cell as u32,
                sector: e.sector,
                kind: FirmKind::Sme as u8,
                stage: Stage::Industrialisation as u8,
                flags: fl,
                space_use: use_ as u8,
                employees: 1,
                space: m2 as f32,
                tfp: tfp as f32,
                cash,
                knowledge: 0.0,
                age: 0,
                born: u16::MAX,
                incubator: NONE,
            },
            status::EMPLOYED,
        );
        w.cells.used[[use_ as usize, cell]] += need;
        w.cells.jobs[cell] += 1;
        sim.metrics.c.firm_entries += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_estimate_covers_an_entrant() {
        assert!(std::mem::size_of::<Entrant>() as f64 <= crate::limits::BYTES_PER_ENTRANT);
    }
}
