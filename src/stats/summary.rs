//! Replicate statistics: [`Summary`] (mean, sd and Student-t confidence interval) and
//! [`PairedDiff`] (paired differences between two scenarios run with common random numbers).
//!
//! Conventions shared by both types:
//!
//! * Non-finite observations (NaN, ±inf) are **skipped** and counted in the `skipped` field;
//!   for paired data a pair is skipped when either member, or their difference, is not finite.
//! * With no usable observation the constructor returns [`StatsError::Empty`].
//! * With a single usable observation the sample standard deviation and the confidence
//!   interval are undefined and reported as `None` (never `NaN`, never a fake zero width).
//! * With `n >= 2` identical observations the sd is `Some(0.0)` and the interval has zero
//!   width, which is the honest answer for data without spread.

use serde::{Deserialize, Serialize};

use super::{check_level, StatsError};

pub use super::dist::student_t_quantile;

/// Descriptive statistics of one sample of replicate results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of finite observations used.
    pub n: usize,
    /// Number of non-finite observations that were skipped.
    pub skipped: usize,
    /// Arithmetic mean of the used observations.
    pub mean: f64,
    /// Sample standard deviation (divisor `n - 1`); `None` when `n < 2`.
    pub sd: Option<f64>,
    /// Confidence level of the interval, e.g. `0.95`.
    pub level: f64,
    /// Lower bound of the two-sided Student-t interval for the mean; `None` when `n < 2`.
    pub ci_low: Option<f64>,
    /// Upper bound of the two-sided Student-t interval for the mean; `None` when `n < 2`.
    pub ci_high: Option<f64>,
}

impl Summary {
    /// Summarises `data` with a two-sided Student-t confidence interval for the mean at
    /// confidence `level` (e.g. `0.95`).
    ///
    /// Non-finite values are skipped (see the module docs).
    ///
    /// # Errors
    ///
    /// [`StatsError::Empty`] if no finite value remains, [`StatsError::InvalidLevel`] unless
    /// `0 < level < 1`.
    ///
    /// ```
    /// use zgc::stats::Summary;
    /// let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 0.95).unwrap();
    /// assert_eq!(s.mean, 5.0);
    /// assert!((s.sd.unwrap() - 2.138).abs() < 1e-3);
    /// ```
    pub fn of(data: &[f64], level: f64) -> Result<Self, StatsError> {
        check_level(level)?;
        let finite = || data.iter().copied().filter(|x| x.is_finite());
        let skipped = data.len() - finite().count();
        let m = Moments::of(finite).ok_or(StatsError::Empty)?;
        let ci = m.t_interval(level);
        Ok(Self {
            n: m.n,
            skipped,
            mean: m.mean,
            sd: m.sd,
            level,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
        })
    }

    /// The confidence interval as a pair, if defined.
    pub fn ci(&self) -> Option<(f64, f64)> {
        self.ci_low.zip(self.ci_high)
    }

    /// Half-width of the confidence interval, if defined.
    pub fn half_width(&self) -> Option<f64> {
        self.ci().map(|(lo, hi)| 0.5 * (hi - lo))
    }

    /// Standard error of the mean, `sd / sqrt(n)`, if defined.
    pub fn sem(&self) -> Option<f64> {
        self.sd.map(|sd| sd / (self.n as f64).sqrt())
    }
}

/// Paired comparison of an alternative scenario against a baseline, replicate by replicate.
///
/// Replicate `j` of `alt` and `base` must share its random numbers (common random numbers),
/// so the differences `alt[j] - base[j]` cancel most of the stochastic noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedDiff {
    /// Number of pairs used.
    pub n: usize,
    /// Number of pairs skipped because a member or the difference was not finite.
    pub skipped: usize,
    /// Mean of `alt[j] - base[j]`.
    pub mean_diff: f64,
    /// Sample standard deviation of the differences; `None` when `n < 2`.
    pub sd_diff: Option<f64>,
    /// Confidence level of the interval, e.g. `0.95`.
    pub level: f64,
    /// Lower bound of the paired-t interval for the mean difference; `None` when `n < 2`.
    pub ci_low: Option<f64>,
    /// Upper bound of the paired-t interval for the mean difference; `None` when `n < 2`.
    pub ci_high: Option<f64>,
    /// Mean of the baseline over the used pairs.
    pub mean_base: f64,
    /// `mean_diff / mean_base` (signed, not in percent); `None` if `mean_base == 0`.
    /// Note that with a negative baseline mean the sign is inverted relative to the
    /// direction of change.
    pub rel_change: Option<f64>,
    /// `true` when the confidence interval exists and lies strictly above or strictly below
    /// zero (the difference is significant at `1 - level`, two-sided).
    pub excludes_zero: bool,
}

impl PairedDiff {
    /// Compares `alt` against `base`, paired by index, with a two-sided paired Student-t
    /// interval at confidence `level`.
    ///
    /// # Errors
    ///
    /// [`StatsError::LengthMismatch`] if the slices differ in length,
    /// [`StatsError::InvalidLevel`] unless `0 < level < 1`, [`StatsError::Empty`] if no
    /// finite pair remains.
    pub fn of(alt: &[f64], base: &[f64], level: f64) -> Result<Self, StatsError> {
        if alt.len() != base.len() {
            return Err(StatsError::LengthMismatch {
                alt: alt.len(),
                base: base.len(),
            });
        }
        check_level(level)?;
        let pairs = || {
            alt.iter()
                .zip(base)
                .map(|(&a, &b)| (a - b, b))
                .filter(|&(d, b)| d.is_finite() && b.is_finite())
        };
        let skipped = alt.len() - pairs().count();
        let diff = Moments::of(|| pairs().map(|p| p.0)).ok_or(StatsError::Empty)?;
        let base_mean = Moments::of(|| pairs().map(|p| p.1))
            .ok_or(StatsError::Empty)?
            .mean;
        let ci = diff.t_interval(level);
        let rel_change = if base_mean != 0.0 {
            Some(diff.mean / base_mean).filter(|r| r.is_finite())
        } else {
            None
        };
        Ok(Self {
            n: diff.n,
            skipped,
            mean_diff: diff.mean,
            sd_diff: diff.sd,
            level,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            mean_base: base_mean,
            rel_change,
            excludes_zero: ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0),
        })
    }

    /// The confidence interval as a pair, if defined.
    pub fn ci(&self) -> Option<(f64, f64)> {
        self.ci_low.zip(self.ci_high)
    }

    /// Half-width of the confidence interval, if defined.
    pub fn half_width(&self) -> Option<f64> {
        self.ci().map(|(lo, hi)| 0.5 * (hi - lo))
    }
}

/// Sample size, mean and sample sd of finite values.
struct Moments {
    n: usize,
    mean: f64,
    sd: Option<f64>,
}

impl Moments {
    /// Two-pass (corrected) mean and variance over the values produced by `values`
    /// (called twice). `None` if there are no values.
    fn of<I, F>(values: F) -> Option<Self>
    where
        I: Iterator<Item = f64>,
        F: Fn() -> I,
    {
        let (n, sum) = values().fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let mean = sum / nf;
        let sd = (n >= 2).then(|| {
            // Corrected two-pass algorithm (Chan, Golub & LeVeque): the second term removes
            // the rounding error of the mean.
            let (ss, s) = values().fold((0.0, 0.0), |(ss, s), x| {
                let d = x - mean;
                (ss + d * d, s + d)
            });
            ((ss - s * s / nf) / (nf - 1.0)).max(0.0).sqrt()
        });
        Some(Self { n, mean, sd })
    }

    /// Two-sided Student-t interval for the mean, `None` if `n < 2`.
    fn t_interval(&self, level: f64) -> Option<(f64, f64)> {
        let sd = self.sd?;
        let t = student_t_quantile(0.5 + 0.5 * level, (self.n - 1) as f64);
        let half = t * sd / (self.n as f64).sqrt();
        half.is_finite()
            .then_some((self.mean - half, self.mean + half))
    }
}

/// Quantile of already **sorted** (ascending) data by linear interpolation between order
/// statistics (Hyndman & Fan type 7, the default of R and NumPy).
///
/// Returns `None` if `sorted` is empty or `p` is not in `[0, 1]`. The caller is responsible
/// for sorting (e.g. with `sort_by(f64::total_cmp)`) and for removing NaNs.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = p * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn summary_textbook_example() {
        let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 0.95).unwrap();
        assert_eq!(s.n, 8);
        assert_eq!(s.skipped, 0);
        assert_eq!(s.mean, 5.0);
        let sd = s.sd.unwrap();
        assert!(close(sd, 2.138_089_935_299_395, 1e-12));
        // t(0.975, 7) = 2.3646; half-width = 2.3646 * 2.1381 / sqrt(8) = 1.78749.
        assert!(close(s.half_width().unwrap(), 1.787_487_918_236_21, 1e-10));
        assert!(close(s.ci_low.unwrap(), 3.212_512_081_763_79, 1e-10));
        assert!(close(s.ci_high.unwrap(), 6.787_487_918_236_21, 1e-10));
        assert!(close(s.sem().unwrap(), sd / 8f64.sqrt(), 1e-15));
    }

    #[test]
    fn summary_level_changes_width() {
        let data = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let s95 = Summary::of(&data, 0.95).unwrap();
        let s99 = Summary::of(&data, 0.99).unwrap();
        // t(0.995, 7) = 3.4995.
        let want = 3.499_483_297_350_493 * 2.138_089_935_299_395 / 8f64.sqrt();
        assert!(close(s99.half_width().unwrap(), want, 1e-10));
        assert!(s99.half_width() > s95.half_width());
    }

    #[test]
    fn summary_single_observation_has_no_spread() {
        let s = Summary::of(&[3.5], 0.95).unwrap();
        assert_eq!(s.n, 1);
        assert_eq!(s.mean, 3.5);
        assert_eq!(s.sd, None);
        assert_eq!(s.ci(), None);
        assert_eq!(s.half_width(), None);
        assert_eq!(s.sem(), None);
    }

    #[test]
    fn summary_constant_data_has_zero_width() {
        let s = Summary::of(&[1.25; 5], 0.95).unwrap();
        assert_eq!(s.sd, Some(0.0));
        assert_eq!(s.ci(), Some((1.25, 1.25)));
    }

    #[test]
    fn summary_skips_non_finite() {
        let s = Summary::of(&[1.0, f64::NAN, 3.0, f64::INFINITY, f64::NEG_INFINITY], 0.9).unwrap();
        assert_eq!(s.n, 2);
        assert_eq!(s.skipped, 3);
        assert_eq!(s.mean, 2.0);
        assert!(close(s.sd.unwrap(), 2f64.sqrt(), 1e-15));
    }

    #[test]
    fn summary_errors() {
        assert_eq!(Summary::of(&[], 0.95), Err(StatsError::Empty));
        assert_eq!(Summary::of(&[f64::NAN], 0.95), Err(StatsError::Empty));
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert!(matches!(
                Summary::of(&[1.0, 2.0], bad),
                Err(StatsError::InvalidLevel(_))
            ));
        }
    }

    #[test]
    fn summary_is_accurate_with_large_offset() {
        let data: Vec<f64> = [4.0, 7.0, 13.0, 16.0].iter().map(|x| 1e9 + x).collect();
        let s = Summary::of(&data, 0.95).unwrap();
        assert!(close(s.mean, 1e9 + 10.0, 1e-6));
        assert!(close(s.sd.unwrap(), 30f64.sqrt(), 1e-6));
    }

    #[test]
    fn paired_diff_hand_computed() {
        let base = [10.0, 12.0, 9.0, 11.0, 13.0];
        let alt = [11.0, 14.0, 9.0, 13.0, 14.0];
        let p = PairedDiff::of(&alt, &base, 0.95).unwrap();
        // d = [1, 2, 0, 2, 1]: mean 1.2, sd sqrt(0.7), t(0.975, 4) = 2.7764.
        assert_eq!(p.n, 5);
        assert_eq!(p.skipped, 0);
        assert!(close(p.mean_diff, 1.2, 1e-15));
        assert!(close(p.sd_diff.unwrap(), 0.7f64.sqrt(), 1e-15));
        assert!(close(p.ci_low.unwrap(), 0.161_149_366_316_432_3, 1e-10));
        assert!(close(p.ci_high.unwrap(), 2.238_850_633_683_567_6, 1e-10));
        assert!(close(p.mean_base, 11.0, 1e-15));
        assert!(close(p.rel_change.unwrap(), 1.2 / 11.0, 1e-15));
        assert!(p.excludes_zero);
    }

    #[test]
    fn paired_diff_negative_and_insignificant() {
        let base = [5.0, 6.0, 7.0, 8.0];
        let lower = [4.0, 5.5, 6.0, 7.5];
        let p = PairedDiff::of(&lower, &base, 0.95).unwrap();
        assert!(p.mean_diff < 0.0 && p.ci_high.unwrap() < 0.0 && p.excludes_zero);

        let noisy = [6.0, 5.0, 8.0, 7.0];
        let p = PairedDiff::of(&noisy, &base, 0.95).unwrap();
        assert_eq!(p.mean_diff, 0.0);
        assert!(!p.excludes_zero);
    }

    #[test]
    fn paired_diff_degenerate_cases() {
        assert_eq!(
            PairedDiff::of(&[1.0, 2.0], &[1.0], 0.95),
            Err(StatsError::LengthMismatch { alt: 2, base: 1 })
        );
        assert_eq!(PairedDiff::of(&[], &[], 0.95), Err(StatsError::Empty));

        // Zero baseline mean: relative change undefined.
        let p = PairedDiff::of(&[1.0, 2.0], &[-1.0, 1.0], 0.95).unwrap();
        assert_eq!(p.rel_change, None);

        // One pair: no interval, so never "significant".
        let p = PairedDiff::of(&[3.0], &[1.0], 0.95).unwrap();
        assert_eq!(p.n, 1);
        assert_eq!(p.sd_diff, None);
        assert_eq!(p.ci(), None);
        assert!(!p.excludes_zero);

        // Non-finite pairs are skipped as a whole.
        let p = PairedDiff::of(
            &[1.0, f64::NAN, 3.0, 4.0],
            &[0.0, 1.0, f64::INFINITY, 2.0],
            0.95,
        )
        .unwrap();
        assert_eq!((p.n, p.skipped), (2, 2));
        assert_eq!(p.mean_diff, 1.5);
        assert_eq!(p.mean_base, 1.0);

        // Identical non-zero differences: zero-width interval that excludes zero.
        let p = PairedDiff::of(&[2.0, 3.0, 4.0], &[1.0, 2.0, 3.0], 0.95).unwrap();
        assert_eq!(p.ci(), Some((1.0, 1.0)));
        assert!(p.excludes_zero);
    }

    #[test]
    fn quantile_sorted_type7() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&v, 1.0), Some(4.0));
        assert_eq!(quantile_sorted(&v, 0.5), Some(2.5));
        assert_eq!(quantile_sorted(&v, 0.25), Some(1.75));
        assert_eq!(quantile_sorted(&[7.0], 0.3), Some(7.0));
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&v, 1.5), None);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn ci_brackets_mean(data in prop::collection::vec(-1e6f64..1e6, 2..50),
                                level in 0.5f64..0.999) {
                let s = Summary::of(&data, level).unwrap();
                let (lo, hi) = s.ci().unwrap();
                prop_assert!(lo <= s.mean && s.mean <= hi);
                prop_assert!(s.sd.unwrap() >= 0.0);
            }

            #[test]
            fn paired_diff_matches_summary_of_differences(
                pairs in prop::collection::vec((-1e3f64..1e3, -1e3f64..1e3), 2..30)) {
                let alt: Vec<f64> = pairs.iter().map(|p| p.0).collect();
                let base: Vec<f64> = pairs.iter().map(|p| p.1).collect();
                let d: Vec<f64> = pairs.iter().map(|p| p.0 - p.1).collect();
                let p = PairedDiff::of(&alt, &base, 0.95).unwrap();
                let s = Summary::of(&d, 0.95).unwrap();
                prop_assert_eq!(p.mean_diff, s.mean);
                prop_assert_eq!(p.sd_diff, s.sd);
                prop_assert_eq!(p.ci(), s.ci());
            }
        }
    }
}
