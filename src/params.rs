//! Every behavioural parameter of the model, with its documented default (the single source of defaults).
//!
//! The structs deserialise from the `[params.*]` tables of a scenario file with
//! `deny_unknown_fields`, so a misspelt key is an error, and every field is read by the
//! model (`docs/ODD.md` gives each one's source or reason). Monetary values are in yuan
//! at 2009 prices; rents are yuan per m² per month; times are months unless named
//! otherwise.

use serde::{Deserialize, Serialize};

use crate::types::{Generation, Sector, Use};

/// A value per sector, written in TOML as a table keyed by sector name.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerSector<T> {
    /// IT and electronics.
    pub it_electronics: T,
    /// Bio-medicine.
    pub bio_medicine: T,
    /// Smart manufacturing.
    pub smart_manufacturing: T,
    /// Services.
    pub services: T,
    /// E-mall trade.
    pub emall_trade: T,
}

impl<T: Copy> PerSector<T> {
    /// The value for one sector.
    #[inline]
    pub fn get(&self, s: Sector) -> T {
        match s {
            Sector::ItElectronics => self.it_electronics,
            Sector::BioMedicine => self.bio_medicine,
            Sector::SmartManufacturing => self.smart_manufacturing,
            Sector::Services => self.services,
            Sector::EmallTrade => self.emall_trade,
        }
    }
    /// The values in sector index order.
    pub fn to_array(&self) -> [T; Sector::N] {
        Sector::ALL.map(|s| self.get(s))
    }
}

/// A value per floor-space use.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerUse<T> {
    /// Housing.
    pub residential: T,
    /// Office and R&D.
    pub office: T,
    /// Commercial and services.
    pub commercial: T,
    /// Electronics malls.
    pub emall: T,
    /// Industrial.
    pub industrial: T,
    /// Maker space / incubators / co-working.
    pub maker: T,
}

impl<T: Copy> PerUse<T> {
    /// The value for one use.
    #[inline]
    pub fn get(&self, u: Use) -> T {
        match u {
            Use::Residential => self.residential,
            Use::Office => self.office,
            Use::Commercial => self.commercial,
            Use::Emall => self.emall,
            Use::Industrial => self.industrial,
            Use::Maker => self.maker,
        }
    }
    /// The values in use index order.
    pub fn to_array(&self) -> [T; Use::N] {
        Use::ALL.map(|u| self.get(u))
    }
}

/// A value per incubator generation (`gen1` = 1.0, `gen2` = 2.0, `gen3` = 3.0).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerGeneration<T> {
    /// Generation 1.0.
    pub gen1: T,
    /// Generation 2.0.
    pub gen2: T,
    /// Generation 3.0 (for tenants of its own sector; others get `gen2`).
    pub gen3: T,
}

impl<T: Copy> PerGeneration<T> {
    /// The value for one generation.
    #[inline]
    pub fn get(&self, g: Generation) -> T {
        match g {
            Generation::G1 => self.gen1,
            Generation::G2 => self.gen2,
            Generation::G3 => self.gen3,
        }
    }
}

/// All behavioural parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Labour force and demography.
    pub population: PopulationParams,
    /// Established firms: production, costs, growth, relocation, exit, innovation.
    pub firms: FirmParams,
    /// Start-ups: founding, funding, survival, stages, graduation.
    pub startups: StartupParams,
    /// Incubator services by generation.
    pub incubators: IncubatorParams,
    /// Workers: job search, moving home.
    pub workers: WorkerParams,
    /// Land market and developers.
    pub land: LandParams,
    /// Travel times and congestion.
    pub commute: CommuteParams,
    /// Knowledge spillover field.
    pub knowledge: KnowledgeParams,
}

/// Labour force and demography.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationParams {
    /// Workers (labour force) at real size (`scale = 1`). About 12 million employed in Beijing (public figure).
    pub labour_force: f64,
    /// Share of the labour force unemployed at the start.
    pub initial_unemployment: f64,
    /// Share of workers with technical skills (engineers, scientists).
    pub tech_share: f64,
    /// Share of workers with a college degree.
    pub college_share: f64,
    /// Labour-force growth per year through new entrants (in-migration), on top of replacing retirements.
    pub growth_per_year: f64,
    /// Years from the start during which the labour force grows at `growth_per_year`; it
    /// stays on the level reached afterwards (Beijing's resident population peaked in 2016 and
    /// was capped by the 2016–2035 master plan).
    pub growth_years: f64,
    /// Graduates released by the universities each July, as a share of the labour force.
    pub graduates_per_year: f64,
    /// Age of retirement (years).
    pub retirement_age: u8,
    /// Residential floor space per worker (m², including the household's share).
    pub home_m2_per_worker: f64,
    /// Tail exponent of the initial firm-size distribution (discrete Pareto; Axtell 2001 finds about 1.06).
    pub firm_size_exponent: f64,
    /// Largest initial firm (employees).
    pub firm_size_max: u32,
    /// Firms at least this large at the start are incumbents (large, often state-owned).
    pub incumbent_size: u32,
}

impl Default for PopulationParams {
    fn default() -> Self {
        Self {
            labour_force: 12_400_000.0,
            initial_unemployment: 0.04,
            tech_share: 0.25,
            college_share: 0.45,
            growth_per_year: 0.015,
            growth_years: 7.0,
            graduates_per_year: 0.012,
            retirement_age: 60,
            home_m2_per_worker: 45.0,
            firm_size_exponent: 1.05,
            firm_size_max: 20_000,
            incumbent_size: 250,
        }
    }
}

/// Established firms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirmParams {
    /// Revenue per worker per month at average productivity (yuan).
    pub revenue_per_worker: PerSector<f64>,
    /// Value added as a share of revenue.
    pub value_added_share: PerSector<f64>,
    /// Monthly wage per worker (yuan).
    pub wage: PerSector<f64>,
    /// Revenue multiplier of high-tech firms.
    pub high_tech_premium: f64,
    /// Standard deviation of log firm productivity (TFP) at birth.
    pub tfp_sigma: f64,
    /// Elasticity of productivity with respect to (1 + knowledge field).
    pub spillover_elasticity: f64,
    /// Floor space per worker (m²) by the use the firm occupies.
    pub m2_per_worker: PerUse<f64>,
    /// Share of value added that pays for capital (a normal return); the rest pays wages, rent and profit.
    pub capital_share: f64,
    /// Profit margin (profit / value added) at which a firm neither grows nor shrinks: at or
    /// above it, a firm replaces its leavers; below it, it lets them go.
    pub target_margin: f64,
    /// Monthly hires beyond replacing the firm's leavers, as a share of staff, per unit of margin
    /// above `target_margin`.
    pub growth_rate: f64,
    /// Hiring responds to labour-market slack: the hires beyond replacement are multiplied by
    /// max(0, 1 + this × (unemployment − natural unemployment)); cheaper, faster hiring when
    /// many look for work (the proportional partner of the wage index's Phillips curve).
    pub hiring_slack_gain: f64,
    /// Monthly staff cut as a share of staff when the margin is negative, per unit of margin.
    pub shrink_rate: f64,
    /// Cash reserve at the start, in months of value added.
    pub initial_cash_months: f64,
    /// A firm exits when its cash falls below minus this many months of its wage and rent bill.
    pub exit_debt_months: f64,
    /// Baseline monthly exit hazard of SMEs (other causes).
    pub base_exit_hazard: f64,
    /// Monthly chance that a member of the labour force sets up an ordinary firm (an SME that
    /// is not an innovation start-up; docs/ODD.md §7.6).
    pub entry_rate: f64,
    /// Rent burden (rent / value added) above which relocation becomes likely.
    pub relocation_threshold: f64,
    /// Steepness of the logistic relocation probability in the rent burden.
    pub relocation_slope: f64,
    /// Largest monthly relocation probability.
    pub relocation_max: f64,
    /// Monthly relocation probability for other reasons (lease ends).
    pub relocation_base: f64,
    /// Extra monthly relocation probability of a firm that could not get space to grow.
    pub relocation_space_constrained: f64,
    /// Nominal growth of revenue per worker per year (technical progress and prices).
    pub productivity_growth: f64,
    /// Candidate cells sampled in a location choice.
    pub location_candidates: u32,
    /// Location-choice utility weight on ln(1 + knowledge field) (agglomeration).
    pub beta_knowledge: f64,
    /// Location-choice utility weight on ln(rent).
    pub beta_rent: f64,
    /// Location-choice utility weight per km moved (move cost, keeping staff).
    pub beta_distance: f64,
    /// Location-choice utility weight on ln(1 + jobs nearby) (labour pool, services).
    pub beta_jobs: f64,
    /// Patents (innovation output units) per worker per month.
    pub innovation_rate: PerSector<f64>,
    /// Innovation multiplier of incumbents (in-house R&D labs): the article's "over 70% of innovators are large or state-owned".
    pub incumbent_innovation: f64,
    /// Elasticity of innovation with respect to (1 + knowledge field).
    pub innovation_spillover: f64,
}

impl Default for FirmParams {
    fn default() -> Self {
        Self {
            revenue_per_worker: PerSector {
                it_electronics: 95_000.0,
                bio_medicine: 85_000.0,
                smart_manufacturing: 110_000.0,
                services: 30_000.0,
                emall_trade: 120_000.0,
            },
            value_added_share: PerSector {
                it_electronics: 0.24,
                bio_medicine: 0.26,
                smart_manufacturing: 0.16,
                services: 0.42,
                emall_trade: 0.08,
            },
            wage: PerSector {
                it_electronics: 11_000.0,
                bio_medicine: 10_000.0,
                smart_manufacturing: 8_000.0,
                services: 6_500.0,
                emall_trade: 6_000.0,
            },
            high_tech_premium: 1.3,
            tfp_sigma: 0.25,
            spillover_elasticity: 0.08,
            m2_per_worker: PerUse {
                residential: 0.0,
                office: 18.0,
                commercial: 16.0,
                emall: 14.0,
                industrial: 45.0,
                maker: 8.0,
            },
            capital_share: 0.2,
            target_margin: 0.05,
            growth_rate: 0.015,
            hiring_slack_gain: 10.0,
            shrink_rate: 0.04,
            initial_cash_months: 6.0,
            exit_debt_months: 3.0,
            base_exit_hazard: 0.002,
            entry_rate: 0.003,
            relocation_threshold: 0.35,
            relocation_slope: 10.0,
            relocation_max: 0.04,
            relocation_base: 0.001,
            relocation_space_constrained: 0.05,
            productivity_growth: 0.093,
            location_candidates: 12,
            beta_knowledge: 0.6,
            beta_rent: 1.5,
            beta_distance: 0.04,
            beta_jobs: 0.3,
            innovation_rate: PerSector {
                it_electronics: 0.002,
                bio_medicine: 0.003,
                smart_manufacturing: 0.0015,
                services: 0.0001,
                emall_trade: 0.0,
            },
            incumbent_innovation: 2.0,
            innovation_spillover: 0.4,
        }
    }
}

/// Start-ups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StartupParams {
    /// Monthly probability that a tech-skilled worker founds a start-up, at average talent and a
    /// knowledge field of 0 (the rate rises with ln(1 + knowledge)).
    pub found_rate_tech: f64,
    /// Monthly probability that another worker founds a (usually service) firm.
    pub found_rate_other: f64,
    /// Elasticity of the cell's founding rate to its tech talent (a in rate ∝ talent^a; per-worker rate ∝ talent^(a−1)).
    pub talent_elasticity: f64,
    /// Founding-rate gain per unit of ln(1 + knowledge field) (s in the birth rate).
    pub spillover_gain: f64,
    /// Founding multiplier for workers aged 18–29, 30–44 and 45+.
    pub age_multiplier: [f64; 3],
    /// Founding multiplier for college graduates.
    pub college_multiplier: f64,
    /// Founding-rate gain where an incubator with free seats is within reach or maker space is
    /// free in the cell: the rate is multiplied by 1 + gain × min(incubator + maker space, 1.5).
    pub incubator_access_gain: f64,
    /// Founding-rate gain per unit of rent-subsidy share for start-ups or makers in the cell.
    pub subsidy_founding_gain: f64,
    /// Founder's own money, in months of the start-up's initial costs (lower bound, upper bound; uniform).
    pub founder_cash_months: [f64; 2],
    /// Median start-up productivity relative to an average firm of its sector, at maturity.
    pub quality_median: f64,
    /// Standard deviation of log start-up quality.
    pub quality_sigma: f64,
    /// Months until a start-up's revenue reaches its mature level (linear ramp).
    pub revenue_ramp_months: f64,
    /// Monthly probability of the next funding round, for Idea→Seed, Seed→A (Startup), A→B (Growth).
    pub funding_rate: [f64; 3],
    /// Round sizes (yuan at 2009 prices, indexed to the productivity index) for seed, A and B.
    pub round_size: [f64; 3],
    /// Staff target after each round (seed, A, B).
    pub staff_after_round: [f64; 3],
    /// Gain of the funding rate per unit of ln(1 + knowledge field): investors concentrate where knowledge is.
    pub investor_gain: f64,
    /// Monthly hazard of giving up for non-financial reasons (founder leaves, idea fails).
    pub base_hazard: f64,
    /// A start-up of this many employees or more is in the growth stage and graduates from its incubator.
    pub graduation_size: u32,
    /// Age (months) after which a start-up in the growth stage with positive cash becomes an SME.
    pub industrialisation_age: u32,
    /// Share of tech founders' start-ups that are high-tech.
    pub high_tech_share_tech: f64,
    /// Sector mix of tech founders' start-ups (weights).
    pub tech_sector_mix: PerSector<f64>,
    /// Candidate places a founder weighs (home cell, incubators, market cells).
    pub location_candidates: u32,
}

impl Default for StartupParams {
    fn default() -> Self {
        Self {
            found_rate_tech: 0.0006,
            found_rate_other: 0.0005,
            talent_elasticity: 1.3,
            spillover_gain: 0.5,
            age_multiplier: [0.9, 1.3, 0.5],
            college_multiplier: 1.4,
            incubator_access_gain: 0.3,
            subsidy_founding_gain: 0.5,
            founder_cash_months: [4.0, 24.0],
            quality_median: 0.8,
            quality_sigma: 0.6,
            revenue_ramp_months: 30.0,
            funding_rate: [0.05, 0.025, 0.015],
            round_size: [1_500_000.0, 10_000_000.0, 50_000_000.0],
            staff_after_round: [4.0, 12.0, 30.0],
            investor_gain: 0.5,
            base_hazard: 0.004,
            graduation_size: 20,
            industrialisation_age: 84,
            high_tech_share_tech: 0.8,
            tech_sector_mix: PerSector {
                it_electronics: 0.55,
                bio_medicine: 0.12,
                smart_manufacturing: 0.18,
                services: 0.15,
                emall_trade: 0.0,
            },
            location_candidates: 8,
        }
    }
}

/// Incubator services by generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncubatorParams {
    /// Share of rent waived for tenants.
    pub rent_discount: PerGeneration<f64>,
    /// Share of a tenant's monthly burn saved through shared services.
    pub burn_reduction: PerGeneration<f64>,
    /// Multiplier of the tenant's funding rate (investor access).
    pub funding_multiplier: PerGeneration<f64>,
    /// Multiplier of the tenant's non-financial hazard (mentoring, labs, pilot lines).
    pub hazard_multiplier: PerGeneration<f64>,
    /// Multiplier of the tenant's innovation output and revenue ramp speed.
    pub innovation_multiplier: PerGeneration<f64>,
    /// Longest stay in an incubator (months).
    pub max_stay_months: u32,
    /// Distance (km) within which a founder considers an incubator.
    pub reach_km: f64,
    /// Floor space per incubator seat (m²).
    pub m2_per_seat: f64,
}

impl Default for IncubatorParams {
    fn default() -> Self {
        Self {
            rent_discount: PerGeneration {
                gen1: 0.3,
                gen2: 0.4,
                gen3: 0.4,
            },
            burn_reduction: PerGeneration {
                gen1: 0.0,
                gen2: 0.15,
                gen3: 0.25,
            },
            funding_multiplier: PerGeneration {
                gen1: 1.0,
                gen2: 1.5,
                gen3: 2.5,
            },
            hazard_multiplier: PerGeneration {
                gen1: 1.0,
                gen2: 0.8,
                gen3: 0.55,
            },
            innovation_multiplier: PerGeneration {
                gen1: 1.0,
                gen2: 1.15,
                gen3: 1.8,
            },
            max_stay_months: 36,
            reach_km: 6.0,
            m2_per_seat: 40.0,
        }
    }
}

/// Workers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerParams {
    /// Monthly probability that an employed worker looks for another job.
    pub on_the_job_search: f64,
    /// Extra on-the-job search probability per hour of one-way commute above 45 minutes.
    pub commute_search_gain: f64,
    /// Vacancies a job seeker samples.
    pub job_candidates: u32,
    /// Search radius of the gravity sampling of vacancies and homes: a zone's weight is
    /// its vacancies (or free homes) × exp(−minutes / this).
    pub search_decay_min: f64,
    /// Job-choice utility weight on ln(wage).
    pub beta_wage: f64,
    /// Job- and home-choice utility weight per minute of one-way commute.
    pub beta_commute: f64,
    /// Monthly probability of moving home for ordinary reasons.
    pub move_rate: f64,
    /// Extra monthly moving probability per hour of one-way commute above 45 minutes.
    pub move_commute_gain: f64,
    /// Homes a mover samples.
    pub home_candidates: u32,
    /// Home-choice utility weight on the share of income spent on rent.
    pub beta_home_rent: f64,
    /// A worker accepts a new job only if its utility beats the current one by this margin.
    pub switch_margin: f64,
    /// Unemployment rate at which wages grow with productivity only.
    pub natural_unemployment: f64,
    /// Monthly wage-index change per unit of (natural − actual) unemployment rate, as a fraction
    /// (e.g. 0.02 × 0.05 = +0.1% a month when unemployment is 5 points below the natural rate).
    pub wage_flexibility: f64,
}

impl Default for WorkerParams {
    fn default() -> Self {
        Self {
            on_the_job_search: 0.01,
            commute_search_gain: 0.02,
            job_candidates: 8,
            search_decay_min: 20.0,
            beta_wage: 1.0,
            beta_commute: 0.06,
            move_rate: 0.005,
            move_commute_gain: 0.015,
            home_candidates: 10,
            beta_home_rent: 2.0,
            switch_margin: 0.1,
            natural_unemployment: 0.04,
            wage_flexibility: 0.02,
        }
    }
}

/// Land market and developers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LandParams {
    /// Occupancy at which rents are stable.
    pub target_occupancy: f64,
    /// Elasticity of the monthly rent change to (demand / (supply × target occupancy)).
    pub rent_elasticity: f64,
    /// Largest monthly rent rise.
    pub max_rise: f64,
    /// Largest monthly rent fall.
    pub max_fall: f64,
    /// Rent floor per use (collective / agricultural land rent), at 2009 prices (indexed to
    /// the productivity index, i.e. nominal prices).
    pub rent_floor: PerUse<f64>,
    /// Rent at which building new floor space pays (construction cost as a monthly rent), at
    /// 2009 prices (indexed like `rent_floor`).
    pub build_cost_rent: PerUse<f64>,
    /// Monthly floor-space growth rate per unit of (rent / build cost − 1), as a share of the cell's land.
    pub development_rate: f64,
    /// Largest floor-area ratio developers may reach (whole cell).
    pub max_far: f64,
    /// Starting rents in the Zhongguancun core by use (they fall with distance from the centres).
    pub core_rent: PerUse<f64>,
    /// Share of a relocating or founding firm's rejected demand that counts as excess demand in the cell.
    pub unmet_demand_weight: f64,
}

impl Default for LandParams {
    fn default() -> Self {
        Self {
            target_occupancy: 0.95,
            rent_elasticity: 0.2,
            max_rise: 0.01,
            max_fall: 0.01,
            rent_floor: PerUse {
                residential: 10.0,
                office: 25.0,
                commercial: 20.0,
                emall: 30.0,
                industrial: 8.0,
                maker: 15.0,
            },
            build_cost_rent: PerUse {
                residential: 35.0,
                office: 60.0,
                commercial: 60.0,
                emall: 1e9,
                industrial: 20.0,
                maker: 50.0,
            },
            development_rate: 0.002,
            max_far: 2.5,
            core_rent: PerUse {
                residential: 70.0,
                office: 200.0,
                commercial: 220.0,
                emall: 330.0,
                industrial: 60.0,
                maker: 120.0,
            },
            unmet_demand_weight: 0.3,
        }
    }
}

/// Travel times and congestion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommuteParams {
    /// Side of a travel-time zone in grid cells (zones are the matrix's rows and columns).
    pub zone_cells: u32,
    /// Door-to-door street speed in the dense centre (km/h).
    pub street_speed_core: f64,
    /// Door-to-door street speed at the edge of the city (km/h).
    pub street_speed_outer: f64,
    /// Speed on ring roads and expressways (km/h).
    pub expressway_speed: f64,
    /// Speed along rail corridors, stops included (km/h).
    pub rail_speed: f64,
    /// Minutes added to every trip (walking to and from the vehicle, parking).
    pub terminal_minutes: f64,
    /// Minutes to board and leave a rail line (walk to the platform, wait, exit); paid once per line used.
    pub rail_access_minutes: f64,
    /// Minutes to get on and off an expressway.
    pub expressway_access_minutes: f64,
    /// BPR congestion α.
    pub bpr_alpha: f64,
    /// BPR congestion β.
    pub bpr_beta: f64,
    /// Commuters a zone's streets carry per km² before congestion bites (at real size).
    pub zone_capacity_per_km2: f64,
    /// Extra commuters a zone carries for each expressway or rail corridor through it (real size).
    pub link_capacity: f64,
    /// Largest congestion multiplier.
    pub max_congestion: f64,
    /// Yearly growth of every zone's commuter capacity (new metro lines and roads; Beijing's
    /// metro grew from about 230 km in 2009 to about 700 km in 2019).
    pub capacity_growth_per_year: f64,
    /// A one-way commute longer than this many minutes counts as long.
    pub long_commute_min: f64,
}

impl Default for CommuteParams {
    fn default() -> Self {
        Self {
            zone_cells: 5,
            street_speed_core: 14.0,
            street_speed_outer: 30.0,
            expressway_speed: 40.0,
            rail_speed: 38.0,
            terminal_minutes: 8.0,
            rail_access_minutes: 12.0,
            expressway_access_minutes: 3.0,
            bpr_alpha: 0.15,
            bpr_beta: 4.0,
            zone_capacity_per_km2: 6_000.0,
            link_capacity: 60_000.0,
            max_congestion: 2.5,
            capacity_growth_per_year: 0.01,
            long_commute_min: 60.0,
        }
    }
}

/// Knowledge spillover field F_i = Σ_j w_j·exp(−d_ij / decay_km).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeParams {
    /// Distance decay length (km); Arzaghi & Henderson find spillovers fading within about a km.
    pub decay_km: f64,
    /// The kernel is cut at this many decay lengths.
    pub cutoff_decays: f64,
    /// Knowledge weight of a university or institute, in patent-stock equivalents at real size.
    pub university_weight: f64,
    /// Monthly depreciation of firms' knowledge stocks.
    pub depreciation: f64,
    /// Weight of a worker employed in a high-tech firm (tacit knowledge), in patent-stock equivalents.
    pub worker_weight: f64,
}

impl Default for KnowledgeParams {
    fn default() -> Self {
        Self {
            decay_km: 1.2,
            cutoff_decays: 3.0,
            university_weight: 20_000.0,
            depreciation: 0.01,
            worker_weight: 0.05,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let p = Params::default();
        let text = toml::to_string(&p).expect("serialise");
        let back: Params = toml::from_str(&text).expect("parse");
        assert_eq!(p, back);
    }

    #[test]
    fn unknown_key_is_rejected() {
        let err = toml::from_str::<Params>("[firms]\ngrowth_rat = 0.1\n").unwrap_err();
        assert!(err.to_string().contains("growth_rat"), "{err}");
    }
}
