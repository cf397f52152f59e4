//! `[[policy]]` entries: their TOML form, validation, and resolution of regions to cells.

use serde::{Deserialize, Serialize};

use crate::tick::policy::{Policy, PolicyKind, SubsidyTarget};
use crate::tick::YearMonth;
use crate::world::layers::LinkKind;
use crate::world::places::{cells_in_rect, cells_within};
use crate::world::types::{Generation, LandUse, Sector, Use};
use crate::world::World;

/// Where a policy applies. Exactly one form is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    /// A named place, park, district or area (see `zgc places`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A rectangle in km: `[x_min, y_min, x_max, y_max]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rect_km: Option<[f64; 4]>,
    /// A disc around a named place, with `radius_km`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub around: Option<String>,
    /// Radius for `around` (km).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_km: Option<f64>,
    /// Explicit cells as `[col, row]` pairs (row 0 is the south edge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<[u32; 2]>>,
}

/// A time: a tick number or a `YYYY-MM` date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum When {
    /// Tick (0 = first month).
    Tick(u32),
    /// Calendar month.
    Date(String),
}

impl When {
    /// The tick this time denotes.
    pub fn tick(&self, start: YearMonth) -> Result<u32, String> {
        match self {
            When::Tick(t) => Ok(*t),
            When::Date(s) => {
                let d = YearMonth::parse(s).ok_or_else(|| {
                    format!("expected a tick number or a date `YYYY-MM`, found {s:?}")
                })?;
                let m = start.months_until(d);
                if m < 0 {
                    return Err(format!("{s} is before the run starts ({start})"));
                }
                Ok(m as u32)
            }
        }
    }
}

/// One `[[policy]]` entry. `kind` selects which of the optional fields apply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// `incubator`, `convert_space`, `rezone`, `rent_subsidy`, `land_cap`, `reuse_buildings`,
    /// `transport` or `partner_site`.
    pub kind: String,
    /// Label for logs and reports.
    #[serde(default)]
    pub name: Option<String>,
    /// When it starts.
    pub start: When,
    /// When it stops (exclusive), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<When>,
    /// Where it applies (not for `transport` and `partner_site`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionSpec>,
    /// `incubator`: generation "1.0", "2.0" or "3.0".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<Generation>,
    /// `incubator`: sector focus; `rent_subsidy` with target `sector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
    /// `incubator`: seats (real size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<f64>,
    /// `incubator`: upgrade the incubators in the region instead of building one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<bool>,
    /// `convert_space`, `reuse_buildings`: the use converted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Use>,
    /// `convert_space`: the use it becomes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Use>,
    /// `convert_space`, `reuse_buildings`: share converted; `rent_subsidy`: share of rent paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// `rezone`: new land-use zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<LandUse>,
    /// `rezone`: floor space added (m²).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_m2: Option<f64>,
    /// `rezone`: shares of the new floor space per use (defaults to the zone's mix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<crate::params::PerUse<f64>>,
    /// `rent_subsidy`: `startups`, `makers`, `sector`, `incubator_tenants` or `all_firms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `rent_subsidy` with target `makers`: also subsidise their housing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub housing: Option<bool>,
    /// `land_cap`: new floor space allowed in the region (m²); 0 = the red line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_new_m2: Option<f64>,
    /// `land_cap`: zoning headroom released instead (m²).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_m2: Option<f64>,
    /// `transport`: the places it links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_from: Option<String>,
    /// `transport`: the places it links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_to: Option<String>,
    /// `transport`: `rail` or `expressway`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<LinkKind>,
    /// `transport`: speed (km/h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
    /// `partner_site`: sectors it takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<Vec<Sector>>,
    /// `partner_site`: firms it can take (real size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    /// `partner_site`: rent there (yuan/m²/month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rent: Option<f64>,
    /// `partner_site`: distance from the zone (km).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// `partner_site`: utility bonus (incentives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus: Option<f64>,
}

type KeyErr = (String, String);

fn need<T: Clone>(v: &Option<T>, key: &str, kind: &str) -> Result<T, KeyErr> {
    v.clone()
        .ok_or_else(|| (key.to_string(), format!("required for kind `{kind}`")))
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

fn nonneg(v: f64, key: &str) -> Result<f64, KeyErr> {
    if (0.0..=MAX_AMOUNT).contains(&v) {
        Ok(v)
    } else {
        Err((
            key.into(),
            format!("expected a non-negative number of at most {MAX_AMOUNT:e}, found {v}"),
        ))
    }
}

/// A utility bonus: finite and at most 1000 in size (utilities are of order 1–10).
fn utility(v: f64, key: &str) -> Result<f64, KeyErr> {
    if v.abs() <= 1e3 {
        Ok(v)
    } else {
        Err((
            key.into(),
            format!("expected a number between -1000 and 1000, found {v}"),
        ))
    }
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

impl PolicySpec {
    fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.kind.clone())
    }

    /// Check the fields that do not need a world; errors are (key, message).
    pub fn validate(&self, start: YearMonth, ticks: u32) -> Result<(), KeyErr> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err((
                "kind".into(),
                format!(
                    "unknown policy kind {:?}; expected one of {}",
                    self.kind,
                    KINDS.join(", ")
                ),
            ));
        }
        let t0 = self
            .start
            .tick(start)
            .map_err(|m| ("start".to_string(), m))?;
        if t0 >= ticks {
            return Err((
                "start".into(),
                format!("tick {t0} is after the run's last tick {}", ticks - 1),
            ));
        }
        if let Some(e) = &self.end {
            let t1 = e.tick(start).map_err(|m| ("end".to_string(), m))?;
            if t1 <= t0 {
                return Err(("end".into(), "must be after `start`".into()));
            }
        }
        self.kind_of(&[]).map(|_| ())
    }

    /// Build the kind-specific part (regions are not needed here; `transport` needs place
    /// coordinates, passed as `places`).
    fn kind_of(&self, places: &[(String, f64, f64)]) -> Result<PolicyKind, KeyErr> {
        let k = self.kind.as_str();
        Ok(match k {
            "incubator" => PolicyKind::Incubator {
                generation: need(&self.generation, "generation", k)?,
                sector: self.sector,
                seats: nonneg(self.seats.unwrap_or(0.0), "seats")?,
                upgrade: self.upgrade.unwrap_or(false),
            },
            "convert_space" => PolicyKind::ConvertSpace {
                from: need(&self.from, "from", k)?,
                to: need(&self.to, "to", k)?,
                share: share(need(&self.share, "share", k)?, "share")?,
            },
            "rezone" => {
                let zone = need(&self.zone, "zone", k)?;
                let mix = match &self.mix {
                    Some(m) => {
                        let a = m.to_array();
                        let s: f64 = a.iter().sum();
                        if a.iter().any(|v| *v < 0.0) || (s - 1.0).abs() > 1e-6 {
                            return Err((
                                "mix".into(),
                                format!(
                                    "expected non-negative shares summing to 1, found a sum of {s}"
                                ),
                            ));
                        }
                        a
                    }
                    None => zone.development_mix(),
                };
                PolicyKind::Rezone {
                    to: zone,
                    floor_m2: nonneg(need(&self.floor_m2, "floor_m2", k)?, "floor_m2")?,
                    mix,
                }
            }
            "rent_subsidy" => {
                let t = need(&self.target, "target", k)?;
                let target = match t.as_str() {
                    "startups" => SubsidyTarget::Startups,
                    "makers" => SubsidyTarget::Makers,
                    "sector" => SubsidyTarget::Sector(need(&self.sector, "sector", k)?),
                    "incubator_tenants" => SubsidyTarget::IncubatorTenants(self.generation),
                    "all_firms" => SubsidyTarget::AllFirms,
                    other => {
                        return Err(("target".into(), format!("unknown target {other:?}; expected startups, makers, sector, incubator_tenants or all_firms")))
                    }
                };
                PolicyKind::RentSubsidy {
                    target,
                    share: share(need(&self.share, "share", k)?, "share")?,
                    housing: self.housing.unwrap_or(false),
                }
            }
            "land_cap" => PolicyKind::LandCap {
                max_new_m2: nonneg(self.max_new_m2.unwrap_or(0.0), "max_new_m2")?,
                release_m2: nonneg(self.release_m2.unwrap_or(0.0), "release_m2")?,
            },
            "reuse_buildings" => PolicyKind::ReuseBuildings {
                from: need(&self.from, "from", k)?,
                share: share(need(&self.share, "share", k)?, "share")?,
            },
            "transport" => {
                let a = need(&self.link_from, "link_from", k)?;
                let b = need(&self.link_to, "link_to", k)?;
                let find = |n: &str, key: &str| -> Result<(f64, f64), KeyErr> {
                    if places.is_empty() {
                        return Ok((0.0, 0.0));
                    }
                    places
                        .iter()
                        .find(|p| p.0 == n)
                        .map(|p| (p.1, p.2))
                        .ok_or_else(|| {
                            (
                                key.to_string(),
                                format!("unknown place {n:?} (see `zgc places`)"),
                            )
                        })
                };
                let speed = need(&self.speed_kmh, "speed_kmh", k)?;
                if !(speed > 0.0 && speed <= 300.0) {
                    return Err((
                        "speed_kmh".into(),
                        format!("expected a speed in (0, 300] km/h, found {speed}"),
                    ));
                }
                PolicyKind::Transport {
                    from: find(&a, "link_from")?,
                    to: find(&b, "link_to")?,
                    link: self.mode.unwrap_or(LinkKind::Rail),
                    speed_kmh: speed,
                }
            }
            "partner_site" => PolicyKind::PartnerSite {
                sectors: need(&self.sectors, "sectors", k)?,
                capacity: nonneg(need(&self.capacity, "capacity", k)?, "capacity")?,
                rent: nonneg(self.rent.unwrap_or(30.0), "rent")?,
                distance_km: nonneg(self.distance_km.unwrap_or(150.0), "distance_km")?,
                bonus: utility(self.bonus.unwrap_or(3.0), "bonus")?,
            },
            other => return Err(("kind".into(), format!("unknown policy kind {other:?}"))),
        })
    }

    /// Resolve against a built world.
    pub fn resolve(&self, world: &World, start: YearMonth) -> Result<Policy, KeyErr> {
        let places: Vec<(String, f64, f64)> = world
            .places
            .iter()
            .map(|p| (p.name.clone(), p.x_km, p.y_km))
            .collect();
        let kind = self.kind_of(&places)?;
        let needs_region = !matches!(
            kind,
            PolicyKind::Transport { .. } | PolicyKind::PartnerSite { .. }
        );
        let cells = match (&self.region, needs_region) {
            (Some(r), _) => resolve_region(r, world)?,
            (None, true) => {
                return Err((
                    "region".into(),
                    format!("required for kind `{}`", self.kind),
                ))
            }
            (None, false) => Vec::new(),
        };
        Ok(Policy {
            name: self.label(),
            kind,
            start: self
                .start
                .tick(start)
                .map_err(|m| ("start".to_string(), m))?,
            end: self
                .end
                .as_ref()
                .map(|e| e.tick(start))
                .transpose()
                .map_err(|m| ("end".to_string(), m))?,
            cells,
        })
    }
}

/// Resolve a region to cells, ascending.
pub fn resolve_region(r: &RegionSpec, world: &World) -> Result<Vec<u32>, KeyErr> {
    let given = [
        r.name.is_some(),
        r.rect_km.is_some(),
        r.around.is_some(),
        r.cells.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if given != 1 {
        return Err((
            "region".into(),
            "give exactly one of `name`, `rect_km`, `around` (with `radius_km`) or `cells`".into(),
        ));
    }
    let g = &world.grid;
    let cells = if let Some(n) = &r.name {
        world.region_by_name(n).ok_or_else(|| {
            (
                "region.name".to_string(),
                format!("unknown place, park, district or area {n:?} (see `zgc places`)"),
            )
        })?
    } else if let Some([x0, y0, x1, y1]) = r.rect_km {
        if x1 <= x0 || y1 <= y0 {
            return Err((
                "region.rect_km".into(),
                "expected [x_min, y_min, x_max, y_max] with max > min".into(),
            ));
        }
        cells_in_rect(g, x0, y0, x1, y1)
    } else if let Some(p) = &r.around {
        let radius = r.radius_km.ok_or_else(|| {
            (
                "region.radius_km".to_string(),
                "required with `around`".to_string(),
            )
        })?;
        if !(radius > 0.0) {
            return Err((
                "region.radius_km".into(),
                format!("expected a positive radius, found {radius}"),
            ));
        }
        let place = world.places.iter().find(|q| &q.name == p).ok_or_else(|| {
            (
                "region.around".to_string(),
                format!("unknown place {p:?} (see `zgc places`)"),
            )
        })?;
        cells_within(g, place.x_km, place.y_km, radius)
    } else {
        let list = r.cells.as_ref().expect("counted above");
        let mut out = Vec::with_capacity(list.len());
        for (i, [c, row]) in list.iter().enumerate() {
            if *c as usize >= g.nx || *row as usize >= g.ny {
                return Err((
                    format!("region.cells[{i}]"),
                    format!("cell [{c}, {row}] is outside the {}×{} grid", g.nx, g.ny),
                ));
            }
            out.push(row * g.nx as u32 + c);
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    if cells.is_empty() {
        return Err((
            "region".into(),
            "the region holds no cell of the grid".into(),
        ));
    }
    Ok(cells)
}
