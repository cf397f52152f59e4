//! Indicators: the catalogue (`catalogue.rs`), the per-tick, per-park and per-region rows, and
//! the counters and accumulators the phases fill. Data and bookkeeping only: nothing here
//! reads the simulation; `tick::record` computes the rows from it.

pub mod catalogue;

pub use catalogue::*;

use serde::Serialize;

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
    /// Ordinary firms set up (not start-ups).
    #[serde(default)]
    pub firm_entries: u64,
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
    /// Workers who left an operating employer of their own accord this month (another job,
    /// retirement, a start-up or a firm of their own; not lay-offs or closures).
    pub quits: u64,
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

    /// Add one month of firm money in park `p` (revenue and value added, yuan).
    pub fn add_park_money(&mut self, p: usize, revenue: f64, value_added: f64) {
        self.park_revenue[p] += revenue;
        self.park_va[p] += value_added;
    }

    /// One more month in the current year's park accumulators.
    pub fn add_month(&mut self) {
        self.months += 1;
    }

    /// The park accumulators of the year so far: months, revenue and value added per park.
    pub fn park_year(&self) -> (u32, &[f64], &[f64]) {
        (self.months, &self.park_revenue, &self.park_va)
    }

    /// Start a new year in the park accumulators.
    pub fn close_park_year(&mut self) {
        self.park_revenue.iter_mut().for_each(|v| *v = 0.0);
        self.park_va.iter_mut().for_each(|v| *v = 0.0);
        self.months = 0;
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

/// Per-chunk sums of the commute phase.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CommuteSums {
    /// Sum of minutes.
    pub minutes: f64,
    /// Commuters.
    pub count: u64,
    /// Commutes longer than the long-commute threshold.
    pub long: u64,
    /// Histogram of whole minutes.
    pub hist: Vec<u32>,
    /// Workers per home zone.
    pub outflow: Vec<u32>,
    /// Workers per work zone.
    pub inflow: Vec<u32>,
    /// Per tracked region (by home cell): minutes and commuters.
    pub region_minutes: Vec<f64>,
    /// Per tracked region: commuters.
    pub region_count: Vec<u64>,
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
