//! Portable random primitives on top of ChaCha8: uniform `f64` in `[0, 1)`, unbiased
//! bounded integers and Fisher–Yates shuffles, defined here so results never depend on
//! `rand`'s distribution code or on the platform's `usize` width.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A ChaCha8 generator seeded from `seed` and positioned on stream `stream`.
pub(crate) fn chacha(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Uniform `f64` in `[0, 1)` with 53 random bits: `(u64 >> 11) * 2^-53`.
pub(crate) fn unit_f64(rng: &mut ChaCha8Rng) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    (rng.next_u64() >> 11) as f64 * SCALE
}

/// Unbiased uniform integer in `0..bound` (Lemire's multiply-and-reject). `bound > 0`.
pub(crate) fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    debug_assert!(bound > 0);
    let mut m = u128::from(rng.next_u64()) * u128::from(bound);
    let mut low = m as u64;
    if low < bound {
        let threshold = bound.wrapping_neg() % bound;
        while low < threshold {
            m = u128::from(rng.next_u64()) * u128::from(bound);
            low = m as u64;
        }
    }
    (m >> 64) as u64
}

/// In-place Fisher–Yates shuffle driven by [`below`].
pub(crate) fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_f64_in_range_and_deterministic() {
        let mut a = chacha(7, 0);
        let mut b = chacha(7, 0);
        for _ in 0..1000 {
            let x = unit_f64(&mut a);
            assert!((0.0..1.0).contains(&x));
            assert_eq!(x.to_bits(), unit_f64(&mut b).to_bits());
        }
    }

    #[test]
    fn streams_differ() {
        let mut a = chacha(7, 0);
        let mut b = chacha(7, 1);
        assert_ne!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut rng = chacha(1, 0);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            let v = below(&mut rng, 7);
            counts[v as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        assert_eq!(below(&mut rng, 1), 0);
    }

    #[test]
    fn shuffle_is_permutation() {
        let mut rng = chacha(3, 0);
        let mut v: Vec<u32> = (0..100).collect();
        shuffle(&mut rng, &mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
