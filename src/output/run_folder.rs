//! One run's folder, shared by `zgc run` and `zgc compare`: streamed CSV tables while the run
//! goes, then grids, PNG maps, a small `report.html` and, last, `summary.json` (the marker of
//! a complete run). Atomicity is the caller's: the folder lives inside a [`super::Staging`].

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;

use super::{grids, maps, CsvStream};
use crate::metrics::{RegionRow, TickRow, INDICATORS};
use crate::report::run_report::RunReport;
use crate::runner::RunOutcome;
use crate::scenario::Scenario;
use crate::tick::{Phase, TickReport};

/// Which extra files a finished run folder gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extras {
    /// PNG maps of the final state in `maps/` and `report.html`.
    pub pictures: bool,
}

/// A run folder being written.
pub struct RunFolder {
    dir: PathBuf,
    ts: CsvStream<File>,
    parks: CsvStream<File>,
    regions: CsvStream<File>,
    rows: Vec<TickRow>,
    events: Vec<String>,
}

impl RunFolder {
    /// Create the folder (and its parents) and the CSV files with their headers.
    pub fn create(dir: &Path) -> Result<RunFolder> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut ts = CsvStream::create(&dir.join("timeseries.csv"))?;
        ts.header(&super::timeseries_header())?;
        let mut parks = CsvStream::create(&dir.join("parks.csv"))?;
        parks.header(super::PARK_HEADER)?;
        let mut regions = CsvStream::create(&dir.join("regions.csv"))?;
        regions.header(super::REGION_HEADER)?;
        Ok(RunFolder {
            dir: dir.to_path_buf(),
            ts,
            parks,
            regions,
            rows: Vec::new(),
            events: Vec::new(),
        })
    }

    /// Record one tick: its indicator row, park rows, region rows and policy events.
    pub fn record(&mut self, report: &TickReport, regions: &[RegionRow]) -> Result<()> {
        self.ts.record(&super::timeseries_record(&report.row))?;
        for p in &report.parks {
            self.parks.record(&super::park_record(p))?;
        }
        for r in regions {
            self.regions.record(&super::region_record(r))?;
        }
        for e in &report.events {
            self.events.push(format!("{}: {e}", report.row.date));
        }
        self.rows.push(report.row.clone());
        Ok(())
    }

    /// The rows recorded so far.
    pub fn rows(&self) -> &[TickRow] {
        &self.rows
    }

    /// Policy events recorded so far, `YYYY-MM: text`.
    pub fn events(&self) -> &[String] {
        &self.events
    }

    /// Flush the tables (enough for an interrupted run that will be thrown away).
    pub fn flush(&mut self) -> Result<()> {
        self.ts.flush()?;
        self.parks.flush()?;
        self.regions.flush()
    }

    /// Write the final state (grids, and maps and report if asked) and, last, `summary.json`.
    /// `started` is when the caller started the run (for the wall time in the summary).
    pub fn finish(
        mut self,
        scenario: &Scenario,
        outcome: &RunOutcome,
        threads: usize,
        started: Instant,
        extras: Extras,
    ) -> Result<()> {
        self.flush()?;
        let world = &outcome.sim.world;
        grids::write_all(world, &self.dir.join("grids")).context("writing grids")?;
        super::geojson::write_all(world, &outcome.sim.metrics.regions, &self.dir)
            .context("writing GeoJSON")?;
        let policies = &outcome.sim.policy.policies;
        super::policies::write_all(world, policies, scenario.start, &self.events, &self.dir)
            .context("writing policies.csv")?;
        super::firm_sizes::write(world, &self.dir.join("firm_sizes.csv"))
            .context("writing firm_sizes.csv")?;
        if extras.pictures {
            let fields = grids::fields(world);
            let layers: Vec<_> = fields
                .iter()
                .map(|f| {
                    let mut l = maps::field_layer(&world.grid, f);
                    l.georef = world.georef;
                    l.outlines = maps::outlines(world);
                    l
                })
                .collect();
            // The policies' sites first: where labels collide, theirs are kept.
            let mut marks = super::policies::places(world, policies);
            marks.extend(maps::places(world));
            let pngs = maps::render_pngs(&layers, &marks)?;
            maps::write_pngs(&self.dir.join("maps"), &layers, &pngs).context("writing maps")?;
            let end = scenario.start.plus(outcome.sim.tick.saturating_sub(1));
            let report = RunReport {
                scenario: scenario.name(),
                description: &scenario.file.scenario.description,
                facts: vec![
                    ("period".into(), format!("{} to {end}", scenario.start)),
                    ("ticks (months)".into(), outcome.sim.tick.to_string()),
                    ("seed".into(), outcome.seed.to_string()),
                    (
                        "scale".into(),
                        format!(
                            "{} (one agent stands for {:.0} real ones)",
                            outcome.scale,
                            1.0 / outcome.scale
                        ),
                    ),
                    (
                        "scenario file".into(),
                        scenario
                            .source
                            .as_ref()
                            .map_or("embedded baseline".into(), |p| p.display().to_string()),
                    ),
                    ("scenario hash".into(), scenario.hash()),
                ],
                rows: &self.rows,
                events: &self.events,
                maps: layers
                    .iter()
                    .zip(&pngs)
                    .map(|(l, png)| (png.as_slice(), format!("{} ({})", l.title, l.unit)))
                    .collect(),
            };
            report
                .build()?
                .write(&self.dir.join("report.html"))
                .context("writing report.html")?;
        }
        let summary = summary_json(
            scenario,
            outcome,
            self.rows.last(),
            threads,
            started.elapsed().as_secs_f64(),
            &self.events,
        );
        crate::files::write_atomic(
            &self.dir.join(super::COMPLETE_MARKER),
            serde_json::to_string_pretty(&summary)?.as_bytes(),
        )
    }
}

/// The content of `summary.json`.
pub fn summary_json(
    scenario: &Scenario,
    o: &RunOutcome,
    last: Option<&TickRow>,
    threads: usize,
    wall_s: f64,
    events: &[String],
) -> serde_json::Value {
    let finals: serde_json::Map<String, serde_json::Value> = INDICATORS
        .iter()
        .enumerate()
        .map(|(k, ind)| {
            let v = last.map(|r| r.values[k]).filter(|v| v.is_finite());
            (
                ind.name.to_string(),
                v.map_or(serde_json::Value::Null, |v| json!(v)),
            )
        })
        .collect();
    let phases: serde_json::Map<String, serde_json::Value> = Phase::ALL
        .iter()
        .map(|p| {
            (
                p.name().to_string(),
                json!(o.stats.phases[*p as usize].as_secs_f64()),
            )
        })
        .collect();
    let mut tick_ms: Vec<f64> = o
        .stats
        .tick_times
        .iter()
        .map(|d| d.as_secs_f64() * 1e3)
        .collect();
    tick_ms.sort_by(f64::total_cmp);
    let median_ms = tick_ms.get(tick_ms.len() / 2).copied().unwrap_or(0.0);
    let ticks_s = o.stats.ticks_wall.as_secs_f64();
    let end = scenario.start.plus(o.sim.tick.saturating_sub(1));
    json!({
        "provenance": {
            "model": "zgc",
            "model_version": env!("CARGO_PKG_VERSION"),
            "git_commit": crate::output::git_commit(),
            "scenario": scenario.name(),
            "scenario_file": scenario.source.as_ref().map(|p| p.display().to_string()),
            "scenario_hash": scenario.hash(),
            "seed": o.seed,
            "scale": o.scale,
            "ticks": o.sim.tick,
            "start": scenario.start.to_string(),
            "end": end.to_string(),
            "world": o.sim.world.name,
        },
        "final": finals,
        "events": events,
        "warnings": if o.sim.world.widened_m2 > 0.0 {
            vec![widened_warning(o.sim.world.widened_m2, o.scale)]
        } else { Vec::new() },
        "performance": {
            "threads": threads,
            "wall_s": wall_s,
            "build_world_s": o.stats.build.as_secs_f64(),
            "ticks_s": ticks_s,
            "median_tick_ms": median_ms,
            "phase_s": phases,
            "agents_start": o.stats.agents_start,
            "agents_end": o.stats.agents_end,
            "agent_steps": o.stats.agent_steps,
            "agent_steps_per_s": o.stats.agent_steps as f64 / ticks_s.max(1e-9),
            "peak_rss_bytes": super::peak_rss_bytes(),
        },
    })
}

/// The summary's warning that the start added floor space (`World::widened_m2`).
fn widened_warning(m2: f64, scale: f64) -> String {
    let who = if scale < 1.0 {
        format!("agents (each standing for {:.0} real ones)", 1.0 / scale)
    } else {
        "the starting firms and homes".to_string()
    };
    format!("{m2:.0} m² of floor space were added at the start where {who} needed more room than the layers held")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_widening_warning_names_agents_only_below_real_size() {
        let small = super::widened_warning(79_908_582.4, 0.01);
        assert!(
            small.starts_with("79908582 m²") && small.contains("each standing for 100 real ones"),
            "{small}"
        );
        let real = super::widened_warning(18_181_047.0, 1.0);
        assert!(
            real.contains("where the starting firms and homes needed more room")
                && !real.contains("real ones"),
            "{real}"
        );
    }
}
