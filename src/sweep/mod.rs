//! Parameter sweeps: sweep files, designs, plans, sharded resumable runs, merging, Sobol
//! analysis and SLURM job arrays. Parameter exploration lives here, apart from the engine:
//! a run is `runner::run` of a scenario built from the plan's base and a design point.
//!
//! The plan folder is the single source of truth (see `docs/sweeps.md`):
//!
//! ```text
//! DIR/plan.json        the plan: design, parameters, points, what to record
//! DIR/manifest.csv     one row per run: run, point, replicate, seed, parameter values
//! DIR/base.toml        the resolved base scenario with the sweep's [set] applied
//! DIR/sweep.toml       a copy of the sweep file
//! DIR/runs/<id>.csv    a run's recorded indicators (written atomically)
//! DIR/runs/<id>.done   written after <id>.csv: the run is done
//! DIR/logs/            batch logs (SLURM)
//! DIR/slurm/           sbatch scripts and the settings of the last submission
//! DIR/merged.{csv,parquet,json}, DIR/sobol.csv, DIR/sobol/
//! ```
//!
//! Whether a run is done is read from these files only, never from a scheduler.

pub mod keypath;
pub mod merge;
pub mod parquet;
pub mod plan;
pub mod runs;
pub mod slurm;
pub mod sobol;
pub mod spec;
pub mod states;

pub use plan::Plan;
pub use spec::SweepSpec;

/// Errors of the sweep commands.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Bad input (sweep file, plan folder, flags): exit code 2.
    #[error("{0}")]
    Input(String),
    /// Runs are missing: exit code 3.
    #[error("{0}")]
    Incomplete(String),
    /// Reading or writing files failed: exit code 1.
    #[error("{0}")]
    Io(String),
}

impl SweepError {
    /// An input error about a key of a file.
    pub fn input(file: &str, key: &str, message: impl Into<String>) -> SweepError {
        let message = message.into();
        SweepError::Input(if key.is_empty() {
            format!("{file}: {message}")
        } else {
            format!("{file}: `{key}`: {message}")
        })
    }
}
