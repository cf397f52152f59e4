//! `firm_sizes.csv`: the size distribution of operating firms at the end of a run (employees,
//! firms of that size, the share at least that large) beside the power law fitted to its
//! upper tail (`firm_size_zipf` in `timeseries.csv`), for a Zipf plot.

use std::path::Path;

use anyhow::Result;

use super::{num, CsvStream};
use crate::tick::record::firm_size_counts;
use crate::world::World;

/// Columns of `firm_sizes.csv`.
pub const HEADER: &[&str] = &[
    "employees",
    "firms",
    "firms_at_least",
    "share_at_least",
    "fitted_share_at_least",
];

/// Write the table: one row per size held by an operating firm, ascending; firm counts are
/// real firms (agents ÷ scale); the fitted share is `P(X ≥ x)` of the tail's power law times
/// the tail's share of all firms, from its `x_min` up (empty below it).
pub fn write(world: &World, path: &Path) -> Result<()> {
    let counts = firm_size_counts(world);
    let fit = crate::stats::powerlaw::fit_tail_counts(&counts);
    let n: usize = counts.iter().map(|&(_, c)| c).sum();
    let per_agent = 1.0 / world.scale;
    let mut out = CsvStream::create(path)?;
    out.header(HEADER)?;
    let tail_share = fit.map_or(0.0, |f| f.n_tail as f64 / n.max(1) as f64);
    // Firms smaller than the current size.
    let mut below = 0;
    for &(x, c) in &counts {
        let at_least = n - below;
        let fitted = match fit {
            Some(f) if x >= f.x_min => num(f.ccdf(x) * tail_share),
            _ => String::new(),
        };
        out.record(&[
            x.to_string(),
            num(c as f64 * per_agent),
            num(at_least as f64 * per_agent),
            num(at_least as f64 / n as f64),
            fitted,
        ])?;
        below += c;
    }
    out.flush()
}
