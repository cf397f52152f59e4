//! Entry point of the `zgc` binary: parse flags, run the command, map errors to exit codes.

fn main() {
    // A closed pipe (`zgc check --defaults | head`) ends the process quietly, as for any Unix
    // tool, instead of a panic on the next print. Outputs are staged and renamed when complete,
    // so a run ended this way leaves no folder that looks finished.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(zgc::cli::main());
}
