//! Indicators: their definitions (name, unit, meaning, aggregation), the per-tick, per-park and
//! per-region rows, and the accumulators behind them. Pure functions of the world and counters.

use serde::Serialize;

use crate::tick::commute::CommuteSums;
use crate::tick::Simulation;
use crate::world::agents::status;
use crate::world::types::{FirmKind, Generation, Sector, Use, NONE};

/// How an indicator is aggregated over time and across replicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// A level at the tick (stock): compare values at a time.
    Level,
    /// A flow during the month: sum over a year for yearly figures.
    Flow,
    /// A share or mean: average over months for yearly figures.
    Mean,
    /// Already a yearly figure (a row of `parks.csv`): taken as it is.
    Yearly,
}

impl Aggregation {
    /// Name as written in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Level => "level",
            Aggregation::Flow => "flow",
            Aggregation::Mean => "mean",
            Aggregation::Yearly => "yearly",
        }
    }
}

/// Definition of an indicator column of `timeseries.csv`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Indicator {
    /// Column name.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Meaning.
    pub description: &'static str,
    /// Aggregation.
    pub aggregation: Aggregation,
}

/// A short, readable label of an indicator for chart legends: its meaning up to the first
/// parenthesis or semicolon, first letter capitalised (the code name stays in tables).
pub fn label(ind: &Indicator) -> String {
    let d = ind.description;
    let cut = d.find([';', '(']).map_or(d, |i| &d[..i]).trim();
    let mut c = cut.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => ind.name.to_string(),
    }
}

const fn ind(
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    aggregation: Aggregation,
) -> Indicator {
    Indicator {
        name,
        unit,
        description,
        aggregation,
    }
}

use Aggregation::{Flow, Level, Mean, Yearly};

/// Every indicator column of `timeseries.csv` after `tick` and `date`, in column order.
pub const INDICATORS: &[Indicator] = &[
    ind(
        "workers",
        "persons",
        "labour force (employed, unemployed and founders)",
        Level,
    ),
    ind(
        "employed",
        "persons",
        "workers employed by a firm (founders excluded)",
        Level,
    ),
    ind("unemployed", "persons", "workers looking for work", Level),
    ind(
        "founders",
        "persons",
        "workers running their own start-up",
        Level,
    ),
    ind(
        "firms",
        "firms",
        "operating firms, start-ups included",
        Level,
    ),
    ind(
        "high_tech_share",
        "share",
        "share of operating firms that are high-tech",
        Mean,
    ),
    ind(
        "startups_alive",
        "firms",
        "operating start-ups (not yet industrialised)",
        Level,
    ),
    ind(
        "startups_born",
        "firms/month",
        "start-ups founded this month",
        Flow,
    ),
    ind(
        "startups_born_incubated",
        "firms/month",
        "start-ups founded into an incubator this month",
        Flow,
    ),
    ind(
        "startups_died",
        "firms/month",
        "start-ups closed this month",
        Flow,
    ),
    ind(
        "startups_graduated",
        "firms/month",
        "start-ups reaching the growth stage (graduation) this month",
        Flow,
    ),
    ind(
        "incubator_tenants_1_0",
        "firms",
        "start-ups in 1.0 incubators",
        Level,
    ),
    ind(
        "incubator_tenants_2_0",
        "firms",
        "start-ups in 2.0 incubators",
        Level,
    ),
    ind(
        "incubator_tenants_3_0",
        "firms",
        "start-ups in 3.0 incubators",
        Level,
    ),
    ind(
        "incubator_seats",
        "seats",
        "incubator seats of all generations",
        Level,
    ),
    ind(
        "incubator_occupancy",
        "share",
        "occupied share of incubator seats",
        Mean,
    ),
    ind(
        "innovation_output",
        "patents/month",
        "patent-equivalent innovation output",
        Flow,
    ),
    ind(
        "innovation_share_startups",
        "share",
        "share of innovation output by start-ups",
        Mean,
    ),
    ind(
        "innovation_share_incumbents",
        "share",
        "share of innovation output by large incumbents",
        Mean,
    ),
    ind(
        "revenue",
        "1e8 yuan/month",
        "revenue of all firms (100 million yuan per month)",
        Flow,
    ),
    ind(
        "value_added",
        "1e8 yuan/month",
        "value added of all firms (100 million yuan per month)",
        Flow,
    ),
    ind(
        "value_added_parks",
        "1e8 yuan/month",
        "value added of firms in the science parks (100 million yuan per month)",
        Flow,
    ),
    ind(
        "funding_raised",
        "1e8 yuan/month",
        "venture funding raised by start-ups (100 million yuan per month)",
        Flow,
    ),
    ind(
        "mean_commute_min",
        "minutes",
        "mean one-way commute of working agents",
        Mean,
    ),
    ind(
        "median_commute_min",
        "minutes",
        "median one-way commute (whole minutes)",
        Mean,
    ),
    ind(
        "long_commute_share",
        "share",
        "share of commutes longer than the long-commute threshold",
        Mean,
    ),
    ind(
        "firms_relocated",
        "firms/month",
        "firms that moved (in the grid or to a partner site)",
        Flow,
    ),
    ind(
        "firms_left_core",
        "firms/month",
        "firms that moved out of the innovation core",
        Flow,
    ),
    ind(
        "firms_to_partner_sites",
        "firms/month",
        "firms that moved to regional partner sites",
        Flow,
    ),
    ind("firm_exits", "firms/month", "firms that closed", Flow),
    ind(
        "rent_office_core",
        "yuan/m²/month",
        "office rent in the core, weighted by floor space",
        Mean,
    ),
    ind(
        "rent_office_periphery",
        "yuan/m²/month",
        "office rent in the periphery, weighted by floor space",
        Mean,
    ),
    ind(
        "rent_residential_core",
        "yuan/m²/month",
        "residential rent in the core, weighted by floor space",
        Mean,
    ),
    ind(
        "rent_residential_periphery",
        "yuan/m²/month",
        "residential rent in the periphery, weighted by floor space",
        Mean,
    ),
    ind(
        "vacancy_office",
        "share",
        "vacant share of office floor space, city-wide",
        Mean,
    ),
    ind("floor_space", "1e6 m²", "floor space of all uses", Level),
    ind(
        "huilongguan_commute_min",
        "minutes",
        "mean one-way commute of Huilongguan residents (NaN if the world has no Huilongguan)",
        Mean,
    ),
    ind(
        "huilongguan_jobs_housing",
        "ratio",
        "jobs per resident worker in Huilongguan",
        Mean,
    ),
    ind(
        "startups_born_core",
        "firms/month",
        "start-ups founded in the innovation core",
        Flow,
    ),
    ind(
        "startups_born_avenue",
        "firms/month",
        "start-ups founded along Zhongguancun Avenue",
        Flow,
    ),
    ind(
        "startups_born_innovation_street",
        "firms/month",
        "start-ups founded at Innovation Street",
        Flow,
    ),
    ind(
        "survival_1y",
        "share",
        "share of start-ups born ≥ 12 months ago that lived 12 months",
        Mean,
    ),
    ind(
        "survival_5y",
        "share",
        "share of start-ups born ≥ 60 months ago that lived 60 months",
        Mean,
    ),
    ind(
        "survival_10y",
        "share",
        "share of start-ups born ≥ 120 months ago that lived 120 months",
        Mean,
    ),
];

/// Indicators of one tracked region (a row of `regions.csv` after `tick`, `date`, `region`), in
/// column order; [`RegionRow::values`] gives them in this order.
pub const REGION_INDICATORS: &[Indicator] = &[
    ind(
        "residents",
        "persons",
        "resident workers of the region",
        Level,
    ),
    ind("jobs", "jobs", "jobs located in the region", Level),
    ind(
        "jobs_housing_ratio",
        "ratio",
        "jobs per resident worker in the region",
        Mean,
    ),
    ind(
        "mean_commute_min",
        "minutes",
        "mean one-way commute of the region's working residents",
        Mean,
    ),
    ind(
        "startups_born",
        "firms/month",
        "start-ups founded in the region",
        Flow,
    ),
    ind(
        "startups_alive",
        "firms",
        "operating start-ups in the region",
        Level,
    ),
    ind(
        "rent_office",
        "yuan/m²/month",
        "office rent in the region, weighted by floor space",
        Mean,
    ),
];

/// Indicators of one science park from its yearly row of `parks.csv` (December, or the last
/// month of a run, annualised); [`ParkRow::values`] gives them in this order. Other park
/// figures (jobs–housing, commute, start-ups) are in [`REGION_INDICATORS`] of `park:<name>`.
pub const PARK_INDICATORS: &[Indicator] = &[
    ind(
        "output_per_km2",
        "1e8 yuan/km²/year",
        "revenue of the park's firms per km² of park land (100 million yuan per km² per year)",
        Yearly,
    ),
    ind(
        "high_tech_share",
        "share",
        "share of the park's operating firms that are high-tech",
        Yearly,
    ),
    ind(
        "high_tech_share_zone",
        "share",
        "share of the park's operating technology-sector firms (IT and electronics, bio-medicine, smart manufacturing) that are high-tech: the firms a science park registers",
        Yearly,
    ),
    ind(
        "revenue_share",
        "share",
        "the park's share of the revenue of all parks",
        Yearly,
    ),
    ind(
        "value_added",
        "1e8 yuan/year",
        "value added of the park's firms (100 million yuan per year)",
        Yearly,
    ),
    ind("firms", "firms", "operating firms in the park", Yearly),
];

/// One row of `timeseries.csv`: `tick`, `date`, then the values of `INDICATORS` in order.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct TickRow {
    /// Tick (0-based).
    pub tick: u32,
    /// `YYYY-MM`.
    pub date: String,
    /// Values in `INDICATORS` order.
    pub values: Vec<f64>,
}

impl TickRow {
    /// Value of an indicator by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        INDICATORS
            .iter()
            .position(|i| i.name == name)
            .map(|k| self.values[k])
    }
}

/// One row of `parks.csv`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct ParkRow {
    /// Year.
    pub year: i32,
    /// Months of the year simulated.
    pub months: u32,
    /// Park name.
    pub park: String,
    /// Land area (km²).
    pub area_km2: f64,
    /// Operating firms.
    pub firms: f64,
    /// High-tech share of firms.
    pub high_tech_share: f64,
    /// High-tech share of the technology-sector firms.
    pub high_tech_share_zone: f64,
    /// Revenue over the year (亿元), annualised if the year is partial.
    pub revenue_yi: f64,
    /// Value added over the year (亿元), annualised.
    pub value_added_yi: f64,
    /// Revenue per km² (亿元/km²/year).
    pub output_per_km2: f64,
    /// Share of the revenue of all parks.
    pub revenue_share: f64,
    /// Operating start-ups.
    pub startups: f64,
    /// Mean office rent (yuan/m²/month), weighted by floor space.
    pub mean_office_rent: f64,
    /// Resident workers.
    pub residents: f64,
    /// Jobs.
    pub jobs: f64,
    /// Jobs per resident worker.
    pub jobs_housing_ratio: f64,
}

impl ParkRow {
    /// The values of [`PARK_INDICATORS`], in order.
    pub fn values(&self) -> [f64; PARK_INDICATORS.len()] {
        [
            self.output_per_km2,
            self.high_tech_share,
            self.high_tech_share_zone,
            self.revenue_share,
            self.value_added_yi,
            self.firms,
        ]
    }
}

/// One row of `regions.csv`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct RegionRow {
    /// Tick.
    pub tick: u32,
    /// `YYYY-MM`.
    pub date: String,
    /// Region name.
    pub region: String,
    /// Resident workers.
    pub residents: f64,
    /// Jobs.
    pub jobs: f64,
    /// Jobs per resident worker.
    pub jobs_housing_ratio: f64,
    /// Mean one-way commute of its residents (minutes).
    pub mean_commute_min: f64,
    /// Start-ups founded there this month.
    pub startups_born: f64,
    /// Operating start-ups there.
    pub startups_alive: f64,
    /// Mean office rent.
    pub rent_office: f64,
}

impl RegionRow {
    /// The values of [`REGION_INDICATORS`], in order.
    pub fn values(&self) -> [f64; REGION_INDICATORS.len()] {
        [
            self.residents,
            self.jobs,
            self.jobs_housing_ratio,
            self.mean_commute_min,
            self.startups_born,
            self.startups_alive,
            self.rent_office,
        ]
    }
}

/// Counters of the current tick, filled by the phases.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct TickCounters {
    /// Start-ups closed.
    pub startups_died: u64,
    /// Firms closed.
    pub firm_exits: u64,
    /// Firms moved.
    pub firms_relocated: u64,
    /// Firms that left the core.
    pub firms_left_core: u64,
    /// Firms to partner sites.
    pub firms_to_partner: u64,
    /// Start-ups founded.
    pub startups_born: u64,
    /// Start-ups founded into an incubator.
    pub startups_born_incubated: u64,
    /// Hires.
    pub hires: u64,
    /// Home moves.
    pub home_moves: u64,
    /// Retirements.
    pub retired: u64,
    /// Entrants.
    pub entrants: u64,
    /// Births per tracked region.
    pub region_births: Vec<u64>,
}

/// Accumulators of the indicators over the run.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MetricsState {
    /// This tick's counters.
    pub c: TickCounters,
    /// This tick's commute sums.
    pub commute: CommuteSums,
    /// Tracked regions (name, cells), at most 32.
    pub regions: Vec<(String, Vec<u32>)>,
    /// Per-cell bitmask of tracked regions.
    pub home_region_mask: Vec<u32>,
    /// Start-ups born per tick.
    births: Vec<u64>,
    /// Per birth tick: deaths before 12, 60 and 120 months of age.
    deaths: Vec<[u64; 3]>,
    /// Revenue this year per park (yuan).
    park_revenue: Vec<f64>,
    /// Value added this year per park (yuan).
    park_va: Vec<f64>,
    /// Months accumulated this year.
    months: u32,
}

impl MetricsState {
    /// Empty accumulators.
    pub fn new(n_parks: usize, ticks: u32) -> Self {
        MetricsState {
            c: TickCounters::default(),
            commute: CommuteSums::default(),
            regions: Vec::new(),
            home_region_mask: Vec::new(),
            births: vec![0; ticks as usize + 1],
            deaths: vec![[0; 3]; ticks as usize + 1],
            park_revenue: vec![0.0; n_parks],
            park_va: vec![0.0; n_parks],
            months: 0,
        }
    }

    /// Set the tracked regions and their per-cell mask.
    pub fn set_regions(&mut self, n_cells: usize, regions: Vec<(String, Vec<u32>)>) {
        let regions: Vec<_> = regions.into_iter().take(32).collect();
        let mut mask = vec![0u32; n_cells];
        for (r, (_, cells)) in regions.iter().enumerate() {
            for &c in cells {
                mask[c as usize] |= 1 << r;
            }
        }
        self.regions = regions;
        self.home_region_mask = mask;
    }

    /// Make room for a run of `ticks` months (a run continued from a saved state may be
    /// longer than the one that saved it); records already made are kept.
    pub fn resize_ticks(&mut self, ticks: u32) {
        let n = (ticks as usize + 1).max(self.births.len());
        self.births.resize(n, 0);
        self.deaths.resize(n, [0; 3]);
    }

    /// Whether the accumulators fit a world of `n_parks` parks at tick `tick` (for a saved
    /// state read back): the error says what does not.
    pub fn check_shape(&self, n_parks: usize, tick: u32) -> Result<(), String> {
        if self.park_revenue.len() != n_parks || self.park_va.len() != n_parks {
            return Err("the park accumulators do not match the parks".into());
        }
        if self.births.len().min(self.deaths.len()) < tick as usize + 1 {
            return Err("the start-up records are shorter than the months done".into());
        }
        Ok(())
    }

    /// Number of tracked regions.
    pub fn n_home_regions(&self) -> usize {
        self.regions.len()
    }

    /// Reset the per-tick counters.
    pub fn begin_tick(&mut self) {
        let n = self.regions.len();
        self.c = TickCounters {
            region_births: vec![0; n],
            ..Default::default()
        };
    }

    /// Record a start-up's birth.
    pub fn record_birth(&mut self, tick: usize, cell: u32, incubated: bool) {
        self.c.startups_born += 1;
        if incubated {
            self.c.startups_born_incubated += 1;
        }
        if let Some(b) = self.births.get_mut(tick) {
            *b += 1;
        }
        let mut m = self
            .home_region_mask
            .get(cell as usize)
            .copied()
            .unwrap_or(0);
        while m != 0 {
            let r = m.trailing_zeros() as usize;
            if let Some(v) = self.c.region_births.get_mut(r) {
                *v += 1;
            }
            m &= m - 1;
        }
    }

    /// Record the death of a firm born at `born_tick` at `age` months.
    pub fn record_death(&mut self, born_tick: usize, age: u32) {
        if let Some(d) = self.deaths.get_mut(born_tick) {
            for (k, h) in [12u32, 60, 120].iter().enumerate() {
                if age < *h {
                    d[k] += 1;
                }
            }
        }
    }

    /// Survival to `horizon` months among cohorts born at least `horizon` months before `now`
    /// (NaN when no cohort is old enough).
    pub fn survival(&self, horizon: usize, now: usize) -> f64 {
        let k = match horizon {
            12 => 0,
            60 => 1,
            _ => 2,
        };
        if now < horizon {
            return f64::NAN;
        }
        let last = now - horizon;
        let born: u64 = self.births[..=last.min(self.births.len() - 1)].iter().sum();
        let died: u64 = self.deaths[..=last.min(self.deaths.len() - 1)]
            .iter()
            .map(|d| d[k])
            .sum();
        if born == 0 {
            f64::NAN
        } else {
            1.0 - died as f64 / born as f64
        }
    }
}

fn weighted_rent(sim: &Simulation, u: Use, cells: &mut dyn Iterator<Item = usize>) -> f64 {
    let (mut s, mut w) = (0.0, 0.0);
    for c in cells {
        let cap = sim.world.cells.capacity[[u as usize, c]];
        s += cap * sim.world.cells.rent[[u as usize, c]];
        w += cap;
    }
    if w > 0.0 {
        s / w
    } else {
        f64::NAN
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// Compute this tick's row (and park rows when a year closes or the run ends).
pub fn record(sim: &mut Simulation) -> (TickRow, Vec<ParkRow>) {
    let w = &sim.world;
    let inv = 1.0 / w.scale;
    let yi = 1e-8 * inv;
    // Worker counts by status (integer sums: any order gives the same).
    let counts = {
        use rayon::prelude::*;
        w.workers
            .status
            .par_chunks(1 << 16)
            .map(|chunk| {
                let mut n = [0u64; 4];
                for &s in chunk {
                    n[(s as usize).min(3)] += 1;
                }
                n
            })
            .reduce(
                || [0; 4],
                |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]],
            )
    };
    let (employed, unemployed, founders) = (
        counts[status::EMPLOYED as usize],
        counts[status::UNEMPLOYED as usize],
        counts[status::FOUNDER as usize],
    );
    let n_parks = w.parks.len();
    // Counts over firms in parallel (integer sums: any order gives the same) ...
    #[derive(Clone)]
    struct Counts {
        firms: u64,
        ht: u64,
        startups: u64,
        tenants: [u64; 3],
        park: Vec<[u64; 5]>,
    }
    let zero = Counts {
        firms: 0,
        ht: 0,
        startups: 0,
        tenants: [0; 3],
        park: vec![[0; 5]; n_parks],
    };
    let counts = {
        use rayon::prelude::*;
        let f = &w.firms;
        (0..f.len())
            .into_par_iter()
            .with_min_len(1 << 14)
            .fold(
                || zero.clone(),
                |mut n, i| {
                    if f.alive(i) {
                        n.firms += 1;
                        let high = f.high_tech(i) as u64;
                        let startup = (f.kind[i] == FirmKind::Startup as u8) as u64;
                        n.ht += high;
                        n.startups += startup;
                        if f.incubator[i] != NONE {
                            let g = w.incubators.generation[f.incubator[i] as usize];
                            n.tenants[g as usize] += 1;
                        }
                        let p = w.cells.park[f.cell[i] as usize];
                        if p != crate::world::NO_PARK {
                            let q = &mut n.park[p as usize];
                            q[0] += 1;
                            q[1] += high;
                            q[2] += startup;
                            if f.sector[i] <= Sector::SmartManufacturing as u8 {
                                q[3] += 1;
                                q[4] += high;
                            }
                        }
                    }
                    n
                },
            )
            .reduce(
                || zero.clone(),
                |mut a, b| {
                    a.firms += b.firms;
                    a.ht += b.ht;
                    a.startups += b.startups;
                    for g in 0..3 {
                        a.tenants[g] += b.tenants[g];
                    }
                    for (x, y) in a.park.iter_mut().zip(&b.park) {
                        for k in 0..5 {
                            x[k] += y[k];
                        }
                    }
                    a
                },
            )
    };
    let (firms, ht, startups, tenants) = (counts.firms, counts.ht, counts.startups, counts.tenants);
    let park_firms: Vec<u64> = counts.park.iter().map(|q| q[0]).collect();
    let park_ht: Vec<u64> = counts.park.iter().map(|q| q[1]).collect();
    let park_startups: Vec<u64> = counts.park.iter().map(|q| q[2]).collect();
    let park_tech: Vec<u64> = counts.park.iter().map(|q| q[3]).collect();
    let park_tech_ht: Vec<u64> = counts.park.iter().map(|q| q[4]).collect();
    // ... and money in firm order (float sums depend on their order).
    let (mut va_parks, mut revenue, mut va) = (0.0, 0.0, 0.0);
    for i in 0..w.firms.len() {
        if !w.firms.alive(i) {
            continue;
        }
        revenue += w.firms.revenue[i] as f64;
        va += w.firms.value_added[i] as f64;
        let p = w.cells.park[w.firms.cell[i] as usize];
        if p != crate::world::NO_PARK {
            let p = p as usize;
            sim.metrics.park_revenue[p] += w.firms.revenue[i] as f64;
            sim.metrics.park_va[p] += w.firms.value_added[i] as f64;
            va_parks += w.firms.value_added[i] as f64;
        }
    }
    sim.metrics.months += 1;
    let fs: (f64, f64, f64) = sim.scratch.firm_sums[..w
        .firms
        .len()
        .div_ceil(crate::rng::CHUNK)
        .min(sim.scratch.firm_sums.len())]
        .iter()
        .fold((0.0, 0.0, 0.0), |a, s| {
            (
                a.0 + s.patents,
                a.1 + s.patents_startups,
                a.2 + s.patents_incumbents,
            )
        });
    let ss = sim
        .scratch
        .startup_sums
        .iter()
        .take(w.firms.len().div_ceil(crate::rng::CHUNK))
        .fold((0.0, 0u64), |a, s| {
            (a.0 + s.funding, a.1 + s.graduated as u64)
        });
    let seats: f64 = w.incubators.seats.iter().sum();
    let seats_used: f64 = w.incubators.used.iter().sum();
    let cm = &sim.metrics.commute;
    let median = {
        let half = cm.count.div_ceil(2);
        let mut acc = 0u64;
        let mut m = f64::NAN;
        for (b, &h) in cm.hist.iter().enumerate() {
            acc += h as u64;
            if acc >= half && cm.count > 0 {
                m = b as f64 + 0.5;
                break;
            }
        }
        m
    };
    let core: Vec<usize> = (0..w.grid.n_cells()).filter(|&c| w.cells.core[c]).collect();
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
    let patents = fs.0;
    let values = vec![
        (employed + unemployed + founders) as f64 * inv,
        employed as f64 * inv,
        unemployed as f64 * inv,
        founders as f64 * inv,
        firms as f64 * inv,
        ratio(ht as f64, firms as f64),
        startups as f64 * inv,
        c.startups_born as f64 * inv,
        c.startups_born_incubated as f64 * inv,
        c.startups_died as f64 * inv,
        ss.1 as f64 * inv,
        tenants[Generation::G1 as usize] as f64 * inv,
        tenants[Generation::G2 as usize] as f64 * inv,
        tenants[Generation::G3 as usize] as f64 * inv,
        seats,
        ratio(seats_used, seats),
        patents * inv,
        ratio(fs.1, patents),
        ratio(fs.2, patents),
        revenue * yi,
        va * yi,
        va_parks * yi,
        ss.0 * yi,
        ratio(cm.minutes, cm.count as f64),
        median,
        ratio(cm.long as f64, cm.count as f64),
        c.firms_relocated as f64 * inv,
        c.firms_left_core as f64 * inv,
        c.firms_to_partner as f64 * inv,
        c.firm_exits as f64 * inv,
        weighted_rent(sim, Use::Office, &mut core.iter().copied()),
        weighted_rent(sim, Use::Office, &mut per.iter().copied()),
        weighted_rent(sim, Use::Residential, &mut core.iter().copied()),
        weighted_rent(sim, Use::Residential, &mut per.iter().copied()),
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
    ];
    debug_assert_eq!(values.len(), INDICATORS.len());
    let date = sim.date();
    let row = TickRow {
        tick: sim.tick,
        date: date.to_string(),
        values,
    };

    let mut parks = Vec::new();
    let last = sim.tick + 1 >= sim.ticks;
    if date.month == 12 || last {
        let months = sim.metrics.months.max(1);
        let annual = 12.0 / months as f64;
        let total_rev: f64 = sim.metrics.park_revenue.iter().sum();
        for (p, area) in w.parks.iter().enumerate() {
            let cells: Vec<usize> = area.cells.iter().map(|&c| c as usize).collect();
            let km2 = area.area_km2(&w.grid);
            let rev = sim.metrics.park_revenue[p] * yi * annual;
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
                firms: park_firms[p] as f64 * inv,
                high_tech_share: ratio(park_ht[p] as f64, park_firms[p] as f64),
                high_tech_share_zone: ratio(park_tech_ht[p] as f64, park_tech[p] as f64),
                revenue_yi: rev,
                value_added_yi: sim.metrics.park_va[p] * yi * annual,
                output_per_km2: ratio(rev, km2),
                revenue_share: ratio(sim.metrics.park_revenue[p], total_rev),
                startups: park_startups[p] as f64 * inv,
                mean_office_rent: weighted_rent(sim, Use::Office, &mut cells.iter().copied()),
                residents,
                jobs,
                jobs_housing_ratio: ratio(jobs, residents),
            });
        }
        sim.metrics.park_revenue.iter_mut().for_each(|v| *v = 0.0);
        sim.metrics.park_va.iter_mut().for_each(|v| *v = 0.0);
        sim.metrics.months = 0;
    }
    (row, parks)
}

/// Rows of `regions.csv` for this tick.
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
                rent_office: weighted_rent(
                    sim,
                    Use::Office,
                    &mut cells.iter().map(|&c| c as usize),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_tables_are_consistent() {
        for table in [INDICATORS, REGION_INDICATORS, PARK_INDICATORS] {
            let mut names: Vec<&str> = table.iter().map(|i| i.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), table.len(), "duplicate indicator names");
            for i in table {
                assert!(
                    !i.unit.is_empty() && !i.description.is_empty(),
                    "{}",
                    i.name
                );
            }
        }
        // Region rows: the table follows the columns of `regions.csv`.
        let header: Vec<&str> = crate::output::REGION_HEADER[3..].to_vec();
        let names: Vec<&str> = REGION_INDICATORS.iter().map(|i| i.name).collect();
        assert_eq!(header, names);
        let r = RegionRow {
            tick: 0,
            date: String::new(),
            region: String::new(),
            residents: 1.0,
            jobs: 2.0,
            jobs_housing_ratio: 3.0,
            mean_commute_min: 4.0,
            startups_born: 5.0,
            startups_alive: 6.0,
            rent_office: 7.0,
        };
        assert_eq!(r.values(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        assert_eq!(r.values().len(), REGION_INDICATORS.len());
        assert!(PARK_INDICATORS
            .iter()
            .all(|i| i.aggregation == Aggregation::Yearly));
    }
}
