//! Development probe: Huilongguan residents' commutes against the city's, decomposed (free flow,
//! congestion at origin and destination, distance, share working in the core) over the years.
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
use zgc::world::{beijing, World};

fn main() {
    let params: Params =
        toml::from_str(&std::env::var("PARAMS").unwrap_or_default()).expect("params");
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, 0.01, 42).unwrap();
    let hui: std::collections::BTreeSet<u32> = world
        .region_by_name("huilongguan")
        .unwrap()
        .into_iter()
        .collect();
    let core: std::collections::BTreeSet<u32> = world
        .region_by_name("zhongguancun_core")
        .unwrap()
        .into_iter()
        .collect();
    let mut sim = Simulation::new(
        world,
        params,
        42,
        YearMonth::parse("2009-01").unwrap(),
        240,
        vec![],
    );
    for t in 0..240 {
        if t % 36 == 0 || t == 239 {
            let w = &sim.world;
            let tr = &w.travel;
            let nz = tr.n_zones();
            // [city, hui] × (n, base, cong, dist, origin factor, dest factor, in core)
            let mut a = [[0.0f64; 7]; 2];
            for i in 0..w.workers.len() {
                let e = w.workers.employer[i];
                if e == u32::MAX || w.workers.state[i] & 3 == 3 || w.workers.state[i] & 3 == 1 {
                    continue;
                }
                let h = w.workers.home[i] as usize;
                let fc = w.firms.cell[e as usize] as usize;
                let (hz, wz) = (tr.cell_zone[h] as usize, tr.cell_zone[fc] as usize);
                let row = [
                    1.0,
                    tr.base[hz * nz + wz] as f64,
                    tr.time(hz, wz) as f64,
                    w.grid.dist_km(h, fc),
                    tr.cong_origin[hz] as f64,
                    tr.cong_dest[wz] as f64,
                    core.contains(&(fc as u32)) as u8 as f64,
                ];
                for k in 0..7 {
                    a[0][k] += row[k];
                    if hui.contains(&(h as u32)) {
                        a[1][k] += row[k];
                    }
                }
            }
            for (name, r) in ["city", "hui"].iter().zip(&a) {
                let n = r[0];
                println!(
                    "{} {name:4}: n {:7} free {:5.1} cong {:5.1} dist {:5.2} km  o {:.2} d {:.2} core {:.2}",
                    sim.date(), n, r[1] / n, r[2] / n, r[3] / n, r[4] / n, r[5] / n, r[6] / n
                );
            }
        }
        sim.step();
    }
}
