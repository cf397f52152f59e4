//! Entry of ordinary firms: each month some members of the labour force set up a firm of their
//! own (shops, services, consultancies, suppliers: firms that are not innovation start-ups),
//! which then lives as an established SME (docs/ODD.md §7.6).

use rand::Rng;
use rand_distr::{Binomial, Distribution, StandardNormal};

use super::firms::{FirmAction, LocationCtx};
use super::matching::leave_employer;
use super::Simulation;
use crate::rng::{stream, Stream};
use crate::types::{FirmKind, Sector, Stage, NONE};
use crate::world::agents::{flags, status, NewFirm};

// Entry's fixed numbers (docs/ODD.md §7.18: not parameters; listed so that calibration knows
// they exist).

/// Draws of a random firm slot to find an operating established firm whose sector and
/// high-tech status an entrant takes; after that many misses the entrant does not enter.
const SECTOR_DRAWS: usize = 16;
/// An entrant's starting cash: `initial_cash_months` of value added times a uniform draw in
/// [this, this + 1), as the initial firms'.
const CASH_LOW: f64 = 0.5;

/// The phase: `Binomial(worker slots, params.firms.entry_rate)` draws of a worker slot; each
/// drawn worker in the labour force (employed or unemployed, not a start-up founder) sets up a
/// firm, if the location it chooses has room. The firm takes the sector and high-tech status of
/// a random established firm (the stock's mix by count), a productivity drawn as the initial
/// firms' and `initial_cash_months` of its value added; its founder is its one employee.
pub fn run(
    sim: &mut Simulation,
    fields: &super::fields::FieldTables,
    loc: &super::firms::FirmProposals,
) {
    let rate = sim.params.firms.entry_rate;
    let n_slots = sim.world.workers.len();
    if rate <= 0.0 || n_slots == 0 || sim.world.firms.is_empty() {
        return;
    }
    let mut rng = stream(sim.seed, sim.tick, Stream::FirmEntry, 0);
    let n = Binomial::new(n_slots as u64, rate.min(1.0))
        .map(|b| b.sample(&mut rng))
        .unwrap_or(0);
    let scale = sim.world.scale;
    let prod_index = sim.economy.productivity;
    let params = sim.params.clone();
    let fp = &params.firms;
    for _ in 0..n {
        let wi = rng.random_range(0..n_slots);
        let st = sim.world.workers.status[wi];
        if st != status::EMPLOYED && st != status::UNEMPLOYED {
            continue;
        }
        // The sector and high-tech status of a random operating established firm.
        let n_firms = sim.world.firms.len();
        let Some(model) = (0..SECTOR_DRAWS)
            .map(|_| rng.random_range(0..n_firms))
            .find(|&f| {
                sim.world.firms.alive(f) && sim.world.firms.kind[f] != FirmKind::Startup as u8
            })
        else {
            continue;
        };
        let sector = Sector::from_index(sim.world.firms.sector[model] as usize);
        let high_tech = sim.world.firms.flags[model] & flags::HIGH_TECH != 0;
        let use_ = sector.space_use();
        let m2 = fp.m2_per_worker.get(use_);
        let home = sim.world.workers.home[wi] as usize;
        // Where: the firms' location choice, from the founder's home.
        let w = &sim.world;
        let ctx = LocationCtx {
            grid: &w.grid,
            cells: &w.cells,
            free_cum: &fields.free_cum,
            cap_cum: &fields.cap_cum,
            partners: &[],
            params: &params,
            scale,
            ln1p_knowledge: &fields.ln1p_knowledge,
            terms: loc.location_terms(),
        };
        let need = m2 / scale;
        let FirmAction::Move(cell) = ctx.choose(
            &mut rng,
            use_,
            sector,
            home,
            need,
            fp.location_candidates,
            true,
            0.0,
        ) else {
            continue;
        };
        let cell = cell as usize;
        let z: f64 = StandardNormal.sample(&mut rng);
        let u: f64 = rng.random();
        let w = &mut sim.world;
        if w.cells.free(use_, cell) + 1e-9 < need {
            w.cells.unmet[[use_ as usize, cell]] += params.land.unmet_demand_weight * need;
            continue;
        }
        let sigma = fp.tfp_sigma;
        let tfp = (sigma * z - 0.5 * sigma * sigma).exp();
        let va = prod_index
            * super::firms::productivity(&params, sector, tfp, high_tech, 0.0, 1.0, false)
            * fp.value_added_share.get(sector);
        let mut fl = flags::ALIVE;
        if high_tech {
            fl |= flags::HIGH_TECH;
        }
        leave_employer(w, &mut sim.metrics, wi);
        let id = w.next_firm_id;
        w.next_firm_id += 1;
        let idx = w.firms.push(
            id,
            NewFirm {
                cell: cell as u32,
                sector,
                kind: FirmKind::Sme as u8,
                stage: Stage::Industrialisation as u8,
                flags: fl,
                space_use: use_ as u8,
                employees: 1,
                space: m2 as f32,
                tfp: tfp as f32,
                cash: fp.initial_cash_months * va * (CASH_LOW + u),
                knowledge: 0.0,
                age: 0,
                born: u16::MAX,
                incubator: NONE,
            },
        );
        w.cells.used[[use_ as usize, cell]] += need;
        w.cells.jobs[cell] += 1;
        w.workers.employer[wi] = idx as u32;
        w.workers.status[wi] = status::EMPLOYED;
        sim.metrics.c.firm_entries += 1;
    }
}
