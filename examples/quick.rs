//! Development driver: runs the Beijing baseline and prints a few indicators per year.
use zgc::calendar::YearMonth;
use zgc::params::Params;
use zgc::tick::Simulation;
use zgc::world::{beijing, World};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scale: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0.01);
    let ticks: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(240);
    let params = Params::default();
    let t0 = std::time::Instant::now();
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, scale, 42).unwrap();
    println!(
        "built in {:?}: {} workers {} firms",
        t0.elapsed(),
        world.workers.len(),
        world.firms.len()
    );
    let mut sim = Simulation::new(
        world,
        params,
        42,
        YearMonth::parse("2009-01").unwrap(),
        ticks,
        vec![],
    );
    let names = [
        "workers",
        "employed",
        "unemployed",
        "firms",
        "high_tech_share",
        "startups_alive",
        "startups_born",
        "startups_died",
        "startups_graduated",
        "innovation_output",
        "value_added",
        "mean_commute_min",
        "huilongguan_commute_min",
        "rent_office_core",
        "rent_office_periphery",
        "rent_residential_core",
        "vacancy_office",
        "firms_left_core",
        "survival_1y",
        "survival_5y",
        "survival_10y",
        "incubator_tenants_1_0",
        "incubator_tenants_2_0",
    ];
    let t1 = std::time::Instant::now();
    let mut timings = [std::time::Duration::ZERO; 9];
    while !sim.done() {
        let r = sim.step();
        for (a, b) in timings.iter_mut().zip(r.timings) {
            *a += b;
        }
        if r.row.tick % 24 == 0 || sim.done() {
            let vals: Vec<String> = names
                .iter()
                .map(|n| format!("{n}={:.3}", r.row.get(n).unwrap()))
                .collect();
            println!("{} {}", r.row.date, vals.join(" "));
        }
        for p in &r.parks {
            if sim.done() || r.row.tick == 11 {
                println!("  {} {:>20} firms={:>8.0} ht={:.2} rev={:>9.1} out/km2={:>7.2} share={:.2} rent={:.0} jobs/res={:.2}", p.year, p.park, p.firms, p.high_tech_share, p.revenue_yi, p.output_per_km2, p.revenue_share, p.mean_office_rent, p.jobs_housing_ratio);
            }
        }
    }
    println!("ran {} ticks in {:?}", ticks, t1.elapsed());
    for (p, t) in zgc::tick::Phase::ALL.iter().zip(timings) {
        println!("  {:>10} {:?}", p.name(), t);
    }
}
