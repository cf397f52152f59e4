//! `firm_sizes.csv`: the size distribution of operating firms at the end of a run (employees,
//! firms of that size, the share at least that large) beside the power law fitted to its
//! upper tail (`firm_size_zipf` in `timeseries.csv`), for a Zipf plot.

use std::path::Path;

use anyhow::Result;

use super::{num, CsvStream};
use crate::tick::record::firm_sizes;
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
    let mut sizes = firm_sizes(world);
    sizes.sort_unstable();
    let fit = crate::stats::powerlaw::fit_tail(&sizes);
    let n = sizes.len();
    let per_agent = 1.0 / world.scale;
    let mut out = CsvStream::create(path)?;
    out.header(HEADER)?;
    let tail_share = fit.map_or(0.0, |f| f.n_tail as f64 / n.max(1) as f64);
    let mut i = 0;
    while i < n {
        let x = sizes[i];
        let j = i + sizes[i..].partition_point(|&v| v == x);
        let at_least = n - i;
        let fitted = match fit {
            Some(f) if x >= f.x_min => num(f.ccdf(x) * tail_share),
            _ => String::new(),
        };
        out.record(&[
            x.to_string(),
            num((j - i) as f64 * per_agent),
            num(at_least as f64 * per_agent),
            num(at_least as f64 / n as f64),
            fitted,
        ])?;
        i = j;
    }
    out.flush()
}
