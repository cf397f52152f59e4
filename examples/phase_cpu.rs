//! Measurement helper for BENCHMARKS.md: builds the embedded Beijing world at a scale, steps it,
//! and prints the world-building time, the median tick (wall and CPU) and the wall time per phase.
//!
//! CPU time is the sum over the process's threads of the time actually spent on a CPU (Linux
//! `/proc/self/task/*/schedstat`), so it is robust to other processes taking turns on a shared
//! machine; wall time is not. Usage:
//!
//! ```text
//! cargo run --release --example phase_cpu -- SCALE TICKS THREADS [SEED]
//! ```

use std::time::Instant;

use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::{Phase, Simulation};
use zgc::world::{beijing, World};

/// CPU time of all threads of this process (ns), or 0 where /proc is unavailable.
fn cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: phase_cpu SCALE TICKS THREADS [SEED]");
        std::process::exit(2);
    }
    let scale: f64 = args[1].parse().expect("scale");
    let ticks: u32 = args[2].parse().expect("ticks");
    let threads: usize = args[3].parse().expect("threads");
    let seed: u64 = args.get(4).map_or(42, |s| s.parse().expect("seed"));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let params = Params::default();
        let layers = beijing::layers(&params);
        let (c0, w0) = (cpu_ns(), Instant::now());
        let world = World::build(&layers, &params, scale, seed).expect("world");
        let start = YearMonth::parse("2009-01").expect("date");
        let mut sim = Simulation::new(world, params, seed, start, ticks, vec![]);
        println!(
            "build: wall {:.3} s cpu {:.3} s",
            w0.elapsed().as_secs_f64(),
            (cpu_ns() - c0) as f64 * 1e-9
        );
        let (mut walls, mut cpus) = (Vec::new(), Vec::new());
        let mut phase = [0f64; Phase::N];
        while !sim.done() {
            let (c0, w0) = (cpu_ns(), Instant::now());
            let report = sim.step();
            walls.push(w0.elapsed().as_secs_f64());
            cpus.push((cpu_ns() - c0) as f64 * 1e-9);
            for p in Phase::ALL {
                phase[p as usize] += report.timings[p as usize].as_secs_f64();
            }
        }
        println!(
            "ticks {ticks} threads {threads}: median wall {:.4} s, median cpu {:.4} s, total wall {:.3} cpu {:.3}",
            median(&walls),
            median(&cpus),
            walls.iter().sum::<f64>(),
            cpus.iter().sum::<f64>()
        );
        let total: f64 = phase.iter().sum();
        for p in Phase::ALL {
            let t = phase[p as usize];
            println!(
                "  {:<9} wall-share {:5.1}%  wall/tick {:.4} s",
                p.name(),
                100.0 * t / total.max(1e-12),
                t / ticks as f64
            );
        }
    });
}
