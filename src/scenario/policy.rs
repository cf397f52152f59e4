//! `[[policy]]` entries: their TOML form ([`PolicySpec`]), the kinds ([`Kind`]) and the keys
//! each takes, checked before serde reads them. Validation into a typed policy and its
//! resolution against a world are in `valid_policy.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Value;

use super::error::{all_of, did_you_mean, join, one_of, show, Ctx, ScenarioError};
use crate::calendar::YearMonth;
use crate::types::{Generation, LandUse, Sector, Use};
use crate::world::layers::LinkKind;
use crate::world::regions::RegionSpec;

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

/// One `[[policy]]` entry. `kind` selects which of the optional fields apply ([`Kind::keys`]).
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

/// The policy kinds, matched from their TOML name once ([`Kind::parse`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A new incubator, or upgraded ones.
    Incubator,
    /// Floor space of one use converted to another.
    ConvertSpace,
    /// A new land-use zone with floor space added.
    Rezone,
    /// A share of rent paid for a group of firms (or makers).
    RentSubsidy,
    /// New floor space capped (the red line), or zoning headroom released.
    LandCap,
    /// Vacant non-residential space reused as offices for start-ups.
    ReuseBuildings,
    /// A new rail or expressway link between two places.
    Transport,
    /// A partner site outside the zone taking relocating firms.
    PartnerSite,
}

impl Kind {
    /// Every kind, in the order of [`KINDS`].
    pub const ALL: [Kind; 8] = [
        Kind::Incubator,
        Kind::ConvertSpace,
        Kind::Rezone,
        Kind::RentSubsidy,
        Kind::LandCap,
        Kind::ReuseBuildings,
        Kind::Transport,
        Kind::PartnerSite,
    ];

    /// The kind named `name` in a scenario file.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Its name in a scenario file.
    pub fn name(self) -> &'static str {
        KINDS[self as usize]
    }

    /// The keys it takes besides [`COMMON_KEYS`].
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Incubator => &["region", "generation", "sector", "seats", "upgrade"],
            Kind::ConvertSpace => &["region", "from", "to", "share"],
            Kind::Rezone => &["region", "zone", "from_zone", "floor_m2", "mix"],
            Kind::RentSubsidy => &[
                "region",
                "target",
                "share",
                "sector",
                "generation",
                "housing",
            ],
            Kind::LandCap => &["region", "max_new_m2", "release_m2"],
            Kind::ReuseBuildings => &["region", "from", "share"],
            Kind::Transport => &["link_from", "link_to", "mode", "speed_kmh"],
            Kind::PartnerSite => &["sectors", "capacity", "rent", "distance_km", "bonus"],
        }
    }

    /// Whether it applies to a region of the grid (every kind but `transport` and
    /// `partner_site`).
    pub fn needs_region(self) -> bool {
        !matches!(self, Kind::Transport | Kind::PartnerSite)
    }
}

/// The policy kinds' names, in [`Kind::ALL`] order.
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
    let Some(keys) = Kind::parse(kind).map(Kind::keys) else {
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
            .filter(|o| Kind::parse(o).is_some_and(|o| o.keys().contains(&k.as_str())))
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

/// An error of a policy: (key relative to the policy, message).
pub(super) type KeyErr = (String, String);

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

/// Largest amount a policy may name (m², seats, firms, yuan, km): far above any real city, and
/// small enough that sums over every cell of a grid stay finite.
pub const MAX_AMOUNT: f64 = 1e15;

/// Largest size of a utility bonus (utilities are of order 1–10).
pub const MAX_BONUS: f64 = 1e3;

pub(super) fn describe_when(w: &When, start: YearMonth) -> String {
    match w {
        When::Tick(t) => format!("tick {t} ({})", start.plus(*t)),
        When::Date(s) => s.clone(),
    }
}

/// A `mix` table as shares per use, checked: known uses, non-negative, summing to 1.
pub(super) fn mix_array(m: &BTreeMap<String, f64>) -> Result<[f64; Use::N], KeyErr> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_once_in_order() {
        assert_eq!(Kind::ALL.len(), KINDS.len());
        for (i, k) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i);
            assert_eq!(Kind::parse(KINDS[i]), Some(k));
            assert!(k.keys().iter().all(|key| !COMMON_KEYS.contains(key)));
            assert_eq!(k.needs_region(), k.keys().contains(&"region"));
        }
        assert_eq!(Kind::parse("incubators"), None);
    }
}
