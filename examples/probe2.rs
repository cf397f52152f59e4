//! Development probe: decomposition of commute times (free flow vs congestion) over the years.
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
use zgc::world::{beijing, World};

fn main() {
    let params: Params =
        toml::from_str(&std::env::var("PARAMS").unwrap_or_default()).expect("params");
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
    for t in 0..240 {
        if t % 48 == 0 || t == 239 {
            let w = &sim.world;
            let tr = &w.travel;
            let nz = tr.n_zones();
            let (mut base, mut cong, mut dist, mut n) = (0.0, 0.0, 0.0, 0.0);
            for i in 0..w.workers.len() {
                let e = w.workers.employer[i];
                if e == u32::MAX || w.workers.state[i] & 3 == 3 {
                    continue;
                }
                let h = w.workers.home[i] as usize;
                let fc = w.firms.cell[e as usize] as usize;
                let (hz, wz) = (tr.cell_zone[h] as usize, tr.cell_zone[fc] as usize);
                base += tr.base[hz * nz + wz] as f64;
                cong += tr.time(hz, wz) as f64;
                dist += w.grid.dist_km(h, fc);
                n += 1.0;
            }
            println!(
                "{}: free-flow {:.1} congested {:.1} distance {:.2} km",
                sim.date(),
                base / n,
                cong / n,
                dist / n
            );
        }
        sim.step();
    }
}
