//! Phase `fields`: per-cell counts, the knowledge-spillover field, founding rates and the
//! sampling tables (free floor space, open incubators) the agent phases draw from.

use rayon::prelude::*;

use super::Simulation;
use crate::sampling::CumTable;
use crate::world::agents::flags;

/// Cap on the access term of the founding rate (free incubator seats and maker space near a
/// cell): beyond it more space nearby raises founding no further (docs/ODD.md §7.18).
const MAX_SPACE_ACCESS: f64 = 1.5;
/// Cells per guide bucket of the floor-space sampling tables at small scales.
const GUIDE_CELLS_SMALL: usize = 4;
use crate::types::{FirmKind, Use};

/// What the phase makes each month for the phases after it (`Simulation::step` hands it on):
/// founding rates for `workers`, sampling tables of free space for `firms` and `workers`, the
/// zone index and free homes for `workers`, `matching::vacancy_table` and `entrants`,
/// and the incubators with a free seat. Its buffers are reused from month to month.
#[derive(Default)]
pub struct FieldTables {
    /// Per-cell founding rate of a tech worker (before personal multipliers).
    pub found_tech: Vec<f32>,
    /// Per-cell founding rate of another worker.
    pub found_other: Vec<f32>,
    /// Cumulative free floor space per use over cells.
    pub free_cum: Vec<CumTable>,
    /// Cumulative floor space per use over cells.
    pub cap_cum: Vec<CumTable>,
    /// Incubators with a free seat this month.
    pub open_incubators: Vec<u32>,
    /// Cells grouped by travel zone (zone order).
    pub zone_order: Vec<u32>,
    /// Start of each zone in `zone_order` (`n_zones + 1` entries).
    pub zone_start: Vec<u32>,
    /// exp(−free-flow minutes / search decay) between zones, `[from * n_zones + to]`.
    pub grav_w: Vec<f32>,
    /// `ln(1 + K)` per cell this month (the knowledge term of location and home choices).
    pub ln1p_knowledge: Vec<f64>,
    /// Travel-network version `grav_w` was built for.
    grav_version: u32,
    /// Cumulative free residential floor space over `zone_order`.
    pub res_cum: Vec<f64>,
    /// Per zone: free residential floor space.
    pub res_zone: Vec<f64>,
    /// Zones with residents (the origins of job searches).
    pub zone_has_residents: Vec<bool>,
    /// The knowledge kernel (the phase's own; made on the phase's first run, from parameters
    /// and a grid that never change within a run).
    kernel: Kernel,
    /// Raw knowledge sources per cell (the phase's own work buffer).
    k_source: Vec<f64>,
}

/// The distance-decay kernel of knowledge spillovers: weights over a square window.
#[derive(Default)]
struct Kernel {
    /// Weights, row-major over the `(2r + 1)²` window.
    weights: Vec<f64>,
    /// Radius in cells.
    r: usize,
}

impl Kernel {
    /// Build the kernel F = Σ w·exp(−d/decay) on cells of `cell` km, cut at `cutoff_decays`
    /// decay lengths.
    fn new(kp: &crate::params::KnowledgeParams, cell: f64) -> Kernel {
        let cutoff = kp.decay_km * kp.cutoff_decays;
        let r = (cutoff / cell).ceil() as usize;
        let side = 2 * r + 1;
        let mut kernel = vec![0.0; side * side];
        for dy in 0..side {
            for dx in 0..side {
                let d = (((dx as f64 - r as f64).powi(2) + (dy as f64 - r as f64).powi(2)).sqrt())
                    * cell;
                if d <= cutoff + 1e-9 {
                    kernel[dy * side + dx] = (-d / kp.decay_km.max(1e-9)).exp();
                }
            }
        }
        Kernel { weights: kernel, r }
    }
}

/// Convolve `src` (row-major `ny × nx`) with the kernel into `out`, in parallel over rows.
///
/// Each output cell adds its terms in the same order as a direct double loop over its window
/// (source row, then column, ascending), so the result is bit-identical to it; the work is
/// arranged as contiguous multiply-adds over row slices (vectorised), and terms that are exactly
/// zero (zero kernel weights, source cells without knowledge) are skipped.
pub fn convolve(src: &[f64], nx: usize, ny: usize, kernel: &[f64], r: usize, out: &mut [f64]) {
    let side = 2 * r + 1;
    // Columns [first, last] holding the non-zero sources of each row (first > last when none).
    let extent: Vec<(usize, usize)> = src
        .chunks(nx)
        .map(|row| {
            let first = row.iter().position(|&v| v != 0.0).unwrap_or(nx);
            let last = row.iter().rposition(|&v| v != 0.0).unwrap_or(0);
            (first, last)
        })
        .collect();
    out.par_chunks_mut(nx)
        .enumerate()
        .for_each(|(row, out_row)| {
            out_row.fill(0.0);
            let y0 = row.saturating_sub(r);
            let y1 = (row + r).min(ny - 1);
            for y in y0..=y1 {
                let (first, last) = extent[y];
                if first > last {
                    continue;
                }
                let krow = &kernel[(y + r - row) * side..(y + r - row + 1) * side];
                let srow = &src[y * nx..(y + 1) * nx];
                for (dx, &k) in krow.iter().enumerate() {
                    if k == 0.0 {
                        continue;
                    }
                    // Output column c reads source column c + dx − r, within [first, last].
                    let c0 = (first + r).saturating_sub(dx);
                    let c1 = (last + r + 1).saturating_sub(dx).min(nx);
                    if c0 >= c1 {
                        continue;
                    }
                    let s0 = c0 + dx - r;
                    for (o, &v) in out_row[c0..c1].iter_mut().zip(&srow[s0..s0 + (c1 - c0)]) {
                        *o += k * v;
                    }
                }
            }
        });
}

/// Guide buckets of the floor-space sampling tables for `n_workers` and `n` cells: two per
/// cell at large scales, where they are drawn from often, one per [`GUIDE_CELLS_SMALL`] cells
/// at small scales, where building them must stay cheap (same results either way).
fn guide_buckets(n_workers: usize, n: usize) -> usize {
    if n_workers >= 1 << 20 {
        2 * n
    } else {
        n / GUIDE_CELLS_SMALL
    }
}

/// Fill one cumulative table per use over the `n` cells from `weight(use, cell)`, in
/// parallel over uses, each with a guide of `guide_buckets`; none for residential space,
/// which nothing samples from these tables (homes have their own, by zone).
fn space_tables(
    tables: &mut Vec<CumTable>,
    n: usize,
    guide_buckets: usize,
    weight: impl Fn(usize, usize) -> f64 + Sync,
) {
    tables.resize(Use::N, CumTable::default());
    tables.par_iter_mut().enumerate().for_each(|(u, t)| {
        t.cum.clear();
        let mut acc = 0.0;
        for c in 0..n {
            acc += weight(u, c);
            t.cum.push(acc);
        }
        t.guide.clear();
        if u != Use::Residential as usize {
            t.rebuild_guide_with(guide_buckets);
        }
    });
}

/// Run the phase: update the world's per-cell counts and knowledge field, and remake `out`.
pub fn run(sim: &mut Simulation, out: &mut FieldTables) {
    let w = &mut sim.world;
    let n = w.grid.n_cells();
    let scale = w.scale;
    let kp = &sim.params.knowledge;

    // Per-cell counts and knowledge sources, in firm order.
    w.cells.jobs.iter_mut().for_each(|v| *v = 0);
    w.cells.startups.iter_mut().for_each(|v| *v = 0);
    if out.kernel.weights.is_empty() {
        out.kernel = Kernel::new(kp, w.grid.cell_km);
    }
    let src = &mut out.k_source;
    src.clear();
    src.resize(n, 0.0);
    let f = &w.firms;
    for i in 0..f.len() {
        if f.flags[i] & flags::ALIVE == 0 {
            continue;
        }
        let c = f.cell[i] as usize;
        w.cells.jobs[c] += f.employees[i];
        if f.kind[i] == FirmKind::Startup as u8 {
            w.cells.startups[c] += 1;
        }
        let tacit = if f.flags[i] & flags::HIGH_TECH != 0 {
            kp.worker_weight * f.employees[i] as f64
        } else {
            0.0
        };
        src[c] += (f.knowledge[i] as f64 + tacit) / scale;
    }
    for u in &w.universities {
        src[u.cell as usize] += kp.university_weight * u.weight;
    }
    let mut field = vec![0.0; n];
    convolve(
        src,
        w.grid.nx,
        w.grid.ny,
        &out.kernel.weights,
        out.kernel.r,
        &mut field,
    );
    if sim.k_ref <= 0.0 {
        let (mut s, mut k) = (0.0, 0usize);
        for c in 0..n {
            if w.cells.jobs[c] > 0 {
                s += field[c];
                k += 1;
            }
        }
        sim.k_ref = if k > 0 && s > 0.0 { s / k as f64 } else { 1.0 };
    }
    for c in 0..n {
        w.cells.knowledge[c] = field[c] / sim.k_ref;
    }

    // Sampling tables of free floor space and of floor space per use.
    let guide_buckets = guide_buckets(w.workers.len(), n);
    let cells = &w.cells;
    space_tables(&mut out.free_cum, n, guide_buckets, |u, c| {
        cells.free(Use::from_index(u), c)
    });
    space_tables(&mut out.cap_cum, n, guide_buckets, |u, c| {
        cells.capacity[[u, c]]
    });

    // Zone index, gravity weights and free homes by zone.
    let nz = w.travel.n_zones();
    if out.zone_start.len() != nz + 1 {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&c| (w.travel.cell_zone[c as usize], c));
        let mut start = vec![0u32; nz + 1];
        for &c in &order {
            start[w.travel.cell_zone[c as usize] as usize + 1] += 1;
        }
        for z in 0..nz {
            start[z + 1] += start[z];
        }
        out.zone_order = order;
        out.zone_start = start;
    }
    if out.grav_version != w.travel.version || out.grav_w.len() != nz * nz {
        let tau = sim.params.workers.search_decay_min.max(1e-6) as f32;
        let mut g = vec![0f32; nz * nz];
        g.par_chunks_mut(nz).enumerate().for_each(|(h, row)| {
            for (z, v) in row.iter_mut().enumerate() {
                *v = (-w.travel.base[h * nz + z] / tau).exp();
            }
        });
        out.grav_w = g;
        out.grav_version = w.travel.version;
    }
    let sc = &mut *out;
    sc.res_cum.clear();
    sc.res_zone.clear();
    sc.res_zone.resize(nz, 0.0);
    sc.zone_has_residents.clear();
    sc.zone_has_residents.resize(nz, false);
    for c in 0..n {
        if w.cells.residents[c] > 0 {
            sc.zone_has_residents[w.travel.cell_zone[c] as usize] = true;
        }
    }
    let mut acc = 0.0;
    for z in 0..nz {
        for &c in &sc.zone_order[sc.zone_start[z] as usize..sc.zone_start[z + 1] as usize] {
            let f = w.cells.free(Use::Residential, c as usize);
            acc += f;
            sc.res_zone[z] += f;
            sc.res_cum.push(acc);
        }
    }

    // Incubators with a free seat.
    let seat = 1.0 / scale;
    out.open_incubators.clear();
    for i in 0..w.incubators.len() {
        if w.incubators.used[i] + seat <= w.incubators.seats[i] + 1e-9 {
            out.open_incubators.push(i as u32);
        }
    }

    // Founding rates: rate ∝ talent^a·(1 + s·ln(1+K))·(access to incubators or maker space).
    let sp = &sim.params.startups;
    let reach = sim.params.incubators.reach_km;
    let mut access = vec![0u8; n];
    for &i in &out.open_incubators {
        let (x, y) = w.grid.centre(w.incubators.cell[i as usize] as usize);
        for c in crate::world::places::cells_within(&w.grid, x, y, reach) {
            access[c as usize] = 1;
        }
    }
    let maker_seat = sim.params.firms.m2_per_worker.maker / scale;
    let (mut tsum, mut tcount) = (0.0, 0usize);
    for c in 0..n {
        if w.cells.residents[c] > 0 {
            tsum += w.cells.tech_residents[c] as f64;
            tcount += 1;
        }
    }
    let mean_talent = if tcount > 0 {
        (tsum / tcount as f64).max(1e-9)
    } else {
        1.0
    };
    out.found_tech.resize(n, 0.0);
    out.found_other.resize(n, 0.0);
    out.ln1p_knowledge.resize(n, 0.0);
    let any_sub = sim.policy.any_subsidy();
    for c in 0..n {
        let k = w.cells.knowledge[c];
        let talent = (w.cells.tech_residents[c] as f64 / mean_talent).max(1e-9);
        let space_access = access[c] as f64
            + if w.cells.free(Use::Maker, c) >= maker_seat {
                1.0
            } else {
                0.0
            };
        let avail = 1.0 + sp.incubator_access_gain * space_access.min(MAX_SPACE_ACCESS);
        let sub = if any_sub {
            1.0 + sp.subsidy_founding_gain * sim.policy.startup_subsidy(c)
        } else {
            1.0
        };
        let ln1p_k = (1.0 + k).ln();
        out.ln1p_knowledge[c] = ln1p_k;
        let spill = 1.0 + sp.spillover_gain * ln1p_k;
        out.found_tech[c] =
            (sp.found_rate_tech * talent.powf(sp.talent_elasticity - 1.0) * spill * avail * sub)
                as f32;
        out.found_other[c] = (sp.found_rate_other * avail * sub) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The direct double loop over each output cell's window.
    fn naive_convolve(src: &[f64], nx: usize, ny: usize, kernel: &[f64], r: usize) -> Vec<f64> {
        let side = 2 * r + 1;
        let mut out = vec![0.0; nx * ny];
        for row in 0..ny {
            for col in 0..nx {
                let mut acc = 0.0;
                for y in row.saturating_sub(r)..=(row + r).min(ny - 1) {
                    for x in col.saturating_sub(r)..=(col + r).min(nx - 1) {
                        acc += kernel[(y + r - row) * side + x + r - col] * src[y * nx + x];
                    }
                }
                out[row * nx + col] = acc;
            }
        }
        out
    }

    #[test]
    fn convolution_is_bit_identical_to_the_direct_loop() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (nx, ny, r) = (37, 23, 5);
        let side = 2 * r + 1;
        let kernel: Vec<f64> = (0..side * side)
            .map(|k| {
                let (dx, dy) = ((k % side) as f64 - r as f64, (k / side) as f64 - r as f64);
                let d = (dx * dx + dy * dy).sqrt();
                if d <= r as f64 {
                    (-d / 2.3).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let src: Vec<f64> = (0..nx * ny)
            .map(|i| {
                if (i / nx) % 4 == 1 || rng.random::<f64>() < 0.5 {
                    0.0
                } else {
                    rng.random::<f64>() * 100.0
                }
            })
            .collect();
        let mut out = vec![0.0; nx * ny];
        convolve(&src, nx, ny, &kernel, r, &mut out);
        assert_eq!(out, naive_convolve(&src, nx, ny, &kernel, r));
    }

    #[test]
    fn convolution_spreads_and_decays() {
        let (nx, ny) = (21, 21);
        let mut src = vec![0.0; nx * ny];
        src[10 * nx + 10] = 1.0;
        let r = 4;
        let side = 2 * r + 1;
        let kernel: Vec<f64> = (0..side * side)
            .map(|k| {
                let (dx, dy) = ((k % side) as f64 - r as f64, (k / side) as f64 - r as f64);
                (-(dx * dx + dy * dy).sqrt()).exp()
            })
            .collect();
        let mut out = vec![0.0; nx * ny];
        convolve(&src, nx, ny, &kernel, r, &mut out);
        assert!((out[10 * nx + 10] - 1.0).abs() < 1e-12);
        let naive = naive_convolve(&src, nx, ny, &kernel, r);
        assert_eq!(out, naive);
        assert!(out[10 * nx + 11] > out[10 * nx + 13]);
        assert_eq!(out[0], 0.0);
    }
}
