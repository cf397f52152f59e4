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

/// Run `job(scenario, replicate)` for `n_scenarios` scenarios × `replicates` replicates on
/// [`run_jobs`], replicate-major (every scenario's first replicates start early), and gather
/// the results as `[scenario][replicate]`. The error returned is the first in job order,
/// whatever the thread count; `Ok(None)` when a job stopped early (returned `None`).
pub fn run_replicates<T: Send, E: Send + From<anyhow::Error>>(
    n_scenarios: usize,
    replicates: usize,
    threads: usize,
    job: impl Fn(usize, usize) -> Result<Option<T>, E> + Sync,
) -> Result<Option<Vec<Vec<T>>>, E> {
    let jobs: Vec<(usize, usize)> = (0..replicates)
        .flat_map(|r| (0..n_scenarios).map(move |s| (s, r)))
        .collect();
    let results = run_jobs(jobs.len(), threads, |j| job(jobs[j].0, jobs[j].1))?;
    let mut out: Vec<Vec<Option<T>>> = (0..n_scenarios)
        .map(|_| (0..replicates).map(|_| None).collect())
        .collect();
    for (&(s, r), res) in jobs.iter().zip(results) {
        out[s][r] = res?;
    }
    Ok(out
        .into_iter()
        .map(|reps| reps.into_iter().collect::<Option<Vec<T>>>())
        .collect())
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
    fn replicates_come_back_by_scenario_with_the_first_error_in_job_order() {
        let job = |s: usize, r: usize| -> Result<Option<(usize, usize)>, anyhow::Error> {
            Ok(Some((s, r)))
        };
        let out = run_replicates(3, 2, 2, job).unwrap().unwrap();
        assert_eq!(out[2], vec![(2, 0), (2, 1)]);
        // Replicate-major: job (s = 1, r = 0) comes before (s = 0, r = 1).
        let failing = |s: usize, r: usize| -> Result<Option<()>, anyhow::Error> {
            match (s, r) {
                (0, 1) => Err(anyhow::anyhow!("late")),
                (1, 0) => Err(anyhow::anyhow!("early")),
                _ => Ok(Some(())),
            }
        };
        for threads in [1, 4] {
            let e = run_replicates(2, 2, threads, failing).unwrap_err();
            assert_eq!(e.to_string(), "early");
        }
        let stopped = |s: usize, _: usize| -> Result<Option<()>, anyhow::Error> {
            Ok((s == 0).then_some(()))
        };
        assert!(run_replicates(2, 1, 1, stopped).unwrap().is_none());
    }

    #[test]
    fn replicate_seeds_differ_and_are_stable() {
        assert_ne!(replicate_seed(42, 0), replicate_seed(42, 1));
        assert_eq!(replicate_seed(42, 3), crate::rng::mix(42, &[3]));
    }
}
