//! The indicator catalogue: every column of `timeseries.csv`, `regions.csv` and `parks.csv`
//! with its unit, meaning and aggregation over time and replicates. Data only; the recording
//! that fills the columns is `tick::record`.

use serde::Serialize;

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
        "value_added_parks_high_tech",
        "1e8 yuan/month",
        "value added of the high-tech firms in the science parks (100 million yuan per month; the counterpart of Zhongguancun's statistics, which cover the zone's high-tech enterprises)",
        Flow,
    ),
    ind(
        "jobs_parks_high_tech",
        "workers",
        "employees of the high-tech firms in the science parks",
        Level,
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
        "firm_entries",
        "firms/month",
        "ordinary firms set up (start-ups are counted in startups_born)",
        Flow,
    ),
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
    ind(
        "rent_gradient_office",
        "1/km",
        "slope of ln(office rent) on the distance (km) from the core's centroid, over cells with office floor space: an Alonso gradient, negative when rents fall outward",
        Mean,
    ),
    ind(
        "rent_gradient_residential",
        "1/km",
        "slope of ln(residential rent) on the distance (km) from the core's centroid, over cells with residential floor space",
        Mean,
    ),
    ind(
        "mean_commute_km",
        "km",
        "mean straight-line distance between home and work of workers with a job or a start-up, in December and the last month",
        Yearly,
    ),
    ind(
        "share_commute_over_25km",
        "share",
        "share of workers with a job or a start-up living more than 25 km (straight line) from work, in December and the last month",
        Yearly,
    ),
    ind(
        "firm_size_zipf",
        "exponent",
        "Zipf exponent of operating firms' sizes (employees): the upper tail's CCDF exponent, α − 1 of a discrete power law fitted by maximum likelihood above x_min (Clauset–Shalizi–Newman); in December and the last month",
        Yearly,
    ),
    ind(
        "firm_size_zipf_xmin",
        "employees",
        "lower bound x_min of the firm-size tail fitted for `firm_size_zipf` (the bound whose fit has the smallest KS distance)",
        Yearly,
    ),
    ind(
        "firm_size_zipf_ks",
        "distance",
        "Kolmogorov–Smirnov distance between the firm-size tail and its fitted power law",
        Yearly,
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
