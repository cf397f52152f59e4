//! The integration-test binary: runs the real `zgc` executable on small scenarios.
//! One module per capability; shared helpers in `common`.

mod bad_scenarios;
mod commands;
mod common;
mod compare;
mod determinism;
mod example_city;
mod golden;
mod run;
mod scenario;
mod sweep;
mod sweep_slurm;
mod tidy;
mod validate;
