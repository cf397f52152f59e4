//! `zgc check`: validate a scenario without running it and print it fully resolved (after
//! `extends`, with every default filled in) as TOML; `--defaults` documents every parameter.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::CliError;
use crate::scenario::template::annotate;
use crate::scenario::Scenario;

/// Flags of `zgc check`.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Scenario file (TOML).
    #[arg(required_unless_present = "defaults")]
    pub scenario: Option<PathBuf>,
    /// Print the default scenario with every parameter's meaning and allowed range instead.
    #[arg(long, conflicts_with = "scenario")]
    pub defaults: bool,
    /// Annotate the printed scenario with each parameter's meaning and allowed range.
    #[arg(long)]
    pub comments: bool,
    /// Print only the summary line (to stderr), not the resolved scenario.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run the command.
pub fn main(args: CheckArgs) -> Result<()> {
    let scenario = match &args.scenario {
        Some(p) => Scenario::load(p).map_err(CliError::from)?,
        None => Scenario::baseline(),
    };
    if args.defaults {
        print!(
            "# The default scenario (the embedded baseline): every parameter with its meaning and\n# allowed range in brackets. Copy what you change into your scenario's [params.*] tables.\n\n{}",
            annotate(&scenario.resolved_toml())
        );
    } else if !args.quiet {
        print!("{}", render(&scenario, args.comments));
    }
    eprintln!("{}", summary(&scenario));
    Ok(())
}

/// The resolved scenario with a header saying where it came from.
pub fn render(s: &Scenario, comments: bool) -> String {
    let mut out = String::new();
    let from = match s.chain().split_first() {
        Some((own, parents)) if !parents.is_empty() => format!(
            "{} (extends {})",
            own.display(),
            parents
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", which extends ")
        ),
        Some((own, _)) => own.display().to_string(),
        None => s.label().to_string(),
    };
    out.push_str(&format!(
        "# Resolved by `zgc check` from {from}.\n# Every default is filled in; this text is itself a scenario that gives the same run.\n\n"
    ));
    let body = s.resolved_toml();
    out.push_str(&if comments { annotate(&body) } else { body });
    out
}

/// One line: what the scenario is.
pub fn summary(s: &Scenario) -> String {
    let world = match s.layers() {
        Ok(l) => format!(
            "world `{}` ({} × {} cells of {} km, {} places, {} parks)",
            l.name,
            l.grid.nx,
            l.grid.ny,
            l.grid.cell_km,
            l.places.len(),
            l.parks.len()
        ),
        Err(e) => format!("world: {e}"),
    };
    format!(
        "ok: {}: scenario `{}`, {} ticks ({} to {}), seed {}, scale {}, {world}, {} {}",
        s.label(),
        s.name(),
        s.ticks,
        s.start,
        s.start.plus(s.ticks - 1),
        s.file.run.seed,
        s.file.run.scale,
        s.file.policies.len(),
        if s.file.policies.len() == 1 {
            "policy"
        } else {
            "policies"
        }
    )
}
