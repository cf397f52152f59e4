//! Unit tests of `tick::firms`: relocation by rent burden, productivity and knowledge, and the monthly location terms against the utilities computed in place.

use super::*;

#[test]
fn higher_rent_burden_means_more_relocation() {
    let p = Params::default();
    let lo = relocation_probability(&p, 0.1);
    let mid = relocation_probability(&p, 0.35);
    let hi = relocation_probability(&p, 0.8);
    assert!(lo < mid && mid < hi, "{lo} {mid} {hi}");
    assert!(hi <= p.firms.relocation_base + p.firms.relocation_max + 1e-12);
}

/// The month's `ln(1 + K)` table holds what computing it in place gives, and the
/// precomputed location terms give the same utilities, bit for bit, as computing each
/// term in place.
#[test]
fn location_terms_give_the_same_utilities() {
    use crate::calendar::YearMonth;
    use crate::world::{beijing, World};
    let params = Params::default();
    let layers = beijing::layers(&params);
    let world = World::build(&layers, &params, 0.002, 3).unwrap();
    let start = YearMonth::parse("2009-01").unwrap();
    let mut sim = Simulation::new(world, params, 3, start, 24, vec![]);
    for _ in 0..3 {
        sim.step();
    }
    let mut fields = std::mem::take(&mut sim.tables.fields);
    super::super::fields::run(&mut sim, &mut fields);
    let w = &sim.world;
    for (c, &k) in w.cells.knowledge.iter().enumerate() {
        assert_eq!(fields.ln1p_knowledge[c].to_bits(), (1.0 + k).ln().to_bits());
    }
    let mut terms = LocationTerms::default();
    terms.fill(&w.cells, &fields.ln1p_knowledge, &sim.params.firms, w.scale);
    let ctx = |terms| LocationCtx {
        grid: &w.grid,
        cells: &w.cells,
        free_cum: &fields.free_cum,
        cap_cum: &fields.cap_cum,
        partners: &w.partner_sites,
        params: &sim.params,
        scale: w.scale,
        ln1p_knowledge: &fields.ln1p_knowledge,
        terms,
    };
    let (plain, pre) = (ctx(None), ctx(Some(&terms)));
    let n = w.cells.jobs.len();
    let mut checked = 0;
    for u in Use::ALL {
        for cell in (0..n).step_by(7) {
            let origin = (cell * 31 + 5) % n;
            let (a, b) = (plain.utility(u, cell, origin), pre.utility(u, cell, origin));
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "use {u:?} cell {cell}: {a} vs {b}"
            );
            checked += (w.cells.jobs[cell] > 0) as usize;
        }
    }
    assert!(checked > 0, "no cell with jobs was checked");
}

#[test]
fn knowledge_raises_productivity() {
    let p = Params::default();
    let a = productivity(&p, Sector::ItElectronics, 1.0, true, 0.0, 1.0, false);
    let b = productivity(&p, Sector::ItElectronics, 1.0, true, 10.0, 1.0, false);
    assert!(b > a);
}

/// An established firm at its target margin replaces its leavers (the month's separation
/// rate) and no more; above it, it hires more; between the lay-off margin and the target it
/// neither hires nor lays off; below the lay-off margin it lays off.
#[test]
fn firms_replace_their_leavers_and_grow_by_the_margin() {
    use rand::SeedableRng;
    let p = Params::default();
    let fp = &p.firms;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mean_hires = |rng: &mut ChaCha8Rng, margin: f64, replace: f64| {
        let n = 20_000;
        let total: u64 = (0..n)
            .map(|_| growth(fp, rng, 100, margin, (1.0, replace)).0 as u64)
            .sum();
        total as f64 / n as f64
    };
    // At the target margin: 100 staff × 1.5 % replaced.
    let at_target = mean_hires(&mut rng, fp.target_margin, 0.015);
    assert!((at_target - 1.5).abs() < 0.05, "{at_target}");
    // Above it: replacement plus growth.
    let above = mean_hires(&mut rng, fp.target_margin + 0.1, 0.015);
    let want = 100.0 * (0.015 + fp.growth_rate * 0.1);
    assert!((above - want).abs() < 0.1, "{above} against {want}");
    // A margin between the lay-off margin and the target: no hires (leavers not replaced),
    // no lay-offs.
    assert_eq!(growth(fp, &mut rng, 100, 0.0, (1.0, 0.02)), (0, 0.0));
    // Below the lay-off margin: lay-offs, no hires, whatever the leavers.
    let (h, lay) = growth(fp, &mut rng, 100, -0.5, (1.0, 0.02));
    assert_eq!(h, 0);
    assert!((lay as f64 - (fp.shrink_rate * 0.5).min(MAX_LAYOFF)).abs() < 1e-6);
    // A lone employee is never laid off.
    assert_eq!(growth(fp, &mut rng, 1, -0.5, (1.0, 0.02)), (0, 0.0));
}
