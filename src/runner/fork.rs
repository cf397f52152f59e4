//! Forking a comparison's runs from a shared warm-up: where an alternative scenario is the base
//! scenario up to a month (same world, parameters and first month, and the same policies
//! before it), replicate k of the alternative continues from the base's replicate k state at
//! that month instead of simulating those months again. The outputs are byte-identical to
//! runs from the first month (the state's prefix hash is checked on every fork).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::scenario::Scenario;
use crate::state::State;
use crate::tick::Simulation;

/// The tick up to which `alt` simulates exactly as `base` for `ticks` months (0: from the
/// start they differ, or forking would not save a month). Decided on the scenario files: the
/// same world section and grid files, parameters and first month, and the same policy entries
/// (in order) among those that start before the tick. The fork itself checks the resolved
/// prefix again.
pub fn fork_tick(base: &Scenario, alt: &Scenario, ticks: u32) -> u32 {
    if base.world_hash() != alt.world_hash()
        || base.start != alt.start
        || serde_json::to_string(&base.file.params).ok()
            != serde_json::to_string(&alt.file.params).ok()
    {
        return 0;
    }
    let starts = |s: &Scenario| -> Vec<(i64, String)> {
        s.file
            .policies
            .iter()
            .map(|p| {
                (
                    p.start.tick(s.start).unwrap_or(0),
                    serde_json::to_string(p).unwrap_or_default(),
                )
            })
            .collect()
    };
    let (a, b) = (starts(base), starts(alt));
    let before = |v: &[(i64, String)], t: i64| -> Vec<String> {
        v.iter()
            .filter(|(s, _)| *s < t)
            .map(|(_, j)| j.clone())
            .collect()
    };
    // The prefix at tick t holds the policies starting before t, so equality can only end
    // just after a policy's start: the candidates are those starts and the run's last month.
    let last = ticks.saturating_sub(1) as i64;
    let mut candidates: Vec<i64> = a
        .iter()
        .chain(&b)
        .map(|(s, _)| (*s).clamp(0, last))
        .chain([last])
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut best = 0;
    for t in candidates {
        if before(&a, t) == before(&b, t) {
            best = t;
        } else {
            break;
        }
    }
    best as u32
}

/// States captured from a run as it passes given months (in memory, for forks).
pub struct Captures {
    wanted: Vec<u32>,
    states: Vec<(u32, State)>,
}

impl Captures {
    /// Capture at these ticks (0 and repeats are ignored: a fork at 0 is a fresh run).
    pub fn at(ticks: &[u32]) -> Captures {
        let mut wanted: Vec<u32> = ticks.iter().copied().filter(|&t| t > 0).collect();
        wanted.sort_unstable();
        wanted.dedup();
        Captures {
            wanted,
            states: Vec::new(),
        }
    }

    /// Whether any month is to be captured (the run must keep its months' reports).
    pub fn wants_any(&self) -> bool {
        !self.wanted.is_empty()
    }

    /// Nothing to capture.
    pub fn none() -> Captures {
        Captures::at(&[])
    }

    /// Call at the start of every month (a `runner::run_from` `before` hook).
    pub fn offer(
        &mut self,
        scenario: &Scenario,
        sim: &Simulation,
        history: &[crate::tick::TickReport],
        stats: &super::RunStats,
    ) {
        if self.wanted.binary_search(&sim.tick).is_ok() {
            self.states.push((
                sim.tick,
                crate::state::capture(scenario, sim, history, stats),
            ));
        }
    }

    /// A copy of the state captured at `tick`, if any.
    pub fn get(&self, tick: u32) -> Option<State> {
        self.states
            .iter()
            .find(|(t, _)| *t == tick)
            .map(|(_, s)| s.clone())
    }
}

/// Run `job(scenario, replicate, from, captures)` for `n_scenarios` × `replicates` on
/// [`super::jobs::run_jobs`], one job per replicate: the base (scenario 0) first, capturing
/// its state at every alternative's fork tick (`forks[s]`, 0 = no fork), then each alternative
/// from its state. Results come back as `[scenario][replicate]`, the first error in the order
/// (replicate, scenario); `Ok(None)` when a job stopped early.
pub fn run_forked<T: Send, E: Send + From<anyhow::Error>>(
    n_scenarios: usize,
    replicates: usize,
    threads: usize,
    forks: &[u32],
    stop: &AtomicBool,
    job: impl Fn(usize, usize, Option<State>, &mut Captures) -> Result<Option<T>, E> + Sync,
) -> Result<Option<Vec<Vec<T>>>, E> {
    if forks.iter().all(|&t| t == 0) {
        // Nothing shared: every (scenario, replicate) is a job of its own.
        return super::jobs::run_replicates(n_scenarios, replicates, threads, |s, r| {
            job(s, r, None, &mut Captures::none())
        });
    }
    let per_replicate = super::jobs::run_jobs(replicates, threads, |r| {
        let mut caps = Captures::at(&forks[1..]);
        let mut out: Vec<Result<Option<T>, E>> = Vec::with_capacity(n_scenarios);
        out.push(job(0, r, None, &mut caps));
        for (s, &fork) in forks.iter().enumerate().take(n_scenarios).skip(1) {
            if stop.load(Ordering::SeqCst) || out.iter().any(|o| !matches!(o, Ok(Some(_)))) {
                out.push(Ok(None));
                continue;
            }
            let from = (fork > 0).then(|| caps.get(fork)).flatten();
            out.push(job(s, r, from, &mut Captures::none()));
        }
        out
    })?;
    let mut grid: Vec<Vec<Option<T>>> = (0..n_scenarios)
        .map(|_| (0..replicates).map(|_| None).collect())
        .collect();
    for (r, results) in per_replicate.into_iter().enumerate() {
        for (s, res) in results.into_iter().enumerate() {
            grid[s][r] = res?;
        }
    }
    Ok(grid
        .into_iter()
        .map(|reps| reps.into_iter().collect::<Option<Vec<T>>>())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[scenario]
name = "base"
[run]
scale = 0.002
start = "2009-01"
ticks = 36
"#;

    fn scenario(extra: &str) -> Scenario {
        Scenario::from_str(&format!("{BASE}{extra}"), "t.toml", None).unwrap()
    }

    const INCUBATOR: &str = r#"
[[policy]]
kind = "incubator"
name = "i"
start = "2009-06"
region = { name = "huilongguan" }
generation = "2.0"
seats = 3000
"#;

    #[test]
    fn scenarios_part_at_the_first_policy_they_do_not_share() {
        let base = scenario("");
        assert_eq!(
            fork_tick(&base, &scenario(""), 36),
            35,
            "identical: all but the last"
        );
        assert_eq!(fork_tick(&base, &scenario(INCUBATOR), 36), 5);
        // A shared policy does not part them; a later one of the alternative's does.
        let later = INCUBATOR
            .replace("2009-06", "2010-02")
            .replace("\"i\"", "\"j\"");
        assert_eq!(
            fork_tick(
                &scenario(INCUBATOR),
                &scenario(&format!("{INCUBATOR}{later}")),
                36
            ),
            13
        );
        // Other parameters, another first month, a policy from the first month: nothing shared.
        assert_eq!(
            fork_tick(&base, &scenario("[params.firms]\ntfp_sigma = 0.3\n"), 36),
            0
        );
        let from_start = INCUBATOR.replace("2009-06", "2009-01");
        assert_eq!(fork_tick(&base, &scenario(&from_start), 36), 0);
        let moved =
            Scenario::from_str(&BASE.replace("2009-01", "2010-01"), "t.toml", None).unwrap();
        assert_eq!(fork_tick(&base, &moved, 36), 0);
    }
}
