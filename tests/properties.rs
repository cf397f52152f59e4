//! Property tests: random small worlds (layers built in code), random parameter values and random
//! policies; a run never panics and its invariants hold after every tick (agents conserved,
//! floor space within capacity, finite non-negative rents and counts).
//!
//! Each case is generated from a seed with ChaCha8 so that a failure is reproduced by its seed
//! (printed by proptest), whatever the shrinking did.

use ndarray::{Array1, Array2};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use zgc::calendar::YearMonth;
use zgc::metrics::INDICATORS;
use zgc::params::Params;
use zgc::tick::policy::{Policy, PolicyKind, SubsidyTarget};
use zgc::tick::{invariants, Simulation};
use zgc::types::{Generation, LandUse, Sector, Use};
use zgc::world::grid::GridSpec;
use zgc::world::layers::{IncubatorSpec, Link, LinkKind, UniversitySpec, WorldLayers};
use zgc::world::places::{Area, Place, PlaceKind};
use zgc::world::World;

/// A random world of `nx × ny` cells.
fn random_layers(rng: &mut ChaCha8Rng, nx: usize, ny: usize) -> WorldLayers {
    let cell_km = [0.5, 1.0][rng.random_range(0..2usize)];
    let grid = GridSpec {
        nx,
        ny,
        x0_km: -(nx as f64) * cell_km / 2.0,
        y0_km: -(ny as f64) * cell_km / 2.0,
        cell_km,
    };
    let n = nx * ny;
    let mut land_use = Vec::with_capacity(n);
    let mut floor = Array2::zeros((Use::N, n));
    let mut rent = Array2::zeros((Use::N, n));
    let mut jobs = Array2::zeros((Sector::N, n));
    let mut residents = Array1::zeros(n);
    let mut high_tech = Array1::zeros(n);
    let mut tech_share = Array1::zeros(n);
    let mut max_floor = Array1::zeros(n);
    for c in 0..n {
        let lu = LandUse::ALL[rng.random_range(0..LandUse::N)];
        land_use.push(lu);
        let empty = lu == LandUse::Green || rng.random::<f64>() < 0.15;
        let mut total = 0.0;
        for u in 0..Use::N {
            let f = if empty || rng.random::<f64>() < 0.3 {
                0.0
            } else {
                rng.random::<f64>() * 150_000.0
            };
            floor[[u, c]] = f;
            total += f;
            rent[[u, c]] = 5.0 + rng.random::<f64>() * 300.0;
        }
        max_floor[c] = total * (1.0 + 2.0 * rng.random::<f64>());
        if !empty {
            residents[c] = rng.random::<f64>() * 4000.0;
            for s in 0..Sector::N {
                if rng.random::<f64>() < 0.6 {
                    jobs[[s, c]] = rng.random::<f64>() * 2500.0;
                }
            }
        }
        high_tech[c] = rng.random::<f64>();
        tech_share[c] = rng.random::<f64>() * 0.6;
    }
    // Somebody lives and works somewhere.
    residents[0] += 1000.0;
    jobs[[Sector::Services as usize, n - 1]] += 800.0;
    let some_cells = |rng: &mut ChaCha8Rng, share: f64| -> Vec<u32> {
        let mut v: Vec<u32> = (0..n as u32)
            .filter(|_| rng.random::<f64>() < share)
            .collect();
        if v.is_empty() {
            v.push(rng.random_range(0..n as u32));
        }
        v
    };
    let centre = |c: u32| grid.centre(c as usize);
    let place_cell = rng.random_range(0..n as u32);
    let (px, py) = centre(place_cell);
    let places = vec![Place {
        name: "wudaokou".into(),
        label: "A place".into(),
        x_km: px,
        y_km: py,
        kind: PlaceKind::Landmark,
        radius_km: 1.0,
    }];
    let area = |name: &str, cells: Vec<u32>| Area {
        name: name.into(),
        label: name.into(),
        cells,
    };
    let parks = vec![
        area("park_a", some_cells(rng, 0.1)),
        area("park_b", some_cells(rng, 0.05)),
    ];
    let districts = vec![area("district", some_cells(rng, 0.5))];
    let areas = vec![area("zhongguancun_avenue", some_cells(rng, 0.05))];
    let core = some_cells(rng, 0.2);
    let periphery = some_cells(rng, 0.3);
    let universities = (0..rng.random_range(0..3usize))
        .map(|i| UniversitySpec {
            name: format!("u{i}"),
            cell: rng.random_range(0..n as u32),
            weight: rng.random::<f64>() * 2.0,
        })
        .collect();
    let incubators = (0..rng.random_range(0..4usize))
        .map(|i| IncubatorSpec {
            name: format!("inc{i}"),
            cell: rng.random_range(0..n as u32),
            generation: [Generation::G1, Generation::G2, Generation::G3]
                [rng.random_range(0..3usize)],
            sector: if rng.random() {
                Some(Sector::ALL[rng.random_range(0..Sector::N)])
            } else {
                None
            },
            seats: rng.random::<f64>() * 200.0,
        })
        .collect();
    let links = (0..rng.random_range(0..3usize))
        .map(|i| Link {
            name: format!("link{i}"),
            kind: if rng.random() {
                LinkKind::Rail
            } else {
                LinkKind::Expressway
            },
            points: (0..rng.random_range(2..5usize))
                .map(|_| centre(rng.random_range(0..n as u32)))
                .collect(),
            speed_kmh: if rng.random() {
                Some(20.0 + rng.random::<f64>() * 80.0)
            } else {
                None
            },
        })
        .collect();
    WorldLayers {
        name: "random".into(),
        grid,
        georef: None,
        land_use,
        floor,
        max_floor,
        residents,
        jobs,
        high_tech,
        tech_share,
        rent,
        places,
        parks,
        districts,
        areas,
        core,
        periphery,
        universities,
        incubators,
        links,
        tracked_regions: vec!["core".into()],
    }
}

/// Default parameters with the behavioural rates scaled by random factors (within a factor
/// of 2–5 of the defaults, probabilities kept in [0, 1]) and a few structural settings drawn.
fn random_params(rng: &mut ChaCha8Rng, labour_force: f64) -> Params {
    let mut p = Params::default();
    let mut f = |lo: f64, hi: f64| lo + (hi - lo) * rng.random::<f64>();
    p.population.labour_force = labour_force;
    p.population.initial_unemployment = f(0.0, 0.2);
    p.population.tech_share = f(0.05, 0.6);
    p.population.growth_per_year = f(0.0, 0.05);
    p.population.graduates_per_year = f(0.0, 0.03);
    p.population.firm_size_exponent = f(0.8, 2.0);
    p.population.firm_size_max = f(5.0, 5000.0) as u32;
    p.firms.growth_rate *= f(0.5, 2.0);
    p.firms.shrink_rate *= f(0.5, 2.0);
    p.firms.base_exit_hazard *= f(0.5, 3.0);
    p.firms.relocation_base *= f(0.5, 5.0);
    p.firms.relocation_max = f(0.0, 0.2);
    p.firms.productivity_growth = f(-0.02, 0.1);
    p.firms.location_candidates = f(1.0, 20.0) as u32;
    p.startups.found_rate_tech *= f(0.5, 5.0);
    p.startups.found_rate_other *= f(0.5, 5.0);
    for r in &mut p.startups.funding_rate {
        *r = (*r * f(0.5, 3.0)).min(1.0);
    }
    p.startups.base_hazard *= f(0.5, 3.0);
    p.startups.location_candidates = f(1.0, 12.0) as u32;
    p.incubators.max_stay_months = f(3.0, 60.0) as u32;
    p.workers.on_the_job_search = f(0.0, 0.1);
    p.workers.move_rate = f(0.0, 0.05);
    p.workers.job_candidates = f(1.0, 16.0) as u32;
    p.workers.home_candidates = f(1.0, 16.0) as u32;
    p.land.rent_elasticity *= f(0.5, 2.0);
    p.land.max_rise = f(0.0, 0.05);
    p.land.max_fall = f(0.0, 0.05);
    p.land.development_rate *= f(0.0, 5.0);
    p.land.target_occupancy = f(0.7, 1.0);
    p.commute.zone_cells = f(1.0, 6.0) as u32;
    p.commute.bpr_alpha = f(0.0, 1.0);
    p.knowledge.decay_km = f(0.3, 3.0);
    p.knowledge.depreciation = f(0.0, 0.05);
    p
}

fn random_policy(rng: &mut ChaCha8Rng, n_cells: usize, grid: &GridSpec, ticks: u32) -> Policy {
    let mut cells: Vec<u32> = (0..rng.random_range(1..20usize))
        .map(|_| rng.random_range(0..n_cells as u32))
        .collect();
    cells.sort_unstable();
    cells.dedup();
    let any_use = |rng: &mut ChaCha8Rng| Use::from_index(rng.random_range(0..Use::N));
    let any_sector = |rng: &mut ChaCha8Rng| Sector::ALL[rng.random_range(0..Sector::N)];
    let generation = |rng: &mut ChaCha8Rng| {
        [Generation::G1, Generation::G2, Generation::G3][rng.random_range(0..3usize)]
    };
    let kind = match rng.random_range(0..8u32) {
        0 => PolicyKind::Incubator {
            generation: generation(rng),
            sector: if rng.random() {
                Some(any_sector(rng))
            } else {
                None
            },
            seats: rng.random::<f64>() * 500.0,
            upgrade: rng.random(),
        },
        1 => PolicyKind::ConvertSpace {
            from: any_use(rng),
            to: any_use(rng),
            share: rng.random(),
        },
        2 => {
            let mut mix = [0.0; Use::N];
            for m in &mut mix {
                *m = rng.random::<f64>();
            }
            let s: f64 = mix.iter().sum();
            for m in &mut mix {
                *m /= s;
            }
            PolicyKind::Rezone {
                to: LandUse::ALL[rng.random_range(0..LandUse::N)],
                floor_m2: rng.random::<f64>() * 1e6,
                mix,
            }
        }
        3 => PolicyKind::RentSubsidy {
            target: match rng.random_range(0..5u32) {
                0 => SubsidyTarget::Startups,
                1 => SubsidyTarget::Makers,
                2 => SubsidyTarget::Sector(any_sector(rng)),
                3 => SubsidyTarget::IncubatorTenants(if rng.random() {
                    Some(generation(rng))
                } else {
                    None
                }),
                _ => SubsidyTarget::AllFirms,
            },
            share: rng.random(),
            housing: rng.random(),
        },
        4 => PolicyKind::LandCap {
            max_new_m2: if rng.random() {
                0.0
            } else {
                rng.random::<f64>() * 1e5
            },
            release_m2: if rng.random() {
                0.0
            } else {
                rng.random::<f64>() * 1e6
            },
        },
        5 => PolicyKind::ReuseBuildings {
            from: any_use(rng),
            share: rng.random(),
        },
        6 => PolicyKind::Transport {
            from: grid.centre(rng.random_range(0..n_cells)),
            to: grid.centre(rng.random_range(0..n_cells)),
            link: if rng.random() {
                LinkKind::Rail
            } else {
                LinkKind::Expressway
            },
            speed_kmh: 10.0 + rng.random::<f64>() * 150.0,
        },
        _ => PolicyKind::PartnerSite {
            sectors: (0..rng.random_range(1..4usize))
                .map(|_| any_sector(rng))
                .collect(),
            capacity: rng.random::<f64>() * 1000.0,
            rent: rng.random::<f64>() * 100.0,
            distance_km: rng.random::<f64>() * 300.0,
            bonus: rng.random::<f64>() * 6.0 - 1.0,
        },
    };
    let start = rng.random_range(0..ticks);
    let end = if rng.random() {
        Some(start + rng.random_range(1..ticks + 2))
    } else {
        None
    };
    Policy {
        name: format!("random {start}"),
        kind,
        start,
        end,
        cells,
    }
}

/// Build and run one random case; returns (worker agents at the start, start-ups born), or a
/// description of the first violation.
fn run_case(
    seed: u64,
    nx: usize,
    ny: usize,
    ticks: u32,
    n_policies: usize,
) -> Result<(i64, u64), String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let layers = random_layers(&mut rng, nx, ny);
    let lf: f64 = layers.residents.sum();
    let mut params = random_params(&mut rng, lf);
    // Drawn from a stream of its own, so the cases kept in `regression_cases` stay the same.
    params.firms.entry_rate *= ChaCha8Rng::seed_from_u64(seed ^ 0xE17E).random_range(0.0..5.0);
    // 300–2500 worker agents.
    let scale = ((300.0 + rng.random::<f64>() * 2200.0) / lf).min(1.0);
    let world = World::build(&layers, &params, scale, seed).map_err(|e| format!("build: {e}"))?;
    let policies: Vec<Policy> = (0..n_policies)
        .map(|_| random_policy(&mut rng, layers.n_cells(), &layers.grid, ticks))
        .collect();
    let start = YearMonth {
        year: 2009 + rng.random_range(0..20),
        month: rng.random_range(1..13),
    };
    let mut sim = Simulation::new(world, params, seed, start, ticks, policies);
    invariants::check(&sim).map_err(|e| format!("before the first tick: {e}"))?;
    let initial = sim.world.n_workers_active() as i64;
    let (mut retired, mut entrants, mut born) = (0i64, 0i64, 0u64);
    while !sim.done() {
        let report = sim.step();
        let t = sim.tick;
        retired += sim.metrics.c.retired as i64;
        entrants += sim.metrics.c.entrants as i64;
        born += sim.metrics.c.startups_born;
        invariants::check(&sim).map_err(|e| format!("tick {t}: {e}"))?;
        let active = sim.world.n_workers_active() as i64;
        if active + retired - entrants != initial {
            return Err(format!(
                "tick {t}: workers not conserved: {active} active + {retired} retired − {entrants} entrants ≠ {initial} at the start"
            ));
        }
        for (ind, v) in INDICATORS.iter().zip(&report.row.values) {
            // Slopes (the rent gradients, per km) have a sign; every other indicator is a
            // count, an amount, a share, a time or an exponent.
            if v.is_infinite() || (*v < 0.0 && ind.unit != "1/km") {
                return Err(format!("tick {t}: indicator {} = {v}", ind.name));
            }
            if ind.unit == "share" && *v > 1.0 + 1e-9 {
                return Err(format!("tick {t}: share {} = {v}", ind.name));
            }
        }
        for p in &report.parks {
            for (what, v) in [
                ("firms", p.firms),
                ("residents", p.residents),
                ("jobs", p.jobs),
                ("startups", p.startups),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(format!("tick {t}: park {} {what} = {v}", p.park));
                }
            }
        }
    }
    Ok((initial, born))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        max_shrink_iters: 16,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn random_worlds_parameters_and_policies_keep_the_invariants(
        seed in any::<u64>(),
        nx in 6usize..24,
        ny in 6usize..20,
        ticks in 6u32..30,
        n_policies in 0usize..5,
    ) {
        let r = std::panic::catch_unwind(|| run_case(seed, nx, ny, ticks, n_policies));
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => prop_assert!(false, "seed {seed} {nx}×{ny} {ticks} ticks {n_policies} policies: {e}"),
            Err(_) => prop_assert!(false, "seed {seed} {nx}×{ny} {ticks} ticks {n_policies} policies: panicked"),
        }
    }
}

/// Fixed cases: the generator makes populated worlds in which things happen.
#[test]
fn known_cases() {
    let mut born = 0;
    for (seed, nx, ny, ticks, n_policies) in [
        (1u64, 6usize, 6usize, 14u32, 4usize),
        (2, 23, 19, 29, 2),
        (3, 12, 9, 24, 0),
    ] {
        let (workers, b) = run_case(seed, nx, ny, ticks, n_policies)
            .unwrap_or_else(|e| panic!("seed {seed} {nx}×{ny}: {e}"));
        assert!(workers >= 250, "seed {seed}: {workers} workers");
        born += b;
    }
    assert!(born > 0, "no start-up was born in any case");
}

/// The largest values the scenario validation accepts, all at once, on the Beijing world: the
/// run neither panics nor breaks an invariant (rents stay finite: floor-space sums must not
/// overflow), and values past the bounds are refused with the key named.
#[test]
fn extreme_accepted_policy_values_keep_the_invariants() {
    let max = zgc::scenario::policy::MAX_AMOUNT;
    let text = format!(
        r#"
[scenario]
name = "extreme"
[run]
seed = 3
scale = 0.0005
start = "2009-01"
ticks = 15
[params.commute]
zone_cells = 10
[params.knowledge]
decay_km = 0.5
cutoff_decays = 1.0

[[policy]]
kind = "incubator"
start = 0
region = {{ around = "wudaokou", radius_km = 1e300 }}
generation = "3.0"
sector = "it_electronics"
seats = {max:e}

[[policy]]
kind = "rezone"
start = 1
region = {{ rect_km = [-1e300, -1e300, 1e300, 1e300] }}
zone = "mixed"
floor_m2 = {max:e}

[[policy]]
kind = "rezone"
start = 2
region = {{ name = "haidian" }}
zone = "office"
floor_m2 = {max:e}

[[policy]]
kind = "land_cap"
start = 3
region = {{ name = "zhongguancun_avenue" }}
release_m2 = {max:e}

[[policy]]
kind = "convert_space"
start = 4
end = 5
region = {{ cells = [[0, 0], [159, 183]] }}
from = "office"
to = "maker"
share = 1.0

[[policy]]
kind = "rent_subsidy"
start = 0
region = {{ name = "haidian" }}
target = "makers"
share = 1.0
housing = true

[[policy]]
kind = "rent_subsidy"
start = 0
region = {{ name = "haidian" }}
target = "all_firms"
share = 1.0

[[policy]]
kind = "partner_site"
start = 0
sectors = ["it_electronics", "services"]
capacity = {max:e}
rent = 0.0
distance_km = 0.0
bonus = 1000.0

[[policy]]
kind = "transport"
start = 6
link_from = "huilongguan"
link_to = "wudaokou"
speed_kmh = 300.0
"#
    );
    let scenario = zgc::scenario::Scenario::from_str(&text, "extreme.toml", None).unwrap();
    let (mut sim, _) = zgc::runner::prepare(&scenario, &zgc::runner::Overrides::default()).unwrap();
    while !sim.done() {
        let report = sim.step();
        invariants::check(&sim).unwrap_or_else(|e| panic!("tick {}: {e}", sim.tick));
        for (ind, v) in INDICATORS.iter().zip(&report.row.values) {
            assert!(!v.is_infinite(), "tick {}: {} = {v}", sim.tick, ind.name);
        }
    }
    for (from, to, key) in [
        (format!("seats = {max:e}"), "seats = 1e16", "seats"),
        (format!("capacity = {max:e}"), "capacity = inf", "capacity"),
        ("bonus = 1000.0".into(), "bonus = 1e300", "bonus"),
        ("bonus = 1000.0".into(), "bonus = nan", "bonus"),
        ("bonus = 1000.0".into(), "bonus = -1000.5", "bonus"),
        (
            format!("release_m2 = {max:e}"),
            "release_m2 = 1.1e15",
            "release_m2",
        ),
        (format!("floor_m2 = {max:e}"), "floor_m2 = inf", "floor_m2"),
        ("speed_kmh = 300.0".into(), "speed_kmh = 301", "speed_kmh"),
    ] {
        let bad = text.replacen(&from, to, 1);
        let e = zgc::scenario::Scenario::from_str(&bad, "extreme.toml", None)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{to}: {e}");
    }
}

/// Cases the random search once failed on, kept so that they stay fixed.
#[test]
fn regression_cases() {
    for (seed, nx, ny, ticks, n_policies) in
        [(18154618665913127689u64, 10usize, 18usize, 15u32, 4usize)]
    {
        run_case(seed, nx, ny, ticks, n_policies).unwrap_or_else(|e| {
            panic!("seed {seed} {nx}×{ny} {ticks} ticks {n_policies} policies: {e}")
        });
    }
}
