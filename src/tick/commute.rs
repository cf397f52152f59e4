//! Phase `commute`: every working agent's one-way commute from the travel-time matrix with
//! congestion; zone flows feed next month's BPR congestion. Parallel over fixed chunks, with
//! per-chunk sums added in chunk order.

use rayon::prelude::*;

use super::workers::FirmView;
use super::Simulation;
use crate::metrics::CommuteSums;
use crate::sampling::prefetch;
use crate::types::NONE;
use crate::world::agents::{status, Workers, NO_ZONE};

/// Workers per commute chunk (fixed: float sums are added per chunk in order).
pub const COMMUTE_CHUNK: usize = 16_384;
/// How many workers ahead the loop prefetches travel-time entries (twice that for firm zones).
const PREFETCH: usize = 16;
/// Histogram bins (minutes; the last bin takes everything longer).
pub const HIST_BINS: usize = 241;

/// Run the phase; stores the city-wide result in `sim.metrics.commute`. Each firm's zone comes
/// from the packed firm view the workers phase built this month (`view`, 8 bytes a firm, one
/// random read each); the firms set up since, which it does not hold, are added to it with
/// their zone only (the next month's firm and workers phases rewrite every entry).
pub fn run(sim: &mut Simulation, view: &mut Vec<FirmView>) {
    let world = &mut sim.world;
    world.travel.begin_commute();
    let nz = world.travel.n_zones();
    let long_min = sim.params.commute.long_commute_min as f32;
    let travel = &world.travel;
    let firm_cell = &world.firms.cell;
    debug_assert!(view.len() <= firm_cell.len());
    let built = view.len();
    view.extend(firm_cell[built..].iter().map(|&c| FirmView {
        zone: travel.cell_zone[c as usize],
        ..FirmView::default()
    }));
    let view = &view[..];
    let region_mask = &sim.metrics.home_region_mask;
    let n_regions = sim.metrics.n_home_regions();
    let Workers {
        home,
        employer,
        state: st,
        work_zone,
        ..
    } = &mut world.workers;
    let (home, employer, st) = (&*home, &*employer, &*st);
    let sums: Vec<CommuteSums> = work_zone
        .par_chunks_mut(COMMUTE_CHUNK)
        .enumerate()
        .map(|(ci, out)| {
            let mut s = CommuteSums {
                hist: vec![0; HIST_BINS],
                outflow: vec![0; nz],
                inflow: vec![0; nz],
                region_minutes: vec![0.0; n_regions],
                region_count: vec![0; n_regions],
                ..Default::default()
            };
            let n = out.len();
            for (j, o) in out.iter_mut().enumerate() {
                let w = ci * COMMUTE_CHUNK + j;
                // Prefetch the employer's zone, then (once it has arrived) its travel-time entry.
                if j + 2 * PREFETCH < n {
                    let e = employer[w + 2 * PREFETCH];
                    if e != NONE {
                        prefetch(&view[e as usize]);
                    }
                }
                if j + PREFETCH < n {
                    let e = employer[w + PREFETCH];
                    if e != NONE {
                        let hz = travel.cell_zone[home[w + PREFETCH] as usize] as usize;
                        prefetch(&travel.base[hz * nz + view[e as usize].zone as usize]);
                    }
                }
                let e = employer[w];
                let sw = status::of(st[w]);
                if e == NONE || sw == status::RETIRED || sw == status::UNEMPLOYED {
                    *o = NO_ZONE;
                    continue;
                }
                let h = home[w] as usize;
                let hz = travel.cell_zone[h] as usize;
                let wz = view[e as usize].zone as usize;
                let t = travel.time(hz, wz);
                *o = wz as u16;
                s.minutes += t as f64;
                s.count += 1;
                if t > long_min {
                    s.long += 1;
                }
                s.hist[(t as usize).min(HIST_BINS - 1)] += 1;
                s.outflow[hz] += 1;
                s.inflow[wz] += 1;
                let mut m = region_mask[h];
                while m != 0 {
                    let r = m.trailing_zeros() as usize;
                    s.region_minutes[r] += t as f64;
                    s.region_count[r] += 1;
                    m &= m - 1;
                }
            }
            s
        })
        .collect();
    let mut total = CommuteSums {
        hist: vec![0; HIST_BINS],
        outflow: vec![0; nz],
        inflow: vec![0; nz],
        region_minutes: vec![0.0; n_regions],
        region_count: vec![0; n_regions],
        ..Default::default()
    };
    for s in &sums {
        total.minutes += s.minutes;
        total.count += s.count;
        total.long += s.long;
        for (a, b) in total.hist.iter_mut().zip(&s.hist) {
            *a += b;
        }
        for (a, b) in total.outflow.iter_mut().zip(&s.outflow) {
            *a += b;
        }
        for (a, b) in total.inflow.iter_mut().zip(&s.inflow) {
            *a += b;
        }
        for r in 0..n_regions {
            total.region_minutes[r] += s.region_minutes[r];
            total.region_count[r] += s.region_count[r];
        }
    }
    let scale = world.scale;
    world.travel.update_congestion(
        &total.outflow,
        &total.inflow,
        scale,
        sim.tick as f64 / 12.0,
        &sim.params.commute,
    );
    sim.metrics.commute = total;
}
