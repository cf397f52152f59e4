//! Exact, fast inverse-CDF sampling: binary search over cumulative weights narrowed by a guide
//! table (Chen & Asau 1974), and per-origin gravity tables built on it.
//!
//! A guided search returns exactly what `cum.partition_point(|&c| c <= x)` returns — the same
//! index for the same random number — so it changes speed, never results. The guide only says
//! where to start looking; every answer is checked against its neighbours and falls back to
//! the full search if the guide was off (floating-point rounding at a bucket edge).

/// Fill the guide table of a cumulative array `cum` (ascending): with `k = out.len() - 1`
/// buckets, `out[b]` is the number of entries `<= b * total / k`, and `out[k] = cum.len()`.
pub fn fill_guide<T: GuideIndex>(cum: &[f64], out: &mut [T]) {
    let n = cum.len();
    let k = out.len() - 1;
    let total = cum.last().copied().unwrap_or(0.0);
    let step = total / k as f64;
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

/// `cum.partition_point(|&c| c <= x)` for `0 <= x`, using `guide` (from [`fill_guide`]) to narrow the search.
#[inline]
pub fn guided_search<T: GuideIndex>(cum: &[f64], guide: &[T], x: f64) -> usize {
    let n = cum.len();
    let k = guide.len() - 1;
    let total = cum[n - 1];
    let b = ((x / total) * k as f64) as usize;
    if b < k {
        let (lo, hi) = (guide[b].to_usize(), guide[b + 1].to_usize());
        if (lo == 0 || cum[lo - 1] <= x) && (hi == n || cum[hi] > x) {
            return lo + cum[lo..hi].partition_point(|&c| c <= x);
        }
    }
    cum.partition_point(|&c| c <= x)
}

/// Integer variant of [`fill_guide`] for cumulative counts starting after `base`
/// (`span = cum[n-1] - base`): thresholds `base + ceil(b * span / k)`, so that a count `x` in
/// bucket `floor((x - base) * k / span)` always lies within its bucket's bounds.
pub fn fill_guide_u64<T: GuideIndex>(cum: &[u64], base: u64, out: &mut [T]) {
    let n = cum.len();
    let k = out.len() - 1;
    let span = cum.last().map_or(0, |&c| c - base) as u128;
    let mut i = 0;
    for (b, g) in out[..k].iter_mut().enumerate() {
        let t = base + ((b as u128 * span).div_ceil(k as u128)) as u64;
        while i < n && cum[i] <= t {
            i += 1;
        }
        *g = T::from_usize(i);
    }
    out[k] = T::from_usize(n);
}

/// `cum.partition_point(|&c| c <= x)` for `x >= base` with the guide from [`fill_guide_u64`].
#[inline]
pub fn guided_search_u64<T: GuideIndex>(cum: &[u64], guide: &[T], base: u64, x: u64) -> usize {
    let n = cum.len();
    let k = guide.len() - 1;
    let span = cum[n - 1] - base;
    let b = (((x - base) as u128 * k as u128) / span.max(1) as u128) as usize;
    if b < k {
        let (lo, hi) = (guide[b].to_usize(), guide[b + 1].to_usize());
        if (lo == 0 || cum[lo - 1] <= x) && (hi == n || cum[hi] > x) {
            return lo + cum[lo..hi].partition_point(|&c| c <= x);
        }
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
    /// Guide table (`cum.len() + 1` entries, or empty when the total is not positive).
    pub guide: Vec<u32>,
}

impl CumTable {
    /// Rebuild the guide after `cum` changed.
    pub fn rebuild_guide(&mut self) {
        self.guide.clear();
        if self.cum.last().is_some_and(|&t| t > 0.0) {
            self.guide.resize(self.cum.len() + 1, 0);
            fill_guide(&self.cum, &mut self.guide);
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
            guided_search(&self.cum, &self.guide, x)
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
    /// `zones.len() + 1` guide entries per row.
    guide: Vec<u16>,
}

impl GravityTable {
    /// Rebuild for zone weights `w` (`[origin * n_zones + dest]`), masses per zone, and the
    /// origins that will be sampled from (`origins[z]`). Parallel over rows.
    pub fn rebuild(&mut self, w: &[f32], mass: &[f64], origins: &[bool]) {
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
        self.cum.resize(rows * m, 0.0);
        self.guide.resize(rows * (m + 1), 0);
        if m == 0 {
            return;
        }
        let origin_list: Vec<usize> = (0..nz).filter(|&o| origins[o]).collect();
        let zones = &self.zones;
        let mz: Vec<f64> = zones.iter().map(|&z| mass[z as usize]).collect();
        self.cum
            .par_chunks_mut(m)
            .zip(self.guide.par_chunks_mut(m + 1))
            .zip(origin_list.par_iter())
            .for_each(|((row, guide), &o)| {
                let wr = &w[o * nz..(o + 1) * nz];
                let mut acc = 0.0;
                for ((c, &z), &ms) in row.iter_mut().zip(zones).zip(&mz) {
                    acc += wr[z as usize] as f64 * ms;
                    *c = acc;
                }
                if acc > 0.0 {
                    fill_guide(row, guide);
                }
            });
    }

    /// A zone sampled from origin `o`'s row with uniform `u` in [0, 1), drawn only when the row's
    /// total is positive; `None` when it is not (or `o` has no row).
    #[inline]
    pub fn sample(&self, o: usize, draw: impl FnOnce() -> f64) -> Option<usize> {
        let m = self.zones.len();
        let r = *self.row_of.get(o)? as usize;
        if m == 0 || r == u32::MAX as usize {
            return None;
        }
        let row = &self.cum[r * m..(r + 1) * m];
        let total = row[m - 1];
        if total <= 0.0 {
            return None;
        }
        let x = draw() * total;
        let i = guided_search(row, &self.guide[r * (m + 1)..(r + 1) * (m + 1)], x);
        // Past the last zone with mass (x rounded up to the total): the last zone of all, as
        // a search over the full row would give.
        Some(if i < m {
            self.zones[i] as usize
        } else {
            self.n_zones - 1
        })
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
                fill_guide(&cum, &mut g);
                for _ in 0..2000 {
                    let x = rng.random::<f64>() * acc;
                    assert_eq!(guided_search(&cum, &g, x), cum.partition_point(|&c| c <= x));
                }
                for x in [0.0, acc, acc * (1.0 - 1e-16), cum[n / 2]] {
                    assert_eq!(guided_search(&cum, &g, x), cum.partition_point(|&c| c <= x));
                }
            }
        }
    }

    #[test]
    fn guided_search_u64_equals_binary_search() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        for n in [1usize, 2, 5, 50, 500] {
            let base = rng.random_range(0..1000u64);
            let mut cum = Vec::new();
            let mut acc = base;
            for _ in 0..n {
                acc += rng.random_range(0..4u64).pow(3);
                cum.push(acc);
            }
            if acc == base {
                continue;
            }
            let span = acc - base;
            for k in [1, n, 2 * n + 1] {
                let mut g = vec![0u32; k + 1];
                fill_guide_u64(&cum, base, &mut g);
                for x in base..=acc {
                    assert_eq!(
                        guided_search_u64(&cum, &g, base, x),
                        cum.partition_point(|&c| c <= x),
                        "n {n} k {k} x {x} span {span}"
                    );
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
        t.rebuild(&w, &mass, &origins);
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
