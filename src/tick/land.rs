//! Phase `land`: rents move with demand over supply per cell and use (UrbanSim's supply-and-demand
//! price adjustment), floored at the collective-land rent; developers add floor space where rents
//! exceed building costs and zoning and the red line allow.

use super::Simulation;
use crate::params::LandParams;
use crate::world::types::Use;

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

/// Run the phase.
pub fn run(sim: &mut Simulation) {
    let lp = &sim.params.land;
    let cells = &mut sim.world.cells;
    let n = sim.world.grid.n_cells();
    let cell_m2 = sim.world.grid.cell_m2();
    let prices = sim.economy.productivity;
    let floor = lp.rent_floor.to_array().map(|v| v * prices);
    let cost = lp.build_cost_rent.to_array().map(|v| v * prices);
    for c in 0..n {
        let mix = cells.land_use[c].development_mix();
        for u in 0..Use::N {
            let cap = cells.capacity[[u, c]];
            if cap <= 0.0 && cells.unmet[[u, c]] <= 0.0 {
                continue;
            }
            let demand = cells.used[[u, c]] + cells.unmet[[u, c]];
            let r = (cells.rent[[u, c]] * rent_factor(lp, demand, cap)).max(floor[u]);
            cells.rent[[u, c]] = r;
        }
        // Developers.
        let total = cells.total_capacity(c);
        let limit = cells.max_floor[c].min(cells.red_line[c]);
        let mut room = limit - total;
        if room <= 0.0 {
            for u in 0..Use::N {
                cells.unmet[[u, c]] = 0.0;
            }
            continue;
        }
        for u in 0..Use::N {
            let gain = cells.rent[[u, c]] / cost[u] - 1.0;
            let occupancy = if cells.capacity[[u, c]] > 0.0 {
                cells.used[[u, c]] / cells.capacity[[u, c]]
            } else {
                1.0
            };
            let pressure = occupancy > lp.target_occupancy - 0.03 || cells.unmet[[u, c]] > 0.0;
            if mix[u] > 0.0 && gain > 0.0 && pressure && room > 0.0 {
                let add = (lp.development_rate * cell_m2 * mix[u] * gain.min(2.0)).min(room);
                cells.capacity[[u, c]] += add;
                room -= add;
            }
            cells.unmet[[u, c]] = 0.0;
        }
    }
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
}
