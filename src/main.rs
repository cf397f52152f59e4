//! Entry point of the `zgc` binary: parse flags, run the command, map errors to exit codes.

/// Blocks of at least this many bytes get their own memory mapping (see `main`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

fn main() {
    // A closed pipe (`zgc check --defaults | head`) ends the process quietly, as for any Unix
    // tool, instead of a panic on the next print. Outputs are staged and renamed when complete,
    // so a run ended this way leaves no folder that looks finished.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // glibc raises its mmap threshold to the size of each large block freed (up to 32 MB), so
    // that later blocks below it — the per-month tables, the yearly compaction's masks — come
    // from the heap, which frees them only at its top: a long real-size run's resident memory
    // then creeps up by a tenth. A fixed threshold (128 KiB, glibc's default start) keeps large
    // blocks in their own mappings, returned on free (BENCHMARKS.md, "Issue 15, second round").
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any thread exists; M_MMAP_THRESHOLD takes a byte count.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
    std::process::exit(zgc::cli::main());
}
