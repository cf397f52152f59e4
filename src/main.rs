//! Entry point of the `zgc` binary: parse flags, run the command, map errors to exit codes.

fn main() {
    std::process::exit(zgc::cli::main());
}
