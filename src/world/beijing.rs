//! The embedded default world `beijing`: the Beijing plain on a 500 m grid with the places,
//! parks, universities, incubators, ring roads and rail corridors of the source article.
//!
//! Coordinates are km east / north of Tiananmen (DOMAIN.md's table, from public maps). Job
//! centres, residential centres and densities are stylised: Gaussian bumps whose sizes are
//! set so that the totals match public figures (about 12 million workers) and the parks'
//! outputs per km² fall outward roughly as the article reports (docs/ODD.md, "Initialisation").

use ndarray::{Array1, Array2};

use super::grid::GridSpec;
use super::layers::{rent_from_access, IncubatorSpec, Link, LinkKind, UniversitySpec, WorldLayers};
use super::places::{cells_along, cells_within, Area, Place, PlaceKind};
use super::types::{Generation, LandUse, Sector, Use};
use crate::params::Params;

/// Zhongguancun Avenue from Baishiqiao (south) to Tsinghua's west gate (north).
pub const AVENUE: [(f64, f64); 2] = [(-6.1, 3.5), (-6.8, 10.4)];

struct JobCentre {
    x: f64,
    y: f64,
    sigma: f64,
    jobs: f64,
    /// Sector mix: IT, bio, manufacturing, services, e-mall.
    mix: [f64; 5],
    high_tech: f64,
}

const fn jc(x: f64, y: f64, sigma: f64, jobs: f64, mix: [f64; 5], high_tech: f64) -> JobCentre {
    JobCentre {
        x,
        y,
        sigma,
        jobs,
        mix,
        high_tech,
    }
}

/// Job centres (real jobs before normalisation to the employed labour force).
const JOB_CENTRES: &[JobCentre] = &[
    jc(
        0.0,
        0.0,
        4.5,
        3_200_000.0,
        [0.08, 0.01, 0.02, 0.89, 0.0],
        0.25,
    ), // old city
    jc(-3.5, 0.5, 1.2, 400_000.0, [0.05, 0.0, 0.0, 0.95, 0.0], 0.15), // Financial Street
    jc(6.0, 0.0, 1.5, 600_000.0, [0.08, 0.0, 0.0, 0.92, 0.0], 0.2),   // CBD
    jc(
        -7.0,
        8.0,
        1.4,
        500_000.0,
        [0.76, 0.05, 0.04, 0.15, 0.0],
        0.9,
    ), // Zhongguancun core
    jc(
        -5.1,
        9.3,
        0.7,
        90_000.0,
        [0.72, 0.02, 0.02, 0.24, 0.0],
        0.85,
    ), // Wudaokou
    jc(
        -7.9,
        13.8,
        1.2,
        260_000.0,
        [0.85, 0.03, 0.04, 0.08, 0.0],
        0.92,
    ), // Shangdi
    jc(
        -7.8,
        16.0,
        0.8,
        120_000.0,
        [0.85, 0.02, 0.03, 0.1, 0.0],
        0.92,
    ), // Xi'erqi
    jc(-14.0, 17.0, 2.0, 40_000.0, [0.5, 0.15, 0.15, 0.2, 0.0], 0.8), // Haidian north (Shanhou)
    jc(
        6.2,
        10.0,
        1.1,
        220_000.0,
        [0.5, 0.03, 0.02, 0.45, 0.0],
        0.75,
    ), // Wangjing
    jc(7.9, 6.8, 1.0, 100_000.0, [0.65, 0.02, 0.15, 0.18, 0.0], 0.8), // Electronic City
    jc(-1.8, 4.4, 0.6, 150_000.0, [0.4, 0.02, 0.03, 0.55, 0.0], 0.7), // Desheng
    jc(-0.6, 7.7, 0.6, 120_000.0, [0.45, 0.02, 0.03, 0.5, 0.0], 0.7), // Jianxiang
    jc(-9.2, -8.7, 1.4, 300_000.0, [0.45, 0.05, 0.3, 0.2, 0.0], 0.8), // Fengtai park
    jc(-16.8, -0.3, 1.2, 70_000.0, [0.2, 0.02, 0.08, 0.7, 0.0], 0.3), // Shijingshan park
    jc(
        9.3,
        -12.6,
        2.4,
        500_000.0,
        [0.15, 0.15, 0.55, 0.15, 0.0],
        0.6,
    ), // Yizhuang
    jc(
        -14.0,
        34.5,
        1.8,
        90_000.0,
        [0.45, 0.25, 0.15, 0.15, 0.0],
        0.8,
    ), // Changping park
    jc(3.6, 21.0, 1.3, 30_000.0, [0.6, 0.1, 0.2, 0.1, 0.0], 0.85),    // Future Science City
    jc(22.0, 0.0, 2.5, 20_000.0, [0.1, 0.05, 0.3, 0.55, 0.0], 0.3),   // Tongzhou park
    jc(-7.0, -28.0, 2.2, 400.0, [0.0, 0.5, 0.3, 0.2, 0.0], 0.35),     // Daxing bio-medicine base
    jc(24.0, 53.0, 1.5, 10_000.0, [0.5, 0.2, 0.2, 0.1, 0.0], 0.7),    // Huairou Science City
];

/// Jobs of the e-mall trade along Zhongguancun Avenue (real, before normalisation).
const EMALL_JOBS: f64 = 40_000.0;
/// Local service jobs per resident worker (shops, schools, clinics near home).
const LOCAL_SERVICE_JOBS: f64 = 0.1;

/// Residential centres: (x, y, sigma, peak workers per km²).
const RESIDENTIAL: &[(f64, f64, f64, f64)] = &[
    (-5.3, 18.0, 1.6, 26_000.0),  // Huilongguan
    (1.9, 17.9, 1.5, 22_000.0),   // Tiantongyuan
    (6.2, 10.0, 1.2, 9_000.0),    // Wangjing
    (16.5, -2.5, 2.0, 8_000.0),   // Tongzhou new town
    (10.0, -10.5, 1.8, 4_000.0),  // Yizhuang town
    (-12.0, 31.5, 2.2, 5_000.0),  // Changping town
    (-1.0, -20.0, 2.5, 7_000.0),  // Huangcun (Daxing)
    (20.0, 24.0, 3.0, 5_000.0),   // Shunyi
    (-22.0, -18.0, 2.5, 4_000.0), // Liangxiang (Fangshan)
    (24.0, 51.0, 2.0, 2_500.0),   // Huairou town
    (-8.0, 15.0, 2.0, 5_000.0),   // Shangdi-Xi'erqi housing
];

fn gauss(x: f64, y: f64, cx: f64, cy: f64, sigma: f64) -> f64 {
    (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * sigma * sigma)).exp()
}

fn is_mountain(x: f64, y: f64) -> bool {
    let huairou = ((x - 24.0).powi(2) + (y - 52.0).powi(2)).sqrt() < 6.0;
    (x < -20.0 && y > -14.0) // western hills (Xishan)
        || x < -31.0
        || (y > 38.0 && x < 8.0) // Jundu mountains north of Changping
        || (y > 44.0 && !huairou)
}

fn place(name: &str, label: &str, x: f64, y: f64, kind: PlaceKind, radius_km: f64) -> Place {
    Place {
        name: name.into(),
        label: label.into(),
        x_km: x,
        y_km: y,
        kind,
        radius_km,
    }
}

/// The named places of DOMAIN.md.
pub fn places() -> Vec<Place> {
    use PlaceKind::*;
    vec![
        place("tiananmen", "Tiananmen", 0.0, 0.0, Landmark, 1.5),
        place(
            "zhongguancun_core",
            "Zhongguancun core",
            -7.0,
            8.0,
            JobCentre,
            2.0,
        ),
        place(
            "peking_university",
            "Peking University",
            -8.0,
            9.4,
            University,
            0.8,
        ),
        place(
            "tsinghua_university",
            "Tsinghua University",
            -6.0,
            10.0,
            University,
            0.9,
        ),
        place(
            "cas_zhongguancun",
            "Chinese Academy of Sciences",
            -6.2,
            7.9,
            University,
            0.7,
        ),
        place(
            "innovation_street",
            "Innovation Street",
            -7.7,
            8.3,
            JobCentre,
            0.3,
        ),
        place("wudaokou", "Wudaokou", -5.1, 9.3, JobCentre, 1.0),
        place("shangdi", "Shangdi", -7.9, 13.8, JobCentre, 1.5),
        place("xierqi", "Xi'erqi", -7.8, 16.0, JobCentre, 1.0),
        place("huilongguan", "Huilongguan", -5.3, 18.0, Residential, 2.5),
        place("tiantongyuan", "Tiantongyuan", 1.9, 17.9, Residential, 2.0),
        place(
            "future_science_city",
            "Future Science City",
            3.6,
            21.0,
            JobCentre,
            1.8,
        ),
        place(
            "changping_park",
            "Changping park",
            -14.0,
            34.5,
            JobCentre,
            3.0,
        ),
        place(
            "electronic_city",
            "Electronic City",
            7.9,
            6.8,
            JobCentre,
            2.0,
        ),
        place("wangjing", "Wangjing", 6.2, 10.0, JobCentre, 1.5),
        place("desheng_park", "Desheng park", -1.8, 4.4, JobCentre, 1.0),
        place(
            "jianxiang_park",
            "Jianxiang park",
            -0.6,
            7.7,
            JobCentre,
            1.0,
        ),
        place(
            "shijingshan_park",
            "Shijingshan park",
            -16.8,
            -0.3,
            JobCentre,
            1.8,
        ),
        place("fengtai_park", "Fengtai park", -9.2, -8.7, JobCentre, 2.5),
        place("yizhuang", "Yizhuang", 9.3, -12.6, JobCentre, 3.5),
        place(
            "daxing_biomedicine_base",
            "Daxing bio-medicine base",
            -7.0,
            -28.0,
            JobCentre,
            3.0,
        ),
        place("tongzhou_park", "Tongzhou park", 22.0, 0.0, JobCentre, 3.0),
        place(
            "huairou_science_city",
            "Huairou Science City",
            24.0,
            53.0,
            JobCentre,
            2.0,
        ),
        place("cbd", "CBD", 6.0, 0.0, JobCentre, 1.5),
    ]
}

/// Parks as unions of discs (x, y, radius km); overlaps go to the first park listed.
fn park_discs() -> Vec<(&'static str, &'static str, Vec<(f64, f64, f64)>)> {
    vec![
        (
            "haidian",
            "Haidian park",
            vec![
                (-7.0, 8.0, 4.0),
                (-7.6, 14.5, 3.5),
                (-13.5, 17.5, 4.0),
                (-10.0, 4.5, 2.5),
            ],
        ),
        ("desheng", "Desheng park", vec![(-1.8, 4.4, 1.0)]),
        ("jianxiang", "Jianxiang park", vec![(-0.6, 7.7, 1.0)]),
        ("electronic_city", "Electronic City", vec![(7.9, 6.8, 2.0)]),
        ("changping", "Changping park", vec![(-14.0, 34.5, 3.0)]),
        (
            "future_science_city",
            "Future Science City",
            vec![(3.6, 21.0, 1.8)],
        ),
        ("fengtai", "Fengtai park", vec![(-9.2, -8.7, 2.5)]),
        ("shijingshan", "Shijingshan park", vec![(-16.8, -0.3, 1.8)]),
        ("yizhuang", "Yizhuang", vec![(9.3, -12.6, 3.5)]),
        ("tongzhou", "Tongzhou park", vec![(22.0, 0.0, 3.0)]),
        (
            "daxing_biomedicine",
            "Daxing bio-medicine base",
            vec![(-7.0, -28.0, 3.0)],
        ),
    ]
}

/// District seats for an approximate Voronoi partition of the plain (km).
const DISTRICT_SEATS: &[(&str, &str, f64, f64)] = &[
    ("dongcheng", "Dongcheng", 2.0, 1.0),
    ("xicheng", "Xicheng", -3.0, 0.0),
    ("chaoyang", "Chaoyang", 8.0, 3.0),
    ("haidian_district", "Haidian district", -9.0, 9.0),
    ("fengtai_district", "Fengtai district", -6.0, -7.0),
    ("shijingshan_district", "Shijingshan district", -15.0, 1.0),
    ("mentougou", "Mentougou", -26.0, 4.0),
    ("changping_district", "Changping district", -8.0, 24.0),
    ("shunyi", "Shunyi", 20.0, 25.0),
    ("tongzhou_district", "Tongzhou district", 22.0, -2.0),
    ("daxing_district", "Daxing district", -2.0, -22.0),
    ("fangshan", "Fangshan", -25.0, -22.0),
    ("huairou", "Huairou", 22.0, 50.0),
];

fn links() -> Vec<Link> {
    let rail = |name: &str, pts: &[(f64, f64)]| Link {
        name: name.into(),
        kind: LinkKind::Rail,
        points: pts.to_vec(),
        speed_kmh: None,
    };
    let road = |name: &str, pts: &[(f64, f64)]| Link {
        name: name.into(),
        kind: LinkKind::Expressway,
        points: pts.to_vec(),
        speed_kmh: None,
    };
    let ring = |name: &str, h: f64| road(name, &[(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]);
    vec![
        ring("2nd ring road", 4.5),
        ring("3rd ring road", 7.5),
        ring("4th ring road", 10.5),
        ring("5th ring road", 15.0),
        ring("6th ring road", 28.0),
        road(
            "Jingzang expressway",
            &[(-2.0, 5.0), (-8.0, 17.0), (-14.0, 34.0)],
        ),
        road(
            "Jingkai expressway",
            &[(-1.0, -5.0), (-4.0, -18.0), (-7.0, -28.0)],
        ),
        road(
            "Jingjintang expressway",
            &[(5.0, -5.0), (9.3, -12.6), (16.0, -20.0)],
        ),
        road("Jingtong expressway", &[(5.0, 0.0), (22.0, 0.0)]),
        road("Airport expressway", &[(4.0, 4.0), (20.0, 22.0)]),
        road("Jingshi expressway", &[(-5.0, 0.0), (-17.0, -0.3)]),
        rail(
            "Line 13",
            &[
                (-4.0, 3.0),
                (-5.1, 9.3),
                (-7.9, 13.8),
                (-7.8, 16.0),
                (-5.3, 18.0),
                (2.0, 16.0),
                (3.0, 2.5),
            ],
        ),
        rail(
            "Changping line",
            &[(-7.8, 16.0), (-10.0, 25.0), (-14.0, 34.5)],
        ),
        rail(
            "Line 4 / Daxing line",
            &[(-6.0, 9.5), (-5.0, 3.0), (-3.0, -5.0), (-1.0, -25.0)],
        ),
        rail("Line 5", &[(1.9, 17.9), (2.0, 0.0), (3.0, -10.0)]),
        rail(
            "Line 1 / Batong line",
            &[(-17.0, 0.0), (0.0, 0.0), (22.0, 0.0)],
        ),
        rail(
            "Yizhuang line",
            &[(3.0, -10.0), (9.3, -12.6), (14.0, -18.0)],
        ),
        rail("Line 15", &[(-5.1, 9.3), (6.2, 10.0), (20.0, 24.0)]),
        rail("Line 10 (north)", &[(-7.0, 7.5), (6.5, 7.5)]),
    ]
}

/// Build the Beijing preset's layers. Deterministic; depends only on the population and
/// firm parameters (totals and floor space per worker).
pub fn layers(params: &Params) -> WorldLayers {
    let grid = GridSpec {
        nx: 160,
        ny: 184,
        x0_km: -40.0,
        y0_km: -36.0,
        cell_km: 0.5,
    };
    let n = grid.n_cells();
    let places = places();
    let pop = &params.population;
    let employed = pop.labour_force * (1.0 - pop.initial_unemployment);

    let universities: Vec<UniversitySpec> = [
        ("Tsinghua University", -6.0, 10.0, 1.0),
        ("Peking University", -8.0, 9.4, 1.0),
        ("Chinese Academy of Sciences", -6.2, 7.9, 1.2),
    ]
    .iter()
    .filter_map(|&(name, x, y, w)| {
        grid.cell_at(x, y).map(|cell| UniversitySpec {
            name: name.into(),
            cell: cell as u32,
            weight: w,
        })
    })
    .collect();

    let avenue_cells = cells_along(&grid, &AVENUE, 0.3);
    let mut on_avenue = vec![false; n];
    for &c in &avenue_cells {
        on_avenue[c as usize] = true;
    }

    // Residents and jobs.
    let mut residents = Array1::<f64>::zeros(n);
    let mut jobs = Array2::<f64>::zeros((Sector::N, n));
    let mut high_tech_num = Array1::<f64>::zeros(n);
    let mut tech_den = Array1::<f64>::zeros(n);
    let mut tech_share = Array1::<f64>::zeros(n);
    let mut mountain = vec![false; n];
    for cell in 0..n {
        let (x, y) = grid.centre(cell);
        if is_mountain(x, y) {
            mountain[cell] = true;
            continue;
        }
        let r = (x * x + y * y).sqrt();
        let mut res = 14_000.0 * (-r / 7.0).exp() + 120.0;
        for &(cx, cy, s, peak) in RESIDENTIAL {
            res += peak * gauss(x, y, cx, cy, s);
        }
        if universities
            .iter()
            .any(|u| grid.dist_km(u.cell as usize, cell) < 0.6)
        {
            res *= 0.3;
        }
        residents[cell] = res * grid.cell_km2();
        // Tech workers live near the tech job centres and in Huilongguan ("~70% aged 18-45,
        // over 65% with college degrees").
        let hui = gauss(x, y, -5.3, 18.0, 2.0);
        let north_tech = gauss(x, y, -7.0, 11.0, 5.0);
        tech_share[cell] = (0.12 + 0.45 * hui + 0.25 * north_tech).min(0.75);
        for c in JOB_CENTRES {
            let w = c.jobs * gauss(x, y, c.x, c.y, c.sigma) * grid.cell_km2()
                / (2.0 * std::f64::consts::PI * c.sigma * c.sigma);
            if w <= 0.0 {
                continue;
            }
            for (s, share) in c.mix.iter().enumerate() {
                jobs[[s, cell]] += w * share;
            }
            let tech_jobs = w * (c.mix[0] + c.mix[1] + c.mix[2]);
            high_tech_num[cell] += tech_jobs * c.high_tech;
            tech_den[cell] += tech_jobs;
        }
    }
    // E-mall trade along the avenue.
    for &c in &avenue_cells {
        jobs[[Sector::EmallTrade as usize, c as usize]] += EMALL_JOBS / avenue_cells.len() as f64;
    }
    // Normalise residents to the labour force.
    let res_total: f64 = residents.sum();
    residents.mapv_inplace(|v| v * pop.labour_force / res_total);
    // Local services follow residents.
    for cell in 0..n {
        jobs[[Sector::Services as usize, cell]] += LOCAL_SERVICE_JOBS * residents[cell];
    }
    let jobs_total: f64 = jobs.sum();
    let k = employed / jobs_total;
    jobs.mapv_inplace(|v| v * k);
    // Probability that a tech-sector firm of the cell is high-tech: the job centres' shares,
    // weighted by their tech jobs there (0.2 where no centre reaches).
    let high_tech = Array1::from_shape_fn(n, |c| {
        if tech_den[c] > 1e-9 {
            (high_tech_num[c] / tech_den[c]).clamp(0.0, 1.0)
        } else {
            0.2
        }
    });

    // Land use.
    let mut land_use = vec![LandUse::Village; n];
    for cell in 0..n {
        let (x, y) = grid.centre(cell);
        let j: f64 = (0..Sector::N).map(|s| jobs[[s, cell]]).sum();
        let dens_res = residents[cell] / grid.cell_km2();
        let dens_jobs = j / grid.cell_km2();
        land_use[cell] = if mountain[cell] {
            LandUse::Green
        } else if universities
            .iter()
            .any(|u| grid.dist_km(u.cell as usize, cell) < 0.6)
        {
            LandUse::University
        } else if on_avenue[cell] {
            LandUse::Commercial
        } else if dens_jobs > 2.0 * dens_res && dens_jobs > 2_000.0 {
            let manuf = jobs[[Sector::SmartManufacturing as usize, cell]];
            if manuf > 0.4 * j {
                LandUse::Industrial
            } else {
                LandUse::Office
            }
        } else if dens_res + dens_jobs > 1_500.0 {
            LandUse::Residential
        } else if (x * x + y * y).sqrt() > 50.0 {
            LandUse::Green
        } else {
            LandUse::Village
        };
    }

    // Floor space: what the starting population occupies at a starting occupancy that is
    // high in the built-up centre ("south of the western hills fully built") and lower at the edge.
    let fp = &params.firms;
    let mut floor = Array2::<f64>::zeros((Use::N, n));
    let mut max_floor = Array1::<f64>::zeros(n);
    let mut rent = Array2::<f64>::zeros((Use::N, n));
    let centres_access: [(f64, f64, f64, f64); 7] = [
        (0.0, 0.0, 1.0, 9.0),
        (-7.0, 8.0, 1.0, 5.0),
        (6.0, 0.0, 1.0, 5.0),
        (6.2, 10.0, 0.8, 4.0),
        (-7.9, 13.8, 0.85, 4.0),
        (-7.8, 16.0, 0.75, 3.0),
        (9.3, -12.6, 0.55, 4.0),
    ];
    for cell in 0..n {
        if land_use[cell] == LandUse::Green {
            continue;
        }
        let (x, y) = grid.centre(cell);
        let r = (x * x + y * y).sqrt();
        let access = centres_access
            .iter()
            .map(|&(cx, cy, w, l)| w * (-((x - cx).powi(2) + (y - cy).powi(2)).sqrt() / l).exp())
            .fold(0.0, f64::max);
        let occupancy = 0.95 - 0.12 * (r / 30.0).min(1.0) - if access > 0.5 { 0.0 } else { 0.02 };
        let mut need = [0.0; Use::N];
        need[Use::Residential as usize] = residents[cell] * pop.home_m2_per_worker;
        for s in Sector::ALL {
            let u = s.space_use();
            need[u as usize] += jobs[[s as usize, cell]] * fp.m2_per_worker.get(u);
        }
        for u in 0..Use::N {
            floor[[u, cell]] = need[u] / occupancy;
        }
        // A little maker space in office and university cells (pre-2009 co-working is rare).
        if matches!(land_use[cell], LandUse::Office | LandUse::University) {
            floor[[Use::Maker as usize, cell]] += 2_000.0;
        }
        let total: f64 = (0..Use::N).map(|u| floor[[u, cell]]).sum();
        let zoning = params.land.max_far * grid.cell_m2();
        // Built-up cells can add a little (redevelopment); the rest up to the zoning limit.
        // Dense residential districts (Huilongguan, Tiantongyuan: over 8,000 resident workers
        // per km²) were fully built by 2009 as well.
        let built_up = access > 0.45 || residents[cell] / grid.cell_km2() > 8_000.0;
        max_floor[cell] = if built_up {
            total * 1.12
        } else {
            zoning.max(total * 1.12)
        };
        for u in Use::ALL {
            let core = params.land.core_rent.get(u);
            let fl = params.land.rent_floor.get(u);
            rent[[u as usize, cell]] = rent_from_access(core, fl, access);
        }
    }

    // Parks, districts, named areas.
    let mut park_of = vec![usize::MAX; n];
    let park_defs = park_discs();
    for cell in 0..n {
        if land_use[cell] == LandUse::Green {
            continue;
        }
        let (x, y) = grid.centre(cell);
        for (p, (_, _, discs)) in park_defs.iter().enumerate() {
            if discs
                .iter()
                .any(|&(cx, cy, rr)| (x - cx).powi(2) + (y - cy).powi(2) <= rr * rr)
            {
                park_of[cell] = p;
                break;
            }
        }
    }
    let parks = park_defs
        .iter()
        .enumerate()
        .map(|(p, (name, label, _))| Area {
            name: (*name).into(),
            label: (*label).into(),
            cells: (0..n)
                .filter(|&c| park_of[c] == p)
                .map(|c| c as u32)
                .collect(),
        })
        .collect();
    let districts = DISTRICT_SEATS
        .iter()
        .enumerate()
        .map(|(d, &(name, label, _, _))| Area {
            name: name.into(),
            label: label.into(),
            cells: (0..n)
                .filter(|&cell| {
                    let (x, y) = grid.centre(cell);
                    let nearest = DISTRICT_SEATS
                        .iter()
                        .enumerate()
                        .min_by(|a, b| {
                            let da = (x - a.1 .2).powi(2) + (y - a.1 .3).powi(2);
                            let db = (x - b.1 .2).powi(2) + (y - b.1 .3).powi(2);
                            da.total_cmp(&db)
                        })
                        .map(|(i, _)| i);
                    nearest == Some(d)
                })
                .map(|c| c as u32)
                .collect(),
        })
        .collect();
    let core = cells_within(&grid, -7.0, 8.0, 3.0);
    let areas = vec![
        Area {
            name: "zhongguancun_avenue".into(),
            label: "Zhongguancun Avenue".into(),
            cells: avenue_cells.clone(),
        },
        Area {
            name: "zhongguancun_core_area".into(),
            label: "Zhongguancun core (3 km)".into(),
            cells: core.clone(),
        },
        Area {
            name: "northern_haidian".into(),
            label: "Northern Haidian (Shanhou)".into(),
            cells: cells_within(&grid, -13.5, 17.5, 4.0),
        },
    ];
    let periphery = (0..n)
        .filter(|&cell| {
            let (x, y) = grid.centre(cell);
            x.abs().max(y.abs()) > 15.0 && land_use[cell] != LandUse::Green
        })
        .map(|c| c as u32)
        .collect();

    let inc = |name: &str, x: f64, y: f64, g: Generation, sector: Option<Sector>, seats: f64| {
        grid.cell_at(x, y).map(|cell| IncubatorSpec {
            name: name.into(),
            cell: cell as u32,
            generation: g,
            sector,
            seats,
        })
    };
    let incubators = [
        inc(
            "Tsinghua Science Park",
            -6.0,
            9.6,
            Generation::G2,
            None,
            600.0,
        ),
        inc("PKU Science Park", -8.0, 9.2, Generation::G2, None, 300.0),
        inc(
            "Zhongguancun Software Park",
            -9.0,
            14.5,
            Generation::G1,
            None,
            400.0,
        ),
        inc(
            "Zhongguancun core incubator",
            -7.2,
            8.2,
            Generation::G1,
            None,
            300.0,
        ),
        inc("CAS incubator", -6.2, 7.9, Generation::G2, None, 200.0),
        inc(
            "Changping incubator",
            -14.0,
            34.5,
            Generation::G1,
            None,
            200.0,
        ),
        inc(
            "Yizhuang incubator",
            9.3,
            -12.6,
            Generation::G1,
            None,
            300.0,
        ),
        inc("Fengtai incubator", -9.2, -8.7, Generation::G1, None, 200.0),
        inc(
            "Electronic City incubator",
            7.9,
            6.8,
            Generation::G1,
            None,
            200.0,
        ),
        inc(
            "Daxing bio incubator",
            -7.0,
            -28.0,
            Generation::G1,
            None,
            100.0,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();

    WorldLayers {
        name: "beijing".into(),
        grid,
        georef: Some(super::geo::Georef::beijing()),
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
        links: links(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_is_consistent_and_places_fall_on_the_grid() {
        let l = layers(&Params::default());
        l.validate().unwrap();
        for p in &l.places {
            assert!(
                l.grid.cell_at(p.x_km, p.y_km).is_some(),
                "{} off the grid",
                p.name
            );
        }
        let total_res: f64 = l.residents.sum();
        assert!((total_res - 12_400_000.0).abs() < 1.0);
        let haidian = l.parks.iter().find(|p| p.name == "haidian").unwrap();
        let area = haidian.area_km2(&l.grid);
        assert!(area > 140.0 && area < 190.0, "Haidian park area {area}");
        // Huilongguan has many residents and few jobs.
        let hui = l.region_by_name("huilongguan").unwrap();
        let res: f64 = hui.iter().map(|&c| l.residents[c as usize]).sum();
        let jobs: f64 = hui
            .iter()
            .map(|&c| (0..Sector::N).map(|s| l.jobs[[s, c as usize]]).sum::<f64>())
            .sum();
        assert!(
            jobs / res < 0.5,
            "Huilongguan jobs/residents {}",
            jobs / res
        );
    }
}
