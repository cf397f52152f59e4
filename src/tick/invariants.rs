//! Invariants of the simulation state, checked by the tests after every tick (and available to
//! callers): agents consistent, floor space within capacity, finite non-negative rents.

use super::Simulation;
use crate::types::{FirmKind, Use, NONE};
use crate::world::agents::status;

/// Check every invariant; returns the first violation found.
pub fn check(sim: &Simulation) -> Result<(), String> {
    let w = &sim.world;
    let n = w.grid.n_cells();
    let mut employees = vec![0u32; w.firms.len()];
    let mut residents = vec![0u32; n];
    for i in 0..w.workers.len() {
        let s = status::of(w.workers.state[i]);
        let e = w.workers.employer[i];
        match s {
            status::RETIRED => continue,
            status::UNEMPLOYED => {
                if e != NONE {
                    return Err(format!("unemployed worker {i} has an employer"));
                }
            }
            status::EMPLOYED | status::FOUNDER => {
                if e == NONE || e as usize >= w.firms.len() {
                    return Err(format!("worker {i} (status {s}) has no valid employer"));
                }
                if !w.firms.alive(e as usize) {
                    // Allowed only transiently: the worker phase of the next tick releases them.
                    continue;
                }
                if s == status::FOUNDER && w.firms.born[e as usize] == u16::MAX {
                    return Err(format!(
                        "founder {i} works for a firm of the initial population"
                    ));
                }
                employees[e as usize] += 1;
            }
            other => return Err(format!("worker {i} has unknown status {other}")),
        }
        residents[w.workers.home[i] as usize] += 1;
    }
    for f in 0..w.firms.len() {
        if w.firms.alive(f) && w.firms.employees[f] != employees[f] {
            return Err(format!(
                "firm {f} counts {} employees but {} workers name it",
                w.firms.employees[f], employees[f]
            ));
        }
        if w.firms.alive(f)
            && w.firms.kind[f] == FirmKind::Startup as u8
            && w.firms.born[f] == u16::MAX
        {
            return Err(format!("start-up {f} has no birth tick"));
        }
    }
    if residents != w.cells.residents {
        return Err("per-cell resident counts drifted from the workers' homes".into());
    }
    for u in 0..Use::N {
        for c in 0..n {
            let (used, cap, rent) = (
                w.cells.used[[u, c]],
                w.cells.capacity[[u, c]],
                w.cells.rent[[u, c]],
            );
            if !(used >= -1e-6 && used <= cap * (1.0 + 1e-9) + 1e-3) {
                return Err(format!(
                    "cell {c} use {} holds {used} m² of {cap} m²",
                    Use::from_index(u).name()
                ));
            }
            if !(rent.is_finite() && rent >= 0.0) {
                return Err(format!(
                    "cell {c} use {} has rent {rent}",
                    Use::from_index(u).name()
                ));
            }
        }
    }
    for i in 0..w.incubators.len() {
        if w.incubators.used[i] > w.incubators.seats[i] + 1e-6 {
            return Err(format!(
                "incubator {i} holds {} of {} seats",
                w.incubators.used[i], w.incubators.seats[i]
            ));
        }
    }
    if w.firms.cash.iter().any(|c| !c.is_finite()) {
        return Err("a firm's cash is not finite".into());
    }
    // Space held by firms equals the used floor space of non-residential uses.
    let mut held = vec![0.0f64; Use::N * n];
    for f in 0..w.firms.len() {
        if w.firms.alive(f) {
            held[w.firms.space_use[f] as usize * n + w.firms.cell[f] as usize] +=
                w.firms.space[f] as f64 / w.scale;
        }
    }
    for u in 1..Use::N {
        for c in 0..n {
            let (a, b) = (held[u * n + c], w.cells.used[[u, c]]);
            // Incubators occupy maker space of their own (built by policies), counted in `used`.
            // Tolerance: firms hold f32 space; sums drift by rounding (well under 1 m² per cell).
            let tol = 1.0 + 1e-5 * b;
            if u == Use::Maker as usize {
                if a > b + tol {
                    return Err(format!("cell {c}: maker space held {a} exceeds used {b}"));
                }
            } else if (a - b).abs() > tol {
                return Err(format!(
                    "cell {c} use {}: firms hold {a} m² but {b} m² are marked used",
                    Use::from_index(u).name()
                ));
            }
        }
    }
    Ok(())
}
