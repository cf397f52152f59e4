//! Saved simulation states (`.zgcstate`): what a run is at the start of a month, so that it can
//! be continued (after a kill, `--resume`) or forked into another scenario that shares its past.
//!
//! A state holds the whole mutable simulation (world, agents, policy bookkeeping, indicator
//! accumulators, price indices) and the tables of the months before (`History`), so a run
//! continued from it writes the same folder, byte for byte, as one that never stopped. What
//! the state's months depended on is its [`Prefix`]: the world, the parameters, the seed, the
//! scale, the first month and the policies that had started. Another scenario may start from
//! the state when its own prefix at that month is the same; [`Prefix::first_difference`] says
//! otherwise. The file format is in [`file`].

pub mod file;

use serde::{Deserialize, Serialize};

use crate::calendar::YearMonth;
use crate::metrics::MetricsState;
use crate::runner::{Overrides, RunStats};
use crate::scenario::Scenario;
use crate::tick::policy::{Policy, PolicyRuntime, PolicyState};
use crate::tick::{Economy, Simulation, TickReport};
use crate::types::LandUse;
use crate::world::World;

/// The file extension of saved states.
pub const EXTENSION: &str = "zgcstate";

/// The months before a state: every tick's report (indicator row, park and region rows,
/// policy events, timings), in order.
pub type History = Vec<TickReport>;

/// A policy that had started before the state's month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StartedPolicy {
    /// Its name.
    pub name: String,
    /// Its first month.
    pub start: YearMonth,
    /// The resolved policy (kind, months, cells) as JSON, compared as text.
    pub resolved: String,
}

/// What a run's months before `at` depend on. Two scenarios with equal prefixes at a month
/// simulate those months identically, so one's state may start the other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prefix {
    /// The month the state is at (the start of it, before policies act).
    pub at: YearMonth,
    /// The world's name.
    pub world_name: String,
    /// SHA-256 of the scenario's world section and its grid files' contents.
    pub world: String,
    /// The first month of the run.
    pub start: YearMonth,
    /// Master seed.
    pub seed: u64,
    /// Agents per real agent.
    pub scale: f64,
    /// Every behavioural parameter, as JSON text (compared as text: a float read back from
    /// JSON need not be the same float).
    pub params: String,
    /// The policies that started before `at`, in the scenario's order.
    pub policies: Vec<StartedPolicy>,
}

impl Prefix {
    /// The prefix of a run of `scenario` with `seed` and `scale` at tick `tick`, with its
    /// policies resolved as `policies`.
    pub fn new(
        scenario: &Scenario,
        seed: u64,
        scale: f64,
        tick: u32,
        policies: &[Policy],
    ) -> Prefix {
        let start = scenario.start;
        Prefix {
            at: start.plus(tick),
            world_name: scenario.world_name(),
            world: scenario.world_hash(),
            start,
            seed,
            scale,
            params: serde_json::to_string(&scenario.file.params).unwrap_or_default(),
            policies: policies
                .iter()
                .filter(|p| p.start < tick)
                .map(|p| StartedPolicy {
                    name: p.name.clone(),
                    start: start.plus(p.start),
                    resolved: serde_json::to_string(p).unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// SHA-256 (hex) of the prefix.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        let text = serde_json::to_string(self).unwrap_or_default();
        sha2::Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The first way `mine` (a scenario's prefix) differs from `saved` (the state's), as a
    /// sentence; `None` when they are the same.
    pub fn first_difference(saved: &Prefix, mine: &Prefix) -> Option<String> {
        let at = saved.at;
        if saved.world != mine.world {
            return Some(format!(
                "the world differs: the state's is `{}` (world hash {}), this scenario's `{}` ({})",
                saved.world_name,
                &saved.world[..12.min(saved.world.len())],
                mine.world_name,
                &mine.world[..12.min(mine.world.len())]
            ));
        }
        if saved.start != mine.start {
            return Some(format!(
                "the state's run starts {}, this one {}",
                saved.start, mine.start
            ));
        }
        if saved.seed != mine.seed {
            return Some(format!(
                "the state's seed is {}, this run's {} (give --seed {} to fork it)",
                saved.seed, mine.seed, saved.seed
            ));
        }
        // Display is the shortest text that reads back as the same float.
        if saved.scale.to_string() != mine.scale.to_string() {
            return Some(format!(
                "the state's scale is {}, this run's {}",
                saved.scale, mine.scale
            ));
        }
        if saved.params != mine.params {
            let parse = |t: &str| serde_json::from_str(t).unwrap_or_default();
            let d = json_difference("params", &parse(&saved.params), &parse(&mine.params))
                .unwrap_or_else(|| "params differ".into());
            return Some(format!("parameter {d}"));
        }
        for p in &mine.policies {
            if saved.policies.iter().any(|q| q == p) {
                continue;
            }
            if saved.policies.iter().any(|q| q.name == p.name) {
                return Some(format!(
                    "policy `{}` differs from the state's policy of that name, and it started {}, before the state's {at}",
                    p.name, p.start
                ));
            }
            return Some(format!(
                "policy `{}` starts {}, before the state's {at}",
                p.name, p.start
            ));
        }
        for q in &saved.policies {
            if !mine.policies.iter().any(|p| p == q) {
                return Some(format!(
                    "the state's run had policy `{}` from {}, and this scenario has no such policy before {at}",
                    q.name, q.start
                ));
            }
        }
        if saved.policies != mine.policies {
            return Some(format!(
                "the policies that started before {at} are listed in another order (they act in file order)"
            ));
        }
        None
    }
}

/// The first key path where two JSON values differ, with both values.
fn json_difference(path: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let sub = format!("{path}.{k}");
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = json_difference(&sub, v, w) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{sub} is missing in this scenario")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k} is not in the state's run"))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: the state's run has {a}, this one {b}")),
    }
}

/// Run statistics carried over a state (for `summary.json`'s performance block).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SavedStats {
    /// Agents at the start of the run.
    pub agents_start: u64,
    /// Agent-steps done before the state.
    pub agent_steps: u64,
}

/// The readable part of a state file (JSON, at its head): what it is and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// zgc's version that wrote it.
    pub model_version: String,
    /// The git commit of that build, when known.
    pub git_commit: Option<String>,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's hash (`summary.json`'s `scenario_hash`).
    pub scenario_hash: String,
    /// Months the run was to last.
    pub ticks: u32,
    /// Ticks done: the state is at the start of month `tick` (0-based).
    pub tick: u32,
    /// Worker and firm agents in the state (all slots, alive or not).
    pub agents: u64,
    /// What the months before depended on.
    pub prefix: Prefix,
    /// [`Prefix::hash`] of `prefix`.
    pub prefix_hash: String,
}

impl Header {
    /// How this state's run differs from a run of `scenario` with overrides `o` (another
    /// scenario as it was then, seed, scale or length), as a phrase; `None` when it is the
    /// same run, which a checkpoint (`--resume`, a sweep's run in flight) may continue.
    pub fn other_run(&self, scenario: &Scenario, o: &Overrides) -> Option<String> {
        let seed = o.seed.unwrap_or(scenario.file.run.seed);
        let scale = o.scale.unwrap_or(scenario.file.run.scale);
        let ticks = o.ticks.unwrap_or(scenario.ticks);
        if self.scenario_hash != scenario.hash() {
            Some(format!("scenario `{}` as it was then", self.scenario))
        } else if self.prefix.seed != seed {
            Some(format!("seed {}", self.prefix.seed))
        } else if self.prefix.scale.to_string() != scale.to_string() {
            // Display is the shortest text that reads back as the same float.
            Some(format!("scale {}", self.prefix.scale))
        } else if self.ticks != ticks {
            Some(format!("{} ticks", self.ticks))
        } else {
            None
        }
    }
}

/// The simulation part of a state, borrowed for writing. Field order and types match
/// [`Body`], which reads it back.
#[derive(Serialize)]
pub(crate) struct BodyRef<'a> {
    world: &'a World,
    land_use0: &'a [LandUse],
    tick: u32,
    policy: PolicyRuntime,
    metrics: &'a MetricsState,
    k_ref: f64,
    labour_start: f64,
    economy: &'a Economy,
    history: &'a [TickReport],
    stats: SavedStats,
}

/// The simulation part of a state, read back.
#[derive(Clone, Deserialize)]
pub struct Body {
    /// The world at the state's month.
    pub world: World,
    /// The land-use zones at the run's start (policy regions resolve against them).
    pub land_use0: Vec<LandUse>,
    /// Ticks done.
    pub tick: u32,
    /// The policies' bookkeeping, by index in the saving scenario's list.
    pub policy: PolicyRuntime,
    /// Indicator accumulators.
    pub metrics: MetricsState,
    /// Knowledge normalisation.
    pub k_ref: f64,
    /// Labour force at the start.
    pub labour_start: f64,
    /// Price indices.
    pub economy: Economy,
    /// The months before.
    pub history: History,
    /// Run statistics so far.
    pub stats: SavedStats,
}

/// A state read from a file (or captured in memory): its header and body.
#[derive(Clone)]
pub struct State {
    /// Where it was read from.
    pub path: std::path::PathBuf,
    /// The header.
    pub header: Header,
    /// The simulation.
    pub body: Body,
}

/// Build the header of `sim`'s state.
pub fn header(scenario: &Scenario, sim: &Simulation) -> Header {
    let prefix = Prefix::new(
        scenario,
        sim.seed,
        sim.world.scale,
        sim.tick,
        &sim.policy.policies,
    );
    Header {
        model_version: env!("CARGO_PKG_VERSION").to_string(),
        git_commit: crate::output::git_commit().map(str::to_string),
        scenario: scenario.name().to_string(),
        scenario_hash: scenario.hash(),
        ticks: sim.ticks,
        tick: sim.tick,
        agents: (sim.world.workers.len() + sim.world.firms.len()) as u64,
        prefix_hash: prefix.hash(),
        prefix,
    }
}

/// `sim`'s state in memory (a copy), as a file would give it back: for forks within one
/// process (`runner::fork`).
pub fn capture(
    scenario: &Scenario,
    sim: &Simulation,
    history: &[TickReport],
    stats: &RunStats,
) -> State {
    State {
        path: std::path::PathBuf::from(format!("<{} at {}>", scenario.name(), sim.date())),
        header: header(scenario, sim),
        body: Body {
            world: sim.world.clone(),
            land_use0: sim.land_use0.clone(),
            tick: sim.tick,
            policy: sim.policy.runtime(sim.tick),
            metrics: sim.metrics.clone(),
            k_ref: sim.k_ref,
            labour_start: sim.labour_start,
            economy: sim.economy,
            history: history.to_vec(),
            stats: SavedStats {
                agents_start: stats.agents_start,
                agent_steps: stats.agent_steps,
            },
        },
    }
}

/// Borrow `sim`'s state for writing.
pub(crate) fn body<'a>(
    sim: &'a Simulation,
    history: &'a [TickReport],
    stats: &RunStats,
) -> BodyRef<'a> {
    BodyRef {
        world: &sim.world,
        land_use0: &sim.land_use0,
        tick: sim.tick,
        policy: sim.policy.runtime(sim.tick),
        metrics: &sim.metrics,
        k_ref: sim.k_ref,
        labour_start: sim.labour_start,
        economy: &sim.economy,
        history,
        stats: SavedStats {
            agents_start: stats.agents_start,
            agent_steps: stats.agent_steps,
        },
    }
}

/// A simulation continued from a state, with the months before it.
pub struct Resumed {
    /// The simulation at the state's month.
    pub sim: Simulation,
    /// The reports of the months before.
    pub history: History,
    /// Statistics so far.
    pub stats: SavedStats,
}

/// Continue `state` as a run of `scenario` with overrides `o`, whose world's grid is `grid`
/// (from its layers): checks that the scenario's prefix at the state's month is the state's
/// (else the first difference, as an error message) and that the state's world is of that
/// grid and scale, then rebuilds the simulation with the scenario's policies.
pub fn resume(
    state: State,
    scenario: &Scenario,
    o: &Overrides,
    grid: &crate::world::grid::GridSpec,
) -> Result<Resumed, String> {
    let State { header, body, .. } = state;
    let seed = o.seed.unwrap_or(scenario.file.run.seed);
    let scale = o.scale.unwrap_or(scenario.file.run.scale);
    let ticks = o.ticks.unwrap_or(scenario.ticks);
    let at = header.prefix.at;
    if body.tick > ticks {
        return Err(format!(
            "the state is at {at} (month {} of the run), after this run's last month {}",
            body.tick + 1,
            scenario.start.plus(ticks.saturating_sub(1))
        ));
    }
    let cannot = |d: String| {
        format!(
            "this state cannot start scenario `{}`: {d}",
            scenario.name()
        )
    };
    // Another world first: its policies would not even resolve on the state's.
    if header.prefix.world != scenario.world_hash() {
        let mine = Prefix::new(scenario, seed, scale, body.tick, &[]);
        return Err(cannot(
            Prefix::first_difference(&header.prefix, &mine).unwrap_or_default(),
        ));
    }
    // The same world: the body must be of its grid (else it was altered after its header).
    if body.world.grid != *grid {
        return Err(
            "its world's grid is not the one its header names; the file is corrupted".into(),
        );
    }
    let policies = scenario
        .policies_on(&body.world, &body.land_use0)
        .map_err(|e| e.to_string())?;
    let mine = Prefix::new(scenario, seed, scale, body.tick, &policies);
    if mine.hash() != header.prefix_hash {
        let d = Prefix::first_difference(&header.prefix, &mine)
            .unwrap_or_else(|| "the run settings differ".into());
        return Err(cannot(d));
    }
    // The prefixes agree, so the body must be of this run's scale.
    if body.world.scale.to_bits() != scale.to_bits() {
        return Err(
            "its world's scale is not the one its header names; the file is corrupted".into(),
        );
    }
    // The saving run's started policies are this run's started ones, in the same order (the
    // prefixes are equal).
    let policy = PolicyState::resume(
        policies,
        body.policy,
        body.tick,
        body.world.grid.n_cells(),
        body.world.partner_sites.len(),
    )
    .map_err(|m| format!("{m}; the file is corrupted"))?;
    let mut metrics = body.metrics;
    metrics.resize_ticks(ticks);
    let sim = Simulation::restore(
        body.world,
        scenario.file.params.clone(),
        crate::tick::Restored {
            seed,
            start: scenario.start,
            ticks,
            tick: body.tick,
            policy,
            metrics,
            land_use0: body.land_use0,
            k_ref: body.k_ref,
            labour_start: body.labour_start,
            economy: body.economy,
        },
    );
    Ok(Resumed {
        sim,
        history: body.history,
        stats: body.stats,
    })
}

/// The conventional file name of a state at `date`: `state-YYYY-MM.zgcstate`.
pub fn file_name(date: YearMonth) -> String {
    format!("state-{date}.{EXTENSION}")
}

/// Parse `--save-state-at`'s value: a month `YYYY-MM` or a tick number (0 = the first month),
/// as a tick of a run starting at `start`.
pub fn parse_at(s: &str, start: YearMonth) -> Result<u32, String> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u32>()
            .map_err(|_| format!("expected a month YYYY-MM or a tick number, found \"{s}\""));
    }
    let d = YearMonth::parse(s).ok_or_else(|| {
        format!("expected a month YYYY-MM or a tick number (0 = the first month), found \"{s}\"")
    })?;
    let t = start.months_until(d);
    if t < 0 {
        return Err(format!("{d} is before the run's first month {start}"));
    }
    u32::try_from(t).map_err(|_| format!("{d} is too far after the run's first month {start}"))
}

/// The name of the rolling checkpoint in a run's staging folder (`--checkpoint-every`).
pub const CHECKPOINT: &str = "checkpoint.zgcstate";

/// Whether a checkpoint is due at the start of month `tick` of a run that began (or continued)
/// at `begin`, keeping one every `every` months: at the multiples of `every`, not where the run
/// began (that state is already on disk, or is the first month).
pub fn checkpoint_due(tick: u32, begin: u32, every: Option<u32>) -> bool {
    every.is_some_and(|n| tick > begin && tick % n == 0)
}

/// Save `sim`'s state (with the months before, `history`) to `path`, atomically. Returns the
/// file's size in bytes.
pub fn save(
    path: &std::path::Path,
    scenario: &Scenario,
    sim: &Simulation,
    history: &[TickReport],
    stats: &RunStats,
) -> anyhow::Result<u64> {
    anyhow::ensure!(
        history.len() == sim.tick as usize,
        "cannot save the state of {}: the run did not keep its months' reports",
        sim.date()
    );
    file::write(path, &header(scenario, sim), &body(sim, history, stats))
}

/// The newest checkpoint left by interrupted runs into `dest` (see
/// [`crate::output::interrupted_stagings`]): its staging folder and header. Unreadable
/// checkpoints are skipped.
pub fn find_checkpoint(dest: &std::path::Path) -> Option<(std::path::PathBuf, Header)> {
    crate::output::interrupted_stagings(dest)
        .into_iter()
        .filter_map(|dir| {
            let h = file::read_header(&dir.join(CHECKPOINT)).ok()?;
            Some((dir, h))
        })
        .max_by_key(|(_, h)| h.tick)
}
