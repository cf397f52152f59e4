//! Pure, deterministic statistics for zgc: replicate summaries, paired comparisons,
//! Sobol' sensitivity analysis and parameter-space designs.
//!
//! The module has no dependency on the simulator; the `compare` and `sweep` commands
//! call into it with plain slices of `f64`.
//!
//! * [`summary`] — [`Summary`] (mean, sd, t confidence interval) and [`PairedDiff`]
//!   (paired differences under common random numbers), plus [`student_t_quantile`].
//! * [`sobol`] — Saltelli (2010) design and first-order / total Sobol' indices with
//!   bootstrap confidence intervals.
//! * [`design`] — Latin hypercube, uniform random and full factorial designs.
//!
//! # Determinism
//!
//! All randomness comes from [`rand_chacha::ChaCha8Rng`] seeded explicitly by the caller.
//! Uniform floats and bounded integers are derived from the raw `u64` stream by code in
//! this module (not by `rand`'s distribution implementations), so results depend only on
//! the ChaCha8 stream and are identical across platforms, thread counts and `rand`
//! versions.
//!
//! # Errors
//!
//! Functions that take user data return [`Result<_, StatsError>`](StatsError) instead of
//! panicking; degenerate quantities (e.g. a confidence interval from one observation) are
//! represented as `None` rather than `NaN`.

pub mod design;
pub mod dist;
pub mod powerlaw;
pub(crate) mod rng;
pub mod sobol;
pub mod summary;

pub use design::{full_factorial, full_factorial_size, latin_hypercube, uniform_random};
pub use dist::{normal_quantile, student_t_cdf, student_t_quantile};
pub use sobol::{saltelli_design, sobol_indices, RowKind, SaltelliDesign, SobolIndex};
pub use summary::{quantile_sorted, PairedDiff, Summary};

/// Errors reported by the statistics functions for invalid or degenerate input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// No usable (finite) observations were supplied.
    #[error("no finite observations")]
    Empty,
    /// Paired samples must have the same length.
    #[error("paired samples differ in length: alt has {alt}, base has {base}")]
    LengthMismatch {
        /// Length of the alternative sample.
        alt: usize,
        /// Length of the baseline sample.
        base: usize,
    },
    /// A confidence level must lie strictly between 0 and 1.
    #[error("confidence level must be in (0, 1), got {0}")]
    InvalidLevel(f64),
    /// The number of model outputs does not match the design.
    #[error("expected {expected} outputs for the design, got {got}")]
    OutputLength {
        /// `n * (k + 2)` for a Saltelli design.
        expected: usize,
        /// Number of outputs supplied.
        got: usize,
    },
    /// A model output was NaN or infinite.
    #[error("output at row {row} is not finite ({value})")]
    NonFiniteOutput {
        /// Row index in design order.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// The output variance is zero, so variance-based indices are undefined.
    #[error("output variance is zero; sensitivity indices are undefined")]
    ZeroVariance,
    /// An argument is out of its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Validates a confidence level (strictly between 0 and 1).
pub(crate) fn check_level(level: f64) -> Result<(), StatsError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidLevel(level))
    }
}
