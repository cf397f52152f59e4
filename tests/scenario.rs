//! Each policy kind's direct effect at its stated tick, through the library: a tiny Beijing
//! scenario is built with `runner::prepare` and stepped month by month.

use zgc::runner::{prepare, Overrides};
use zgc::scenario::Scenario;
use zgc::tick::Simulation;
use zgc::types::{FirmKind, Generation, LandUse, Sector, Use};
use zgc::world::agents::flags;

/// A tiny run with the given extra TOML (parameters, policies). Developers build nothing
/// (`development_rate = 0`) unless the extra text sets `[params.land]` itself.
fn scenario(extra: &str) -> Scenario {
    let land = if extra.contains("[params.land]") {
        ""
    } else {
        "[params.land]\ndevelopment_rate = 0.0\n"
    };
    let text = format!(
        "[scenario]\nname = \"t\"\n[run]\nseed = 3\nscale = 0.002\nstart = \"2009-01\"\nticks = 12\n{land}{extra}"
    );
    Scenario::from_str(&text, "test.toml", None).unwrap_or_else(|e| panic!("{e}"))
}

fn sim(extra: &str) -> Simulation {
    prepare(&scenario(extra), &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn region(s: &Simulation, name: &str) -> Vec<u32> {
    s.world.region_by_name(name).expect("region exists")
}

fn capacity(s: &Simulation, cells: &[u32], u: Use) -> f64 {
    cells
        .iter()
        .map(|&c| s.world.cells.capacity[[u as usize, c as usize]])
        .sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn convert_space_moves_the_share_at_the_stated_tick() {
    let mut s = sim(r#"
[[policy]]
kind = "convert_space"
start = "2009-03"
region = { name = "zhongguancun_avenue" }
from = "emall"
to = "office"
share = 0.5
"#);
    let cells = region(&s, "zhongguancun_avenue");
    let emall0 = capacity(&s, &cells, Use::Emall);
    let office0 = capacity(&s, &cells, Use::Office);
    assert!(emall0 > 100_000.0, "the avenue has e-malls: {emall0}");
    s.step();
    s.step();
    assert!(
        close(capacity(&s, &cells, Use::Emall), emall0),
        "nothing before 2009-03"
    );
    s.step();
    let emall1 = capacity(&s, &cells, Use::Emall);
    let office1 = capacity(&s, &cells, Use::Office);
    assert!(close(emall1, 0.5 * emall0), "{emall1} vs {emall0}");
    assert!(close(office1 - office0, 0.5 * emall0), "moved to office");
    s.step();
    assert!(close(capacity(&s, &cells, Use::Emall), emall1), "once only");
}

#[test]
fn convert_space_with_an_end_spreads_the_share_evenly() {
    let mut s = sim(r#"
[[policy]]
kind = "convert_space"
start = 1
end = 5
region = { name = "zhongguancun_avenue" }
from = "emall"
to = "maker"
share = 0.4
"#);
    let cells = region(&s, "zhongguancun_avenue");
    let emall0 = capacity(&s, &cells, Use::Emall);
    s.step();
    for k in 1..=4 {
        s.step();
        let e = capacity(&s, &cells, Use::Emall);
        assert!(close(e, emall0 * (1.0 - 0.1 * k as f64)), "month {k}: {e}");
    }
    s.step();
    assert!(close(capacity(&s, &cells, Use::Emall), 0.6 * emall0));
}

#[test]
fn rent_subsidy_lowers_the_rent_the_target_group_pays() {
    let policy = r#"
[[policy]]
kind = "rent_subsidy"
start = 0
region = { name = "zhongguancun_core_area" }
target = "sector"
sector = "it_electronics"
share = 0.5
"#;
    let mut with = sim(policy);
    let mut without = sim("");
    let cells = region(&with, "zhongguancun_core_area");
    let f = &with.world.firms;
    let n0 = f.len();
    // Rent each firm owes this month, before the subsidy.
    let rent: Vec<f64> = (0..n0)
        .map(|i| {
            let u = f.space_use[i] as usize;
            f.space[i] as f64 * with.world.cells.rent[[u, f.cell[i] as usize]]
        })
        .collect();
    let inside: Vec<bool> = (0..n0)
        .map(|i| cells.binary_search(&f.cell[i]).is_ok())
        .collect();
    with.step();
    without.step();
    let (a, b) = (&with.world.firms, &without.world.firms);
    let (mut target, mut others) = (0, 0);
    for i in 0..n0 {
        // The same firm in both (indices change only at January's compaction).
        assert_eq!(
            (a.sector[i], a.tfp[i].to_bits()),
            (b.sector[i], b.tfp[i].to_bits())
        );
        if a.incubator[i] != zgc::world::agents::NO_INCUBATOR
            || a.kind[i] == FirmKind::Startup as u8
        {
            continue;
        }
        let gain = a.cash[i] - b.cash[i];
        let it = a.sector[i] == Sector::ItElectronics as u8;
        if inside[i] && it {
            assert!(
                close(gain, 0.5 * rent[i]),
                "firm {i}: saved {gain}, half its rent is {}",
                0.5 * rent[i]
            );
            target += 1;
        } else {
            assert_eq!(gain, 0.0, "firm {i} is not in the target group");
            others += 1;
        }
    }
    assert!(
        target > 10 && others > 100,
        "{target} targeted, {others} not"
    );
    // The subsidy is what the policy state reports for such a firm.
    let c = cells[cells.len() / 2] as usize;
    let sub = with.policy.firm_subsidy(
        c,
        Sector::ItElectronics,
        FirmKind::Sme as u8,
        Use::Office as u8,
        None,
    );
    assert_eq!(sub, 0.5);
    let sub = with.policy.firm_subsidy(
        c,
        Sector::Services,
        FirmKind::Sme as u8,
        Use::Commercial as u8,
        None,
    );
    assert_eq!(sub, 0.0);
}

#[test]
fn makers_housing_subsidy_applies_in_the_region_only() {
    let mut s = sim(r#"
[[policy]]
kind = "rent_subsidy"
start = 2
region = { name = "northern_haidian" }
target = "makers"
share = 0.5
housing = true
"#);
    let cells = region(&s, "northern_haidian");
    let inside = cells[0] as usize;
    let outside = region(&s, "tiananmen")[0] as usize;
    s.step();
    s.step();
    assert_eq!(s.policy.housing_subsidy(inside), 0.0, "not before tick 2");
    s.step();
    assert_eq!(s.policy.housing_subsidy(inside), 0.5);
    assert_eq!(s.policy.housing_subsidy(outside), 0.0);
    // Makers are start-ups in maker space or incubators; an SME is not one.
    let start = |kind: FirmKind| {
        s.policy.firm_subsidy(
            inside,
            Sector::ItElectronics,
            kind as u8,
            Use::Maker as u8,
            None,
        )
    };
    assert_eq!(start(FirmKind::Startup), 0.5);
    assert_eq!(start(FirmKind::Sme), 0.0);
}

#[test]
fn incubator_is_built_at_the_stated_tick() {
    let mut s = sim(r#"
[params.incubators]
m2_per_seat = 40.0

[[policy]]
kind = "incubator"
name = "New 3.0"
start = 1
region = { name = "innovation_street" }
generation = "3.0"
sector = "it_electronics"
seats = 120
"#);
    let n0 = s.world.incubators.len();
    s.step();
    assert_eq!(s.world.incubators.len(), n0, "nothing at tick 0");
    let cells = region(&s, "innovation_street");
    let maker0 = capacity(&s, &cells, Use::Maker);
    s.step();
    let inc = &s.world.incubators;
    assert_eq!(inc.len(), n0 + 1);
    let k = n0;
    assert_eq!(inc.name[k], "New 3.0");
    assert_eq!(inc.generation[k], Generation::G3);
    assert_eq!(inc.sector[k], Some(Sector::ItElectronics));
    assert_eq!(inc.seats[k], 120.0);
    assert!(cells.contains(&inc.cell[k]));
    assert!(close(
        capacity(&s, &cells, Use::Maker) - maker0,
        120.0 * 40.0
    ));
}

#[test]
fn incubators_are_upgraded_in_the_region_only() {
    let mut s = sim(r#"
[[policy]]
kind = "incubator"
start = 0
region = { name = "haidian" }
upgrade = true
generation = "3.0"
sector = "it_electronics"
seats = 10
"#);
    let haidian = region(&s, "haidian");
    let before = s.world.incubators.clone();
    s.step();
    let after = &s.world.incubators;
    let mut upgraded = 0;
    for i in 0..before.len() {
        if haidian.binary_search(&before.cell[i]).is_ok() {
            assert_eq!(after.generation[i], Generation::G3);
            assert_eq!(after.sector[i], Some(Sector::ItElectronics));
            assert_eq!(after.seats[i], before.seats[i] + 10.0);
            upgraded += 1;
        } else {
            assert_eq!(after.generation[i], before.generation[i]);
            assert_eq!(after.sector[i], before.sector[i]);
            assert_eq!(after.seats[i], before.seats[i]);
        }
    }
    assert!(upgraded >= 3 && upgraded < before.len(), "{upgraded}");
}

#[test]
fn rezone_changes_the_zone_and_adds_the_floor_space_by_mix() {
    let mut s = sim(r#"
[[policy]]
kind = "rezone"
start = "2009-02"
region = { around = "huilongguan", radius_km = 1.0 }
zone = "mixed"
floor_m2 = 450000
mix = { maker = 0.55, residential = 0.30, commercial = 0.15 }
"#);
    let cells = s
        .world
        .places
        .iter()
        .find(|p| p.name == "huilongguan")
        .map(|p| zgc::world::places::cells_within(&s.world.grid, p.x_km, p.y_km, 1.0));
    let cells = cells.unwrap();
    let before: Vec<f64> = Use::ALL.iter().map(|u| capacity(&s, &cells, *u)).collect();
    s.step();
    assert!(cells
        .iter()
        .all(|&c| s.world.cells.land_use[c as usize] != LandUse::Mixed));
    s.step();
    assert!(cells
        .iter()
        .all(|&c| s.world.cells.land_use[c as usize] == LandUse::Mixed));
    for (u, share) in [
        (Use::Maker, 0.55),
        (Use::Residential, 0.30),
        (Use::Commercial, 0.15),
        (Use::Office, 0.0),
    ] {
        let added = capacity(&s, &cells, u) - before[u as usize];
        assert!(close(added, 450_000.0 * share), "{u:?}: {added}");
    }
}

#[test]
fn rezone_from_zone_touches_only_cells_of_that_zone() {
    let mut s = sim(r#"
[[policy]]
kind = "rezone"
start = 0
region = { name = "northern_haidian" }
from_zone = "village"
zone = "mixed"
floor_m2 = 100000
"#);
    let cells = region(&s, "northern_haidian");
    let village: Vec<u32> = cells
        .iter()
        .copied()
        .filter(|&c| s.world.cells.land_use[c as usize] == LandUse::Village)
        .collect();
    assert!(!village.is_empty() && village.len() < cells.len());
    let total0: f64 = Use::ALL.iter().map(|u| capacity(&s, &village, *u)).sum();
    s.step();
    for &c in &cells {
        let z = s.world.cells.land_use[c as usize];
        if village.contains(&c) {
            assert_eq!(z, LandUse::Mixed);
        } else {
            assert_ne!(z, LandUse::Mixed);
        }
    }
    let total1: f64 = Use::ALL.iter().map(|u| capacity(&s, &village, *u)).sum();
    assert!(close(total1 - total0, 100_000.0));
}

/// Total floor space of a region after `ticks` months with developers keen to build.
fn developed(extra: &str, ticks: u32) -> (f64, f64) {
    let mut s = sim(&format!("[params.land]\ndevelopment_rate = 0.05\n{extra}"));
    let cells = region(&s, "zhongguancun_core_area");
    let total = |s: &Simulation| -> f64 {
        cells
            .iter()
            .map(|&c| s.world.cells.total_capacity(c as usize))
            .sum()
    };
    let t0 = total(&s);
    for _ in 0..ticks {
        s.step();
    }
    (t0, total(&s))
}

#[test]
fn land_cap_red_line_stops_new_floor_space() {
    let (t0, free) = developed("", 6);
    assert!(
        free > t0 + 10_000.0,
        "developers build without a cap: {t0} → {free}"
    );
    let (t0, capped) = developed(
        r#"
[[policy]]
kind = "land_cap"
start = 0
region = { name = "zhongguancun_core_area" }
"#,
        6,
    );
    assert!(capped <= t0 + 1e-6, "the red line holds: {t0} → {capped}");
    let (t0, some) = developed(
        r#"
[[policy]]
kind = "land_cap"
start = 0
region = { name = "zhongguancun_core_area" }
max_new_m2 = 5000
"#,
        6,
    );
    assert!(some <= t0 + 5000.0 + 1e-6 && some < free, "{t0} → {some}");
}

#[test]
fn land_cap_release_raises_the_zoning_limit() {
    let mut s = sim(r#"
[[policy]]
kind = "land_cap"
start = 1
region = { name = "zhongguancun_core_area" }
release_m2 = 112000
"#);
    let cells = region(&s, "zhongguancun_core_area");
    let limit = |s: &Simulation| -> f64 {
        cells
            .iter()
            .map(|&c| s.world.cells.max_floor[c as usize])
            .sum()
    };
    s.step();
    let l0 = limit(&s);
    s.step();
    assert!(close(limit(&s) - l0, 112_000.0));
}

#[test]
fn reuse_buildings_turns_vacant_space_into_maker_space_without_rezoning() {
    let mut s = sim(r#"
[[policy]]
kind = "reuse_buildings"
start = 1
region = { name = "zhongguancun_core_area" }
from = "office"
share = 0.1
"#);
    let cells = region(&s, "zhongguancun_core_area");
    s.step();
    let zones: Vec<LandUse> = cells
        .iter()
        .map(|&c| s.world.cells.land_use[c as usize])
        .collect();
    let expected: f64 = cells
        .iter()
        .map(|&c| {
            let c = c as usize;
            (s.world.cells.capacity[[Use::Office as usize, c]] * 0.1)
                .min(s.world.cells.free(Use::Office, c))
        })
        .sum();
    let (maker0, office0) = (
        capacity(&s, &cells, Use::Maker),
        capacity(&s, &cells, Use::Office),
    );
    s.step();
    assert!(expected > 0.0);
    assert!(close(capacity(&s, &cells, Use::Maker) - maker0, expected));
    assert!(close(office0 - capacity(&s, &cells, Use::Office), expected));
    let zones1: Vec<LandUse> = cells
        .iter()
        .map(|&c| s.world.cells.land_use[c as usize])
        .collect();
    assert_eq!(zones, zones1, "no change of land use");
}

#[test]
fn transport_link_shortens_travel_time() {
    let mut s = sim(r#"
[[policy]]
kind = "transport"
start = 1
link_from = "tiantongyuan"
link_to = "zhongguancun_core"
mode = "rail"
speed_kmh = 80
"#);
    let zone = |s: &Simulation, name: &str| {
        let p = s.world.places.iter().find(|p| p.name == name).unwrap();
        let c = s.world.grid.cell_at(p.x_km, p.y_km).unwrap();
        s.world.travel.cell_zone[c] as usize
    };
    let (a, b) = (zone(&s, "tiantongyuan"), zone(&s, "zhongguancun_core"));
    let nz = s.world.travel.n_zones();
    s.step();
    let before = s.world.travel.base[a * nz + b];
    let links = s.world.travel.links.len();
    s.step();
    let after = s.world.travel.base[a * nz + b];
    assert_eq!(s.world.travel.links.len(), links + 1);
    assert!(after < before - 5.0, "free-flow minutes {before} → {after}");
}

#[test]
fn partner_site_takes_relocating_firms_of_its_sectors_only() {
    let extra = r#"
[params.firms]
relocation_base = 0.05

[[policy]]
kind = "partner_site"
name = "Binhai"
start = 0
sectors = ["smart_manufacturing"]
capacity = 10000000
rent = 10
distance_km = 10
bonus = 10
"#;
    let mut s = sim(extra);
    let mut moved = 0.0;
    for _ in 0..8 {
        moved += s.step().row.get("firms_to_partner_sites").unwrap();
    }
    assert!(moved > 0.0, "firms moved to the partner site");
    let site = &s.world.partner_sites[0];
    assert_eq!(site.name, "Binhai");
    assert!(site.used > 0.0);
    let f = &s.world.firms;
    let left: Vec<usize> = (0..f.len())
        .filter(|&i| f.flags[i] & flags::LEFT_REGION != 0)
        .collect();
    assert!(!left.is_empty());
    assert!(left
        .iter()
        .all(|&i| f.sector[i] == Sector::SmartManufacturing as u8));
    // Without the site nobody leaves.
    let mut base = sim("[params.firms]\nrelocation_base = 0.05\n");
    for _ in 0..8 {
        assert_eq!(base.step().row.get("firms_to_partner_sites"), Some(0.0));
    }
}

#[test]
fn policies_before_their_start_change_nothing() {
    // Same seed, a policy starting after the last tick simulated: identical states.
    let mut a = sim("");
    let mut b = sim(r#"
[[policy]]
kind = "convert_space"
start = 6
region = { all = true }
from = "office"
to = "maker"
share = 1.0
"#);
    for _ in 0..6 {
        let (ra, rb) = (a.step(), b.step());
        assert_eq!(
            format!("{:?}", ra.row.values),
            format!("{:?}", rb.row.values)
        );
    }
}
