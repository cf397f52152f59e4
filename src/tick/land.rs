//! Phase `land`: rents move with demand over supply per cell and use (UrbanSim's supply-and-demand
//! price adjustment), floored at the collective-land rent; developers add floor space where rents
//! exceed building costs and zoning and the red line allow.

use super::Simulation;
use crate::params::LandParams;
use crate::types::Use;

/// The monthly rent factor for demand `d`, supply `s`: clip((d / (s·occ*))^η, 1 − fall, 1 + rise).
#[inline]
pub fn rent_factor(p: &LandParams, demand: f64, supply: f64) -> f64 {
    if supply <= 0.0 {
        return 1.0;
    }
    let ratio = (demand / (supply * p.target_occupancy)).max(1e-6);
    ratio
        .powf(p.rent_elasticity)
        .clamp(1.0 - p.max_fall, 1.0 + p.max_rise)
}

/// [`rent_factor`] with its clipping decided before the power where it surely applies.
#[derive(Clone, Copy, Debug)]
struct RentFactor<'a> {
    p: &'a LandParams,
    /// Demand ratios at or beyond which the factor is surely clipped (0 and ∞ when unknown).
    low: f64,
    high: f64,
}

impl<'a> RentFactor<'a> {
    fn new(p: &'a LandParams) -> Self {
        let e = p.rent_elasticity;
        let (mut low, mut high) = (0.0, f64::INFINITY);
        if e > 1e-3 && e.is_finite() && p.max_fall < 1.0 {
            // ratio^e ≥ (1+rise)·(1+1e-9·e) > 1 + rise far beyond rounding, and likewise below.
            high = (1.0 + p.max_rise).powf(1.0 / e) * (1.0 + 1e-9);
            low = (1.0 - p.max_fall).powf(1.0 / e) * (1.0 - 1e-9);
        }
        RentFactor { p, low, high }
    }
    /// Exactly `rent_factor(p, demand, supply)`.
    #[inline]
    fn get(&self, demand: f64, supply: f64) -> f64 {
        if supply <= 0.0 {
            return 1.0;
        }
        let ratio = (demand / (supply * self.p.target_occupancy)).max(1e-6);
        if ratio >= self.high {
            1.0 + self.p.max_rise
        } else if ratio <= self.low {
            1.0 - self.p.max_fall
        } else {
            rent_factor(self.p, demand, supply)
        }
    }
}

/// Cells per parallel chunk of the land phase (every cell is independent of the others).
const LAND_CHUNK: usize = 1024;

/// Developers build a use in a cell only under pressure: occupancy within this margin of
/// `params.land.target_occupancy`, or unmet demand (docs/ODD.md §7.18).
const PRESSURE_MARGIN: f64 = 0.03;
/// Largest rent-over-cost gain that still speeds building up: beyond it construction
/// capacity, not profit, limits the pace (docs/ODD.md §7.18).
const MAX_DEVELOPER_GAIN: f64 = 2.0;

/// Run the phase.
pub fn run(sim: &mut Simulation) {
    use ndarray::Axis;
    use rayon::prelude::*;
    let lp = &sim.params.land;
    let rf = RentFactor::new(lp);
    let cells = &mut sim.world.cells;
    let cell_m2 = sim.world.grid.cell_m2();
    let prices = sim.economy.productivity;
    let floor = lp.rent_floor.to_array().map(|v| v * prices);
    let cost = lp.build_cost_rent.to_array().map(|v| v * prices);
    let land_use = &cells.land_use;
    let used = &cells.used;
    let max_floor = &cells.max_floor;
    let red_line = &cells.red_line;
    let rent: Vec<_> = cells
        .rent
        .axis_chunks_iter_mut(Axis(1), LAND_CHUNK)
        .collect();
    let capacity: Vec<_> = cells
        .capacity
        .axis_chunks_iter_mut(Axis(1), LAND_CHUNK)
        .collect();
    let unmet: Vec<_> = cells
        .unmet
        .axis_chunks_iter_mut(Axis(1), LAND_CHUNK)
        .collect();
    rent.into_par_iter()
        .zip(capacity)
        .zip(unmet)
        .enumerate()
        .for_each(|(ci, ((mut rent, mut capacity), mut unmet))| {
            for j in 0..rent.len_of(Axis(1)) {
                let c = ci * LAND_CHUNK + j;
                let mix = land_use[c].development_mix();
                for u in 0..Use::N {
                    let cap = capacity[[u, j]];
                    if cap <= 0.0 && unmet[[u, j]] <= 0.0 {
                        continue;
                    }
                    let demand = used[[u, c]] + unmet[[u, j]];
                    let r = (rent[[u, j]] * rf.get(demand, cap)).max(floor[u]);
                    rent[[u, j]] = r;
                }
                // Developers.
                let total: f64 = (0..Use::N).map(|u| capacity[[u, j]]).sum();
                let limit = max_floor[c].min(red_line[c]);
                let mut room = limit - total;
                if room <= 0.0 {
                    for u in 0..Use::N {
                        unmet[[u, j]] = 0.0;
                    }
                    continue;
                }
                for u in 0..Use::N {
                    let gain = rent[[u, j]] / cost[u] - 1.0;
                    let occupancy = if capacity[[u, j]] > 0.0 {
                        used[[u, c]] / capacity[[u, j]]
                    } else {
                        1.0
                    };
                    let pressure =
                        occupancy > lp.target_occupancy - PRESSURE_MARGIN || unmet[[u, j]] > 0.0;
                    if mix[u] > 0.0 && gain > 0.0 && pressure && room > 0.0 {
                        let add =
                            (lp.development_rate * cell_m2 * mix[u] * gain.min(MAX_DEVELOPER_GAIN))
                                .min(room);
                        capacity[[u, j]] += add;
                        room -= add;
                    }
                    unmet[[u, j]] = 0.0;
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excess_demand_raises_rent_and_slack_lowers_it() {
        let p = LandParams::default();
        assert!(rent_factor(&p, 120.0, 100.0) > 1.0);
        assert!(rent_factor(&p, 60.0, 100.0) < 1.0);
        assert!(rent_factor(&p, 1e9, 100.0) <= 1.0 + p.max_rise + 1e-12);
        assert!(rent_factor(&p, 0.0, 100.0) >= 1.0 - p.max_fall - 1e-12);
    }

    #[test]
    fn early_clipping_is_exact() {
        for e in [0.2, 0.05, 1.0, 3.0, 0.0] {
            let p = LandParams {
                rent_elasticity: e,
                ..LandParams::default()
            };
            let rf = RentFactor::new(&p);
            for i in 0..20_000 {
                let demand = i as f64 * 0.01;
                let supply = 100.0 - (i % 7) as f64;
                assert_eq!(
                    rf.get(demand, supply).to_bits(),
                    rent_factor(&p, demand, supply).to_bits()
                );
            }
        }
    }
}
