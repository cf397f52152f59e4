//! Variance-based global sensitivity analysis: the Saltelli (2010) sampling design and
//! first-order / total Sobol' indices with bootstrap confidence intervals.
//!
//! # Workflow
//!
//! 1. `let d = saltelli_design(k, n, seed);` — `n * (k + 2)` points in `[0, 1)^k`.
//! 2. Map every row to parameter values (e.g. `lo + u * (hi - lo)`), run the model, and
//!    collect one scalar output per row **in row order**.
//! 3. `sobol_indices(k, n, &outputs, bootstrap, seed, level)`.
//!
//! # Estimators
//!
//! With `V` the variance of the pooled outputs `f(A)`, `f(B)` (divisor `2n`):
//!
//! * first order (Saltelli et al. 2010): `S_i = mean_j[ f(B)_j (f(AB_i)_j - f(A)_j) ] / V`
//! * total effect (Jansen 1999): `ST_i = mean_j[ (f(A)_j - f(AB_i)_j)^2 ] / (2 V)`
//!
//! Before estimation the outputs are centred on the pooled mean of `f(A)` and `f(B)` (as
//! SALib does), which makes the estimates invariant to adding a constant to the model
//! output and reduces their variance. Estimates are not clamped to `[0, 1]`: small negative
//! first-order values are ordinary sampling noise for unimportant parameters.
//!
//! Confidence intervals are bootstrap percentile intervals obtained by resampling the base
//! sample index `j` with replacement (each resample keeps the `A`, `B`, `AB_1..AB_k` rows of
//! a base sample together). Bootstrap replicate `b` uses ChaCha8 stream `b` of `seed`, so
//! results are identical however many threads rayon uses.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::rng::{below, chacha, unit_f64};
use super::summary::quantile_sorted;
use super::{check_level, StatsError};

/// What a row of a [`SaltelliDesign`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RowKind {
    /// Row of the first base matrix `A`.
    A,
    /// Row of the second base matrix `B`.
    B,
    /// Row of `AB_i`: the `A` row with column `i` (0-based) taken from the `B` row.
    AB(usize),
}

/// A Saltelli (2010) design: `n` base samples, each expanded into `k + 2` rows.
///
/// Row order (fixed and relied upon by [`sobol_indices`]): for each base sample
/// `j in 0..n`, the row of `A`, the row of `B`, then `AB_0 .. AB_{k-1}`, where `AB_i` is
/// the `A` row with column `i` replaced by the `B` column. Row `r` therefore belongs to base
/// sample `r / (k + 2)`.
///
/// The base matrices `A` and `B` are **pseudo-random** (i.i.d. uniform from ChaCha8, not a
/// low-discrepancy sequence), which is exactly what the bootstrap over base samples assumes.
/// Values lie in `[0, 1)`. For base sample `j` the generator emits the `k` values of
/// `A_j` followed by the `k` values of `B_j`, so a design with `n` base samples is a prefix
/// of the design with `n' > n` base samples for the same seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaltelliDesign {
    k: usize,
    n: usize,
    seed: u64,
    /// Row-major `n * (k + 2)` rows of `k` values.
    points: Vec<f64>,
}

/// Generates a Saltelli design with `k` parameters and `n` base samples from `seed`.
///
/// Returns `n * (k + 2)` rows of length `k` (see [`SaltelliDesign`] for the order). The
/// design holds `n * (k + 2) * k` floats; choose `n` accordingly (a few thousand base
/// samples are typical). `k == 0` or `n == 0` give a design without points.
pub fn saltelli_design(k: usize, n: usize, seed: u64) -> SaltelliDesign {
    let mut rng = chacha(seed, 0);
    // Pre-allocate, but never let an absurd request turn into a capacity-overflow panic.
    let size = n.saturating_mul(k.saturating_add(2)).saturating_mul(k);
    let mut points = Vec::with_capacity(size.min(1 << 26));
    let mut a = vec![0.0; k];
    let mut b = vec![0.0; k];
    if k > 0 {
        for _ in 0..n {
            a.iter_mut().for_each(|x| *x = unit_f64(&mut rng));
            b.iter_mut().for_each(|x| *x = unit_f64(&mut rng));
            points.extend_from_slice(&a);
            points.extend_from_slice(&b);
            for i in 0..k {
                let start = points.len();
                points.extend_from_slice(&a);
                points[start + i] = b[i];
            }
        }
    }
    SaltelliDesign { k, n, seed, points }
}

impl SaltelliDesign {
    /// Number of parameters (columns).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Number of base samples.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Seed the design was generated from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of rows (`n * (k + 2)`, or 0 if `k == 0`).
    pub fn len(&self) -> usize {
        self.points.len().checked_div(self.k).unwrap_or(0)
    }

    /// `true` if the design has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `r` as a slice of `k` values in `[0, 1)`, or `None` if out of range.
    pub fn row(&self, r: usize) -> Option<&[f64]> {
        let start = r.checked_mul(self.k)?;
        let end = start.checked_add(self.k)?;
        if r < self.len() {
            self.points.get(start..end)
        } else {
            None
        }
    }

    /// Iterates over the rows in design order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        (0..self.len()).map(move |r| &self.points[r * self.k..(r + 1) * self.k])
    }

    /// Copies the rows into a `Vec` of rows.
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        self.rows().map(<[f64]>::to_vec).collect()
    }

    /// The base sample index and kind of row `r`, or `None` if out of range.
    pub fn row_kind(&self, r: usize) -> Option<(usize, RowKind)> {
        if r >= self.len() {
            return None;
        }
        let block = self.k + 2;
        let kind = match r % block {
            0 => RowKind::A,
            1 => RowKind::B,
            m => RowKind::AB(m - 2),
        };
        Some((r / block, kind))
    }
}

/// Sobol' indices of one parameter with bootstrap percentile confidence intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndex {
    /// Parameter (column) index, 0-based.
    pub param: usize,
    /// First-order index `S_i` (Saltelli 2010 estimator).
    pub first: f64,
    /// Bootstrap percentile interval `(low, high)` for `S_i`.
    pub first_ci: (f64, f64),
    /// Total-effect index `ST_i` (Jansen 1999 estimator).
    pub total: f64,
    /// Bootstrap percentile interval `(low, high)` for `ST_i`.
    pub total_ci: (f64, f64),
}

/// Estimates first-order and total Sobol' indices from model outputs on a
/// [`saltelli_design`] with `k` parameters and `n` base samples.
///
/// `outputs[r]` is the model output for design row `r` (design order). `bootstrap` is the
/// number of bootstrap resamples (at least 2; several hundred to a few thousand is usual),
/// `seed` drives the resampling and `level` is the confidence level of the percentile
/// intervals (e.g. `0.95`). The result has one [`SobolIndex`] per parameter, in order.
///
/// # Errors
///
/// * [`StatsError::InvalidArgument`] if `k == 0`, `n < 2` or `bootstrap < 2`;
/// * [`StatsError::InvalidLevel`] unless `0 < level < 1`;
/// * [`StatsError::OutputLength`] if `outputs.len() != n * (k + 2)`;
/// * [`StatsError::NonFiniteOutput`] if any output is NaN or infinite;
/// * [`StatsError::ZeroVariance`] if the pooled `f(A)`, `f(B)` outputs are constant.
///
/// Bootstrap resamples whose own pooled variance happens to be zero are left out of the
/// percentile computation (this can only happen for nearly constant outputs).
pub fn sobol_indices(
    k: usize,
    n: usize,
    outputs: &[f64],
    bootstrap: usize,
    seed: u64,
    level: f64,
) -> Result<Vec<SobolIndex>, StatsError> {
    if k == 0 {
        return Err(StatsError::InvalidArgument("k must be at least 1".into()));
    }
    if n < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "need at least 2 base samples, got {n}"
        )));
    }
    if bootstrap < 2 {
        return Err(StatsError::InvalidArgument(format!(
            "need at least 2 bootstrap resamples, got {bootstrap}"
        )));
    }
    check_level(level)?;
    let block = k.checked_add(2);
    let expected = block.and_then(|b| n.checked_mul(b)).ok_or_else(|| {
        StatsError::InvalidArgument(format!("design size n * (k + 2) overflows: n={n}, k={k}"))
    })?;
    let block = k + 2; // cannot overflow: checked above
    if outputs.len() != expected {
        return Err(StatsError::OutputLength {
            expected,
            got: outputs.len(),
        });
    }
    if let Some((row, &value)) = outputs.iter().enumerate().find(|(_, y)| !y.is_finite()) {
        return Err(StatsError::NonFiniteOutput { row, value });
    }

    // Centre on the pooled mean of f(A) and f(B).
    let pooled_sum: f64 = outputs
        .chunks_exact(block)
        .map(|c| c[0] + c[1])
        .sum::<f64>();
    let centre = pooled_sum / (2 * n) as f64;
    let y: Vec<f64> = outputs.iter().map(|v| v - centre).collect();

    let point = estimate(&y, k, 0..n).ok_or(StatsError::ZeroVariance)?;

    let replicates: Vec<Estimate> = (0..bootstrap)
        .into_par_iter()
        .filter_map(|b| {
            let mut rng = chacha(seed, b as u64);
            let draws = (0..n).map(|_| below(&mut rng, n as u64) as usize);
            estimate(&y, k, draws)
        })
        .collect();
    if replicates.is_empty() {
        return Err(StatsError::ZeroVariance);
    }

    let lo_p = 0.5 * (1.0 - level);
    let hi_p = 0.5 * (1.0 + level);
    let interval = |mut v: Vec<f64>| -> (f64, f64) {
        v.sort_by(f64::total_cmp);
        // `v` is non-empty and finite, so both quantiles exist.
        (
            quantile_sorted(&v, lo_p).unwrap_or(f64::NAN),
            quantile_sorted(&v, hi_p).unwrap_or(f64::NAN),
        )
    };
    Ok((0..k)
        .map(|i| SobolIndex {
            param: i,
            first: point.first[i],
            first_ci: interval(replicates.iter().map(|e| e.first[i]).collect()),
            total: point.total[i],
            total_ci: interval(replicates.iter().map(|e| e.total[i]).collect()),
        })
        .collect())
}

/// Point estimates of all first-order and total indices.
struct Estimate {
    first: Vec<f64>,
    total: Vec<f64>,
}

/// Computes the estimators over the base samples listed in `samples` (with repetition for
/// bootstrap resamples). `y` holds the centred outputs in design order. Returns `None` if
/// the pooled variance is not positive or an estimate is not finite.
fn estimate(y: &[f64], k: usize, samples: impl Iterator<Item = usize>) -> Option<Estimate> {
    let block = k + 2;
    let mut count = 0usize;
    let (mut s, mut ss) = (0.0, 0.0);
    let mut first = vec![0.0; k];
    let mut total = vec![0.0; k];
    for j in samples {
        let row = &y[j * block..(j + 1) * block];
        let (fa, fb) = (row[0], row[1]);
        s += fa + fb;
        ss += fa * fa + fb * fb;
        for (i, &fab) in row[2..].iter().enumerate() {
            first[i] += fb * (fab - fa);
            let d = fa - fab;
            total[i] += d * d;
        }
        count += 1;
    }
    if count == 0 {
        return None;
    }
    let m = 2.0 * count as f64;
    let mean = s / m;
    let var = ss / m - mean * mean;
    if var.is_nan() || var <= 0.0 || var.is_infinite() {
        return None;
    }
    let nf = count as f64;
    first.iter_mut().for_each(|v| *v /= nf * var);
    total.iter_mut().for_each(|v| *v /= 2.0 * nf * var);
    if first.iter().chain(&total).all(|v| v.is_finite()) {
        Some(Estimate { first, total })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Evaluates `f` on every row of the design, mapping `[0, 1)` to `[lo, hi)`.
    fn run(d: &SaltelliDesign, lo: f64, hi: f64, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        d.rows()
            .map(|r| {
                let x: Vec<f64> = r.iter().map(|u| lo + u * (hi - lo)).collect();
                f(&x)
            })
            .collect()
    }

    fn ishigami(x: &[f64]) -> f64 {
        let (a, b) = (7.0, 0.1);
        x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
    }

    /// Analytic (first, total) indices of the Ishigami function with a = 7, b = 0.1.
    fn ishigami_analytic() -> [(f64, f64); 3] {
        let (a, b) = (7.0f64, 0.1f64);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
    }

    #[test]
    fn analytic_values_match_literature() {
        let want = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
        for (got, want) in ishigami_analytic().iter().zip(want) {
            assert!((got.0 - want.0).abs() < 1e-4 && (got.1 - want.1).abs() < 1e-4);
        }
    }

    #[test]
    fn design_layout() {
        let d = saltelli_design(3, 5, 42);
        assert_eq!((d.k(), d.n(), d.len()), (3, 5, 25));
        assert!(d.rows().flatten().all(|&u| (0.0..1.0).contains(&u)));
        for j in 0..5 {
            let a = d.row(j * 5).unwrap();
            let b = d.row(j * 5 + 1).unwrap();
            assert_eq!(d.row_kind(j * 5), Some((j, RowKind::A)));
            assert_eq!(d.row_kind(j * 5 + 1), Some((j, RowKind::B)));
            for i in 0..3 {
                let ab = d.row(j * 5 + 2 + i).unwrap();
                assert_eq!(d.row_kind(j * 5 + 2 + i), Some((j, RowKind::AB(i))));
                for c in 0..3 {
                    assert_eq!(ab[c], if c == i { b[c] } else { a[c] });
                }
            }
        }
        assert_eq!(d.row(25), None);
        assert_eq!(d.row_kind(25), None);
        assert_eq!(d.to_rows().len(), 25);
    }

    #[test]
    fn design_is_deterministic_and_nested() {
        let d1 = saltelli_design(4, 10, 9);
        assert_eq!(d1, saltelli_design(4, 10, 9));
        assert_ne!(d1.to_rows(), saltelli_design(4, 10, 10).to_rows());
        let big = saltelli_design(4, 20, 9);
        assert_eq!(d1.to_rows()[..], big.to_rows()[..d1.len()]);
    }

    #[test]
    fn empty_designs_do_not_panic() {
        let d = saltelli_design(0, 10, 1);
        assert!(d.is_empty());
        assert_eq!(d.rows().count(), 0);
        assert_eq!(d.row(0), None);
        assert!(saltelli_design(3, 0, 1).is_empty());
    }

    #[test]
    fn ishigami_indices_within_bootstrap_ci() {
        let (k, n) = (3, 8192);
        let d = saltelli_design(k, n, 2024);
        let y = run(&d, -PI, PI, ishigami);
        let idx = sobol_indices(k, n, &y, 1000, 7, 0.99).unwrap();
        for (s, (first, total)) in idx.iter().zip(ishigami_analytic()) {
            let (f_lo, f_hi) = s.first_ci;
            let (t_lo, t_hi) = s.total_ci;
            assert!(f_lo <= s.first && s.first <= f_hi, "{s:?}");
            assert!(t_lo <= s.total && s.total <= t_hi, "{s:?}");
            assert!(
                f_lo <= first && first <= f_hi,
                "S{}: {first} not in {s:?}",
                s.param
            );
            assert!(
                t_lo <= total && total <= t_hi,
                "ST{}: {total} not in {s:?}",
                s.param
            );
            assert!(f_hi - f_lo < 0.15, "first CI too wide: {s:?}");
            assert!(t_hi - t_lo < 0.15, "total CI too wide: {s:?}");
            assert!((s.first - first).abs() < 0.05 && (s.total - total).abs() < 0.05);
        }
    }

    #[test]
    fn single_active_parameter() {
        let (k, n) = (4, 2048);
        let d = saltelli_design(k, n, 5);
        let y = run(&d, 0.0, 1.0, |x| {
            (2.0 * PI * x[0]).sin() + x[0] * x[0] + 10.0
        });
        let idx = sobol_indices(k, n, &y, 200, 11, 0.95).unwrap();
        assert!((idx[0].first - 1.0).abs() < 0.05, "{:?}", idx[0]);
        assert!((idx[0].total - 1.0).abs() < 0.05, "{:?}", idx[0]);
        for s in &idx[1..] {
            // f(AB_i) == f(A) exactly for inactive parameters.
            assert!(s.first.abs() < 1e-12 && s.total.abs() < 1e-12, "{s:?}");
            assert!(s.first_ci.0.abs() < 1e-12 && s.first_ci.1.abs() < 1e-12);
            assert!(s.total_ci.0.abs() < 1e-12 && s.total_ci.1.abs() < 1e-12);
        }
    }

    #[test]
    fn additive_model_and_shift_invariance() {
        // f = x0 + 2 x1 on [0,1)^3: S = ST = (1/5, 4/5, 0).
        let (k, n) = (3, 4096);
        let d = saltelli_design(k, n, 77);
        let y = run(&d, 0.0, 1.0, |x| x[0] + 2.0 * x[1]);
        let idx = sobol_indices(k, n, &y, 300, 1, 0.95).unwrap();
        for (s, want) in idx.iter().zip([0.2, 0.8, 0.0]) {
            assert!((s.first - want).abs() < 0.05, "{s:?}");
            assert!((s.total - want).abs() < 0.05, "{s:?}");
        }
        let shifted: Vec<f64> = y.iter().map(|v| v + 1e6).collect();
        let idx2 = sobol_indices(k, n, &shifted, 300, 1, 0.95).unwrap();
        for (a, b) in idx.iter().zip(&idx2) {
            assert!((a.first - b.first).abs() < 1e-6 && (a.total - b.total).abs() < 1e-6);
        }
    }

    #[test]
    fn bootstrap_is_deterministic() {
        let (k, n) = (3, 256);
        let d = saltelli_design(k, n, 3);
        let y = run(&d, -PI, PI, ishigami);
        let a = sobol_indices(k, n, &y, 100, 99, 0.9).unwrap();
        let b = sobol_indices(k, n, &y, 100, 99, 0.9).unwrap();
        assert_eq!(a, b);
        let c = sobol_indices(k, n, &y, 100, 100, 0.9).unwrap();
        assert_ne!(a, c);
        // Point estimates do not depend on the bootstrap seed.
        for (x, z) in a.iter().zip(&c) {
            assert_eq!((x.first, x.total), (z.first, z.total));
        }
    }

    #[test]
    fn errors_on_bad_input() {
        let (k, n) = (2, 8);
        let d = saltelli_design(k, n, 1);
        let y = run(&d, 0.0, 1.0, |x| x[0] - x[1]);
        assert!(sobol_indices(k, n, &y, 50, 1, 0.95).is_ok());
        assert_eq!(
            sobol_indices(k, n, &y[1..], 50, 1, 0.95),
            Err(StatsError::OutputLength {
                expected: 32,
                got: 31
            })
        );
        let mut bad = y.clone();
        bad[5] = f64::NAN;
        assert!(matches!(
            sobol_indices(k, n, &bad, 50, 1, 0.95),
            Err(StatsError::NonFiniteOutput { row: 5, .. })
        ));
        assert_eq!(
            sobol_indices(k, n, &vec![3.0; 32], 50, 1, 0.95),
            Err(StatsError::ZeroVariance)
        );
        assert!(matches!(
            sobol_indices(k, n, &y, 50, 1, 1.0),
            Err(StatsError::InvalidLevel(_))
        ));
        for (kk, nn, bb) in [(0, 8, 50), (2, 1, 50), (2, 8, 1)] {
            assert!(matches!(
                sobol_indices(kk, nn, &y, bb, 1, 0.95),
                Err(StatsError::InvalidArgument(_))
            ));
        }
        assert!(matches!(
            sobol_indices(usize::MAX, 2, &y, 50, 1, 0.95),
            Err(StatsError::InvalidArgument(_))
        ));
    }
}
