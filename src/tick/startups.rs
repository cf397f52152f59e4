//! Phase `startups`: funding rounds, survival, life-cycle stages, graduation from incubators and
//! industrialisation. Runs in parallel over fixed chunks of the firm columns.

use rand::Rng;
use rayon::prelude::*;

use super::firms::{service_of, FirmAction, FirmProposal, FirmProposals};
use super::Simulation;
use crate::params::Params;
use crate::rng::{stream, Stream, CHUNK};
use crate::types::{FirmKind, Generation, Sector, Stage};
use crate::world::agents::{flags, Firms, NO_INCUBATOR};

/// Funding probability of a home-based start-up relative to one with space (investors see a
/// kitchen-table firm as riskier; docs/ODD.md §7.18).
const HOME_BASED_FUNDING: f64 = 0.7;
/// Hazard of a home-based start-up relative to one with space.
const HOME_BASED_HAZARD: f64 = 1.2;

/// Per-chunk sums of the start-up phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct StartupSums {
    /// Funding raised (yuan, agent sum).
    pub funding: f64,
    /// Start-ups reaching the growth stage (graduations).
    pub graduated: u32,
    /// Start-ups becoming ordinary SMEs.
    pub industrialised: u32,
}

/// Monthly probability that a start-up at `stage` raises its next round.
pub fn funding_probability(
    p: &Params,
    stage: Stage,
    service: Option<Generation>,
    knowledge: f64,
    quality: f64,
    home_based: bool,
) -> f64 {
    let r = stage as usize;
    if r >= 3 {
        return 0.0;
    }
    let sp = &p.startups;
    let mult = service.map_or(1.0, |g| p.incubators.funding_multiplier.get(g));
    (sp.funding_rate[r]
        * mult
        * (1.0 + sp.investor_gain * (1.0 + knowledge).ln())
        * quality.max(0.0).sqrt()
        * if home_based { HOME_BASED_FUNDING } else { 1.0 })
    .min(1.0)
}

/// Monthly non-financial hazard of a start-up.
pub fn base_hazard(p: &Params, service: Option<Generation>, home_based: bool) -> f64 {
    p.startups.base_hazard
        * service.map_or(1.0, |g| p.incubators.hazard_multiplier.get(g))
        * if home_based { HOME_BASED_HAZARD } else { 1.0 }
}

/// Run the phase: start-ups raise funds, fail, change stage and graduate; their proposals are
/// added to the firm phase's in `out`.
pub fn run(sim: &mut Simulation, out: &mut FirmProposals) {
    let n = sim.world.firms.len();
    let n_chunks = n.div_ceil(CHUNK);
    // Exactly this month's chunks (as the firm phase's sums).
    out.startup_sums.resize(n_chunks, StartupSums::default());
    let params = &sim.params;
    let (seed, tick) = (sim.seed, sim.tick);
    let world = &mut sim.world;
    let incs = &world.incubators;
    let knowledge_field = &world.cells.knowledge;
    let sp = &params.startups;
    let max_stay = params.incubators.max_stay_months;
    let prices = sim.economy.productivity;
    let Firms {
        cell,
        sector,
        kind,
        stage,
        flags: fl,
        employees,
        tfp,
        cash,
        age,
        incubator,
        incubator_months,
        staff_target,
        ..
    } = &mut world.firms;
    let (cell, sector, employees, tfp, age, incubator) =
        (&*cell, &*sector, &*employees, &*tfp, &*age, &*incubator);
    (
        cash.par_chunks_mut(CHUNK),
        stage.par_chunks_mut(CHUNK),
        kind.par_chunks_mut(CHUNK),
        fl.par_chunks_mut(CHUNK),
        staff_target.par_chunks_mut(CHUNK),
        incubator_months.par_chunks_mut(CHUNK),
        out.chunks[..n_chunks].par_iter_mut(),
        out.startup_sums[..n_chunks].par_iter_mut(),
    )
        .into_par_iter()
        .enumerate()
        .for_each(
            |(ci, (cash, stage, kind, fl, target, months, props, sums))| {
                let mut rng = stream(seed, tick, Stream::Startups, ci as u64);
                *sums = StartupSums::default();
                for j in 0..cash.len() {
                    let i = ci * CHUNK + j;
                    if fl[j] & flags::ALIVE == 0 || kind[j] != FirmKind::Startup as u8 {
                        continue;
                    }
                    // A firm already leaving this tick (exit proposed by the firm phase) is skipped.
                    let s = Sector::from_index(sector[i] as usize);
                    let service = service_of(incs, incubator[i], s);
                    let home_based = fl[j] & flags::HOME_BASED != 0;
                    let k = knowledge_field[cell[i] as usize];
                    let u: f64 = rng.random();
                    if cash[j] < 0.0 || u < base_hazard(params, service, home_based) {
                        props.push(FirmProposal {
                            firm: i as u32,
                            action: FirmAction::Exit,
                            hires: 0,
                        });
                        continue;
                    }
                    let st = Stage::from_u8(stage[j]);
                    let p = funding_probability(params, st, service, k, tfp[i] as f64, home_based);
                    if rng.random::<f64>() < p {
                        let r = st as usize;
                        cash[j] += sp.round_size[r] * prices;
                        sums.funding += sp.round_size[r] * prices;
                        stage[j] = (r + 1) as u8;
                        target[j] = (sp.staff_after_round[r].round() as u16).max(target[j]);
                        if stage[j] == Stage::Growth as u8 {
                            sums.graduated += 1;
                        }
                    } else if st < Stage::Growth && employees[i] >= sp.graduation_size {
                        stage[j] = Stage::Growth as u8;
                        sums.graduated += 1;
                    }
                    if incubator[i] != NO_INCUBATOR {
                        months[j] = months[j].saturating_add(1);
                        if stage[j] >= Stage::Growth as u8 || months[j] as u32 >= max_stay {
                            props.push(FirmProposal {
                                firm: i as u32,
                                action: FirmAction::LeaveIncubator,
                                hires: 0,
                            });
                        }
                    } else if stage[j] >= Stage::Growth as u8
                        && age[i] as u32 >= sp.industrialisation_age
                        && cash[j] > 0.0
                    {
                        kind[j] = FirmKind::Sme as u8;
                        stage[j] = Stage::Industrialisation as u8;
                        sums.industrialised += 1;
                    }
                }
            },
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_sector_3_0_lowers_hazard_and_raises_funding_more_than_1_0() {
        let p = Params::default();
        let h1 = base_hazard(&p, Some(Generation::G1), false);
        let h3 = base_hazard(&p, Some(Generation::G3), false);
        assert!(h3 < h1, "{h3} {h1}");
        let f1 = funding_probability(&p, Stage::Seed, Some(Generation::G1), 1.0, 1.0, false);
        let f3 = funding_probability(&p, Stage::Seed, Some(Generation::G3), 1.0, 1.0, false);
        assert!(f3 > f1);
        // A mismatched tenant of a 3.0 incubator gets 2.0 service: between the two.
        let f2 = funding_probability(&p, Stage::Seed, Some(Generation::G2), 1.0, 1.0, false);
        assert!(f1 < f2 && f2 < f3);
    }

    #[test]
    fn investors_follow_knowledge() {
        let p = Params::default();
        assert!(
            funding_probability(&p, Stage::Idea, None, 5.0, 1.0, false)
                > funding_probability(&p, Stage::Idea, None, 0.0, 1.0, false)
        );
    }
}
