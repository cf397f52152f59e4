//! zgc: a fast, parallel, deterministic agent-based simulator of innovation ecosystems.
//!
//! The default world is Beijing's Zhongguancun science zone (`world::beijing`). A run is a
//! [`tick::Simulation`] stepped month by month; each step returns a [`tick::TickReport`]
//! with the indicators of `metrics` and per-phase timings. The core does no I/O: reading
//! scenarios is `scenario`'s job, writing files is `output`'s and `report`'s, and the
//! command line is `cli`'s.

pub mod calendar;
pub mod cli;
pub mod compare;
pub mod files;
pub mod limits;
pub mod metrics;
pub mod names;
pub mod output;
pub mod params;
pub mod report;
pub mod rng;
pub mod runner;
pub mod sampling;
pub mod scenario;
pub mod state;
pub mod stats;
pub mod sweep;
pub mod tick;
pub mod types;
pub mod validate;
pub mod world;
