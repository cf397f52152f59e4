//! Development probe: monthly labour-market flows for the first years.
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
    println!("tick emp unemp founders firms vac hires exits retired entrants moves wages prod");
    for _ in 0..60 {
        let r = sim.step();
        let vac: u32 = sim.world.firms.vacancies.iter().map(|&v| v as u32).sum();
        let lay: f64 = (0..sim.world.firms.len())
            .filter(|&i| sim.world.firms.alive(i))
            .map(|i| {
                sim.tables.view.get(i).map_or(0.0, |v| v.layoff as f64)
                    * sim.world.firms.employees[i] as f64
            })
            .sum();
        let c = &sim.metrics.c;
        if r.row.tick % 3 == 0 {
            println!("{} {:.0} {:.0} {:.0} {:.0} vac={} hires={} exits={} ret={} ent={} lay={:.0} wage={:.3} prod={:.3} unmet_office={:.0}",
                r.row.date, r.row.get("employed").unwrap()/100.0, r.row.get("unemployed").unwrap()/100.0, r.row.get("founders").unwrap()/100.0,
                r.row.get("firms").unwrap()/100.0, vac, c.hires, c.firm_exits, c.retired, c.entrants, lay, sim.economy.wages, sim.economy.productivity,
                (0..sim.world.grid.n_cells()).map(|k| sim.world.cells.free(zgc::types::Use::Office, k)).sum::<f64>()/1e6);
        }
    }
}
