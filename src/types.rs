//! Small enums shared by the whole model: sectors, firm kinds, life-cycle stages, floor-space uses, land-use zones.

use serde::{Deserialize, Serialize};

/// Industry sector of a firm (and the specialisation of a 3.0 incubator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Sector {
    /// IT, software and electronics: the Zhongguancun core's industry.
    ItElectronics = 0,
    /// Bio-medicine (Daxing base, Changping, Yizhuang).
    BioMedicine = 1,
    /// Smart / high-tech manufacturing, hardware (Yizhuang, Fengtai, the south).
    SmartManufacturing = 2,
    /// Business, consumer and public services: most of the city's jobs.
    Services = 3,
    /// Electronics-mall trade along Zhongguancun Avenue.
    EmallTrade = 4,
}

impl Sector {
    /// Number of sectors.
    pub const N: usize = 5;
    /// All sectors in index order.
    pub const ALL: [Sector; 5] = [
        Sector::ItElectronics,
        Sector::BioMedicine,
        Sector::SmartManufacturing,
        Sector::Services,
        Sector::EmallTrade,
    ];
    /// Sector from its index (`0..N`), saturating at the last sector.
    pub fn from_index(i: usize) -> Sector {
        Self::ALL[i.min(Self::N - 1)]
    }
    /// Snake-case name, as in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Sector::ItElectronics => "it_electronics",
            Sector::BioMedicine => "bio_medicine",
            Sector::SmartManufacturing => "smart_manufacturing",
            Sector::Services => "services",
            Sector::EmallTrade => "emall_trade",
        }
    }
    /// The floor-space use a firm of this sector occupies on the market.
    pub fn space_use(self) -> Use {
        match self {
            Sector::ItElectronics | Sector::BioMedicine => Use::Office,
            Sector::SmartManufacturing => Use::Industrial,
            Sector::Services => Use::Commercial,
            Sector::EmallTrade => Use::Emall,
        }
    }
    /// Whether firms of this sector may carry the high-tech flag at all.
    pub fn can_be_high_tech(self) -> bool {
        !matches!(self, Sector::EmallTrade)
    }
}

/// Kind of firm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum FirmKind {
    /// Large incumbent, often state-owned; 250 employees or more at the start.
    Incumbent = 0,
    /// Small or medium enterprise (including graduated start-ups).
    Sme = 1,
    /// Start-up in its life cycle (idea → seed → start-up → growth → industrialisation).
    Startup = 2,
}

/// Life-cycle stage of a start-up (the article's chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Stage {
    /// An idea with a founder; no funding yet.
    Idea = 0,
    /// Seed funding raised.
    Seed = 1,
    /// Operating start-up with first revenue (series A).
    Startup = 2,
    /// Growth stage (series B or enough staff): graduates from incubators.
    Growth = 3,
    /// Industrialisation: becomes an ordinary SME.
    Industrialisation = 4,
}

impl Stage {
    /// Stage from a stored byte.
    pub fn from_u8(v: u8) -> Stage {
        match v {
            0 => Stage::Idea,
            1 => Stage::Seed,
            2 => Stage::Startup,
            3 => Stage::Growth,
            _ => Stage::Industrialisation,
        }
    }
}

/// A use of floor space. Every cell holds a capacity, an occupied amount and a rent per use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Use {
    /// Housing (workers' homes).
    Residential = 0,
    /// Office and R&D space.
    Office = 1,
    /// Commercial and service space (shops, banks, hotels, food).
    Commercial = 2,
    /// Electronics-mall floor space.
    Emall = 3,
    /// Industrial and manufacturing space.
    Industrial = 4,
    /// Maker space: incubators, co-working, live/work start-up space.
    Maker = 5,
}

impl Use {
    /// Number of uses.
    pub const N: usize = 6;
    /// All uses in index order.
    pub const ALL: [Use; 6] = [
        Use::Residential,
        Use::Office,
        Use::Commercial,
        Use::Emall,
        Use::Industrial,
        Use::Maker,
    ];
    /// Snake-case name, as in scenario files and output columns.
    pub fn name(self) -> &'static str {
        match self {
            Use::Residential => "residential",
            Use::Office => "office",
            Use::Commercial => "commercial",
            Use::Emall => "emall",
            Use::Industrial => "industrial",
            Use::Maker => "maker",
        }
    }
    /// Use from its index (`0..N`), saturating.
    pub fn from_index(i: usize) -> Use {
        Self::ALL[i.min(Self::N - 1)]
    }
}

/// Land-use zone of a grid cell (what may be built there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum LandUse {
    /// Green, water or mountains: nothing is built.
    Green = 0,
    /// Residential neighbourhoods (with local services).
    Residential = 1,
    /// Office / R&D (science parks).
    Office = 2,
    /// Commercial, including the e-mall street.
    Commercial = 3,
    /// Industrial and logistics.
    Industrial = 4,
    /// University or research institute campus.
    University = 5,
    /// Village collective land: low-rise, cheap, rural rents.
    Village = 6,
    /// Mixed live/work (e.g. Hui+ after rezoning).
    Mixed = 7,
}

impl LandUse {
    /// Number of zones.
    pub const N: usize = 8;
    /// All zones in code order (the codes of land-use grid files).
    pub const ALL: [LandUse; 8] = [
        LandUse::Green,
        LandUse::Residential,
        LandUse::Office,
        LandUse::Commercial,
        LandUse::Industrial,
        LandUse::University,
        LandUse::Village,
        LandUse::Mixed,
    ];
    /// Zone from its integer code in a land-use grid file.
    pub fn from_code(code: i64) -> Option<LandUse> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }
    /// Snake-case name.
    pub fn name(self) -> &'static str {
        match self {
            LandUse::Green => "green",
            LandUse::Residential => "residential",
            LandUse::Office => "office",
            LandUse::Commercial => "commercial",
            LandUse::Industrial => "industrial",
            LandUse::University => "university",
            LandUse::Village => "village",
            LandUse::Mixed => "mixed",
        }
    }
    /// Maximum floor-area ratio (floor m² per m² of land) developers may build to in this zone,
    /// and the share of new floor space going to each use.
    pub fn development_mix(self) -> [f64; Use::N] {
        // residential, office, commercial, emall, industrial, maker
        match self {
            LandUse::Green => [0.0; Use::N],
            LandUse::Residential => [0.94, 0.0, 0.06, 0.0, 0.0, 0.0],
            LandUse::Office => [0.10, 0.70, 0.15, 0.0, 0.0, 0.05],
            LandUse::Commercial => [0.10, 0.35, 0.50, 0.0, 0.0, 0.05],
            LandUse::Industrial => [0.05, 0.10, 0.05, 0.0, 0.80, 0.0],
            LandUse::University => [0.30, 0.50, 0.10, 0.0, 0.0, 0.10],
            LandUse::Village => [0.80, 0.0, 0.10, 0.0, 0.10, 0.0],
            LandUse::Mixed => [0.45, 0.15, 0.10, 0.0, 0.0, 0.30],
        }
    }
}

/// Incubator generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Generation {
    /// 1.0: property services, a rent discount.
    #[serde(rename = "1.0")]
    G1 = 0,
    /// 2.0: adds generic soft services (mentoring, lower burn, some investor access).
    #[serde(rename = "2.0")]
    G2 = 1,
    /// 3.0: sector-specialised labs, pilot lines, chain and investor access (own sector only).
    #[serde(rename = "3.0")]
    G3 = 2,
}

impl Generation {
    /// Generation from a stored byte.
    pub fn from_u8(v: u8) -> Generation {
        match v {
            0 => Generation::G1,
            1 => Generation::G2,
            _ => Generation::G3,
        }
    }
    /// "1.0", "2.0" or "3.0".
    pub fn label(self) -> &'static str {
        match self {
            Generation::G1 => "1.0",
            Generation::G2 => "2.0",
            Generation::G3 => "3.0",
        }
    }
}

/// Marker for "no index" in u32 id columns.
pub const NONE: u32 = u32::MAX;
