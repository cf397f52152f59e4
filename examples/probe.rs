//! Development probe: travel times and congestion around Huilongguan after a few ticks.
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
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
    for _ in 0..3 {
        sim.step();
    }
    let w = &sim.world;
    let t = &w.travel;
    let z = |name: &str| {
        let p = w.places.iter().find(|p| p.name == name).unwrap();
        t.cell_zone[w.grid.cell_at(p.x_km, p.y_km).unwrap()] as usize
    };
    let names = [
        "huilongguan",
        "xierqi",
        "shangdi",
        "wudaokou",
        "zhongguancun_core",
        "tiananmen",
        "cbd",
        "tiantongyuan",
        "wangjing",
    ];
    for a in ["huilongguan", "tiananmen", "wangjing"] {
        for b in names {
            print!(
                "{}→{}: base {:.0} cong {:.0}  ",
                a,
                b,
                t.base[z(a) * t.n_zones() + z(b)],
                t.time(z(a), z(b))
            );
        }
        println!();
    }
    for n in names {
        println!(
            "{n}: zone {} cong_o {:.2} cong_d {:.2} cap {:.0}",
            z(n),
            t.cong_origin[z(n)],
            t.cong_dest[z(n)],
            t.capacity[z(n)]
        );
    }
    // commute histogram of Huilongguan residents by work place
    let hui = w.region_by_name("huilongguan").unwrap();
    let mut by_dist = [0u32; 8];
    let mut n = 0;
    for i in 0..w.workers.len() {
        let h = w.workers.home[i];
        if hui.binary_search(&h).is_err() || w.workers.employer[i] == u32::MAX {
            continue;
        }
        let fc = w.firms.cell[w.workers.employer[i] as usize] as usize;
        let d = w.grid.dist_km(h as usize, fc);
        by_dist[((d / 4.0) as usize).min(7)] += 1;
        n += 1;
    }
    println!(
        "Huilongguan residents employed: {n}; by distance 0-4,4-8,...: {:?}",
        by_dist
    );
    let mut all = [0u32; 8];
    for i in 0..w.workers.len() {
        if w.workers.employer[i] == u32::MAX {
            continue;
        }
        let fc = w.firms.cell[w.workers.employer[i] as usize] as usize;
        let d = w.grid.dist_km(w.workers.home[i] as usize, fc);
        all[((d / 4.0) as usize).min(7)] += 1;
    }
    println!("all: {:?}", all);
}
