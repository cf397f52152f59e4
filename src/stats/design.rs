//! Space-filling and factorial designs over the unit hypercube for parameter sweeps:
//! Latin hypercube, i.i.d. uniform and full factorial designs.
//!
//! All designs are returned **row-major**: the outer `Vec` has one entry per design point
//! (run), the inner `Vec` one entry per parameter. Map unit values to a parameter range with
//! `lo + u * (hi - lo)`. Randomised designs are deterministic functions of their seed
//! (ChaCha8, see the [module docs](super)).

use super::rng::{chacha, shuffle, unit_f64};

/// Latin hypercube sample of `n` points in `[0, 1)^k`.
///
/// In every column the `n` points occupy the `n` equal strata `[s/n, (s+1)/n)` exactly once
/// each (a random permutation per column), and each point is placed uniformly at random
/// inside its stratum ("jittered", not centred). Stratum membership is exact in floating
/// point: `(x * n as f64).floor() as usize == s` holds for every value.
///
/// Returns `n` rows of length `k` (`n` empty rows if `k == 0`, no rows if `n == 0`).
/// Random draws: column by column, first the Fisher–Yates shuffle of the strata, then one
/// jitter per row.
pub fn latin_hypercube(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rows = vec![Vec::with_capacity(k); n];
    if n == 0 {
        return rows;
    }
    let mut rng = chacha(seed, 0);
    let mut strata: Vec<usize> = Vec::with_capacity(n);
    for _ in 0..k {
        strata.clear();
        strata.extend(0..n);
        shuffle(&mut rng, &mut strata);
        for (row, &s) in rows.iter_mut().zip(&strata) {
            row.push(in_stratum(s, unit_f64(&mut rng), n));
        }
    }
    rows
}

/// `(s + u) / n`, nudged by a few ulps if rounding moved it out of stratum `s`
/// (for instance `(2 + (1 - 2^-53)) / 3` rounds to exactly `1.0`).
fn in_stratum(s: usize, u: f64, n: usize) -> f64 {
    let (sf, nf) = (s as f64, n as f64);
    let mut v = (sf + u) / nf;
    for _ in 0..64 {
        let got = (v * nf).floor();
        if got > sf && v > 0.0 {
            v = f64::from_bits(v.to_bits() - 1);
        } else if got < sf {
            v = f64::from_bits(v.to_bits() + 1);
        } else {
            break;
        }
    }
    v
}

/// `n` points drawn independently and uniformly from `[0, 1)^k` (row by row).
pub fn uniform_random(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = chacha(seed, 0);
    (0..n)
        .map(|_| (0..k).map(|_| unit_f64(&mut rng)).collect())
        .collect()
}

/// Number of points of the full factorial design over `levels`, or `None` on overflow.
pub fn full_factorial_size(levels: &[usize]) -> Option<usize> {
    levels.iter().try_fold(1usize, |acc, &l| acc.checked_mul(l))
}

/// Full factorial design: every combination of level indices, `levels[i]` levels for
/// parameter `i`.
///
/// Order: lexicographic with the **last parameter varying fastest**, e.g. `levels = [2, 3]`
/// gives `[0,0], [0,1], [0,2], [1,0], [1,1], [1,2]`. A parameter with 0 levels yields an
/// empty design; `levels = []` yields a single empty point. The design has
/// [`full_factorial_size`] points; check it first when levels come from user input, as the
/// whole design is materialised.
pub fn full_factorial(levels: &[usize]) -> Vec<Vec<usize>> {
    let Some(size) = full_factorial_size(levels) else {
        // Not representable in memory anyway; an empty design is the non-panicking answer.
        return Vec::new();
    };
    if size == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(size.min(1 << 20));
    let mut current = vec![0usize; levels.len()];
    loop {
        out.push(current.clone());
        // Odometer increment, last position fastest.
        let mut pos = levels.len();
        loop {
            if pos == 0 {
                return out;
            }
            pos -= 1;
            current[pos] += 1;
            if current[pos] < levels[pos] {
                break;
            }
            current[pos] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_latin(points: &[Vec<f64>], k: usize) {
        let n = points.len();
        for c in 0..k {
            let mut seen = vec![false; n];
            for row in points {
                assert_eq!(row.len(), k);
                let x = row[c];
                assert!((0.0..1.0).contains(&x), "{x} out of [0,1)");
                let s = (x * n as f64).floor() as usize;
                assert!(!seen[s], "column {c}: stratum {s} hit twice");
                seen[s] = true;
            }
            assert!(seen.iter().all(|&b| b));
        }
    }

    #[test]
    fn lhs_one_point_per_stratum() {
        for (k, n) in [(1, 1), (3, 3), (2, 7), (5, 49), (4, 1000)] {
            assert_latin(&latin_hypercube(k, n, 12345), k);
        }
    }

    #[test]
    fn lhs_stratum_rounding_edge() {
        // The largest jitter would round to 1.0 in the top stratum without the nudge.
        let u_max = 1.0 - f64::EPSILON / 2.0;
        for n in 1..200 {
            for s in [0, n / 2, n - 1] {
                for u in [0.0, 0.5, u_max] {
                    let v = in_stratum(s, u, n);
                    assert!(v < 1.0);
                    assert_eq!((v * n as f64).floor() as usize, s, "n={n} s={s} u={u}");
                }
            }
        }
    }

    #[test]
    fn lhs_is_seeded() {
        let a = latin_hypercube(4, 50, 1);
        assert_eq!(a, latin_hypercube(4, 50, 1));
        assert_ne!(a, latin_hypercube(4, 50, 2));
    }

    #[test]
    fn lhs_degenerate_shapes() {
        assert!(latin_hypercube(3, 0, 1).is_empty());
        let rows = latin_hypercube(0, 4, 1);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(Vec::is_empty));
    }

    #[test]
    fn lhs_columns_are_not_identical_permutations() {
        let p = latin_hypercube(2, 100, 8);
        let strata = |c: usize| -> Vec<usize> {
            p.iter().map(|r| (r[c] * 100.0).floor() as usize).collect()
        };
        assert_ne!(strata(0), strata(1));
    }

    #[test]
    fn uniform_random_shape_range_and_seed() {
        let a = uniform_random(3, 500, 4);
        assert_eq!(a.len(), 500);
        assert!(a.iter().all(|r| r.len() == 3));
        assert!(a.iter().flatten().all(|x| (0.0..1.0).contains(x)));
        let mean: f64 = a.iter().flatten().sum::<f64>() / 1500.0;
        assert!((mean - 0.5).abs() < 0.03);
        assert_eq!(a, uniform_random(3, 500, 4));
        assert_ne!(a, uniform_random(3, 500, 5));
    }

    #[test]
    fn full_factorial_order() {
        assert_eq!(
            full_factorial(&[2, 3]),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        let d = full_factorial(&[3, 1, 4, 2]);
        assert_eq!(d.len(), 24);
        assert_eq!(full_factorial_size(&[3, 1, 4, 2]), Some(24));
        // Strictly increasing in lexicographic order, hence all distinct.
        assert!(d.windows(2).all(|w| w[0] < w[1]));
        assert!(d
            .iter()
            .all(|r| r[0] < 3 && r[1] < 1 && r[2] < 4 && r[3] < 2));
    }

    #[test]
    fn full_factorial_edge_cases() {
        assert_eq!(full_factorial(&[]), vec![Vec::<usize>::new()]);
        assert!(full_factorial(&[3, 0, 2]).is_empty());
        assert_eq!(full_factorial(&[1]), vec![vec![0]]);
        assert_eq!(full_factorial_size(&[usize::MAX, 2]), None);
        assert!(full_factorial(&[usize::MAX, 2]).is_empty());
    }

    mod props {
        use super::super::*;
        use super::assert_latin;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn lhs_always_latin(k in 0usize..5, n in 1usize..120, seed in any::<u64>()) {
                assert_latin(&latin_hypercube(k, n, seed), k);
            }
        }
    }
}
