//! Resource limits checked before a world is allocated: an estimate of the memory a run needs,
//! the memory this process may use (cgroup limit or `MemAvailable`), structural limits of the
//! model's index types, and the rules for output-folder names taken from scenario names.
//!
//! The estimate is deliberately simple and slightly pessimistic: it counts the struct-of-arrays
//! columns per worker and firm agent (with growth of the labour force over the run), the
//! per-cell fields and sampling tables, the zone matrices of the travel model
//! (`zones² × (4 + 4 + 8 + 8)` bytes: free-flow minutes, gravity weights, and the two
//! cumulative gravity tables), the knowledge kernel and the per-tick bookkeeping. It was
//! calibrated against the peak resident memory of the Beijing world at scales 0.002–0.3
//! (measured 50–160 MiB; the estimate is 5–25% above).

use std::fmt;

use crate::params::Params;
use crate::world::layers::WorldLayers;

/// Bytes per worker agent: six columns (13 bytes) plus proposals, sampling and growth slack.
pub const BYTES_PER_WORKER: f64 = 24.0;
/// Bytes per firm agent: 19 columns (55 bytes), the packed view the workers and the commute
/// phase read (8), and proposals and growth slack.
pub const BYTES_PER_FIRM: f64 = 88.0;
/// Bytes per would-be firm entrant of a month (`tick::firm_entry::Entrant`).
pub const BYTES_PER_ENTRANT: f64 = 40.0;
/// Bytes per grid cell: the world's fields, the input layers and the per-tick tables.
pub const BYTES_PER_CELL: f64 = 500.0;
/// Bytes per zone pair: free-flow minutes (f32), gravity weights (f32) and the cumulative
/// job and home gravity tables (f64 each).
pub const BYTES_PER_ZONE_PAIR: f64 = 4.0 + 4.0 + 8.0 + 8.0;
/// Bytes per tick of a run: start-up births and deaths by birth tick, the tick timings, and
/// the indicator row a run folder keeps for its report (a `TickRow`: date, values; see
/// [`bytes_per_tick`]). Runs are at most `scenario::MAX_TICKS` long.
pub const BYTES_PER_TICK: f64 = 8.0 + 24.0 + 16.0 + 64.0;

/// Bytes of the tracked regions' rows a run keeps per tick with its report
/// (`TickReport::regions`, for saved states): at most 32 regions of a name, a date and the
/// region indicators.
pub const REGION_ROWS_PER_TICK: f64 =
    32.0 * (48.0 + 24.0 + 8.0 * crate::metrics::REGION_INDICATORS.len() as f64);

/// Bytes per tick in all: [`BYTES_PER_TICK`], 8 per indicator of the kept row, and the
/// region rows.
pub fn bytes_per_tick() -> f64 {
    BYTES_PER_TICK + 8.0 * crate::metrics::INDICATORS.len() as f64 + REGION_ROWS_PER_TICK
}
/// Fixed overhead: the program, thread stacks, the preset's construction.
pub const BASE_BYTES: f64 = 8.0 * 1048576.0;
/// Most travel zones a world may have (zones are indexed by `u16`).
pub const MAX_ZONES: usize = u16::MAX as usize;
/// Most incubators a run may have, at the start and opened by policies (a firm's incubator
/// is a `u16`, whose largest value means none).
pub const MAX_INCUBATORS: usize = u16::MAX as usize;

/// Whether a run's incubators fit the model's index: `at_start` in the world and `opened` by
/// policies.
pub fn check_incubators(at_start: usize, opened: usize) -> Result<(), String> {
    if at_start + opened > MAX_INCUBATORS {
        return Err(format!(
            "the run would have {} incubators ({at_start} at the start, {opened} opened by policies), more than the {MAX_INCUBATORS} the model can index",
            at_start + opened
        ));
    }
    Ok(())
}

/// The flags a user can pass to change the memory check (named in its messages).
pub const OVERRIDE_FLAGS: &str = "--max-memory SIZE or --ignore-memory-check";

/// What a run is estimated to need, in total and by part.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryEstimate {
    /// Total bytes (saturated at `u64::MAX`).
    pub total: u64,
    /// (part, bytes), largest first.
    pub parts: Vec<(&'static str, u64)>,
    /// Worker agents at the peak of the run.
    pub workers: f64,
    /// Firm agents at the peak of the run.
    pub firms: f64,
    /// Travel zones.
    pub zones: usize,
}

impl MemoryEstimate {
    /// The parts that make up at least 5% of the total, e.g. `travel zones 32.1 MiB, grid 14.0 MiB`.
    pub fn main_parts(&self) -> String {
        self.parts
            .iter()
            .filter(|(_, b)| *b as f64 >= 0.05 * self.total as f64)
            .map(|(n, b)| format!("{n} {}", human_bytes(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for MemoryEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", human_bytes(self.total), self.main_parts())
    }
}

/// A memory budget: the limit and where it came from (for messages).
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryLimit {
    /// Bytes this run may use.
    pub bytes: u64,
    /// Where the number came from, e.g. `MemAvailable in /proc/meminfo` or `--max-memory`.
    pub source: String,
}

fn sat(v: f64) -> u64 {
    if v.is_nan() || v >= u64::MAX as f64 {
        u64::MAX
    } else if v <= 0.0 {
        0
    } else {
        v as u64
    }
}

/// Mean size of a firm under the truncated discrete Pareto P(size ≥ s) = s^−α, 1 ≤ s ≤ max
/// (the initial size distribution of `world::build`).
pub fn mean_firm_size(alpha: f64, max: u32) -> f64 {
    if !(alpha.is_finite() && alpha > 0.0) || max <= 1 {
        return 1.0;
    }
    // E[size] = Σ_{s ≥ 1} P(size ≥ s) = Σ_{s=1}^{max} s^−α; summed exactly up to 10⁴, then by
    // the integral (the error is far below the estimate's precision).
    let exact = max.min(10_000);
    let mut m: f64 = (1..=exact).map(|s| (s as f64).powf(-alpha)).sum();
    if max > exact {
        let (a, b) = (exact as f64 + 0.5, max as f64 + 0.5);
        m += if (alpha - 1.0).abs() < 1e-9 {
            (b / a).ln()
        } else {
            (b.powf(1.0 - alpha) - a.powf(1.0 - alpha)) / (1.0 - alpha)
        };
    }
    m.max(1.0)
}

/// Estimate the peak memory of a run of `ticks` months over `layers` at `scale`.
pub fn estimate_memory(
    layers: &WorldLayers,
    params: &Params,
    scale: f64,
    ticks: u32,
) -> MemoryEstimate {
    let pop = &params.population;
    let years = ticks as f64 / 12.0;
    // The labour force grows towards labour_start × (1 + g)^years; graduates arrive each July.
    let growth = (1.0 + pop.growth_per_year.max(0.0)).powf(years).max(1.0);
    let workers0 = (pop.labour_force * scale).max(0.0);
    let workers = workers0 * (growth + pop.graduates_per_year.max(0.0));
    let jobs: f64 = layers.jobs.iter().filter(|v| v.is_finite()).sum::<f64>() * scale;
    let firms0 = jobs / mean_firm_size(pop.firm_size_exponent, pop.firm_size_max);
    // Start-ups add firms as the labour force grows; dead firms stay until the yearly compaction.
    // Ordinary firms enter at `entry_rate` per worker and month; a year's entrants hold slots
    // until the compaction, dead or alive.
    let entry = params.firms.entry_rate.clamp(0.0, 1.0);
    let firms = (firms0 + workers0 * (0.01 + 12.0 * entry)) * growth * 1.3;
    let n = layers.grid.n_cells() as f64;
    let zc = params.commute.zone_cells.max(1) as usize;
    let zones = layers.grid.nx.div_ceil(zc) * layers.grid.ny.div_ceil(zc);
    let kp = &params.knowledge;
    let r = (kp.decay_km * kp.cutoff_decays / layers.grid.cell_km).ceil();
    let side = if r.is_finite() && r >= 0.0 {
        2.0 * r + 1.0
    } else {
        f64::INFINITY
    };
    let mut parts = vec![
        ("workers", sat(workers * BYTES_PER_WORKER)),
        ("firm entrants", sat(workers * entry * BYTES_PER_ENTRANT)),
        ("firms", sat(firms * BYTES_PER_FIRM)),
        ("grid", sat(n * BYTES_PER_CELL)),
        (
            "travel zones",
            sat((zones as f64).powi(2) * BYTES_PER_ZONE_PAIR),
        ),
        ("knowledge kernel", sat(side * side * 8.0)),
        ("per-tick records", sat(ticks as f64 * bytes_per_tick())),
        ("base", sat(BASE_BYTES)),
    ];
    let total = parts.iter().fold(0u64, |a, (_, b)| a.saturating_add(*b));
    parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    MemoryEstimate {
        total,
        parts,
        workers,
        firms,
        zones,
    }
}

/// Check an estimate against a limit and the structural limits; the error says what was
/// estimated, what the limit is and where it came from, and how to override it.
pub fn check_memory(est: &MemoryEstimate, limit: &MemoryLimit) -> Result<(), String> {
    if est.total > limit.bytes {
        return Err(format!(
            "this run would need about {} of memory ({}), more than the {} available ({}); \
             use a smaller --scale or fewer ticks, or pass {OVERRIDE_FLAGS} if you know better",
            human_bytes(est.total),
            est.main_parts(),
            human_bytes(limit.bytes),
            limit.source
        ));
    }
    Ok(())
}

/// Limits that hold whatever the memory: the model's index types.
pub fn check_structure(est: &MemoryEstimate) -> Result<(), String> {
    if est.zones > MAX_ZONES {
        return Err(format!(
            "the world has {} travel zones, more than the {MAX_ZONES} the model can index; raise params.commute.zone_cells",
            est.zones
        ));
    }
    if est.workers >= u32::MAX as f64 || est.firms >= u32::MAX as f64 {
        return Err(format!(
            "the run would hold about {:.3e} worker and {:.3e} firm agents, more than the model can index (2³² − 1); use a smaller --scale",
            est.workers, est.firms
        ));
    }
    Ok(())
}

/// The memory this process may use: the smaller of `MemAvailable` and the cgroup's limit
/// minus its usage (containers, SLURM jobs). `None` when neither can be read.
pub fn detect_memory_limit() -> Option<MemoryLimit> {
    let mut best: Option<MemoryLimit> = None;
    let mut consider = |bytes: u64, source: String| {
        if best.as_ref().map_or(true, |b| bytes < b.bytes) {
            best = Some(MemoryLimit { bytes, source });
        }
    };
    if let Some(avail) = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| meminfo_available(&s))
    {
        consider(avail, "MemAvailable in /proc/meminfo".into());
    }
    if let Some((bytes, source)) = cgroup_headroom() {
        consider(bytes, source);
    }
    best
}

/// `MemAvailable` (bytes) from the text of `/proc/meminfo`.
pub fn meminfo_available(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// Headroom under the tightest cgroup memory limit of this process and its ancestors
/// (cgroup v2 `memory.max − memory.current`, or v1 `memory.limit_in_bytes − memory.usage_in_bytes`).
fn cgroup_headroom() -> Option<(u64, String)> {
    let cg = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    cgroup_headroom_in(&cg, "/sys/fs/cgroup", "/sys/fs/cgroup/memory")
}

/// [`cgroup_headroom`] for the text of `/proc/self/cgroup` and the mount points of the v2
/// hierarchy and of the v1 memory controller.
pub fn cgroup_headroom_in(cgroup: &str, v2_root: &str, v1_root: &str) -> Option<(u64, String)> {
    let read_u64 =
        |p: &str| -> Option<u64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
    let mut best: Option<(u64, String)> = None;
    for line in cgroup.lines() {
        let mut it = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let (root, max_f, cur_f) = if controllers.is_empty() {
            (v2_root, "memory.max", "memory.current")
        } else if controllers.split(',').any(|c| c == "memory") {
            (v1_root, "memory.limit_in_bytes", "memory.usage_in_bytes")
        } else {
            continue;
        };
        // Walk from the process's cgroup up to the root: any ancestor may hold the limit.
        let mut p = path.trim_end_matches('/').to_string();
        loop {
            let dir = format!("{root}{p}");
            // v2 says "max" for no limit (not a number); v1 a huge number.
            if let Some(max) = read_u64(&format!("{dir}/{max_f}")).filter(|&m| m < (1u64 << 60)) {
                let cur = read_u64(&format!("{dir}/{cur_f}")).unwrap_or(0);
                let head = max.saturating_sub(cur);
                if best.as_ref().map_or(true, |b| head < b.0) {
                    best = Some((
                        head,
                        format!(
                            "cgroup limit {} in {dir}/{max_f}, {} in use",
                            human_bytes(max),
                            human_bytes(cur)
                        ),
                    ));
                }
            }
            match p.rfind('/') {
                Some(i) => p.truncate(i),
                None => break,
            }
        }
    }
    best
}

/// Parse a size such as `512M`, `2G`, `1.5GiB`, `800MB` or a plain number of bytes
/// (K, M, G, T are powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("expected a size such as 512M or 8G, found {s:?}"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1048576.0,
        "g" | "gb" | "gib" => 1073741824.0,
        "t" | "tb" | "tib" => 1099511627776.0,
        _ => return Err(format!("unknown size unit in {s:?}; use K, M, G or T")),
    };
    let b = v * mult;
    if !b.is_finite() || b < 1.0 {
        return Err(format!("expected a positive size, found {s:?}"));
    }
    Ok(sat(b))
}

/// Bytes as a short human-readable string (binary units).
pub fn human_bytes(b: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Check that a scenario name can be used as one folder name inside `results/`: not empty,
/// not `.` or `..`, no `/` or `\`, no NUL or other control character, not starting with `.`
/// (hidden; staging folders are hidden) and at most 200 bytes. Nothing a scenario says can then
/// make `results/<name>` point outside `results/`.
pub fn check_folder_name(name: &str) -> Result<(), String> {
    let bad = if name.is_empty() {
        Some("it is empty".to_string())
    } else if name == "." || name == ".." {
        Some(format!("{name:?} is not a folder name"))
    } else if let Some(c) = name.chars().find(|c| *c == '/' || *c == '\\') {
        Some(format!("it contains {c:?}"))
    } else if let Some(c) = name.chars().find(|c| c.is_control()) {
        Some(format!("it contains the control character {c:?}"))
    } else if name.starts_with('.') {
        Some("it starts with `.` (hidden folders are reserved for runs in progress)".into())
    } else if name.len() > 200 {
        Some(format!("it is {} bytes long (at most 200)", name.len()))
    } else {
        None
    };
    match bad {
        Some(why) => Err(format!(
            "the scenario name {name:?} cannot name an output folder: {why}; rename the scenario or pass --out"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::beijing;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert_eq!(parse_size(" 8 gb ").unwrap(), 8 << 30);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("-3G").is_err());
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 B");
    }

    #[test]
    fn meminfo_is_read() {
        let t = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   2000 kB\n";
        assert_eq!(meminfo_available(t), Some(2000 * 1024));
        assert_eq!(meminfo_available("MemTotal: 3 kB\n"), None);
        // On Linux something is always detected.
        if cfg!(target_os = "linux") {
            let l = detect_memory_limit().expect("a limit on Linux");
            assert!(l.bytes > 0, "{l:?}");
        }
    }

    #[test]
    fn cgroup_limits_of_the_process_and_its_ancestors_are_found() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().to_str().unwrap();
        let w = |rel: &str, text: &str| {
            let p = t.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        // v2: the job's own cgroup has no limit, its parent (a SLURM job, say) has 1 GiB.
        w("v2/slurm/job_7/memory.max", "1073741824\n");
        w("v2/slurm/job_7/memory.current", "268435456\n");
        w("v2/slurm/job_7/step_0/memory.max", "max\n");
        w("v2/slurm/job_7/step_0/memory.current", "1000\n");
        let (head, src) = cgroup_headroom_in(
            "0::/slurm/job_7/step_0\n",
            &format!("{root}/v2"),
            &format!("{root}/v1"),
        )
        .unwrap();
        assert_eq!(head, 768 << 20);
        assert!(
            src.contains("job_7/memory.max") && src.contains("1.0 GiB"),
            "{src}"
        );
        // v1: "no limit" is a huge number; a limit is found.
        w(
            "v1/docker/abc/memory.limit_in_bytes",
            "9223372036854771712\n",
        );
        w("v1/memory.limit_in_bytes", "9223372036854771712\n");
        let none = cgroup_headroom_in(
            "4:memory:/docker/abc\n",
            "/nonexistent",
            &format!("{root}/v1"),
        );
        assert_eq!(none, None);
        w("v1/docker/abc/memory.limit_in_bytes", "536870912\n");
        w("v1/docker/abc/memory.usage_in_bytes", "0\n");
        let (head, _) = cgroup_headroom_in(
            "9:pids:/\n4:memory:/docker/abc\n",
            "/nonexistent",
            &format!("{root}/v1"),
        )
        .unwrap();
        assert_eq!(head, 512 << 20);
        assert_eq!(cgroup_headroom_in("garbage", root, root), None);
    }

    #[test]
    fn mean_firm_size_matches_a_direct_sum() {
        let direct: f64 = (1..=20_000u32).map(|s| (s as f64).powf(-1.05)).sum();
        let m = mean_firm_size(1.05, 20_000);
        assert!((m - direct).abs() / direct < 1e-3, "{m} vs {direct}");
        assert_eq!(mean_firm_size(0.0, 100), 1.0);
    }

    #[test]
    fn estimate_grows_with_scale_zones_and_ticks_and_is_near_the_measured_memory() {
        let p = Params::default();
        let l = beijing::layers(&p);
        let small = estimate_memory(&l, &p, 0.002, 36);
        let big = estimate_memory(&l, &p, 0.3, 36);
        // Measured peak RSS: 50 MiB at 0.002 and 154 MiB at 0.3 (3 ticks, 2 threads).
        let mib = |b: u64| b as f64 / 1048576.0;
        assert!(
            mib(small.total) > 45.0 && mib(small.total) < 80.0,
            "{small}"
        );
        assert!(mib(big.total) > 150.0 && mib(big.total) < 260.0, "{big}");
        let mut fine = p.clone();
        fine.commute.zone_cells = 1;
        let e = estimate_memory(&l, &fine, 0.002, 36);
        assert!(e.total > 16 << 30, "{e}");
        assert!(e.to_string().contains("travel zones"), "{e}");
        let long = estimate_memory(&l, &p, 0.002, u32::MAX);
        assert!(long.total > 100 << 30, "{long}");
    }

    #[test]
    fn incubators_beyond_the_index_are_refused() {
        assert!(check_incubators(MAX_INCUBATORS - 3, 3).is_ok());
        let msg = check_incubators(MAX_INCUBATORS - 3, 4).unwrap_err();
        assert!(
            msg.contains("65536 incubators") && msg.contains("4 opened"),
            "{msg}"
        );
    }

    #[test]
    fn hostile_parameters_give_huge_estimates_not_panics() {
        let mut p = Params::default();
        p.population.labour_force = 1e300;
        p.knowledge.decay_km = f64::INFINITY;
        let l = beijing::layers(&Params::default());
        let e = estimate_memory(&l, &p, 1.0, 240);
        assert_eq!(e.total, u64::MAX);
        assert!(check_structure(&e).is_err());
        let limit = MemoryLimit {
            bytes: 1 << 30,
            source: "test".into(),
        };
        let msg = check_memory(&e, &limit).unwrap_err();
        assert!(
            msg.contains("1.0 GiB") && msg.contains("--max-memory"),
            "{msg}"
        );
        p.population.labour_force = f64::NAN;
        p.knowledge.decay_km = f64::NAN;
        let e = estimate_memory(&l, &p, 1.0, 240);
        assert!(e.total > 0);
    }

    #[test]
    fn folder_names() {
        for ok in ["baseline", "E-mall conversion 2015", "北京", "a.b"] {
            check_folder_name(ok).unwrap();
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "/etc",
            "a\\b",
            ".hidden",
            "a\0b",
            "a\nb",
            "\u{1b}[31m",
        ] {
            assert!(check_folder_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_folder_name(&"x".repeat(201)).is_err());
    }
}
