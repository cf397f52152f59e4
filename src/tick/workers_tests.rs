//! Unit tests of `tick::workers`: the best-three candidates, the pipelined job search against the plain loop, founding by age.

use super::*;

#[test]
fn top3_keeps_best_distinct() {
    let mut top = [(f64::NEG_INFINITY, NONE); 3];
    for (u, t) in [(1.0, 1), (3.0, 2), (2.0, 3), (5.0, 2), (0.5, 4), (2.5, 5)] {
        push_top3(&mut top, u, t);
    }
    assert_eq!(top.map(|x| x.1), [2, 5, 3]);
}

/// The pipelined job search draws the same numbers and returns the same offers as the
/// sequential one, including when it has to fall back (a sampled zone without vacancies).
#[test]
fn pipelined_job_search_equals_sequential() {
    use crate::calendar::YearMonth;
    use crate::tick::{fields, firms, matching, startups};
    use crate::world::{beijing, World};
    let params = Params::default();
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, 0.002, 5).unwrap();
    let start = YearMonth::parse("2009-01").unwrap();
    let mut sim = Simulation::new(world, params, 5, start, 24, vec![]);
    for _ in 0..3 {
        sim.step();
    }
    let mut t = std::mem::take(&mut sim.tables);
    fields::run(&mut sim, &mut t.fields);
    firms::run(&mut sim, &t.fields, &mut t.firms, &mut t.view);
    startups::run(&mut sim, &mut t.firms);
    matching::resolve_firms(&mut sim, &t.firms);
    matching::vacancy_table(&mut sim, &t.fields, &mut t.vacancies);
    build_view(&sim.world, &mut t.view, &mut t.workers.steady);
    for broken in [false, true] {
        if broken {
            // A zone that the gravity rows weigh but whose vacancies are gone: the case
            // where the pipelined search must rewind and fall back.
            let z = (0..t.vacancies.zones.len())
                .max_by_key(|&z| t.vacancies.zones[z].span)
                .unwrap();
            t.vacancies.zones[z].span = 0;
        }
        let wage = WageTable::new(&sim.params);
        let (w, fl, vac) = (&sim.world, &t.fields, &t.vacancies);
        let ctx = Ctx {
            params: &sim.params,
            grid: &w.grid,
            cells: &w.cells,
            travel: &w.travel,
            view: &t.view,
            incs: &w.incubators,
            open_incubators: &fl.open_incubators,
            vac_urn: &vac.urn,
            vac_zones: &vac.zones,
            job_grav: &vac.job_grav,
            home_grav: &vac.home_grav,
            wage: &wage,
            zone_order: &fl.zone_order,
            zone_start: &fl.zone_start,
            res_cum: &fl.res_cum,
            free_cum: &fl.free_cum,
            found_tech: &fl.found_tech,
            found_other: &fl.found_other,
            ln1p_knowledge: &fl.ln1p_knowledge,
            policy: &sim.policy,
            scale: w.scale,
        };
        let (mut found, mut fell_back) = (0, 0);
        for i in (0..w.workers.len()).step_by(7) {
            if status::of(w.workers.state[i]) == status::RETIRED {
                continue;
            }
            let home = w.workers.home[i] as usize;
            let tech = w.workers.state[i] & traits::TECH != 0;
            let current = (i % 3 != 0).then_some(9.0 + (i % 5) as f64 * 0.5);
            let mut a = stream(1, 0, Stream::Workers, i as u64);
            let mut b = a.clone();
            let ra = ctx.job_search(&mut a, home, tech, current);
            let rb = ctx.job_search_seq(&mut b, home, tech, current);
            assert_eq!(ra, rb, "worker {i}");
            assert_eq!(a.get_word_pos(), b.get_word_pos(), "worker {i}");
            found += ra.is_some() as usize;
            // A full search draws 3 numbers (64-bit, two 32-bit words) per candidate, and an
            // employed searcher one more for the current job's taste shock.
            let full = 6 * sim.params.workers.job_candidates as u128
                + if current.is_some() { 2 } else { 0 };
            fell_back += (![0, full].contains(&a.get_word_pos())) as usize;
        }
        assert!(found > 100, "{found}");
        assert_eq!(fell_back > 0, broken, "{fell_back}");
    }
}

#[test]
fn founding_peaks_in_mid_career() {
    let p = Params::default();
    assert!(age_multiplier(&p, 35) > age_multiplier(&p, 25));
    assert!(age_multiplier(&p, 35) > age_multiplier(&p, 50));
}
