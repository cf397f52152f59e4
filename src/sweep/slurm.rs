//! SLURM job arrays for a plan: the sbatch scripts (an array whose task `I` runs shard
//! `I/N`, and a merge job that runs after the array whatever its outcome), and submitting
//! them with `sbatch --parsable`.
//!
//! The scheduler is never asked whether runs finished: `sweep status` and `sweep merge` read
//! the done markers. The settings of the last `sweep slurm` are kept in
//! `slurm/settings.json` so that `sweep status` can print the command that resubmits the
//! missing runs with the same settings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::SweepError;

/// Folder of the scripts inside a plan folder.
pub const SLURM_DIR: &str = "slurm";
/// Array script.
pub const ARRAY_SCRIPT: &str = "array.sbatch";
/// Merge script.
pub const MERGE_SCRIPT: &str = "merge.sbatch";
/// Settings of the last `sweep slurm`.
pub const SETTINGS: &str = "settings.json";

/// Settings of a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlurmSettings {
    /// Array tasks (shards).
    pub tasks: usize,
    /// `--time`.
    pub time: Option<String>,
    /// `--cpus-per-task`; also each task's `RAYON_NUM_THREADS`.
    pub cpus_per_task: usize,
    /// `--partition`.
    pub partition: Option<String>,
    /// Most array tasks running at once (`%K`).
    pub max_running: Option<usize>,
    /// `--mem` per task.
    pub mem: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// `sweep run --checkpoint-every N`: runs in flight when a task is killed (at its time
    /// limit) continue from their last checkpoint when resubmitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<u32>,
    /// Test aid: milliseconds to sleep before each run (`sweep run --throttle-ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_ms: Option<u64>,
    /// `--mem-per-cpu` in MiB when `mem` is not given: zgc's own estimate of one run (each
    /// CPU of a task runs one run at a time) with a margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_per_cpu_mib: Option<u64>,
    /// The zgc binary the scripts run (`--zgc-path`; default: the one that wrote them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zgc_path: Option<PathBuf>,
    /// `module load` arguments, one line each (`--module`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    /// Shell lines run before zgc (`--setup`), e.g. `source ~/venv/bin/activate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup: Vec<String>,
    /// The cluster's MaxArraySize: array indices run from 0 to this − 1; more tasks are split
    /// over several array jobs.
    #[serde(default = "default_max_array_size")]
    pub max_array_size: usize,
}

/// SLURM's default MaxArraySize.
pub const DEFAULT_MAX_ARRAY_SIZE: usize = 1001;

fn default_max_array_size() -> usize {
    DEFAULT_MAX_ARRAY_SIZE
}

/// The cluster's MaxArraySize from `scontrol show config`, if scontrol answers.
pub fn cluster_max_array_size() -> Option<usize> {
    let out = Command::new("scontrol")
        .args(["show", "config"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.trim_start().starts_with("MaxArraySize"))?
        .split('=')
        .nth(1)?
        .trim()
        .parse()
        .ok()
}

/// The environment lines of a script: modules, then the user's set-up commands.
fn environment(t: &mut String, s: &SlurmSettings) {
    if !s.modules.is_empty() || !s.setup.is_empty() {
        let _ = writeln!(t, "# Environment (--module, --setup).");
    }
    for m in &s.modules {
        let _ = writeln!(t, "module load {m}");
    }
    for l in &s.setup {
        let _ = writeln!(t, "{l}");
    }
}

/// The array chunks of `tasks` shards under a MaxArraySize: (first shard, shards) each.
pub fn chunks(tasks: usize, max_array_size: usize) -> Vec<(usize, usize)> {
    let m = max_array_size.max(1);
    (0..tasks.div_ceil(m))
        .map(|i| (i * m, m.min(tasks - i * m)))
        .collect()
}

/// Quote a word for a POSIX shell (only when needed).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The array script: task `$SLURM_ARRAY_TASK_ID` runs its shard of `only` (or of all runs).
/// With more tasks than the cluster's MaxArraySize, use [`array_scripts`].
pub fn array_script(
    zgc: &Path,
    dir: &Path,
    name: &str,
    s: &SlurmSettings,
    only: Option<&str>,
) -> String {
    array_chunk_script(zgc, dir, name, s, only, (0, s.tasks))
}

/// The array scripts of every chunk (one unless the tasks exceed MaxArraySize).
pub fn array_scripts(
    zgc: &Path,
    dir: &Path,
    name: &str,
    s: &SlurmSettings,
    only: Option<&str>,
) -> Vec<String> {
    chunks(s.tasks, s.max_array_size)
        .into_iter()
        .map(|c| array_chunk_script(zgc, dir, name, s, only, c))
        .collect()
}

/// The script of the shards `first .. first + n` of `s.tasks`: array indices `0 .. n − 1`,
/// shard `first + $SLURM_ARRAY_TASK_ID`.
fn array_chunk_script(
    zgc: &Path,
    dir: &Path,
    name: &str,
    s: &SlurmSettings,
    only: Option<&str>,
    (first, n): (usize, usize),
) -> String {
    let zgc = s.zgc_path.as_deref().unwrap_or(zgc);
    let q = |p: &Path| shell_quote(&p.display().to_string());
    let logs = dir.join("logs");
    let mut t = String::new();
    let _ = writeln!(t, "#!/bin/bash");
    if n == s.tasks {
        let _ = writeln!(
            t,
            "# zgc sweep {name}: {} array task(s), each running one shard of the runs.",
            s.tasks
        );
    } else {
        let _ = writeln!(
            t,
            "# zgc sweep {name}: shards {first} to {} of {} (the cluster's MaxArraySize is {}: {} array jobs in all).",
            first + n - 1,
            s.tasks,
            s.max_array_size,
            s.tasks.div_ceil(s.max_array_size.max(1))
        );
    }
    let _ = writeln!(t, "# Written by `zgc sweep slurm`; submit with sbatch.");
    let _ = writeln!(t, "#SBATCH --job-name=zgc-{name}");
    let array = match s.max_running {
        Some(k) => format!("0-{}%{k}", n - 1),
        None => format!("0-{}", n - 1),
    };
    let _ = writeln!(t, "#SBATCH --array={array}");
    let _ = writeln!(t, "#SBATCH --cpus-per-task={}", s.cpus_per_task);
    if let Some(x) = &s.time {
        let _ = writeln!(t, "#SBATCH --time={x}");
    }
    if let Some(x) = &s.partition {
        let _ = writeln!(t, "#SBATCH --partition={x}");
    }
    match (&s.mem, s.mem_per_cpu_mib) {
        (Some(x), _) => {
            let _ = writeln!(t, "#SBATCH --mem={x}");
        }
        (None, Some(mib)) => {
            let _ = writeln!(
                t,
                "# Memory: zgc's estimate of one run, with a margin (--mem to override)."
            );
            let _ = writeln!(t, "#SBATCH --mem-per-cpu={mib}M");
        }
        (None, None) => {}
    }
    if let Some(x) = &s.account {
        let _ = writeln!(t, "#SBATCH --account={x}");
    }
    let _ = writeln!(
        t,
        "#SBATCH --output={}",
        logs.join("array-%A_%a.out").display()
    );
    let _ = writeln!(t, "set -euo pipefail");
    environment(&mut t, s);
    let _ = writeln!(
        t,
        "# One thread per allocated CPU (SLURM sets SLURM_CPUS_PER_TASK from --cpus-per-task)."
    );
    let _ = writeln!(
        t,
        "export RAYON_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{}}}\"",
        s.cpus_per_task
    );
    let shard = if first == 0 {
        "${SLURM_ARRAY_TASK_ID}".to_string()
    } else {
        format!("$((SLURM_ARRAY_TASK_ID + {first}))")
    };
    let mut cmd = format!(
        "exec {} sweep run {} --shard \"{shard}/{}\"",
        q(zgc),
        q(dir),
        s.tasks
    );
    if let Some(o) = only {
        let _ = write!(cmd, " --only {o}");
    }
    if let Some(n) = s.checkpoint_every {
        let _ = write!(cmd, " --checkpoint-every {n}");
    }
    if let Some(ms) = s.throttle_ms {
        let _ = write!(cmd, " --throttle-ms {ms}");
    }
    let _ = writeln!(t, "{cmd}");
    t
}

/// The merge script (submitted with `--dependency=afterany:<array job>`).
pub fn merge_script(zgc: &Path, dir: &Path, name: &str, s: &SlurmSettings) -> String {
    let zgc = s.zgc_path.as_deref().unwrap_or(zgc);
    let q = |p: &Path| shell_quote(&p.display().to_string());
    let mut t = String::new();
    let _ = writeln!(t, "#!/bin/bash");
    let _ = writeln!(
        t,
        "# zgc sweep {name}: merge the runs once the array has ended (fails, naming them, if runs are missing)."
    );
    let _ = writeln!(t, "#SBATCH --job-name=zgc-{name}-merge");
    let _ = writeln!(t, "#SBATCH --cpus-per-task=1");
    if let Some(x) = &s.time {
        let _ = writeln!(t, "#SBATCH --time={x}");
    }
    if let Some(x) = &s.partition {
        let _ = writeln!(t, "#SBATCH --partition={x}");
    }
    if let Some(x) = &s.account {
        let _ = writeln!(t, "#SBATCH --account={x}");
    }
    let _ = writeln!(
        t,
        "#SBATCH --output={}",
        dir.join("logs").join("merge-%j.out").display()
    );
    let _ = writeln!(t, "set -euo pipefail");
    environment(&mut t, s);
    let _ = writeln!(t, "export RAYON_NUM_THREADS=1");
    let _ = writeln!(t, "exec {} sweep merge {}", q(zgc), q(dir));
    t
}

/// Paths of the scripts.
pub fn script_paths(dir: &Path) -> (PathBuf, PathBuf) {
    let d = dir.join(SLURM_DIR);
    (d.join(ARRAY_SCRIPT), d.join(MERGE_SCRIPT))
}

/// Path of the array script of chunk `i` (`array.sbatch`, then `array-1.sbatch`, …).
pub fn chunk_path(dir: &Path, i: usize) -> PathBuf {
    let d = dir.join(SLURM_DIR);
    if i == 0 {
        d.join(ARRAY_SCRIPT)
    } else {
        d.join(format!("array-{i}.sbatch"))
    }
}

/// Load the settings of the last `sweep slurm`, if any.
pub fn load_settings(dir: &Path) -> Option<SlurmSettings> {
    let text = std::fs::read_to_string(dir.join(SLURM_DIR).join(SETTINGS)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The flags that reproduce `s` (for the resubmission command).
pub fn settings_flags(s: &SlurmSettings, tasks: usize) -> String {
    let mut f = format!("--tasks {tasks} --cpus-per-task {}", s.cpus_per_task);
    if let Some(x) = &s.time {
        let _ = write!(f, " --time {}", shell_quote(x));
    }
    if let Some(x) = &s.partition {
        let _ = write!(f, " --partition {}", shell_quote(x));
    }
    if let Some(x) = s.max_running {
        let _ = write!(f, " --max-running {x}");
    }
    if let Some(x) = &s.mem {
        let _ = write!(f, " --mem {}", shell_quote(x));
    }
    if let Some(x) = &s.zgc_path {
        let _ = write!(f, " --zgc-path {}", shell_quote(&x.display().to_string()));
    }
    if let Some(n) = s.checkpoint_every {
        let _ = write!(f, " --checkpoint-every {n}");
    }
    for m in &s.modules {
        let _ = write!(f, " --module {}", shell_quote(m));
    }
    for l in &s.setup {
        let _ = write!(f, " --setup {}", shell_quote(l));
    }
    if s.max_array_size != DEFAULT_MAX_ARRAY_SIZE {
        let _ = write!(f, " --max-array-size {}", s.max_array_size);
    }
    if let Some(x) = &s.account {
        let _ = write!(f, " --account {}", shell_quote(x));
    }
    if let Some(x) = s.throttle_ms {
        let _ = write!(f, " --throttle-ms {x}");
    }
    f
}

/// Submit a script with `sbatch --parsable [extra…] script`; returns the job id.
pub fn sbatch(script: &Path, extra: &[String]) -> Result<String, SweepError> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(extra)
        .arg(script)
        .output()
        .map_err(|e| {
            SweepError::Io(format!(
                "cannot run sbatch ({e}); is SLURM installed here? (for a local test cluster: scripts/slurm-local.sh start)"
            ))
        })?;
    if !out.status.success() {
        return Err(SweepError::Io(format!(
            "sbatch {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // `--parsable` prints `jobid` or `jobid;cluster`.
    let id = text
        .trim()
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(SweepError::Io(format!(
            "sbatch printed {text:?}, not a job id"
        )));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SlurmSettings {
        SlurmSettings {
            tasks: 4,
            time: Some("00:30:00".into()),
            cpus_per_task: 2,
            partition: Some("debug".into()),
            max_running: Some(2),
            mem: None,
            account: None,
            throttle_ms: None,
            checkpoint_every: None,
            mem_per_cpu_mib: None,
            zgc_path: None,
            modules: Vec::new(),
            setup: Vec::new(),
            max_array_size: DEFAULT_MAX_ARRAY_SIZE,
        }
    }

    #[test]
    fn memory_binary_environment_and_chunks() {
        let mut s = settings();
        s.mem_per_cpu_mib = Some(300);
        s.zgc_path = Some(PathBuf::from("/opt/zgc-0.1/bin/zgc"));
        s.modules = vec!["gcc/12".into()];
        s.setup = vec!["source /opt/env.sh".into()];
        let a = array_script(Path::new("/z"), Path::new("/d"), "ex", &s, None);
        assert!(a.contains("#SBATCH --mem-per-cpu=300M"), "{a}");
        assert!(
            a.contains("\nmodule load gcc/12\nsource /opt/env.sh\n"),
            "{a}"
        );
        assert!(a.contains("exec /opt/zgc-0.1/bin/zgc sweep run /d"), "{a}");
        let m = merge_script(Path::new("/z"), Path::new("/d"), "ex", &s);
        assert!(
            m.contains("module load gcc/12") && m.contains("exec /opt/zgc-0.1/bin/zgc sweep merge")
        );
        s.mem = Some("2G".into());
        let a = array_script(Path::new("/z"), Path::new("/d"), "ex", &s, None);
        assert!(
            a.contains("#SBATCH --mem=2G\n") && !a.contains("mem-per-cpu"),
            "{a}"
        );
        // 2,500 shards under MaxArraySize 1001: three arrays, indices 0..1000 each.
        assert_eq!(
            chunks(2500, 1001),
            vec![(0, 1001), (1001, 1001), (2002, 498)]
        );
        s.tasks = 2500;
        s.max_running = None;
        let all = array_scripts(Path::new("/z"), Path::new("/d"), "ex", &s, None);
        assert_eq!(all.len(), 3);
        assert!(all[0].contains("#SBATCH --array=0-1000\n"));
        assert!(all[0].contains("--shard \"${SLURM_ARRAY_TASK_ID}/2500\""));
        assert!(all[2].contains("#SBATCH --array=0-497\n"));
        assert!(
            all[2].contains("--shard \"$((SLURM_ARRAY_TASK_ID + 2002))/2500\""),
            "{}",
            all[2]
        );
    }

    #[test]
    fn array_script_runs_shards() {
        let s = array_script(
            Path::new("/opt/zgc"),
            Path::new("/data/my sweep"),
            "ex",
            &settings(),
            None,
        );
        assert!(s.starts_with("#!/bin/bash\n"));
        assert!(s.contains("#SBATCH --array=0-3%2\n"));
        assert!(s.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(s.contains("#SBATCH --time=00:30:00\n"));
        assert!(s.contains("#SBATCH --partition=debug\n"));
        assert!(s.contains("#SBATCH --output=/data/my sweep/logs/array-%A_%a.out\n"));
        assert!(s.contains("export RAYON_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-2}\""));
        assert!(s.contains(
            "exec /opt/zgc sweep run '/data/my sweep' --shard \"${SLURM_ARRAY_TASK_ID}/4\"\n"
        ));
        let o = array_script(
            Path::new("/z"),
            Path::new("/d"),
            "ex",
            &settings(),
            Some("3,5-7"),
        );
        assert!(o.contains("--only 3,5-7"));
        let m = merge_script(Path::new("/z"), Path::new("/d"), "ex", &settings());
        assert!(m.contains("exec /z sweep merge /d\n"));
        assert!(m.contains("#SBATCH --output=/d/logs/merge-%j.out"));
    }

    #[test]
    fn quoting_and_flags() {
        assert_eq!(shell_quote("/a/b-c_1.x"), "/a/b-c_1.x");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            settings_flags(&settings(), 3),
            "--tasks 3 --cpus-per-task 2 --time 00:30:00 --partition debug --max-running 2"
        );
    }
}
