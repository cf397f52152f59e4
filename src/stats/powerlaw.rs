//! A discrete power law fitted to the upper tail of a sample (Clauset, Shalizi & Newman 2009,
//! SIAM Review 51: 661–703): for each candidate lower bound `x_min` the exponent by maximum
//! likelihood, and the `x_min` whose fit is closest to the data in the Kolmogorov–Smirnov
//! distance. Used for the firm-size distribution (Axtell 2001: Zipf, a CCDF exponent ≈ 1).

use rayon::prelude::*;

/// A fitted tail: `P(X = x) ∝ x^(−alpha)` for `x ≥ x_min`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TailFit {
    /// Exponent of the probability mass function (CSN's α; Zipf's law is α = 2).
    pub alpha: f64,
    /// Lower bound of the tail.
    pub x_min: u32,
    /// Observations in the tail.
    pub n_tail: usize,
    /// Kolmogorov–Smirnov distance between the tail's empirical and fitted CDFs.
    pub ks: f64,
}

impl TailFit {
    /// Exponent of the complementary CDF, `P(X ≥ x) ∝ x^(−(alpha − 1))`: the Zipf exponent
    /// (Axtell's 1.06 for US firms by employees).
    pub fn zipf(&self) -> f64 {
        self.alpha - 1.0
    }

    /// The fitted `P(X ≥ x | X ≥ x_min)` for `x ≥ x_min`.
    pub fn ccdf(&self, x: u32) -> f64 {
        hurwitz_zeta(self.alpha, x as f64) / hurwitz_zeta(self.alpha, self.x_min as f64)
    }
}

/// Fewest observations a tail may hold: shorter tails fit anything.
pub const MIN_TAIL: usize = 50;

/// Most candidate bounds tried: every distinct value when there are fewer, else this many
/// spread evenly in log over the distinct values (the fit's cost is bounded at real size,
/// where firm sizes take thousands of distinct values).
pub const MAX_CANDIDATES: usize = 120;

/// The Hurwitz zeta function ζ(s, q) = Σ_{k≥0} (q + k)^(−s), for s > 1 and q > 0: a direct
/// sum of the first terms and the Euler–Maclaurin remainder (relative error below 1e-12).
pub fn hurwitz_zeta(s: f64, q: f64) -> f64 {
    const N: usize = 12;
    // B_2k / (2k)! for k = 1..5.
    const B: [f64; 5] = [
        1.0 / 12.0,
        -1.0 / 720.0,
        1.0 / 30240.0,
        -1.0 / 1209600.0,
        1.0 / 47900160.0,
    ];
    let mut sum = 0.0;
    for k in 0..N {
        sum += (q + k as f64).powf(-s);
    }
    let a = q + N as f64;
    sum += a.powf(1.0 - s) / (s - 1.0) + 0.5 * a.powf(-s);
    // Σ B_2k/(2k)! · s(s+1)…(s+2k−2) · a^(−s−2k+1).
    let mut rising = s; // s(s+1)…(s+2k−2)
    let mut pow = a.powf(-s - 1.0);
    for (k, b) in B.iter().enumerate() {
        sum += b * rising * pow;
        let m = 2.0 * k as f64;
        rising *= (s + m + 1.0) * (s + m + 2.0);
        pow /= a * a;
    }
    sum
}

/// The maximum-likelihood exponent of a discrete power law above `x_min`, given the tail's
/// size and its sum of logarithms: the maximum of `−n ln ζ(α, x_min) − α Σ ln x` by
/// golden-section search on [1.01, 6].
fn mle_alpha(x_min: f64, n: f64, sum_ln: f64) -> f64 {
    let ll = |a: f64| -n * hurwitz_zeta(a, x_min).ln() - a * sum_ln;
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut lo, mut hi) = (1.01, 6.0);
    let (mut c, mut d) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fc, mut fd) = (ll(c), ll(d));
    for _ in 0..60 {
        if fc > fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - g * (hi - lo);
            fc = ll(c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + g * (hi - lo);
            fd = ll(d);
        }
    }
    0.5 * (lo + hi)
}

/// Fit the upper tail of `sorted` (ascending, all ≥ 1). `None` when fewer than [`MIN_TAIL`]
/// observations are ≥ every candidate bound, or the sample has fewer than two distinct values.
pub fn fit_tail(sorted: &[u32]) -> Option<TailFit> {
    debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]));
    // Distinct values with their counts, ascending.
    let mut values: Vec<(u32, usize)> = Vec::new();
    count_runs(&mut values, sorted.iter().copied().filter(|&x| x >= 1));
    fit_tail_counts(&values)
}

/// Append the distinct values of `sorted` (ascending, none below the last value of `counts`)
/// with their counts to `counts`, adding to its last count where the value repeats it.
pub fn count_runs(counts: &mut Vec<(u32, usize)>, sorted: impl IntoIterator<Item = u32>) {
    for x in sorted {
        match counts.last_mut() {
            Some((v, c)) if *v == x => *c += 1,
            _ => counts.push((x, 1)),
        }
    }
}

/// [`fit_tail`] from the sample's distinct values (all ≥ 1, strictly ascending) with their
/// counts (each ≥ 1): the same fit, without the sample itself.
pub fn fit_tail_counts(values: &[(u32, usize)]) -> Option<TailFit> {
    debug_assert!(values.windows(2).all(|w| w[0].0 < w[1].0));
    debug_assert!(values.iter().all(|&(x, c)| x >= 1 && c >= 1));
    if values.len() < 2 {
        return None;
    }
    // Suffix counts and sums of logarithms.
    let m = values.len();
    let mut n_ge = vec![0usize; m + 1];
    let mut ln_ge = vec![0.0f64; m + 1];
    for i in (0..m).rev() {
        n_ge[i] = n_ge[i + 1] + values[i].1;
        ln_ge[i] = ln_ge[i + 1] + values[i].1 as f64 * (values[i].0 as f64).ln();
    }
    // Candidate bounds: indices of distinct values (the last cannot be a bound: a tail of
    // one value has no shape) whose tail holds at least MIN_TAIL observations.
    let usable = (0..m - 1).take_while(|&i| n_ge[i] >= MIN_TAIL).count();
    if usable == 0 {
        return None;
    }
    let candidates: Vec<usize> = if usable <= MAX_CANDIDATES {
        (0..usable).collect()
    } else {
        let (lo, hi) = (
            (values[0].0 as f64).ln(),
            (values[usable - 1].0 as f64).ln(),
        );
        let mut c: Vec<usize> = (0..MAX_CANDIDATES)
            .map(|k| {
                let target = lo + (hi - lo) * k as f64 / (MAX_CANDIDATES - 1) as f64;
                values[..usable].partition_point(|v| (v.0 as f64).ln() < target - 1e-12)
            })
            .map(|i| i.min(usable - 1))
            .collect();
        c.dedup();
        c
    };
    let fit_at = |i: usize| {
        let n = n_ge[i];
        let x_min = values[i].0;
        let alpha = mle_alpha(x_min as f64, n as f64, ln_ge[i]);
        let z0 = hurwitz_zeta(alpha, x_min as f64);
        // KS over the tail's distinct values: the empirical and fitted P(X ≥ x), each at x
        // and just above it.
        let mut ks: f64 = 0.0;
        for j in i..m {
            let emp_ge = n_ge[j] as f64 / n as f64;
            let emp_gt = n_ge[j + 1] as f64 / n as f64;
            let fit_ge = hurwitz_zeta(alpha, values[j].0 as f64) / z0;
            let fit_gt = hurwitz_zeta(alpha, values[j].0 as f64 + 1.0) / z0;
            ks = ks.max((emp_ge - fit_ge).abs()).max((emp_gt - fit_gt).abs());
        }
        TailFit {
            alpha,
            x_min,
            n_tail: n,
            ks,
        }
    };
    // In parallel over candidates; the closest fit wins, ties to the smaller bound.
    let fits: Vec<TailFit> = candidates.into_par_iter().map(fit_at).collect();
    fits.into_iter()
        .fold(None, |best: Option<TailFit>, f| match best {
            Some(b) if b.ks <= f.ks => Some(b),
            _ => Some(f),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn hurwitz_zeta_matches_known_values() {
        // ζ(2, 1) = π²/6, ζ(3, 1) = Apéry's constant, ζ(2, 2) = π²/6 − 1.
        let pi2 = std::f64::consts::PI.powi(2) / 6.0;
        assert!((hurwitz_zeta(2.0, 1.0) - pi2).abs() < 1e-12);
        assert!((hurwitz_zeta(3.0, 1.0) - 1.202_056_903_159_594).abs() < 1e-12);
        assert!((hurwitz_zeta(2.0, 2.0) - (pi2 - 1.0)).abs() < 1e-12);
        // Against a long direct sum with its integral tail, at an exponent near 1.
        let s = 1.3;
        let direct: f64 = (0..200_000).map(|k| (5.0 + k as f64).powf(-s)).sum::<f64>()
            + (5.0f64 + 200_000.0 - 0.5).powf(1.0 - s) / (s - 1.0);
        assert!((hurwitz_zeta(s, 5.0) / direct - 1.0).abs() < 1e-6);
    }

    /// Draws from a discrete power law by inverting the fitted CCDF (a bisection over x).
    fn sample(alpha: f64, x_min: u32, n: usize, seed: u64) -> Vec<u32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let z0 = hurwitz_zeta(alpha, x_min as f64);
        let mut out: Vec<u32> = (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                // Largest x with P(X ≥ x) ≥ u.
                let (mut lo, mut hi) = (x_min, 1u32 << 24);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if hurwitz_zeta(alpha, mid as f64) / z0 >= u {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                lo
            })
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn recovers_the_exponent_of_a_power_law() {
        for (alpha, seed) in [(2.06, 1), (2.5, 2)] {
            let x = sample(alpha, 1, 20_000, seed);
            let f = fit_tail(&x).unwrap();
            assert!((f.alpha - alpha).abs() < 0.05, "{alpha}: {f:?}");
            assert!(f.ks < 0.02, "{f:?}");
            assert!((f.zipf() - (alpha - 1.0)).abs() < 0.05);
        }
    }

    #[test]
    fn finds_the_tail_above_a_body_that_is_not_a_power_law() {
        // A body of small sizes (1–9, uniform) under a power-law tail from 10.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut x: Vec<u32> = (0..20_000).map(|_| rng.random_range(1..10)).collect();
        x.extend(sample(2.2, 10, 10_000, 4));
        x.sort_unstable();
        let f = fit_tail(&x).unwrap();
        assert!((8..=14).contains(&f.x_min), "{f:?}");
        assert!((f.alpha - 2.2).abs() < 0.1, "{f:?}");
    }

    #[test]
    fn runs_are_counted_across_calls() {
        let mut counts = Vec::new();
        count_runs(&mut counts, [1, 1, 3]);
        count_runs(&mut counts, [3, 3, 7]);
        assert_eq!(counts, vec![(1, 2), (3, 3), (7, 1)]);
    }

    #[test]
    fn too_small_a_sample_has_no_fit() {
        assert_eq!(fit_tail(&[1, 2, 3]), None);
        assert_eq!(fit_tail(&[7; 500]), None);
    }
}
