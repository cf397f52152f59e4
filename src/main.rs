//! Entry point of the `zgc` binary.
fn main() {}
