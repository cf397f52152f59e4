//! Sampling primitives of the hot loop: Gumbel draws for logit choices, prefetch hints, and
//! exact, fast inverse-CDF sampling: binary search over cumulative weights narrowed by a guide
//! table (Chen & Asau 1974), and per-origin gravity tables built on it.
//!
//! A guided search returns exactly what `cum.partition_point(|&c| c <= x)` returns — the same
//! index for the same random number — so it changes speed, never results. With `k` buckets of
//! width `step`, `guide[b]` counts the entries `<= b * step`; a value `x` whose bucket bounds
//! (recomputed with the same arithmetic) enclose it has its answer in `guide[b]..=guide[b+1]`,
//! and when those are equal (the bucket lies inside one entry's interval: the common case for
//! heavy entries) the answer needs no look at `cum` at all. Values at a bucket edge that
//! rounding puts in the wrong bucket fall back to the full binary search.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Gumbel(0, 1) draw (the random part of a logit choice's utility).
#[inline]
pub fn gumbel(rng: &mut ChaCha8Rng) -> f64 {
    gumbel_of(rng.random::<f64>())
}

/// The Gumbel(0, 1) variate of a uniform draw `u` in [0, 1).
#[inline]
pub fn gumbel_of(u: f64) -> f64 {
    let u = u.clamp(1e-12, 1.0 - 1e-12);
    -(-u.ln()).ln()
}

/// Prefetch the cache line holding `x` (a hint; no effect on results).
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint that never faults, and the pointer comes from a reference.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x as *const T as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Fill the guide table of a cumulative array `cum` (ascending) for buckets of width `step`:
/// `out[b]` is the number of entries `<= b * step` for `b < k = out.len() - 1`, and
/// `out[k] = cum.len()`.
pub fn fill_guide<T: GuideIndex>(cum: &[f64], step: f64, out: &mut [T]) {
    let n = cum.len();
    let k = out.len() - 1;
    let mut i = 0;
    for (b, g) in out[..k].iter_mut().enumerate() {
        let t = b as f64 * step;
        while i < n && cum[i] <= t {
            i += 1;
        }
        *g = T::from_usize(i);
    }
    out[k] = T::from_usize(n);
}

/// The bucket width of a guide with `k` buckets over a total.
#[inline]
pub fn guide_step(total: f64, k: usize) -> f64 {
    total / k as f64
}

/// `cum.partition_point(|&c| c <= x)` for `0 <= x`, narrowed by `guide` (from [`fill_guide`]
/// with the same `step`).
#[inline]
pub fn guided_search<T: GuideIndex>(cum: &[f64], guide: &[T], step: f64, x: f64) -> usize {
    let k = guide.len() - 1;
    let b = ((x / step) as usize).min(k - 1);
    if b as f64 * step <= x && (b + 1 == k || x < (b + 1) as f64 * step) {
        let (lo, hi) = (guide[b].to_usize(), guide[b + 1].to_usize());
        if lo == hi {
            return lo;
        }
        return lo + cum[lo..hi].partition_point(|&c| c <= x);
    }
    cum.partition_point(|&c| c <= x)
}

/// Index types a guide table can hold.
pub trait GuideIndex: Copy {
    /// From an index (which must fit).
    fn from_usize(i: usize) -> Self;
    /// To an index.
    fn to_usize(self) -> usize;
}

impl GuideIndex for u16 {
    #[inline]
    fn from_usize(i: usize) -> Self {
        debug_assert!(i <= u16::MAX as usize);
        i as u16
    }
    #[inline]
    fn to_usize(self) -> usize {
        self as usize
    }
}

impl GuideIndex for u32 {
    #[inline]
    fn from_usize(i: usize) -> Self {
        debug_assert!(i <= u32::MAX as usize);
        i as u32
    }
    #[inline]
    fn to_usize(self) -> usize {
        self as usize
    }
}

/// A cumulative-weight table with its guide: sample an index in proportion to its weight.
#[derive(Clone, Debug, Default)]
pub struct CumTable {
    /// Cumulative weights.
    pub cum: Vec<f64>,
    /// Guide table (`2 * cum.len() + 1` entries, or empty when the total is not positive).
    pub guide: Vec<u32>,
    /// Bucket width of the guide.
    pub step: f64,
}

impl CumTable {
    /// A table over cumulative weights, with its guide.
    pub fn new(cum: Vec<f64>) -> CumTable {
        let mut t = CumTable {
            cum,
            ..Default::default()
        };
        t.rebuild_guide();
        t
    }
    /// Rebuild the guide after `cum` changed, with two buckets per entry.
    pub fn rebuild_guide(&mut self) {
        self.rebuild_guide_with(2 * self.cum.len());
    }
    /// Rebuild the guide after `cum` changed, with `k` buckets (at least one): fewer buckets
    /// cost less to build and leave a short binary search within a bucket.
    pub fn rebuild_guide_with(&mut self, k: usize) {
        self.guide.clear();
        if let Some(&total) = self.cum.last().filter(|&&t| t > 0.0) {
            let k = k.max(1);
            self.step = guide_step(total, k);
            self.guide.resize(k + 1, 0);
            fill_guide(&self.cum, self.step, &mut self.guide);
        }
    }
    /// Total weight.
    #[inline]
    pub fn total(&self) -> Option<f64> {
        self.cum.last().copied()
    }
    /// `cum.partition_point(|&c| c <= x).min(len - 1)`: the index whose cumulative interval
    /// holds `x` (`0 <= x`).
    #[inline]
    pub fn find(&self, x: f64) -> usize {
        let i = if self.guide.is_empty() {
            self.cum.partition_point(|&c| c <= x)
        } else {
            guided_search(&self.cum, &self.guide, self.step, x)
        };
        i.min(self.cum.len() - 1)
    }
}

/// Per-origin cumulative gravity weights `Σ_{z' ≤ z} w[o][z'] · mass[z']` over the zones with
/// positive mass, with a guide table per row. Sampling from row `o` gives exactly the zone
/// that a binary search over the full row of all zones would give.
#[derive(Clone, Debug, Default)]
pub struct GravityTable {
    n_zones: usize,
    /// Zones with positive mass, ascending.
    zones: Vec<u16>,
    /// Row of each origin zone in `cum` (`u32::MAX` where the origin was not requested).
    row_of: Vec<u32>,
    /// `zones.len()` cumulative weights per row.
    cum: Vec<f64>,
    /// Per row: total weight and guide bucket width.
    total_step: Vec<(f64, f64)>,
    /// `GUIDE_PER_ZONE * zones.len() + 1` guide entries per row.
    guide: Vec<u16>,
}

/// Guide buckets per zone of a gravity row (more buckets: more samples resolved by the guide
/// alone, a bigger table).
const GUIDE_PER_ZONE: usize = 2;

impl GravityTable {
    /// Rebuild for zone weights `w` (`[origin * n_zones + dest]`), masses per zone, and the
    /// origins that will be sampled from (`origins[z]`). Parallel over rows. Guide tables are
    /// built when `expected_samples` make them worth their cost (results are the same either way).
    pub fn rebuild(&mut self, w: &[f32], mass: &[f64], origins: &[bool], expected_samples: usize) {
        use rayon::prelude::*;
        let nz = mass.len();
        debug_assert!(nz <= u16::MAX as usize && w.len() == nz * nz && origins.len() == nz);
        self.n_zones = nz;
        self.zones.clear();
        self.zones
            .extend((0..nz).filter(|&z| mass[z] > 0.0).map(|z| z as u16));
        self.row_of.clear();
        let mut rows = 0u32;
        for &o in origins {
            self.row_of.push(if o {
                rows += 1;
                rows - 1
            } else {
                u32::MAX
            });
        }
        let m = self.zones.len();
        let rows = rows as usize;
        // A guide costs a few operations per entry and saves a few per sample.
        let guides = expected_samples > rows * m / 3;
        let k = if guides { GUIDE_PER_ZONE * m } else { 0 };
        self.cum.resize(rows * m, 0.0);
        self.guide.resize(rows * (k + 1), 0);
        self.total_step.resize(rows, (0.0, 0.0));
        if m == 0 {
            return;
        }
        debug_assert!(k < u16::MAX as usize);
        let origin_list: Vec<usize> = (0..nz).filter(|&o| origins[o]).collect();
        let zones = &self.zones;
        let mz: Vec<f64> = zones.iter().map(|&z| mass[z as usize]).collect();
        self.cum
            .par_chunks_mut(m)
            .zip(self.guide.par_chunks_mut(k + 1))
            .zip(self.total_step.par_iter_mut())
            .zip(origin_list.par_iter())
            .for_each(|(((row, guide), ts), &o)| {
                let wr = &w[o * nz..(o + 1) * nz];
                let mut acc = 0.0;
                for ((c, &z), &ms) in row.iter_mut().zip(zones).zip(&mz) {
                    acc += wr[z as usize] as f64 * ms;
                    *c = acc;
                }
                let step = guide_step(acc, k.max(1));
                *ts = (acc, step);
                if acc > 0.0 && k > 0 {
                    fill_guide(row, step, guide);
                }
            });
    }

    /// A zone sampled from origin `o`'s row with uniform `u` in [0, 1), drawn only when the row's
    /// total is positive; `None` when it is not (or `o` has no row).
    #[inline]
    pub fn sample(&self, o: usize, draw: impl FnOnce() -> f64) -> Option<usize> {
        let row = self.row(o)?;
        Some(row.zone(draw() * row.total))
    }

    /// Origin `o`'s row, when it has one with a positive total.
    #[inline]
    pub fn row(&self, o: usize) -> Option<GravityRow<'_>> {
        let m = self.zones.len();
        let r = *self.row_of.get(o)? as usize;
        if m == 0 || r == u32::MAX as usize {
            return None;
        }
        let (total, step) = self.total_step[r];
        if total <= 0.0 {
            return None;
        }
        let k = self.guide.len() / self.total_step.len() - 1;
        Some(GravityRow {
            cum: &self.cum[r * m..(r + 1) * m],
            guide: &self.guide[r * (k + 1)..(r + 1) * (k + 1)],
            total,
            step,
            zones: &self.zones,
            n_zones: self.n_zones,
        })
    }
}

/// One origin's row of a [`GravityTable`].
#[derive(Clone, Copy, Debug)]
pub struct GravityRow<'a> {
    cum: &'a [f64],
    guide: &'a [u16],
    /// Total weight (positive).
    pub total: f64,
    step: f64,
    zones: &'a [u16],
    n_zones: usize,
}

impl GravityRow<'_> {
    /// The zone whose cumulative interval holds `x` (`0 <= x <= total`).
    #[inline]
    pub fn zone(&self, x: f64) -> usize {
        let i = if self.guide.len() > 1 {
            guided_search(self.cum, self.guide, self.step, x)
        } else {
            self.cum.partition_point(|&c| c <= x)
        };
        // Past the last zone with mass (x rounded up to the total): the last zone of all, as
        // a search over the full row would give.
        if i < self.zones.len() {
            self.zones[i] as usize
        } else {
            self.n_zones - 1
        }
    }
    /// A reference into the guide entry that [`GravityRow::zone`] will read for `x` (to prefetch).
    #[inline]
    pub fn guide_entry(&self, x: f64) -> &u16 {
        let k = self.guide.len() - 1;
        &self.guide[((x / self.step) as usize).min(k.max(1) - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn guided_search_equals_binary_search() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [1usize, 2, 3, 10, 100, 1000] {
            // Skewed weights with runs of zeros.
            let mut cum = Vec::new();
            let mut acc = 0.0;
            for i in 0..n {
                let w = if i % 7 == 3 {
                    0.0
                } else {
                    rng.random::<f64>().powi(8) * 1e3
                };
                acc += w;
                cum.push(acc);
            }
            if acc <= 0.0 {
                continue;
            }
            for k in [1, n / 2 + 1, n, 3 * n] {
                let mut g = vec![0u32; k + 1];
                let step = guide_step(acc, k);
                fill_guide(&cum, step, &mut g);
                let check = |x: f64| {
                    assert_eq!(
                        guided_search(&cum, &g, step, x),
                        cum.partition_point(|&c| c <= x),
                        "n {n} k {k} x {x}"
                    )
                };
                for _ in 0..2000 {
                    check(rng.random::<f64>() * acc);
                }
                let edges: Vec<f64> = (0..=k).map(|b| b as f64 * step).collect();
                for &x in [0.0, acc, acc * (1.0 - 1e-16)]
                    .iter()
                    .chain(&edges)
                    .chain(&cum)
                {
                    for x in [
                        x,
                        f64::from_bits(x.to_bits().saturating_sub(1)),
                        f64::from_bits(x.to_bits() + 1),
                    ] {
                        check(x);
                    }
                }
            }
        }
    }

    #[test]
    fn gravity_table_matches_full_rows() {
        let nz = 40;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let w: Vec<f32> = (0..nz * nz).map(|_| rng.random::<f32>()).collect();
        let mass: Vec<f64> = (0..nz)
            .map(|z| if z % 3 == 0 { 0.0 } else { rng.random::<f64>() })
            .collect();
        let origins: Vec<bool> = (0..nz).map(|z| z % 5 != 1).collect();
        let mut t = GravityTable::default();
        t.rebuild(&w, &mass, &origins, usize::MAX);
        let mut plain = GravityTable::default();
        plain.rebuild(&w, &mass, &origins, 0);
        for o in 0..nz {
            let mut full = Vec::new();
            let mut acc = 0.0;
            for z in 0..nz {
                acc += w[o * nz + z] as f64 * mass[z];
                full.push(acc);
            }
            for _ in 0..500 {
                let u: f64 = rng.random();
                let got = t.sample(o, || u);
                assert_eq!(got, plain.sample(o, || u));
                if !origins[o] {
                    assert_eq!(got, None);
                    continue;
                }
                let x = u * acc;
                let want = full.partition_point(|&c| c <= x).min(nz - 1);
                assert_eq!(got, Some(want));
            }
            if origins[o] {
                let u = 1.0 - f64::EPSILON / 2.0;
                let x = u * acc;
                let want = full.partition_point(|&c| c <= x).min(nz - 1);
                assert_eq!(t.sample(o, || u), Some(want));
            }
        }
    }
}
