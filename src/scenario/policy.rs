//! `[[policy]]` entries: their TOML form, the keys each kind takes, validation with defaults
//! filled in, and resolution of regions and places into the core's [`Policy`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Value;

use super::error::{all_of, did_you_mean, join, one_of, show, Ctx, ScenarioError};
use super::region::{find_place, resolve, RegionSpec, Regions};
use crate::params::Params;
use crate::tick::policy::{Policy, PolicyKind, SubsidyTarget};
use crate::tick::YearMonth;
use crate::world::layers::LinkKind;
use crate::world::types::{Generation, LandUse, Sector, Use};

/// A time: a tick number (0 = the first month) or a `YYYY-MM` date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum When {
    /// Tick (0 = first month).
    Tick(u32),
    /// Calendar month `YYYY-MM`.
    Date(String),
}

impl When {
    /// The tick this time denotes (may be negative: before the run).
    pub fn tick(&self, start: YearMonth) -> Result<i64, String> {
        match self {
            When::Tick(t) => Ok(*t as i64),
            When::Date(s) => {
                let d = YearMonth::parse(s).ok_or_else(|| {
                    format!("expected a tick number or a date \"YYYY-MM\", found \"{s}\"")
                })?;
                d.check_calendar()?;
                Ok(start.months_until(d))
            }
        }
    }
}

/// One `[[policy]]` entry. `kind` selects which of the optional fields apply ([`kind_keys`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// `incubator`, `convert_space`, `rezone`, `rent_subsidy`, `land_cap`, `reuse_buildings`,
    /// `transport` or `partner_site`.
    pub kind: String,
    /// Label for logs and reports (defaults to the kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it starts: a tick or a `YYYY-MM` date within the run.
    pub start: When,
    /// When it stops (exclusive), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<When>,
    /// Where it applies (every kind but `transport` and `partner_site`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionSpec>,
    /// `incubator`: generation "1.0", "2.0" or "3.0"; `rent_subsidy` with target
    /// `incubator_tenants`: only tenants of this generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<Generation>,
    /// `incubator` (3.0): sector focus; `rent_subsidy` with target `sector`: the sector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
    /// `incubator`: seats (start-ups it hosts, real size) of a new incubator, or seats added to
    /// each upgraded one. Floor space: seats × `params.incubators.m2_per_seat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<f64>,
    /// `incubator`: upgrade the incubators in the region instead of building one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<bool>,
    /// `convert_space`, `reuse_buildings`: the floor-space use converted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Use>,
    /// `convert_space`: the use it becomes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Use>,
    /// `convert_space`, `reuse_buildings`: share converted; `rent_subsidy`: share of rent paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// `rezone`: the new land-use zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<LandUse>,
    /// `rezone`: only cells of this zone at the start of the run (e.g. `village`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_zone: Option<LandUse>,
    /// `rezone`: floor space added over the region (m²).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_m2: Option<f64>,
    /// `rezone`: shares of the new floor space per use (missing uses 0; defaults to the
    /// zone's development mix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<BTreeMap<String, f64>>,
    /// `rent_subsidy`: `startups`, `makers`, `sector`, `incubator_tenants` or `all_firms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `rent_subsidy` with target `makers`: also pay that share of their housing rent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub housing: Option<bool>,
    /// `land_cap`: new floor space allowed in the region while it runs (m²); 0 = the red line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_new_m2: Option<f64>,
    /// `land_cap`: zoning headroom released instead (m²), spread over the region's cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_m2: Option<f64>,
    /// `transport`: the place where the link starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_from: Option<String>,
    /// `transport`: the place where the link ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_to: Option<String>,
    /// `transport`: `rail` (default) or `expressway`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<LinkKind>,
    /// `transport`: speed (km/h); defaults to `params.commute.rail_speed` or `expressway_speed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
    /// `partner_site`: the sectors whose relocating firms it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<Vec<Sector>>,
    /// `partner_site`: firms it can take (real size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    /// `partner_site`: rent there (yuan/m²/month); default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rent: Option<f64>,
    /// `partner_site`: distance from the zone (km), a move cost; default 150.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// `partner_site`: utility bonus in firms' location choice (incentives, supply chains);
    /// default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus: Option<f64>,
}

/// The policy kinds.
pub const KINDS: &[&str] = &[
    "incubator",
    "convert_space",
    "rezone",
    "rent_subsidy",
    "land_cap",
    "reuse_buildings",
    "transport",
    "partner_site",
];

/// Keys every policy takes.
pub const COMMON_KEYS: &[&str] = &["kind", "name", "start", "end"];

/// The rent-subsidy targets.
pub const TARGETS: &[&str] = &[
    "startups",
    "makers",
    "sector",
    "incubator_tenants",
    "all_firms",
];

/// Default rent at a partner site (yuan/m²/month).
pub const PARTNER_RENT: f64 = 30.0;
/// Default distance of a partner site (km).
pub const PARTNER_DISTANCE_KM: f64 = 150.0;
/// Default location-choice bonus of a partner site.
pub const PARTNER_BONUS: f64 = 3.0;

/// The keys a kind takes besides [`COMMON_KEYS`].
pub fn kind_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "incubator" => &["region", "generation", "sector", "seats", "upgrade"],
        "convert_space" => &["region", "from", "to", "share"],
        "rezone" => &["region", "zone", "from_zone", "floor_m2", "mix"],
        "rent_subsidy" => &[
            "region",
            "target",
            "share",
            "sector",
            "generation",
            "housing",
        ],
        "land_cap" => &["region", "max_new_m2", "release_m2"],
        "reuse_buildings" => &["region", "from", "share"],
        "transport" => &["link_from", "link_to", "mode", "speed_kmh"],
        "partner_site" => &["sectors", "capacity", "rent", "distance_km", "bonus"],
        _ => return None,
    })
}

/// Check a `[[policy]]` table's keys before it is read: a known kind, and only keys of that
/// kind (a key of another kind is named as such).
pub fn check_keys(v: &Value, path: &str, ctx: &Ctx) -> Result<(), ScenarioError> {
    let Value::Table(t) = v else {
        return Err(ctx.value(
            path,
            format!("expected a table (`[[policy]]`), found {}", show(v)),
        ));
    };
    let kind = match t.get("kind") {
        None => {
            return Err(ctx.key(
                path,
                format!("missing `kind`; expected one of {}", one_of(KINDS)),
            ))
        }
        Some(Value::String(k)) => k.as_str(),
        Some(other) => {
            return Err(ctx.value(
                &join(path, "kind"),
                format!(
                    "expected a policy kind (a string: {}), found {}",
                    one_of(KINDS),
                    show(other)
                ),
            ))
        }
    };
    let Some(keys) = kind_keys(kind) else {
        return Err(ctx.value(
            &join(path, "kind"),
            format!(
                "unknown policy kind \"{kind}\"{}; expected {}",
                did_you_mean(kind, KINDS.iter().copied()),
                one_of(KINDS)
            ),
        ));
    };
    let all: Vec<&str> = COMMON_KEYS.iter().chain(keys).copied().collect();
    for (k, val) in t {
        if all.contains(&k.as_str()) {
            if k == "start" || k == "end" {
                check_when(val, &join(path, k), ctx)?;
            }
            continue;
        }
        let owners: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|o| kind_keys(o).is_some_and(|ks| ks.contains(&k.as_str())))
            .collect();
        let msg = if owners.is_empty() {
            format!(
                "unknown key `{k}` for a policy of kind `{kind}`{}; its keys are {}",
                did_you_mean(k, all.iter().copied()),
                all_of(&all)
            )
        } else {
            format!(
                "`{k}` does not apply to kind `{kind}` (it is a key of {}); the keys of `{kind}` are {}",
                one_of(&owners),
                all_of(&all)
            )
        };
        return Err(ctx.key(&join(path, k), msg));
    }
    if !t.contains_key("start") {
        return Err(ctx.key(path, "missing `start`: a tick number or a date \"YYYY-MM\""));
    }
    Ok(())
}

fn check_when(v: &Value, key: &str, ctx: &Ctx) -> Result<(), ScenarioError> {
    match v {
        Value::Integer(i) if *i >= 0 && *i <= u32::MAX as i64 => Ok(()),
        Value::String(_) => Ok(()),
        other => Err(ctx.value(
            key,
            format!(
                "expected a tick number ≥ 0 or a date string \"YYYY-MM\", found {}",
                show(other)
            ),
        )),
    }
}

type KeyErr = (String, String);

/// A name or description shown in tables, reports and the terminal: control characters
/// (newlines, escapes, bells) are refused; bidirectional-text controls (U+202A–U+202E,
/// U+2066–U+2069, U+200E, U+200F, U+061C), which can make a report show text in another order
/// than it has, are written as visible escapes (`<U+202E>`). Returns the text to use.
pub fn check_label(text: &str) -> Result<String, String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "expected printable text, found the control character U+{:04X} in \"{}\"",
            c as u32,
            text.escape_debug()
        ));
    }
    Ok(text
        .chars()
        .map(|c| match c {
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}' => {
                format!("<U+{:04X}>", c as u32)
            }
            c => c.to_string(),
        })
        .collect())
}

fn need<T: Clone>(v: &Option<T>, key: &str, kind: &str, what: &str) -> Result<T, KeyErr> {
    v.clone().ok_or_else(|| {
        (
            key.to_string(),
            format!("missing: kind `{kind}` needs `{key}` ({what})"),
        )
    })
}

fn share(v: f64, key: &str) -> Result<f64, KeyErr> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err((
            key.into(),
            format!("expected a share between 0 and 1, found {v}"),
        ))
    }
}

/// Largest amount a policy may name (m², seats, firms, yuan, km): far above any real city, and
/// small enough that sums over every cell of a grid stay finite.
pub const MAX_AMOUNT: f64 = 1e15;

/// Largest size of a utility bonus (utilities are of order 1–10).
pub const MAX_BONUS: f64 = 1e3;

fn nonneg(v: f64, key: &str, unit: &str) -> Result<f64, KeyErr> {
    if (0.0..=MAX_AMOUNT).contains(&v) {
        Ok(v)
    } else if v > MAX_AMOUNT {
        Err((
            key.into(),
            format!("expected {unit} of at most {MAX_AMOUNT:e}, found {v}"),
        ))
    } else {
        Err((key.into(), format!("expected {unit} ≥ 0, found {v}")))
    }
}

fn forbid<T>(v: &Option<T>, key: &str, why: &str) -> Result<(), KeyErr> {
    if v.is_some() {
        Err((key.into(), why.to_string()))
    } else {
        Ok(())
    }
}

/// The region kinds: those that apply to a region of the grid.
fn needs_region(kind: &str) -> bool {
    !matches!(kind, "transport" | "partner_site")
}

impl PolicySpec {
    /// Validate against the run (start, ticks), the parameters and the world, and fill in the
    /// defaults so that the resolved scenario shows every value used. Errors are (key relative
    /// to the policy, message).
    pub fn validate(
        &mut self,
        start: YearMonth,
        ticks: u32,
        params: &Params,
        world: &dyn Regions,
        land_use: &[LandUse],
    ) -> Result<(), KeyErr> {
        let k = self.kind.clone();
        let k = k.as_str();
        if !KINDS.contains(&k) {
            return Err((
                "kind".into(),
                format!("unknown policy kind \"{k}\"; expected {}", one_of(KINDS)),
            ));
        }
        match &self.name {
            None => self.name = Some(k.to_string()),
            Some(n) => self.name = Some(check_label(n).map_err(|m| ("name".to_string(), m))?),
        }
        // Time.
        let last = start.plus(ticks - 1);
        let t0 = self
            .start
            .tick(start)
            .map_err(|m| ("start".to_string(), m))?;
        if t0 < 0 || t0 >= ticks as i64 {
            return Err((
                "start".into(),
                format!(
                    "{} is outside the run, which goes from {start} (tick 0) to {last} (tick {})",
                    describe_when(&self.start, start),
                    ticks - 1
                ),
            ));
        }
        if let Some(e) = &self.end {
            let t1 = e.tick(start).map_err(|m| ("end".to_string(), m))?;
            if t1 <= t0 {
                return Err((
                    "end".into(),
                    format!(
                        "expected a time after `start` ({}), found {}",
                        describe_when(&self.start, start),
                        describe_when(e, start)
                    ),
                ));
            }
            if t1 > ticks as i64 {
                return Err((
                    "end".into(),
                    format!(
                        "{} is after the run ends ({last}, tick {}); leave `end` out for a policy that lasts to the end",
                        describe_when(e, start),
                        ticks - 1
                    ),
                ));
            }
        }
        // Region.
        if needs_region(k) {
            let r = self.region.as_ref().ok_or_else(|| {
                (
                    "region".to_string(),
                    format!("missing: kind `{k}` applies to a region; give `region = {{ name = \"...\" }}` or another region form"),
                )
            })?;
            let cells = resolve(r, world, "region")?;
            if let Some(z) = self.from_zone {
                if !cells.iter().any(|&c| land_use[c as usize] == z) {
                    return Err((
                        "from_zone".into(),
                        format!(
                            "the region has no cell of zone `{}` at the start of the run",
                            z.name()
                        ),
                    ));
                }
            }
        }
        match k {
            "incubator" => {
                let g = need(
                    &self.generation,
                    "generation",
                    k,
                    "\"1.0\", \"2.0\" or \"3.0\"",
                )?;
                match (g, self.sector) {
                    (Generation::G3, None) => {
                        return Err((
                            "sector".into(),
                            "missing: a 3.0 incubator specialises in one sector; give `sector`"
                                .into(),
                        ))
                    }
                    (Generation::G1 | Generation::G2, Some(_)) => {
                        return Err((
                            "sector".into(),
                            format!(
                                "only 3.0 incubators specialise; a {} incubator takes founders of any sector (leave `sector` out)",
                                g.label()
                            ),
                        ))
                    }
                    _ => {}
                }
                let upgrade = *self.upgrade.get_or_insert(false);
                let seats = match self.seats {
                    Some(s) => nonneg(s, "seats", "a number of seats")?,
                    None if upgrade => 0.0,
                    None => return Err((
                        "seats".into(),
                        "missing: a new incubator needs `seats` (start-ups it hosts, real size)"
                            .into(),
                    )),
                };
                if !upgrade && seats <= 0.0 {
                    return Err((
                        "seats".into(),
                        "expected a number of seats > 0 for a new incubator, found 0".into(),
                    ));
                }
                self.seats = Some(seats);
            }
            "convert_space" => {
                let from = need(&self.from, "from", k, "the use converted")?;
                let to = need(&self.to, "to", k, "the use it becomes")?;
                if from == to {
                    return Err((
                        "to".into(),
                        format!("expected a use other than `from` (\"{}\")", from.name()),
                    ));
                }
                share(
                    need(&self.share, "share", k, "a share between 0 and 1")?,
                    "share",
                )?;
            }
            "rezone" => {
                let zone = need(&self.zone, "zone", k, "the new land-use zone")?;
                let floor = nonneg(
                    need(&self.floor_m2, "floor_m2", k, "floor space added, m²")?,
                    "floor_m2",
                    "an area in m²",
                )?;
                let mix = match &self.mix {
                    Some(m) => mix_array(m)?,
                    None => zone.development_mix(),
                };
                let sum: f64 = mix.iter().sum();
                if floor > 0.0 && sum <= 0.0 {
                    return Err((
                        "zone".into(),
                        format!(
                            "nothing can be built in zone `{}`; give a `mix` or another zone",
                            zone.name()
                        ),
                    ));
                }
                self.mix = Some(
                    Use::ALL
                        .iter()
                        .map(|u| (u.name().to_string(), mix[*u as usize]))
                        .collect(),
                );
            }
            "rent_subsidy" => {
                let t = need(&self.target, "target", k, &one_of(TARGETS))?;
                if !TARGETS.contains(&t.as_str()) {
                    return Err((
                        "target".into(),
                        format!(
                            "unknown target \"{t}\"{}; expected {}",
                            did_you_mean(&t, TARGETS.iter().copied()),
                            one_of(TARGETS)
                        ),
                    ));
                }
                share(
                    need(&self.share, "share", k, "a share between 0 and 1")?,
                    "share",
                )?;
                if t == "sector" {
                    need(&self.sector, "sector", k, "the sector subsidised")?;
                } else {
                    forbid(
                        &self.sector,
                        "sector",
                        "`sector` goes with `target = \"sector\"`",
                    )?;
                }
                if t != "incubator_tenants" {
                    forbid(
                        &self.generation,
                        "generation",
                        "`generation` goes with `target = \"incubator_tenants\"`",
                    )?;
                }
                if t == "makers" {
                    self.housing.get_or_insert(false);
                } else {
                    forbid(
                        &self.housing,
                        "housing",
                        "`housing` goes with `target = \"makers\"` (makers' flats)",
                    )?;
                }
            }
            "land_cap" => {
                match (self.max_new_m2, self.release_m2) {
                    (Some(_), Some(_)) => {
                        return Err((
                            "release_m2".into(),
                            "give either `max_new_m2` (a cap; 0 = the red line) or `release_m2` (headroom released), not both".into(),
                        ))
                    }
                    (None, None) => self.max_new_m2 = Some(0.0),
                    _ => {}
                }
                if let Some(m) = self.max_new_m2 {
                    nonneg(m, "max_new_m2", "an area in m²")?;
                }
                if let Some(r) = self.release_m2 {
                    nonneg(r, "release_m2", "an area in m²")?;
                }
            }
            "reuse_buildings" => {
                let from = need(
                    &self.from,
                    "from",
                    k,
                    "the use whose vacant space is reused",
                )?;
                if matches!(from, Use::Residential | Use::Maker) {
                    return Err((
                        "from".into(),
                        format!(
                            "expected \"office\", \"commercial\", \"emall\" or \"industrial\" (existing non-residential buildings), found \"{}\"",
                            from.name()
                        ),
                    ));
                }
                share(
                    need(&self.share, "share", k, "a share between 0 and 1")?,
                    "share",
                )?;
            }
            "transport" => {
                let a = need(&self.link_from, "link_from", k, "a place name")?;
                let b = need(&self.link_to, "link_to", k, "a place name")?;
                find_place(world, &a, "link_from")?;
                find_place(world, &b, "link_to")?;
                if a == b {
                    return Err((
                        "link_to".into(),
                        format!("expected a place other than `link_from` (\"{a}\")"),
                    ));
                }
                let mode = *self.mode.get_or_insert(LinkKind::Rail);
                let speed = *self.speed_kmh.get_or_insert(match mode {
                    LinkKind::Rail => params.commute.rail_speed,
                    LinkKind::Expressway => params.commute.expressway_speed,
                });
                if !(speed > 0.0 && speed <= 300.0) {
                    return Err((
                        "speed_kmh".into(),
                        format!("expected a speed in (0, 300] km/h, found {speed}"),
                    ));
                }
            }
            "partner_site" => {
                let sectors = need(&self.sectors, "sectors", k, "a list of sectors")?;
                if sectors.is_empty() {
                    return Err((
                        "sectors".into(),
                        "expected at least one sector, found an empty list".into(),
                    ));
                }
                for (i, s) in sectors.iter().enumerate() {
                    if sectors[..i].contains(s) {
                        return Err((
                            format!("sectors[{i}]"),
                            format!("\"{}\" is listed twice", s.name()),
                        ));
                    }
                }
                let cap = need(&self.capacity, "capacity", k, "firms it can take")?;
                if !(cap > 0.0 && cap <= MAX_AMOUNT) {
                    return Err((
                        "capacity".into(),
                        format!(
                            "expected a number of firms > 0 and at most {MAX_AMOUNT:e}, found {cap}"
                        ),
                    ));
                }
                nonneg(
                    *self.rent.get_or_insert(PARTNER_RENT),
                    "rent",
                    "a rent (yuan/m²/month)",
                )?;
                nonneg(
                    *self.distance_km.get_or_insert(PARTNER_DISTANCE_KM),
                    "distance_km",
                    "a distance (km)",
                )?;
                let b = *self.bonus.get_or_insert(PARTNER_BONUS);
                if b.is_nan() || b.abs() > MAX_BONUS {
                    return Err((
                        "bonus".into(),
                        format!(
                            "expected a number between -{MAX_BONUS} and {MAX_BONUS}, found {b}"
                        ),
                    ));
                }
            }
            _ => unreachable!("kinds checked above"),
        }
        Ok(())
    }

    /// Resolve a validated policy against a built world (regions to cells, places to
    /// coordinates). Errors are (key relative to the policy, message).
    pub fn resolve(
        &self,
        world: &dyn Regions,
        land_use: &[LandUse],
        start: YearMonth,
    ) -> Result<Policy, KeyErr> {
        let k = self.kind.as_str();
        let missing = |key: &str| (key.to_string(), "missing (not validated)".to_string());
        let kind = match k {
            "incubator" => PolicyKind::Incubator {
                generation: self.generation.ok_or_else(|| missing("generation"))?,
                sector: self.sector,
                seats: self.seats.unwrap_or(0.0),
                upgrade: self.upgrade.unwrap_or(false),
            },
            "convert_space" => PolicyKind::ConvertSpace {
                from: self.from.ok_or_else(|| missing("from"))?,
                to: self.to.ok_or_else(|| missing("to"))?,
                share: self.share.ok_or_else(|| missing("share"))?,
            },
            "rezone" => {
                let zone = self.zone.ok_or_else(|| missing("zone"))?;
                PolicyKind::Rezone {
                    to: zone,
                    floor_m2: self.floor_m2.ok_or_else(|| missing("floor_m2"))?,
                    mix: match &self.mix {
                        Some(m) => mix_array(m)?,
                        None => zone.development_mix(),
                    },
                }
            }
            "rent_subsidy" => PolicyKind::RentSubsidy {
                target: match self.target.as_deref() {
                    Some("startups") => SubsidyTarget::Startups,
                    Some("makers") => SubsidyTarget::Makers,
                    Some("sector") => {
                        SubsidyTarget::Sector(self.sector.ok_or_else(|| missing("sector"))?)
                    }
                    Some("incubator_tenants") => SubsidyTarget::IncubatorTenants(self.generation),
                    Some("all_firms") => SubsidyTarget::AllFirms,
                    _ => return Err(missing("target")),
                },
                share: self.share.ok_or_else(|| missing("share"))?,
                housing: self.housing.unwrap_or(false),
            },
            "land_cap" => PolicyKind::LandCap {
                max_new_m2: self.max_new_m2.unwrap_or(0.0),
                release_m2: self.release_m2.unwrap_or(0.0),
            },
            "reuse_buildings" => PolicyKind::ReuseBuildings {
                from: self.from.ok_or_else(|| missing("from"))?,
                share: self.share.ok_or_else(|| missing("share"))?,
            },
            "transport" => {
                let a = find_place(
                    world,
                    self.link_from.as_deref().unwrap_or_default(),
                    "link_from",
                )?;
                let b = find_place(
                    world,
                    self.link_to.as_deref().unwrap_or_default(),
                    "link_to",
                )?;
                PolicyKind::Transport {
                    from: (a.x_km, a.y_km),
                    to: (b.x_km, b.y_km),
                    link: self.mode.unwrap_or(LinkKind::Rail),
                    speed_kmh: self.speed_kmh.ok_or_else(|| missing("speed_kmh"))?,
                }
            }
            "partner_site" => PolicyKind::PartnerSite {
                sectors: self.sectors.clone().ok_or_else(|| missing("sectors"))?,
                capacity: self.capacity.ok_or_else(|| missing("capacity"))?,
                rent: self.rent.unwrap_or(PARTNER_RENT),
                distance_km: self.distance_km.unwrap_or(PARTNER_DISTANCE_KM),
                bonus: self.bonus.unwrap_or(PARTNER_BONUS),
            },
            other => return Err(("kind".into(), format!("unknown policy kind \"{other}\""))),
        };
        let cells = match (&self.region, needs_region(k)) {
            (Some(r), true) => {
                let mut cells = resolve(r, world, "region")?;
                if let Some(z) = self.from_zone {
                    cells.retain(|&c| land_use[c as usize] == z);
                }
                cells
            }
            (None, true) => return Err(missing("region")),
            (_, false) => Vec::new(),
        };
        let t0 = self
            .start
            .tick(start)
            .map_err(|m| ("start".to_string(), m))?;
        let t1 = self
            .end
            .as_ref()
            .map(|e| e.tick(start))
            .transpose()
            .map_err(|m| ("end".to_string(), m))?;
        Ok(Policy {
            name: self.name.clone().unwrap_or_else(|| k.to_string()),
            kind,
            start: t0.max(0) as u32,
            end: t1.map(|t| t.max(0) as u32),
            cells,
        })
    }
}

fn describe_when(w: &When, start: YearMonth) -> String {
    match w {
        When::Tick(t) => format!("tick {t} ({})", start.plus(*t)),
        When::Date(s) => s.clone(),
    }
}

/// A `mix` table as shares per use, checked: known uses, non-negative, summing to 1.
fn mix_array(m: &BTreeMap<String, f64>) -> Result<[f64; Use::N], KeyErr> {
    let mut a = [0.0; Use::N];
    for (k, v) in m {
        let Some(u) = Use::ALL.iter().find(|u| u.name() == k) else {
            let names: Vec<&str> = Use::ALL.iter().map(|u| u.name()).collect();
            return Err((
                format!("mix.{k}"),
                format!(
                    "unknown floor-space use `{k}`{}; expected {}",
                    did_you_mean(k, names.iter().copied()),
                    one_of(&names)
                ),
            ));
        };
        if !(*v >= 0.0 && v.is_finite()) {
            return Err((
                format!("mix.{k}"),
                format!("expected a share ≥ 0, found {v}"),
            ));
        }
        a[*u as usize] = *v;
    }
    let s: f64 = a.iter().sum();
    if (s - 1.0).abs() > 1e-6 {
        return Err((
            "mix".into(),
            format!("expected shares summing to 1, found a sum of {s}"),
        ));
    }
    Ok(a)
}
