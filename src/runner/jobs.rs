//! The job engine of `compare` and `validate` (and of the Python package): whole runs side by
//! side on a fixed number of threads, results gathered in job order, and the replicate-seed
//! rule that gives every scenario's replicate k the same seed (common random numbers).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// The seed of replicate `k` under master seed `master`: `rng::mix(master, [k])`. Replicate
/// `k` of every scenario of a comparison (and of every validation run) uses this seed, so that
/// differences between scenarios are paired (common random numbers). The Python package's
/// EMA connector uses the same rule for its replications.
pub fn replicate_seed(master: u64, k: usize) -> u64 {
    crate::rng::mix(master, &[k as u64])
}

/// Run `n` jobs on `threads` threads and return their results in job order. Each of
/// `min(threads, n)` workers takes the next job when it is free and runs it in its own rayon
/// pool of `threads / workers` threads (one, when there are more jobs than threads): whole
/// runs side by side keep every core busy, where runs nested in one pool wait on each other's
/// parallel phases. Results do not depend on the thread count: every run is deterministic
/// under any pool and results are gathered by job index.
pub fn run_jobs<T: Send>(
    n: usize,
    threads: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Result<Vec<T>> {
    let workers = threads.min(n).max(1);
    let per_worker = (threads / workers).max(1);
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let pools: Vec<rayon::ThreadPool> = (0..workers)
        .map(|_| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(per_worker)
                .build()
        })
        .collect::<Result<_, _>>()?;
    std::thread::scope(|scope| {
        for pool in &pools {
            let (next, slots, job) = (&next, &slots, &job);
            scope.spawn(move || {
                pool.install(|| loop {
                    let j = next.fetch_add(1, Ordering::SeqCst);
                    if j >= n {
                        break;
                    }
                    let out = job(j);
                    if let Ok(mut slot) = slots[j].lock() {
                        *slot = Some(out);
                    }
                })
            });
        }
    });
    slots
        .into_iter()
        .enumerate()
        .map(|(j, m)| {
            m.into_inner()
                .ok()
                .flatten()
                .with_context(|| format!("job {j} left no result"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_job_order_under_any_thread_count() {
        for threads in [1, 2, 3, 8] {
            let out = run_jobs(10, threads, |j| j * j).unwrap();
            assert_eq!(out, (0..10).map(|j| j * j).collect::<Vec<_>>());
        }
    }

    #[test]
    fn replicate_seeds_differ_and_are_stable() {
        assert_ne!(replicate_seed(42, 0), replicate_seed(42, 1));
        assert_eq!(replicate_seed(42, 3), crate::rng::mix(42, &[3]));
    }
}
