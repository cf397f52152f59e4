//! `zgc init`: write a commented template scenario that runs as written.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::CliError;
use crate::scenario::template::template;

/// Flags of `zgc init`.
#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Scenario name: letters, digits, `_`, `-` or `.` (it also names the output folder).
    pub name: String,
    /// File to write (default: NAME.toml in the working folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Write every setting out (run period, scale, seed, world) instead of extending the
    /// embedded baseline.
    #[arg(long)]
    pub standalone: bool,
}

/// Run the command.
pub fn main(args: InitArgs) -> Result<()> {
    let name = &args.name;
    if name.is_empty()
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return Err(CliError::Input(format!(
            "invalid scenario name \"{name}\": use letters, digits, `_`, `-` or `.` (it names the output folder)"
        ))
        .into());
    }
    let name = name.strip_suffix(".toml").unwrap_or(name);
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.toml")));
    if path.exists() && !args.force {
        return Err(CliError::Input(format!(
            "{} exists; choose another name or pass --force to overwrite it",
            path.display()
        ))
        .into());
    }
    crate::files::write_atomic(&path, template(name, args.standalone).as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {}: check it with `zgc check {p}`, run it with `zgc run {p}`",
        super::absolute(&path).display(),
        p = path.display()
    );
    Ok(())
}
