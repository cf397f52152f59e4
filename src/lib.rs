//! zgc: an agent-based simulator of innovation ecosystems.
pub mod report;
