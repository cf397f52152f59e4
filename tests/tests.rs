//! The integration-test binary: runs the real `zgc` executable on small scenarios.
//! One module per capability; shared helpers in `common`.

mod bad_scenarios;
mod commands;
mod common;
mod compare;
mod corpus;
mod determinism;
mod example_city;
mod golden;
mod properties;
mod robust;
mod run;
mod scenario;
mod state;
mod sweep;
mod sweep_slurm;
mod tidy;
mod validate;
