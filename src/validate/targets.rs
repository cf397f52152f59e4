//! The validation targets, in table order: the calibration targets (the spatial and dynamic
//! patterns the parameters were chosen to meet) and the holdout targets (figures never used
//! to choose a parameter). Each says what it measures, its source, its observed figure and
//! its band with the reason; docs/ODD.md §8 documents them.

use super::{Observations, Scale, Scenario, Split, Target, PARK_YEAR, ZGC_VALUE_ADDED};

fn opk(o: &dyn Observations, park: &str) -> f64 {
    o.get(&format!("park:{park}/output_per_km2"), PARK_YEAR)
}

/// A park's high-tech share, the mean of the years around [`PARK_YEAR`] (2009–2011): the
/// outer parks hold only a few firm agents at scale 0.01, so one year's share is granular.
fn ht(o: &dyn Observations, park: &str) -> f64 {
    mean_over(
        o,
        &format!("park:{park}/high_tech_share_zone"),
        PARK_YEAR - 1..=PARK_YEAR + 1,
    )
}

fn inner(o: &dyn Observations) -> f64 {
    0.5 * (opk(o, "changping") + opk(o, "electronic_city"))
}

fn last_year(o: &dyn Observations) -> i32 {
    o.years().last().copied().unwrap_or(0)
}

fn first_year(o: &dyn Observations) -> i32 {
    o.years().first().copied().unwrap_or(0)
}

/// Mean of a key's yearly values over `years` (finite ones only).
fn mean_over(o: &dyn Observations, key: &str, years: impl Iterator<Item = i32>) -> f64 {
    let (s, n) = years
        .map(|y| o.get(key, y))
        .filter(|v| v.is_finite())
        .fold((0.0, 0), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

/// Factor of issue 17's band for ratios and levels: `[x / FACTOR, x · FACTOR]`.
const FACTOR: f64 = 1.5;

/// The band within [`FACTOR`] of `x`, as `(lo, hi)`.
fn within_factor(x: f64) -> (f64, f64) {
    (x / FACTOR, x * FACTOR)
}

/// The band of a growth or rise `ratio`: its excess over 1 within ±1/3 of itself.
fn rise_band(ratio: f64) -> (f64, f64) {
    (
        1.0 + (ratio - 1.0) * 2.0 / 3.0,
        1.0 + (ratio - 1.0) * 4.0 / 3.0,
    )
}

/// Why the output-per-km² ratios have a [`FACTOR`] band.
const RATIO_BAND: &str = "within a factor of 1.5 of the article's ratio (issue 17; it was 3 until the park job centres of docs/ODD.md §5.2 were recalibrated): single-year rounded figures for 2006 and stylised park boundaries";
const HT_HIGH: &str = "the article's bound (above 70%) as stated";
const HT_LOW: &str = "the article's range (20–40%) as stated";
const SURVIVAL: &str =
    "±10 points: the public figure is a cross-country rule of thumb (5 and 10 years)";
/// Why first-year survival has a ±5-point band (issue 17: tighter bands).
const SURVIVAL_1Y: &str =
    "±5 points: first-year survival ranges about 75–85% across OECD economies";

/// The validation targets, in table order: calibration, then holdout.
pub fn targets() -> Vec<Target> {
    let mut t = spatial_targets();
    t.extend(dynamic_targets());
    t.extend(holdout_targets());
    t
}

/// The spatial patterns: output per km² falling outward, high-tech shares by park, Haidian's
/// share of revenue.
fn spatial_targets() -> Vec<Target> {
    let high = |id, park: &'static str| Target {
        id,
        pattern: "P2",
        what: "high-tech share of the park's technology firms (mean 2009–2011)",
        source: "article (2007): above 70% in Haidian, Changping, Fengtai",
        observed: "> 0.70",
        observed_value: None,
        lo: 0.70,
        hi: 1.0,
        band_reason: HT_HIGH,
        scenario: Scenario::Baseline,
        split: Split::Calibration,
        scale: Scale::Linear,
        compute: match park {
            "haidian" => |o| ht(o, "haidian"),
            "changping" => |o| ht(o, "changping"),
            _ => |o| ht(o, "fengtai"),
        },
    };
    let low = |id, park: &'static str| Target {
        id,
        pattern: "P2",
        what: "high-tech share of the park's technology firms (mean 2009–2011)",
        source: "article (2007): 20–40% in Tongzhou, Daxing bio-medicine base, Shijingshan",
        observed: "0.20–0.40",
        observed_value: Some(0.30),
        lo: 0.20,
        hi: 0.40,
        band_reason: HT_LOW,
        scenario: Scenario::Baseline,
        split: Split::Calibration,
        scale: Scale::Linear,
        compute: match park {
            "tongzhou" => |o| ht(o, "tongzhou"),
            "daxing_biomedicine" => |o| ht(o, "daxing_biomedicine"),
            _ => |o| ht(o, "shijingshan"),
        },
    };
    vec![
        Target {
            id: "output_ratio_inner",
            pattern: "P1",
            what: "output/km² of Changping and Electronic City (mean) ÷ Haidian (2010)",
            source: "article (2006): 40 : 111 亿元/km²",
            observed: "0.360",
            observed_value: Some(40.0 / 111.0),
            lo: within_factor(40.0 / 111.0).0,
            hi: within_factor(40.0 / 111.0).1,
            band_reason: RATIO_BAND,
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| inner(o) / opk(o, "haidian"),
        },
        Target {
            id: "output_ratio_tongzhou",
            pattern: "P1",
            what: "output/km² of Tongzhou ÷ Haidian (2010)",
            source: "article (2006): 1 : 111",
            observed: "0.0090",
            observed_value: Some(1.0 / 111.0),
            lo: within_factor(1.0 / 111.0).0,
            hi: within_factor(1.0 / 111.0).1,
            band_reason: RATIO_BAND,
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| opk(o, "tongzhou") / opk(o, "haidian"),
        },
        Target {
            id: "output_ratio_daxing",
            pattern: "P1",
            what: "output/km² of the Daxing bio-medicine base ÷ Haidian (2010)",
            source: "article (2006): 0.2 : 111",
            observed: "0.0018",
            observed_value: Some(0.2 / 111.0),
            lo: within_factor(0.2 / 111.0).0,
            hi: within_factor(0.2 / 111.0).1,
            band_reason: RATIO_BAND,
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| opk(o, "daxing_biomedicine") / opk(o, "haidian"),
        },
        Target {
            id: "output_gradient_ordered",
            pattern: "P1",
            what: "share of replicates with Haidian > Changping/EC > Tongzhou > Daxing in output/km² (2010)",
            source: "article (2006): falling outward from Haidian",
            observed: "1",
            observed_value: None,
            lo: 0.9,
            hi: 1.0,
            band_reason: "the order holds in at least 9 of 10 replicates",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| {
                let (h, i, t, d) = (
                    opk(o, "haidian"),
                    inner(o),
                    opk(o, "tongzhou"),
                    opk(o, "daxing_biomedicine"),
                );
                if [h, i, t, d].iter().any(|v| !v.is_finite()) {
                    f64::NAN
                } else {
                    (h > i && i > t && t > d) as u8 as f64
                }
            },
        },
        high("high_tech_share_haidian", "haidian"),
        high("high_tech_share_changping", "changping"),
        high("high_tech_share_fengtai", "fengtai"),
        low("high_tech_share_tongzhou", "tongzhou"),
        low("high_tech_share_daxing", "daxing_biomedicine"),
        low("high_tech_share_shijingshan", "shijingshan"),
        Target {
            id: "revenue_share_haidian",
            pattern: "P3",
            what: "Haidian park's share of the revenue of all parks (2010)",
            source: "article: close to 50%",
            observed: "≈ 0.50",
            observed_value: Some(0.5),
            lo: 0.40,
            hi: 0.60,
            band_reason: "\"close to 50%\" read as ±10 points",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| o.get("park:haidian/revenue_share", PARK_YEAR),
        },
    ]
}

/// The dynamic patterns: survival, commutes and jobs–housing in Huilongguan, core rents and
/// firms leaving the core, Innovation Street's start-ups, value-added growth.
fn dynamic_targets() -> Vec<Target> {
    vec![
        Target {
            id: "survival_1y",
            pattern: "P7",
            what: "start-ups alive 12 months after birth (cohorts pooled, final year)",
            source: "DOMAIN.md public figure: about 80%",
            observed: "0.80",
            observed_value: Some(0.80),
            lo: 0.75,
            hi: 0.85,
            band_reason: SURVIVAL_1Y,
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| o.get("survival_1y", last_year(o)),
        },
        Target {
            id: "survival_5y",
            pattern: "P7",
            what: "start-ups alive 60 months after birth (cohorts pooled, final year)",
            source: "DOMAIN.md public figure: about 50%",
            observed: "0.50",
            observed_value: Some(0.50),
            lo: 0.40,
            hi: 0.60,
            band_reason: SURVIVAL,
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| o.get("survival_5y", last_year(o)),
        },
        Target {
            id: "survival_10y",
            pattern: "P7",
            what: "start-ups alive 120 months after birth (cohorts pooled, final year)",
            source: "DOMAIN.md public figure: about 35%",
            observed: "0.35",
            observed_value: Some(0.35),
            lo: 0.25,
            hi: 0.45,
            band_reason: SURVIVAL,
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| o.get("survival_10y", last_year(o)),
        },
        Target {
            id: "huilongguan_commute_ratio",
            pattern: "P6",
            what: "lowest yearly ratio of Huilongguan residents' mean commute to the city mean",
            source: "article: a \"sleeping city\" whose workers commute to Wudaokou and Shangdi in a daily tide",
            observed: "> 1 (longer)",
            observed_value: None,
            lo: 1.0,
            hi: f64::INFINITY,
            band_reason: "longer than the city mean in every year of the run",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| {
                o.years()
                    .into_iter()
                    .map(|y| o.get("huilongguan_commute_min", y) / o.get("mean_commute_min", y))
                    .fold(f64::INFINITY, |a, v| if v.is_nan() { f64::NAN } else { a.min(v) })
            },
        },
        Target {
            id: "huilongguan_jobs_housing",
            pattern: "P6",
            what: "jobs per resident worker in Huilongguan (mean over the run)",
            source: "article: a residential \"sleeping city\" of ~400,000 tech workers, few jobs",
            observed: "low (city ≈ 1)",
            observed_value: None,
            lo: 0.0,
            hi: 0.5,
            band_reason: "at most half a job per resident worker, where the city as a whole has about one",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| mean_over(o, "huilongguan_jobs_housing", o.years().into_iter()),
        },
        Target {
            id: "core_rent_growth_ratio",
            pattern: "P4",
            what: "growth of core office rent ÷ growth of peripheral office rent (first to last year)",
            source: "article: core land prices rise faster than the periphery",
            observed: "> 1",
            observed_value: None,
            lo: 1.0,
            hi: f64::INFINITY,
            band_reason: "core rents grow faster than peripheral ones",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Linear,
            compute: |o| {
                let (a, b) = (first_year(o), last_year(o));
                (o.get("rent_office_core", b) / o.get("rent_office_core", a))
                    / (o.get("rent_office_periphery", b) / o.get("rent_office_periphery", a))
            },
        },
        Target {
            id: "firms_left_core",
            pattern: "P4",
            what: "firms moving out of the innovation core per year (real scale, mean over the run)",
            source: "article: high rents push some firms out of the core",
            observed: "> 0",
            observed_value: None,
            lo: 100.0,
            hi: f64::INFINITY,
            band_reason: "a steady outflow: at least 100 real firms a year (one agent at scale 0.01)",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| mean_over(o, "firms_left_core", o.years().into_iter()),
        },
        Target {
            id: "innovation_street_startups_per_day",
            pattern: "policy",
            what: "start-ups founded at Innovation Street per day, real scale, 2015–2017 (e-mall conversion scenario)",
            source: "article: about 1.6 start-ups incubated a day",
            observed: "1.6",
            observed_value: Some(1.6),
            lo: 0.8,
            hi: 3.2,
            band_reason: "within a factor of 2: a single promotional figure, and at scale 0.01 each agent born there stands for 100 start-ups",
            scenario: Scenario::Emall,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| mean_over(o, "startups_born_innovation_street", 2015..=2017) / 365.0,
        },
        Target {
            id: "firm_stock_growth_2009_2019",
            pattern: "firms",
            what: "firms operating in December 2019 ÷ in December 2009 (start-ups included)",
            source: "Beijing's employment grew over 2009–2019 (DOMAIN.md: about 12 million employed in 2015; the model's labour-force path, §8.2) and firm-size distributions are stationary (Axtell 2001, Science 293: 1818–1820), so the firm stock grows with employment",
            observed: "≈ employment growth (> 1)",
            observed_value: None,
            lo: FIRM_STOCK_GROWTH.0,
            hi: FIRM_STOCK_GROWTH.1,
            band_reason: "the stock does not fall; the upper end leaves room for the registration boom after China's 2014 business-registration reform",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| o.get("firms", 2019) / o.get("firms", 2009),
        },
        Target {
            id: "value_added_growth_2010_2014",
            pattern: "VA",
            what: "growth of the parks' value added (nominal, as the model's price index) 2014 ÷ 2010",
            source: "DOMAIN.md (article): 2,615 → 4,954 亿元",
            observed: "1.894",
            observed_value: Some(ZGC_VALUE_ADDED.1 / ZGC_VALUE_ADDED.0),
            lo: rise_band(ZGC_VALUE_ADDED.1 / ZGC_VALUE_ADDED.0).0,
            hi: rise_band(ZGC_VALUE_ADDED.1 / ZGC_VALUE_ADDED.0).1,
            band_reason: "the observed growth (+89%) within ±1/3 of itself",
            scenario: Scenario::Baseline,
            split: Split::Calibration,
            scale: Scale::Log,
            compute: |o| {
                o.get("value_added_parks", 2014) / o.get("value_added_parks", 2010)
            },
        },
    ]
}

/// Straight-line distance over route distance of urban commutes: the observed commute
/// distance is a route length, the model's a straight line between cell centres. Urban road
/// networks have circuity factors of about 1.2–1.4 (Ballou, Rahardja & Sakai 2002,
/// Transportation Research A 36: 843–848; Levinson & El-Geneidy 2009, Regional Science and
/// Urban Economics 39: 732–738); 1.3 is the middle.
pub const CIRCUITY: f64 = 1.3;

/// Beijing's mean commute distance (km, route), China Daily 2017.
pub const BEIJING_COMMUTE_KM: f64 = 18.6;

/// Zhongguancun's value added in 2016 as a share of Beijing's GDP (625.41 bn yuan, 25.1 %;
/// Zhongguancun administrative committee figures reported in 2017).
pub const ZGC_GDP_SHARE_2016: f64 = 0.251;

/// Zhongguancun's value added as a share of Beijing's GDP in 2010 and 2014 (the article).
pub const ZGC_GDP_SHARE: (f64, f64) = (0.185, 0.232);

/// Zhongguancun's employees in the mid-2010s (DOMAIN.md, public figures: about 2 million).
pub const ZGC_JOBS_MID_2010S: f64 = 2.0e6;

/// Band of the firm stock's growth 2009–2019: it does not fall, and grows at most by half.
const FIRM_STOCK_GROWTH: (f64, f64) = (1.0, 1.5);

/// Yearly firm entry rates across industrial, transition and emerging economies: about
/// 5–20 % of the firm stock (Bartelsman, Haltiwanger & Scarpetta 2009).
const FIRM_ENTRY_RATE: (f64, f64) = (0.05, 0.20);

/// Why a holdout figure has a [`FACTOR`] band.
const FACTOR15: &str = "within a factor of 1.5 of the observed figure (issue 17's band for ratios)";

/// The holdout targets: figures never used to choose a parameter.
fn holdout_targets() -> Vec<Target> {
    let gradient = |id, what, compute: fn(&dyn Observations) -> f64| {
        Target {
        id,
        pattern: "Alonso",
        what,
        source: "urban economics (Alonso 1964): with no policy, rents fall with distance from the centre",
        observed: "< 0",
        observed_value: None,
        lo: f64::NEG_INFINITY,
        hi: 0.0,
        band_reason: "a negative slope: rents fall outward",
        scenario: Scenario::Baseline,
        split: Split::Holdout,
        scale: Scale::Linear,
        compute,
    }
    };
    vec![
        Target {
            id: "firm_size_zipf",
            pattern: "Zipf",
            what: "Zipf exponent of firm sizes (employees; CCDF exponent of the power-law tail by maximum likelihood above x_min), mean of December 2017–2019, in baseline runs at the firm-size scale (0.3)",
            source: "Axtell 2001 (Science 293: 1818–1820): 1.06 for US firms by employees",
            observed: "1.06",
            observed_value: Some(1.06),
            lo: 0.8,
            hi: 1.3,
            band_reason: "the range of firm-size tail exponents across countries and years around Zipf's 1 (issue 17)",
            scenario: Scenario::FirmSizes,
            split: Split::Holdout,
            scale: Scale::Linear,
            compute: |o| {
                let last = super::FIRM_SIZE_LAST_YEAR;
                mean_over(o, "firm_size_zipf", last - 2..=last)
            },
        },
        gradient(
            "rent_gradient_office",
            "slope of ln(office rent) on distance from the core (per km, 2019)",
            |o| o.get("rent_gradient_office", 2019),
        ),
        gradient(
            "rent_gradient_residential",
            "slope of ln(residential rent) on distance from the core (per km, 2019)",
            |o| o.get("rent_gradient_residential", 2019),
        ),
        Target {
            id: "mean_commute_km",
            pattern: "commute",
            what: "mean straight-line home–work distance (km), mean of December 2016–2018",
            source: "China Daily 2017: Beijing's mean commute 18.6 km (route); ÷ 1.3 circuity = 14.3 km straight line",
            observed: "14.3",
            observed_value: Some(BEIJING_COMMUTE_KM / CIRCUITY),
            lo: within_factor(BEIJING_COMMUTE_KM / CIRCUITY).0,
            hi: within_factor(BEIJING_COMMUTE_KM / CIRCUITY).1,
            band_reason: FACTOR15,
            scenario: Scenario::Baseline,
            split: Split::Holdout,
            scale: Scale::Log,
            compute: |o| mean_over(o, "mean_commute_km", 2016..=2018),
        },
        Target {
            id: "parks_value_added_share_2016",
            pattern: "VA",
            what: "the parks' high-tech firms' share of the city's value added (2016)",
            source: "Zhongguancun administrative committee (2017): 625.41 bn yuan, 25.1% of Beijing's GDP; the zone's statistics cover its high-tech enterprises (DOMAIN.md: on the order of 20,000 high-tech firms)",
            observed: "0.251",
            observed_value: Some(ZGC_GDP_SHARE_2016),
            lo: within_factor(ZGC_GDP_SHARE_2016).0,
            hi: within_factor(ZGC_GDP_SHARE_2016).1,
            band_reason: FACTOR15,
            scenario: Scenario::Baseline,
            split: Split::Holdout,
            scale: Scale::Log,
            compute: |o| o.get("value_added_parks_high_tech", 2016) / o.get("value_added", 2016),
        },
        Target {
            id: "parks_value_added_share_rise",
            pattern: "VA",
            what: "rise of the parks' high-tech firms' share of the city's value added, 2014 ÷ 2010",
            source: "the article (DOMAIN.md): Zhongguancun's value added was 18.5% of Beijing's GDP in 2010 and 23.2% in 2014",
            observed: "1.254",
            observed_value: Some(ZGC_GDP_SHARE.1 / ZGC_GDP_SHARE.0),
            lo: rise_band(ZGC_GDP_SHARE.1 / ZGC_GDP_SHARE.0).0,
            hi: rise_band(ZGC_GDP_SHARE.1 / ZGC_GDP_SHARE.0).1,
            band_reason: "the observed rise (the ratio above 1) within ±1/3, as for the value-added growth",
            scenario: Scenario::Baseline,
            split: Split::Holdout,
            scale: Scale::Linear,
            compute: |o| {
                let share = |y| o.get("value_added_parks_high_tech", y) / o.get("value_added", y);
                share(2014) / share(2010)
            },
        },
        Target {
            id: "city_value_added_2014",
            pattern: "level",
            what: "the city's value added in 2014 (亿元, nominal; the model's money grows with its price index)",
            source: "the article (DOMAIN.md): Zhongguancun's 4,954 亿元 were 23.2% of Beijing's GDP in 2014, so Beijing's GDP was 4,954 ÷ 0.232 = 21,353 亿元",
            observed: "21,353",
            observed_value: Some(ZGC_VALUE_ADDED.1 / ZGC_GDP_SHARE.1),
            lo: within_factor(ZGC_VALUE_ADDED.1 / ZGC_GDP_SHARE.1).0,
            hi: within_factor(ZGC_VALUE_ADDED.1 / ZGC_GDP_SHARE.1).1,
            band_reason: FACTOR15,
            scenario: Scenario::Baseline,
            split: Split::Holdout,
            scale: Scale::Log,
            compute: |o| o.get("value_added", 2014),
        },
        Target {
            id: "firm_entry_rate",
            pattern: "firms",
            what: "new firms a year (ordinary firms and start-ups) ÷ the firm stock in December, mean of 2010–2014",
            source: "Bartelsman, Haltiwanger & Scarpetta (2009), 'Measuring and analyzing cross-country differences in firm dynamics', in Producer Dynamics (NBER): yearly entry rates of about 5–20 % of firms",
            observed: "0.05–0.20",
            observed_value: None,
            lo: FIRM_ENTRY_RATE.0,
            hi: FIRM_ENTRY_RATE.1,
            band_reason: "the cross-country range as reported",
            scenario: Scenario::Baseline,
            split: Split::Holdout,
            scale: Scale::Linear,
            compute: |o| {
                let rate =
                    |y| (o.get("firm_entries", y) + o.get("startups_born", y)) / o.get("firms", y);
                (2010..=2014).map(rate).sum::<f64>() / 5.0
            },
        },
        Target {
            id: "parks_high_tech_jobs",
            pattern: "jobs",
            what: "employees of the parks' high-tech firms, mean of December 2014–2016",
            source: "DOMAIN.md (public figures, not from the article): Zhongguancun had about 2 million employees in the mid-2010s",
            observed: "2,000,000",
            observed_value: Some(ZGC_JOBS_MID_2010S),
            lo: within_factor(ZGC_JOBS_MID_2010S).0,
            hi: within_factor(ZGC_JOBS_MID_2010S).1,
            band_reason: FACTOR15,
            scenario: Scenario::Baseline,
            split: Split::Holdout,
            scale: Scale::Log,
            compute: |o| mean_over(o, "jobs_parks_high_tech", 2014..=2016),
        },
    ]
}
