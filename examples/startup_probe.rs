//! Development probe: composition of the start-up population over time (issue 17 item 0).
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
use zgc::types::FirmKind;
use zgc::world::agents::flags;
use zgc::world::{beijing, World};

fn main() {
    let scale: f64 = std::env::args().nth(1).map_or(0.01, |s| s.parse().unwrap());
    let ticks: u32 = std::env::args().nth(2).map_or(192, |s| s.parse().unwrap());
    let params = Params::default();
    let layers = beijing::layers(&params);
    let industrialisation_age = params.startups.industrialisation_age as usize;
    let world = World::build(&layers, &params, scale, 42).unwrap();
    let mut sim = Simulation::new(
        world,
        params,
        42,
        YearMonth::parse("2009-01").unwrap(),
        240,
        vec![],
    );
    for t in 0..=ticks {
        if t % 24 == 0 || t == ticks {
            let w = &sim.world;
            let mut n = 0usize;
            let mut age_h = [0usize; 12];
            let mut stage_h = [0usize; 5];
            let mut emp = 0u64;
            let (mut home, mut inc) = (0, 0);
            let mut smes_young = 0;
            for f in 0..w.firms.len() {
                if !w.firms.alive(f) {
                    continue;
                }
                if w.firms.kind[f] != FirmKind::Startup as u8 {
                    if (w.firms.age[f] as usize) < industrialisation_age {
                        smes_young += 1;
                    }
                    continue;
                }
                n += 1;
                age_h[(w.firms.age[f] as usize / 12).min(11)] += 1;
                stage_h[w.firms.stage[f] as usize] += 1;
                emp += w.firms.employees[f] as u64;
                if w.firms.flags[f] & flags::HOME_BASED != 0 {
                    home += 1;
                }
                if w.firms.incubator[f] != zgc::world::agents::NO_INCUBATOR {
                    inc += 1;
                }
            }
            println!(
                "{} n {} emp/firm {:.2} home {:.2} inc {:.2} young_non_su {}",
                sim.date(),
                n,
                emp as f64 / n as f64,
                home as f64 / n as f64,
                inc as f64 / n as f64,
                smes_young
            );
            println!(
                "   age(years) {:?}",
                age_h
                    .iter()
                    .map(|&x| (x as f64 / n as f64 * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>()
            );
            println!(
                "   stage {:?}",
                stage_h
                    .iter()
                    .map(|&x| (x as f64 / n as f64 * 1000.0).round() / 1000.0)
                    .collect::<Vec<_>>()
            );
        }
        if t < ticks {
            sim.step();
        }
    }
}
