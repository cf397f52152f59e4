//! Entry point of the `zgc` binary: parse flags, run the command, map errors to exit codes.

fn main() {
    // Output into a closed pipe (`zgc places | head`) ends the program quietly, as it does
    // for other command-line tools, instead of a panic in `println!` (Rust ignores SIGPIPE).
    // SAFETY: called first, before any thread exists; SIG_DFL is a valid disposition.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(zgc::cli::main());
}
