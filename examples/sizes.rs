//! Development probe: monthly employment growth, exits, space constraints, hires wanted and
//! made, lay-offs and separations of firms by size class, averaged by year (why the firm-size
//! tail steepened; docs/ODD.md §7.7). `SEED` (default 7), `SCALE` (0.3) and `PARAMS` (a TOML
//! table of parameters) set the run; months in which the January compaction moves the firms
//! are skipped.
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
use zgc::world::agents::flags;
use zgc::world::{beijing, World};

const BINS: [u32; 5] = [1, 10, 60, 300, u32::MAX];

fn bin(e: u32) -> Option<usize> {
    (0..4).find(|&b| e >= BINS[b] && e < BINS[b + 1])
}

fn main() {
    let params: Params =
        toml::from_str(&std::env::var("PARAMS").unwrap_or_default()).expect("params");
    let scale: f64 = std::env::var("SCALE").map_or(0.3, |s| s.parse().unwrap());
    let seed: u64 = std::env::var("SEED").map_or(7, |s| s.parse().unwrap());
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, scale, seed).unwrap();
    let mut sim = Simulation::new(
        world,
        params,
        seed,
        YearMonth::parse("2009-01").unwrap(),
        132,
        vec![],
    );
    // Per size class (staff at the month's start): firm-months, staff before, staff after (0
    // for exits), exits, space-constrained, vacancies still open at the month's end, hires
    // wanted, expected lay-offs, separations, hires made.
    let mut acc = [[0.0f64; 10]; 4];
    println!(
        "year bin firms growth%/mo exit%/mo sc% vac/emp% want/emp% layoff/emp% sep/emp% hire/emp%"
    );
    for t in 0..132 {
        let w = &sim.world;
        let before: Vec<(u32, u8)> = (0..w.firms.len())
            .map(|i| (w.firms.employees[i], w.firms.flags[i]))
            .collect();
        let emp_before = w.workers.employer.clone();
        let r = sim.step();
        let mut seps = vec![0u32; before.len()];
        let mut hires = vec![0u32; before.len()];
        if sim.world.firms.len() >= before.len() {
            let wk = &sim.world.workers;
            for (i, &b) in emp_before.iter().enumerate() {
                let a = wk.employer[i];
                if a != b {
                    if (b as usize) < seps.len() {
                        seps[b as usize] += 1;
                    }
                    if (a as usize) < hires.len() {
                        hires[a as usize] += 1;
                    }
                }
            }
        }
        let f = &sim.world.firms;
        let mut wanted = vec![0u32; before.len()];
        for c in &sim.tables.firms.chunks {
            for p in c {
                if (p.firm as usize) < wanted.len() {
                    wanted[p.firm as usize] = p.hires;
                }
            }
        }
        if f.len() >= before.len() {
            for (i, &(e, fl)) in before.iter().enumerate() {
                if fl & flags::ALIVE == 0 {
                    continue;
                }
                let Some(b) = bin(e) else { continue };
                let alive = f.alive(i);
                let a = &mut acc[b];
                a[0] += 1.0;
                a[1] += e as f64;
                a[2] += if alive { f.employees[i] as f64 } else { 0.0 };
                a[3] += (!alive) as u8 as f64;
                a[4] += (alive && f.flags[i] & flags::SPACE_CONSTRAINED != 0) as u8 as f64;
                a[5] += if alive { f.vacancies[i] as f64 } else { 0.0 };
                a[6] += wanted[i] as f64;
                a[8] += seps[i] as f64;
                a[9] += hires[i] as f64;
                a[7] += sim.tables.view.get(i).map_or(0.0, |v| v.layoff as f64) * e as f64;
            }
        }
        if t % 12 == 11 {
            for (b, a) in acc.iter().enumerate() {
                println!(
                    "{} {} {:.0} {:.3} {:.3} {:.1} {:.2} {:.2} {:.2} {:.2} {:.2}",
                    &r.row.date[..4],
                    BINS[b],
                    a[0] / 12.0,
                    100.0 * (a[2] / a[1] - 1.0),
                    100.0 * a[3] / a[0],
                    100.0 * a[4] / a[0],
                    100.0 * a[5] / a[1],
                    100.0 * a[6] / a[1],
                    100.0 * a[7] / a[1],
                    100.0 * a[8] / a[1],
                    100.0 * a[9] / a[1]
                );
            }
            acc = [[0.0; 10]; 4];
        }
    }
}
