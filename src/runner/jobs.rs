//! The job engine of `compare`, `validate` and `sweep run` (and of the Python package): whole
//! runs side by side on a fixed number of threads, one thread-split rule, one stop flag,
//! results gathered in job order, and the replicate-seed rule that gives every scenario's
//! replicate k the same seed (common random numbers), with the seed rules of sweeps beside it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// The seed of replicate `k` under master seed `master`: `rng::mix(master, [k])`. Replicate
/// `k` of every scenario of a comparison (and of every validation run) uses this seed, so that
/// differences between scenarios are paired (common random numbers). The Python package's
/// EMA connector uses the same rule for its replications.
pub fn replicate_seed(master: u64, k: usize) -> u64 {
    crate::rng::mix(master, &[k as u64])
}

/// The seed of sweep run `run` under master seed `master`: `rng::mix(master, [1, run]) >> 11`,
/// 53 bits so that every tool that reads the manifest (spreadsheets, JavaScript, pandas'
/// float columns) reads it exactly. Depends on the run id only, so shards, order and threads
/// never change it.
pub fn sweep_run_seed(master: u64, run: usize) -> u64 {
    crate::rng::mix(master, &[1, run as u64]) >> 11
}

/// The seed of a sweep run with common random numbers: every point's replicate `k` gets
/// `rng::mix(master, [2, k]) >> 11` (53 bits, as [`sweep_run_seed`]), so the points of a sweep
/// are paired as the scenarios of a comparison are.
pub fn sweep_replicate_seed(master: u64, k: usize) -> u64 {
    crate::rng::mix(master, &[2, k as u64]) >> 11
}

/// How `threads` threads are shared between `workers` jobs run side by side: as evenly as
/// possible (the first `threads % workers` get one more), at least one each. The one
/// thread-split rule of compare, validate and sweep.
pub fn split_threads(threads: usize, workers: usize) -> Vec<usize> {
    let workers = workers.max(1);
    (0..workers)
        .map(|w| (threads / workers + usize::from(w < threads % workers)).max(1))
        .collect()
}

/// The job engine: `n` jobs on a fixed number of threads, whole runs side by side. Each of the
/// workers (by default one per thread, at most one per job) takes the next job when it is free
/// and runs it in a rayon pool of its own ([`split_threads`]): runs nested in one pool would
/// wait on each other's parallel phases and spin while they wait. Results come back in job
/// order and do not depend on the thread count: every run is deterministic under any pool.
pub struct Engine<'a> {
    threads: usize,
    side_by_side: Option<usize>,
    stop: Option<&'a AtomicBool>,
}

impl<'a> Engine<'a> {
    /// An engine on `threads` threads in all.
    pub fn new(threads: usize) -> Self {
        Engine {
            threads: threads.max(1),
            side_by_side: None,
            stop: None,
        }
    }

    /// Run at most `jobs` jobs at a time (the threads split between them).
    pub fn side_by_side(mut self, jobs: usize) -> Self {
        self.side_by_side = Some(jobs.max(1));
        self
    }

    /// Start no further job once `flag` is set (Ctrl-C); a job that has started decides itself
    /// whether to stop early.
    pub fn stop_on(mut self, flag: &'a AtomicBool) -> Self {
        self.stop = Some(flag);
        self
    }

    /// Run jobs `0..n`; `done(j, &result)` is called on the worker as each job finishes (for
    /// progress). The result of a job that never started (stopped) is `None`.
    pub fn run<T: Send>(
        &self,
        n: usize,
        job: impl Fn(usize) -> T + Sync,
        done: impl Fn(usize, &T) + Sync,
    ) -> Result<Vec<Option<T>>> {
        let workers = self.side_by_side.unwrap_or(self.threads).min(n).max(1);
        let pools: Vec<rayon::ThreadPool> = split_threads(self.threads, workers)
            .into_iter()
            .map(|t| rayon::ThreadPoolBuilder::new().num_threads(t).build())
            .collect::<Result<_, _>>()
            .context("cannot start the worker threads")?;
        let next = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
        let stopped = || self.stop.is_some_and(|f| f.load(Ordering::SeqCst));
        std::thread::scope(|scope| {
            for pool in &pools {
                let (next, slots, job, done, stopped) = (&next, &slots, &job, &done, &stopped);
                scope.spawn(move || {
                    pool.install(|| loop {
                        if stopped() {
                            break;
                        }
                        let j = next.fetch_add(1, Ordering::SeqCst);
                        if j >= n {
                            break;
                        }
                        let out = job(j);
                        done(j, &out);
                        *slots[j].lock().unwrap_or_else(|e| e.into_inner()) = Some(out);
                    })
                });
            }
        });
        Ok(slots
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect())
    }
}

/// Run `n` jobs on `threads` threads with the [`Engine`] and return their results in job order.
pub fn run_jobs<T: Send>(
    n: usize,
    threads: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Result<Vec<T>> {
    Engine::new(threads)
        .run(n, job, |_, _| {})?
        .into_iter()
        .enumerate()
        .map(|(j, r)| r.with_context(|| format!("job {j} left no result")))
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
    fn threads_split_evenly_with_at_least_one_each() {
        assert_eq!(split_threads(8, 3), vec![3, 3, 2]);
        assert_eq!(split_threads(2, 2), vec![1, 1]);
        assert_eq!(split_threads(1, 3), vec![1, 1, 1]);
        assert_eq!(split_threads(4, 0), vec![4]);
    }

    #[test]
    fn a_stop_starts_no_further_job_and_done_sees_every_finished_one() {
        let stop = AtomicBool::new(false);
        let seen = AtomicUsize::new(0);
        let out = Engine::new(1)
            .stop_on(&stop)
            .run(
                5,
                |j| {
                    if j == 1 {
                        stop.store(true, Ordering::SeqCst);
                    }
                    j
                },
                |_, _| {
                    seen.fetch_add(1, Ordering::SeqCst);
                },
            )
            .unwrap();
        assert_eq!(out, vec![Some(0), Some(1), None, None, None]);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        let two_at_a_time = Engine::new(4).side_by_side(2).run(6, |j| j + 1, |_, _| {});
        assert_eq!(
            two_at_a_time.unwrap(),
            (1..=6).map(Some).collect::<Vec<_>>()
        );
    }

    #[test]
    fn replicate_seeds_differ_and_are_stable() {
        assert_ne!(replicate_seed(42, 0), replicate_seed(42, 1));
        assert_eq!(replicate_seed(42, 3), crate::rng::mix(42, &[3]));
    }
}
