//! Development probe: floor space and jobs in the core over time (space accounting check).
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
use zgc::types::Use;
use zgc::world::{beijing, World};

fn main() {
    let params = Params::default();
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, 0.01, 42).unwrap();
    let mut sim = Simulation::new(
        world,
        params,
        42,
        YearMonth::parse("2009-01").unwrap(),
        240,
        vec![],
    );
    for t in 0..=240 {
        if t % 60 == 0 || t == 240 {
            let w = &sim.world;
            let core: Vec<usize> = (0..w.grid.n_cells()).filter(|&c| w.cells.core[c]).collect();
            let cap: Vec<f64> = (0..Use::N)
                .map(|u| core.iter().map(|&c| w.cells.capacity[[u, c]]).sum::<f64>() / 1e6)
                .collect();
            let used: Vec<f64> = (0..Use::N)
                .map(|u| core.iter().map(|&c| w.cells.used[[u, c]]).sum::<f64>() / 1e6)
                .collect();
            let jobs: u32 = core.iter().map(|&c| w.cells.jobs[c]).sum();
            let (mut inc, mut home, mut other) = (0u32, 0u32, 0u32);
            for f in 0..w.firms.len() {
                if !w.firms.alive(f) || !w.cells.core[w.firms.cell[f] as usize] {
                    continue;
                }
                if w.firms.incubator[f] != zgc::world::agents::NO_INCUBATOR {
                    inc += w.firms.employees[f];
                } else if w.firms.flags[f] & 4 != 0 {
                    home += w.firms.employees[f];
                } else {
                    other += w.firms.employees[f];
                }
            }
            println!(
                "{} cap {:?}\n        used {:?} jobs {} (incubated {} home-based {} other {})",
                sim.date(),
                cap.iter()
                    .map(|v| (v * 10.0).round() / 10.0)
                    .collect::<Vec<_>>(),
                used.iter()
                    .map(|v| (v * 10.0).round() / 10.0)
                    .collect::<Vec<_>>(),
                jobs,
                inc,
                home,
                other
            );
        }
        if t < 240 {
            sim.step();
        }
    }
}
