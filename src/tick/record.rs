//! The metrics phase: this month's row of `timeseries.csv` (in `metrics::INDICATORS` order),
//! the parks' yearly rows and the tracked regions' rows, computed from the world and the
//! counters the phases filled. Integer counts are summed in parallel (any order gives the
//! same); money comes from the firm phase's per-chunk sums, added in chunk order (float sums
//! depend on their order).

use rayon::prelude::*;

use super::firms::FirmProposals;
use super::Simulation;
use crate::metrics::{CommuteSums, ParkRow, RegionRow, TickRow, INDICATORS};
use crate::types::{FirmKind, Generation, Sector, Use, NONE};
use crate::world::agents::{flags, status, NO_INCUBATOR};
use crate::world::World;

/// What the metrics phase hands back: the month's row, the parks' rows when a year closes or
/// the run ends, and the unemployment rate fed back to the economy (`None` without workers).
pub struct Recorded {
    /// This month's row of `timeseries.csv`.
    pub row: TickRow,
    /// The parks' yearly rows (empty except in December and in the last month).
    pub parks: Vec<ParkRow>,
    /// Unemployed / labour force, for the next month's wages and entries.
    pub unemployment: Option<f64>,
    /// Quits / employed, the share of staff established firms replace next month (`None`
    /// without employment).
    pub separations: Option<f64>,
}

/// The capacity-weighted mean rent of use `u` over `cells` (NaN where there is no capacity).
fn weighted_rent(world: &World, u: Use, cells: &mut dyn Iterator<Item = usize>) -> f64 {
    let (mut s, mut w) = (0.0, 0.0);
    for c in cells {
        let cap = world.cells.capacity[[u as usize, c]];
        s += cap * world.cells.rent[[u as usize, c]];
        w += cap;
    }
    if w > 0.0 {
        s / w
    } else {
        f64::NAN
    }
}

/// `a / b`, NaN when `b` is not positive.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// Workers by status (index `status::*`, the last bin for any other value).
fn worker_counts(world: &World) -> [u64; 4] {
    world
        .workers
        .state
        .par_chunks(1 << 16)
        .map(|chunk| {
            // Compare and add rather than index a counter: the loop vectorises, where
            // `n[s] += 1` waits on the previous store of the same counter.
            let (mut e, mut u, mut f) = (0u32, 0u32, 0u32);
            for &s in chunk {
                let s = status::of(s);
                e += (s == status::EMPLOYED) as u32;
                u += (s == status::UNEMPLOYED) as u32;
                f += (s == status::FOUNDER) as u32;
            }
            let (e, u, f) = (e as u64, u as u64, f as u64);
            [e, u, f, chunk.len() as u64 - e - u - f]
        })
        .reduce(
            || [0; 4],
            |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]],
        )
}

/// Firm counts: in all, high-tech, start-ups, incubator tenants by generation, per park
/// (firms, high-tech, start-ups, technology-sector firms, high-tech among those), and the
/// employees of the parks' high-tech firms.
#[derive(Clone)]
struct FirmCounts {
    firms: u64,
    ht: u64,
    startups: u64,
    tenants: [u64; 3],
    park: Vec<[u64; 5]>,
    jobs_parks_ht: u64,
}

impl FirmCounts {
    fn zero(n_parks: usize) -> Self {
        FirmCounts {
            firms: 0,
            ht: 0,
            startups: 0,
            tenants: [0; 3],
            park: vec![[0; 5]; n_parks],
            jobs_parks_ht: 0,
        }
    }

    fn add(mut self, b: FirmCounts) -> Self {
        self.firms += b.firms;
        self.ht += b.ht;
        self.startups += b.startups;
        self.jobs_parks_ht += b.jobs_parks_ht;
        for g in 0..3 {
            self.tenants[g] += b.tenants[g];
        }
        for (x, y) in self.park.iter_mut().zip(&b.park) {
            for k in 0..5 {
                x[k] += y[k];
            }
        }
        self
    }
}

/// Firms per counting chunk of [`firm_counts`].
const COUNT_CHUNK: usize = 1 << 15;

fn firm_counts(w: &World) -> FirmCounts {
    let f = &w.firms;
    let n_parks = w.parks.len();
    let (park, generation) = (&w.cells.park, &w.incubators.generation);
    // One pass per chunk over the columns it reads (integer counts: the same whatever the
    // split, ARCHITECTURE invariant 1).
    (
        f.flags.par_chunks(COUNT_CHUNK),
        f.kind.par_chunks(COUNT_CHUNK),
        f.incubator.par_chunks(COUNT_CHUNK),
        f.cell.par_chunks(COUNT_CHUNK),
        f.sector.par_chunks(COUNT_CHUNK),
        f.employees.par_chunks(COUNT_CHUNK),
    )
        .into_par_iter()
        .map(|(fl, kind, inc, cell, sector, employees)| {
            let mut n = FirmCounts::zero(n_parks);
            for j in 0..fl.len() {
                if fl[j] & flags::ALIVE == 0 {
                    continue;
                }
                n.firms += 1;
                let high = (fl[j] & flags::HIGH_TECH != 0) as u64;
                let startup = (kind[j] == FirmKind::Startup as u8) as u64;
                n.ht += high;
                n.startups += startup;
                if inc[j] != NO_INCUBATOR {
                    n.tenants[generation[inc[j] as usize] as usize] += 1;
                }
                let p = park[cell[j] as usize];
                if p != crate::world::NO_PARK {
                    let q = &mut n.park[p as usize];
                    q[0] += 1;
                    q[1] += high;
                    q[2] += startup;
                    n.jobs_parks_ht += high * employees[j] as u64;
                    if sector[j] <= Sector::SmartManufacturing as u8 {
                        q[3] += 1;
                        q[4] += high;
                    }
                }
            }
            n
        })
        .reduce(|| FirmCounts::zero(n_parks), FirmCounts::add)
}

/// Revenue and value added this month (yuan): the firm phase's per-chunk sums, added in chunk
/// order. They count every firm that operated this month where it operated (a firm that exits
/// or moves at the month's end produced the month's output first). The parks' share goes
/// into their yearly accumulators.
fn money(sim: &mut Simulation, proposals: &FirmProposals) -> Money {
    let mut m = Money::default();
    for s in &proposals.sums {
        m.revenue += s.revenue;
        m.va += s.value_added;
        m.va_parks += s.va_parks;
        m.va_parks_ht += s.va_parks_ht;
    }
    let n_parks = sim.world.parks.len();
    let stride = FirmProposals::park_stride(n_parks);
    for chunk in proposals.park_money.chunks(stride) {
        for (p, pm) in chunk[..n_parks].iter().enumerate() {
            sim.metrics.add_park_money(p, pm[0], pm[1]);
        }
    }
    sim.metrics.add_month();
    m
}

/// This month's money sums (yuan per month).
#[derive(Default)]
struct Money {
    revenue: f64,
    va: f64,
    va_parks: f64,
    /// Value added of the parks' high-tech firms.
    va_parks_ht: f64,
}

/// The median commute in minutes from the histogram of whole minutes (bin middle).
fn median_minutes(cm: &CommuteSums) -> f64 {
    let half = cm.count.div_ceil(2);
    let mut acc = 0u64;
    for (b, &h) in cm.hist.iter().enumerate() {
        acc += h as u64;
        if acc >= half && cm.count > 0 {
            return b as f64 + 0.5;
        }
    }
    f64::NAN
}

/// Whether this month closes a year of the run's yearly figures: December, or the run's last
/// month.
fn year_closes(sim: &Simulation) -> bool {
    sim.date().month == 12 || sim.tick + 1 >= sim.ticks
}

/// The centroid (km) of some cells, if there are any.
fn centroid(grid: &crate::world::grid::GridSpec, cells: &[usize]) -> Option<(f64, f64)> {
    if cells.is_empty() {
        return None;
    }
    let (x, y) = cells.iter().fold((0.0, 0.0), |(sx, sy), &c| {
        let (x, y) = grid.centre(c);
        (sx + x, sy + y)
    });
    Some((x / cells.len() as f64, y / cells.len() as f64))
}

/// Slope of ln(rent of `u`) on the distance (km) from `centre` (the core's centroid), by
/// least squares over the cells with floor space of that use (NaN without a centre, with
/// fewer than three such cells or with no spread in distance).
pub fn rent_gradient(w: &World, u: Use, centre: Option<(f64, f64)>) -> f64 {
    let g = &w.grid;
    let Some((cx, cy)) = centre else {
        return f64::NAN;
    };
    let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0f64, 0.0, 0.0, 0.0, 0.0);
    for c in 0..g.n_cells() {
        let rent = w.cells.rent[[u as usize, c]];
        if w.cells.capacity[[u as usize, c]] <= 0.0 || !(rent > 0.0) {
            continue;
        }
        let (x, y) = g.centre(c);
        let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
        let l = rent.ln();
        n += 1.0;
        sx += d;
        sy += l;
        sxx += d * d;
        sxy += d * l;
    }
    let var = sxx - sx * sx / n.max(1.0);
    if n < 3.0 || var <= 1e-12 {
        return f64::NAN;
    }
    (sxy - sx * sy / n) / var
}

/// Distance beyond which a commute counts as long in `share_commute_over_25km` (km).
const LONG_COMMUTE_KM: f64 = 25.0;

/// Workers per chunk of the commute-distance sums (fixed: float sums are added per chunk in
/// order, so the result does not depend on the thread count).
const KM_CHUNK: usize = 16_384;

/// Mean straight-line home–work distance (km) of workers with an employer (a firm or their
/// own start-up), and the share of them beyond [`LONG_COMMUTE_KM`]; NaN without any.
pub fn commute_km(w: &World) -> [f64; 2] {
    let g = &w.grid;
    let (home, employer) = (&w.workers.home, &w.workers.employer);
    let sums: Vec<(f64, u64, u64)> = home
        .par_chunks(KM_CHUNK)
        .zip(employer.par_chunks(KM_CHUNK))
        .map(|(home, employer)| {
            let (mut km, mut n, mut long) = (0.0, 0u64, 0u64);
            for (&h, &e) in home.iter().zip(employer) {
                if e == NONE {
                    continue;
                }
                let (hx, hy) = g.centre(h as usize);
                let (fx, fy) = g.centre(w.firms.cell[e as usize] as usize);
                let d = ((hx - fx).powi(2) + (hy - fy).powi(2)).sqrt();
                km += d;
                n += 1;
                long += (d > LONG_COMMUTE_KM) as u64;
            }
            (km, n, long)
        })
        .collect();
    let (km, n, long) = sums
        .iter()
        .fold((0.0, 0u64, 0u64), |a, s| (a.0 + s.0, a.1 + s.1, a.2 + s.2));
    [ratio(km, n as f64), ratio(long as f64, n as f64)]
}

/// The power law fitted to the upper tail of operating firms' sizes (employees).
pub fn firm_size_tail(w: &World) -> Option<crate::stats::powerlaw::TailFit> {
    crate::stats::powerlaw::fit_tail_counts(&firm_size_counts(w))
}

/// Sizes below this are counted in a dense array, larger ones listed and sorted.
const DENSE_SIZES: usize = 1024;

/// The sizes (employees) of operating firms with at least one, each with the number of firms
/// of that size, ascending. Counted in parallel without a list of every firm's size (at real
/// size that list was the largest block of a December, when the year's tail is fitted).
pub fn firm_size_counts(w: &World) -> Vec<(u32, usize)> {
    let f = &w.firms;
    let (dense, mut large) = (0..f.len())
        .into_par_iter()
        .with_min_len(1 << 16)
        .fold(
            || (vec![0usize; DENSE_SIZES], Vec::new()),
            |(mut dense, mut large), i| {
                let e = f.employees[i];
                if e > 0 && f.alive(i) {
                    match dense.get_mut(e as usize) {
                        Some(c) => *c += 1,
                        None => large.push(e),
                    }
                }
                (dense, large)
            },
        )
        .reduce(
            || (vec![0usize; DENSE_SIZES], Vec::new()),
            |(mut d, mut l), (d2, l2)| {
                d.iter_mut().zip(&d2).for_each(|(a, b)| *a += b);
                l.extend(l2);
                (d, l)
            },
        );
    let mut counts: Vec<(u32, usize)> = (1..DENSE_SIZES)
        .filter(|&x| dense[x] > 0)
        .map(|x| (x as u32, dense[x]))
        .collect();
    large.sort_unstable();
    crate::stats::powerlaw::count_runs(&mut counts, large);
    counts
}

/// Compute this month's row (and park rows when a year closes or the run ends); the firm and
/// start-up phases' per-chunk sums (patents, funding, graduations) come with `proposals`.
pub fn record(sim: &mut Simulation, proposals: &FirmProposals) -> Recorded {
    let inv = 1.0 / sim.world.scale;
    let yi = 1e-8 * inv;
    let counts = worker_counts(&sim.world);
    let (employed, unemployed, founders) = (
        counts[status::EMPLOYED as usize],
        counts[status::UNEMPLOYED as usize],
        counts[status::FOUNDER as usize],
    );
    let firms = firm_counts(&sim.world);
    // The firm phase's chunks (firms set up later in the month have no sums).
    let n_chunks = proposals.sums.len();
    let money = money(sim, proposals);
    let w = &sim.world;
    let fs: (f64, f64, f64) = proposals.sums.iter().fold((0.0, 0.0, 0.0), |a, s| {
        (
            a.0 + s.patents,
            a.1 + s.patents_startups,
            a.2 + s.patents_incumbents,
        )
    });
    let ss = proposals
        .startup_sums
        .iter()
        .take(n_chunks)
        .fold((0.0, 0u64), |a, s| {
            (a.0 + s.funding, a.1 + s.graduated as u64)
        });
    let seats: f64 = w.incubators.seats.iter().sum();
    let seats_used: f64 = w.incubators.used.iter().sum();
    let cm = &sim.metrics.commute;
    let core: Vec<usize> = (0..w.grid.n_cells()).filter(|&c| w.cells.core[c]).collect();
    let centre = centroid(&w.grid, &core);
    let per: Vec<usize> = (0..w.grid.n_cells())
        .filter(|&c| w.cells.periphery[c])
        .collect();
    let (mut office_used, mut office_cap, mut floor_total) = (0.0, 0.0, 0.0);
    for c in 0..w.grid.n_cells() {
        office_used += w.cells.used[[Use::Office as usize, c]];
        office_cap += w.cells.capacity[[Use::Office as usize, c]];
        floor_total += w.cells.total_capacity(c);
    }
    let region_idx = |name: &str| sim.metrics.regions.iter().position(|(n, _)| n == name);
    let region_commute = |name: &str| {
        region_idx(name).map_or(f64::NAN, |r| {
            ratio(cm.region_minutes[r], cm.region_count[r] as f64)
        })
    };
    let region_cells_sum = |name: &str, v: &dyn Fn(usize) -> f64| {
        region_idx(name).map_or(f64::NAN, |r| {
            sim.metrics.regions[r]
                .1
                .iter()
                .map(|&c| v(c as usize))
                .sum::<f64>()
        })
    };
    let hui_jobs = region_cells_sum("huilongguan", &|c| w.cells.jobs[c] as f64);
    let hui_res = region_cells_sum("huilongguan", &|c| w.cells.residents[c] as f64);
    let births_in = |name: &str| {
        region_idx(name).map_or(f64::NAN, |r| sim.metrics.c.region_births[r] as f64 * inv)
    };
    let now = sim.tick as usize;
    let c = &sim.metrics.c;
    let quits = c.quits;
    let patents = fs.0;
    let labour = (employed + unemployed + founders) as f64 * inv;
    let jobless = unemployed as f64 * inv;
    let values = vec![
        labour,
        employed as f64 * inv,
        jobless,
        founders as f64 * inv,
        firms.firms as f64 * inv,
        ratio(firms.ht as f64, firms.firms as f64),
        firms.startups as f64 * inv,
        c.startups_born as f64 * inv,
        c.startups_born_incubated as f64 * inv,
        c.startups_died as f64 * inv,
        ss.1 as f64 * inv,
        firms.tenants[Generation::G1 as usize] as f64 * inv,
        firms.tenants[Generation::G2 as usize] as f64 * inv,
        firms.tenants[Generation::G3 as usize] as f64 * inv,
        seats,
        ratio(seats_used, seats),
        patents * inv,
        ratio(fs.1, patents),
        ratio(fs.2, patents),
        money.revenue * yi,
        money.va * yi,
        money.va_parks * yi,
        money.va_parks_ht * yi,
        firms.jobs_parks_ht as f64 * inv,
        ss.0 * yi,
        ratio(cm.minutes, cm.count as f64),
        median_minutes(cm),
        ratio(cm.long as f64, cm.count as f64),
        c.firms_relocated as f64 * inv,
        c.firms_left_core as f64 * inv,
        c.firms_to_partner as f64 * inv,
        c.firm_exits as f64 * inv,
        c.firm_entries as f64 * inv,
        weighted_rent(w, Use::Office, &mut core.iter().copied()),
        weighted_rent(w, Use::Office, &mut per.iter().copied()),
        weighted_rent(w, Use::Residential, &mut core.iter().copied()),
        weighted_rent(w, Use::Residential, &mut per.iter().copied()),
        1.0 - ratio(office_used, office_cap),
        floor_total * 1e-6,
        region_commute("huilongguan"),
        ratio(hui_jobs, hui_res),
        births_in("core"),
        births_in("zhongguancun_avenue"),
        births_in("innovation_street"),
        sim.metrics.survival(12, now),
        sim.metrics.survival(60, now),
        sim.metrics.survival(120, now),
        rent_gradient(w, Use::Office, centre),
        rent_gradient(w, Use::Residential, centre),
    ];
    // The commute distances and the firm-size tail, once a year.
    let (tail, km) = if year_closes(sim) {
        (firm_size_tail(w), commute_km(w))
    } else {
        (None, [f64::NAN; 2])
    };
    let mut values = values;
    values.extend(km);
    values.extend(match tail {
        Some(f) => [f.zipf(), f.x_min as f64, f.ks],
        None => [f64::NAN; 3],
    });
    debug_assert_eq!(values.len(), INDICATORS.len());
    let row = TickRow {
        tick: sim.tick,
        date: sim.date().to_string(),
        values,
    };
    let parks = park_rows(sim, &firms);
    Recorded {
        row,
        parks,
        unemployment: (labour > 0.0).then(|| jobless / labour),
        separations: (employed > 0).then(|| quits as f64 / employed as f64),
    }
}

/// The parks' rows of the year so far when a year closes (December) or the run ends, their
/// money annualised; the park accumulators then start a new year.
fn park_rows(sim: &mut Simulation, counts: &FirmCounts) -> Vec<ParkRow> {
    if !year_closes(sim) {
        return Vec::new();
    }
    let date = sim.date();
    let w = &sim.world;
    let inv = 1.0 / w.scale;
    let yi = 1e-8 * inv;
    let (months, park_revenue, park_va) = sim.metrics.park_year();
    let months = months.max(1);
    let annual = 12.0 / months as f64;
    let total_rev: f64 = park_revenue.iter().sum();
    let mut parks = Vec::with_capacity(w.parks.len());
    for (p, area) in w.parks.iter().enumerate() {
        let [firms, ht, startups, tech, tech_ht] = counts.park[p];
        let cells: Vec<usize> = area.cells.iter().map(|&c| c as usize).collect();
        let km2 = area.area_km2(&w.grid);
        let rev = park_revenue[p] * yi * annual;
        let residents: f64 = cells
            .iter()
            .map(|&c| w.cells.residents[c] as f64)
            .sum::<f64>()
            * inv;
        let jobs: f64 = cells.iter().map(|&c| w.cells.jobs[c] as f64).sum::<f64>() * inv;
        parks.push(ParkRow {
            year: date.year,
            months,
            park: area.name.clone(),
            area_km2: km2,
            firms: firms as f64 * inv,
            high_tech_share: ratio(ht as f64, firms as f64),
            high_tech_share_zone: ratio(tech_ht as f64, tech as f64),
            revenue_yi: rev,
            value_added_yi: park_va[p] * yi * annual,
            output_per_km2: ratio(rev, km2),
            revenue_share: ratio(park_revenue[p], total_rev),
            startups: startups as f64 * inv,
            mean_office_rent: weighted_rent(w, Use::Office, &mut cells.iter().copied()),
            residents,
            jobs,
            jobs_housing_ratio: ratio(jobs, residents),
        });
    }
    sim.metrics.close_park_year();
    parks
}

/// Rows of `regions.csv` for the month just recorded.
pub fn region_rows(sim: &Simulation) -> Vec<RegionRow> {
    let w = &sim.world;
    let inv = 1.0 / w.scale;
    let cm = &sim.metrics.commute;
    sim.metrics
        .regions
        .iter()
        .enumerate()
        .map(|(r, (name, cells))| {
            let residents: f64 = cells
                .iter()
                .map(|&c| w.cells.residents[c as usize] as f64)
                .sum::<f64>()
                * inv;
            let jobs: f64 = cells
                .iter()
                .map(|&c| w.cells.jobs[c as usize] as f64)
                .sum::<f64>()
                * inv;
            RegionRow {
                tick: sim.tick.saturating_sub(1),
                date: sim.start.plus(sim.tick.saturating_sub(1)).to_string(),
                region: name.clone(),
                residents,
                jobs,
                jobs_housing_ratio: ratio(jobs, residents),
                mean_commute_min: ratio(
                    cm.region_minutes.get(r).copied().unwrap_or(0.0),
                    cm.region_count.get(r).copied().unwrap_or(0) as f64,
                ),
                startups_born: sim.metrics.c.region_births.get(r).copied().unwrap_or(0) as f64
                    * inv,
                startups_alive: cells
                    .iter()
                    .map(|&c| w.cells.startups[c as usize] as f64)
                    .sum::<f64>()
                    * inv,
                rent_office: weighted_rent(w, Use::Office, &mut cells.iter().map(|&c| c as usize)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::world::beijing;

    #[test]
    fn firm_size_counts_match_a_count_of_every_operating_firm() {
        let params = Params::default();
        let layers = beijing::layers(&params);
        let mut w = World::build(&layers, &params, 0.002, 3).unwrap();
        // Sizes above the dense array, repeated, and a closed firm that must not count.
        let f = &mut w.firms;
        for i in 0..3 {
            f.flags[i] |= flags::ALIVE;
        }
        f.employees[0] = 5_000;
        f.employees[1] = DENSE_SIZES as u32;
        f.employees[2] = DENSE_SIZES as u32;
        f.employees[3] = 70_000;
        f.flags[3] &= !flags::ALIVE;
        let mut direct = std::collections::BTreeMap::new();
        for i in 0..f.len() {
            if f.alive(i) && f.employees[i] > 0 {
                *direct.entry(f.employees[i]).or_insert(0usize) += 1;
            }
        }
        let direct: Vec<(u32, usize)> = direct.into_iter().collect();
        assert!(direct.len() > 20);
        assert_eq!(firm_size_counts(&w), direct);
        assert!(direct.contains(&(DENSE_SIZES as u32, 2)) && direct.contains(&(5_000, 1)));
    }
}
