//! The integration-test binary: runs the real `zgc` executable on small scenarios.
//! One module per capability; shared helpers in `common`.

mod common;
mod corpus;
mod determinism;
mod properties;
mod robust;
mod run;
