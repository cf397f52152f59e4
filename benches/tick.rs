//! Criterion benches: a whole monthly tick at three scales, each phase of the tick (and the
//! fields, firms and workers phases again at scale 0.1, where their large-scale paths run), and
//! world building at two scales, on fixed-seed Beijing worlds warmed up for a year. Phase
//! timings come from the simulation's own per-phase timers over real ticks (`iter_custom`), so
//! every phase sees realistic state. Full-scale figures (scale 1.0) are in BENCHMARKS.md.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::{Phase, Simulation};
use zgc::world::{beijing, World};

fn sim(scale: f64) -> Simulation {
    let params = Params::default();
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, scale, 11).expect("world");
    let mut s = Simulation::new(
        world,
        params,
        11,
        YearMonth::parse("2009-01").unwrap(),
        100_000,
        vec![],
    );
    for _ in 0..12 {
        s.step();
    }
    s
}

/// Keep the benchmarked state within the 2009–2018 decade: rebuild (untimed) after ten years.
fn fresh_if_old(s: &mut Simulation, scale: f64) {
    if s.tick >= 132 {
        *s = sim(scale);
    }
}

fn whole_tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("tick");
    g.sample_size(20);
    for scale in [0.002, 0.01, 0.1] {
        let mut s = sim(scale);
        g.bench_with_input(BenchmarkId::new("whole", scale), &scale, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    fresh_if_old(&mut s, scale);
                    let t = std::time::Instant::now();
                    s.step();
                    total += t.elapsed();
                }
                total
            })
        });
    }
    g.finish();
}

/// Bench `phases` of a tick at `scale` in group `group`, by the simulation's phase timers.
fn bench_phases(c: &mut Criterion, group: &str, scale: f64, phases: &[Phase]) {
    let mut g = c.benchmark_group(group);
    g.sample_size(20);
    let mut s = sim(scale);
    for &phase in phases {
        g.bench_function(phase.name(), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    fresh_if_old(&mut s, scale);
                    total += s.step().timings[phase as usize];
                }
                total
            })
        });
    }
    g.finish();
}

/// Every phase at the default scale; at scale 0.1 the phases whose large-scale paths differ
/// (the firms phase's monthly location terms, the fields phase's guide tables) and the workers.
fn phases(c: &mut Criterion) {
    bench_phases(c, "phase", 0.01, &Phase::ALL);
    bench_phases(
        c,
        "phase_0.1",
        0.1,
        &[Phase::Fields, Phase::Firms, Phase::Workers],
    );
}

fn world_build(c: &mut Criterion) {
    let params = Params::default();
    let layers = beijing::layers(&params);
    let mut g = c.benchmark_group("build");
    g.sample_size(10);
    for scale in [0.01, 0.1] {
        g.bench_with_input(BenchmarkId::new("world", scale), &scale, |b, &scale| {
            b.iter(|| World::build(&layers, &params, scale, 1).expect("world"))
        });
    }
    g.finish();
}

criterion_group!(benches, whole_tick, phases, world_build);
criterion_main!(benches);
