//! Policy validation: a [`PolicySpec`] checked against the run, the parameters and the world,
//! its defaults filled in (so the resolved scenario shows every value used), and turned into a
//! typed [`ValidPolicy`]: the kind matched once, times as ticks, the action typed. Its region
//! (and a link's places) are resolved against a built world later ([`ValidPolicy::resolve`]),
//! which may be a saved state's world.

use super::error::{did_you_mean, one_of};
use super::policy::{
    describe_when, mix_array, KeyErr, Kind, PolicySpec, KINDS, MAX_AMOUNT, MAX_BONUS,
    PARTNER_BONUS, PARTNER_DISTANCE_KM, PARTNER_RENT, TARGETS,
};
use crate::calendar::YearMonth;
use crate::params::Params;
use crate::tick::policy::{Policy, PolicyKind, SubsidyTarget};
use crate::types::{Generation, LandUse, Use};
use crate::world::layers::LinkKind;
use crate::world::regions::{find_place, resolve, RegionSpec, Regions};

/// A validated policy, typed; its region and places still to resolve against a world.
#[derive(Clone, Debug)]
pub struct ValidPolicy {
    /// Its label.
    pub name: String,
    /// First tick it acts.
    pub start: u32,
    /// Tick it stops (exclusive), if ever.
    pub end: Option<u32>,
    /// Where it applies (kinds that need a region), with the zone its cells must have had at
    /// the start of the run (`from_zone`), if any.
    pub region: Option<(RegionSpec, Option<LandUse>)>,
    /// What it does.
    pub action: Action,
}

/// What a validated policy does: a core policy kind, or a link whose places' coordinates
/// come from the world.
#[derive(Clone, Debug)]
pub enum Action {
    /// Every kind but `transport`: complete.
    Acts(PolicyKind),
    /// `transport`: a link between two named places.
    Link {
        /// The place where it starts.
        from: String,
        /// The place where it ends.
        to: String,
        /// Rail or expressway.
        link: LinkKind,
        /// Speed, km/h.
        speed_kmh: f64,
    },
}

impl ValidPolicy {
    /// The core's policy: the region resolved to cells (of the zone `from_zone` in
    /// `land_use`, the zones at the start of the run) and a link's places to coordinates.
    /// Errors are (key relative to the policy, message).
    pub fn resolve(&self, world: &dyn Regions, land_use: &[LandUse]) -> Result<Policy, KeyErr> {
        let kind = match &self.action {
            Action::Acts(kind) => kind.clone(),
            Action::Link {
                from,
                to,
                link,
                speed_kmh,
            } => {
                let a = find_place(world, from, "link_from")?;
                let b = find_place(world, to, "link_to")?;
                PolicyKind::Transport {
                    from: (a.x_km, a.y_km),
                    to: (b.x_km, b.y_km),
                    link: *link,
                    speed_kmh: *speed_kmh,
                }
            }
        };
        let cells = match &self.region {
            Some((r, from_zone)) => {
                let mut cells = resolve(r, world, "region")?;
                if let Some(z) = from_zone {
                    cells.retain(|&c| land_use[c as usize] == *z);
                }
                cells
            }
            None => Vec::new(),
        };
        Ok(Policy {
            name: self.name.clone(),
            kind,
            start: self.start,
            end: self.end,
            cells,
        })
    }
}

fn need<T: Clone>(v: &Option<T>, key: &str, kind: Kind, what: &str) -> Result<T, KeyErr> {
    v.clone().ok_or_else(|| {
        (
            key.to_string(),
            format!("missing: kind `{}` needs `{key}` ({what})", kind.name()),
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

impl PolicySpec {
    /// Validate against the run (start, ticks), the parameters and the world, fill in the
    /// defaults so that the resolved scenario shows every value used, and return the typed
    /// policy. Errors are (key relative to the policy, message).
    pub fn validate(
        &mut self,
        start: YearMonth,
        ticks: u32,
        params: &Params,
        world: &dyn Regions,
        land_use: &[LandUse],
    ) -> Result<ValidPolicy, KeyErr> {
        let Some(kind) = Kind::parse(&self.kind) else {
            return Err((
                "kind".into(),
                format!(
                    "unknown policy kind \"{}\"; expected {}",
                    self.kind,
                    one_of(KINDS)
                ),
            ));
        };
        let name = match &self.name {
            None => kind.name().to_string(),
            Some(n) => super::policy::check_label(n).map_err(|m| ("name".to_string(), m))?,
        };
        self.name = Some(name.clone());
        let (t0, t1) = self.times(start, ticks)?;
        let region = if kind.needs_region() {
            let r = self.region.as_ref().ok_or_else(|| {
                (
                    "region".to_string(),
                    format!("missing: kind `{}` applies to a region; give `region = {{ name = \"...\" }}` or another region form", kind.name()),
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
            Some((r.clone(), self.from_zone))
        } else {
            None
        };
        let action = match kind {
            Kind::Incubator => Action::Acts(self.incubator()?),
            Kind::ConvertSpace => Action::Acts(self.convert_space()?),
            Kind::Rezone => Action::Acts(self.rezone()?),
            Kind::RentSubsidy => Action::Acts(self.rent_subsidy()?),
            Kind::LandCap => Action::Acts(self.land_cap()?),
            Kind::ReuseBuildings => Action::Acts(self.reuse_buildings()?),
            Kind::Transport => self.transport(params, world)?,
            Kind::PartnerSite => Action::Acts(self.partner_site()?),
        };
        Ok(ValidPolicy {
            name,
            start: t0,
            end: t1,
            region,
            action,
        })
    }

    /// `start` and `end` as ticks, checked against the run.
    fn times(&self, start: YearMonth, ticks: u32) -> Result<(u32, Option<u32>), KeyErr> {
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
        let Some(e) = &self.end else {
            return Ok((t0 as u32, None));
        };
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
        Ok((t0 as u32, Some(t1 as u32)))
    }

    fn incubator(&mut self) -> Result<PolicyKind, KeyErr> {
        let k = Kind::Incubator;
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
                    "missing: a 3.0 incubator specialises in one sector; give `sector`".into(),
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
            None => {
                return Err((
                    "seats".into(),
                    "missing: a new incubator needs `seats` (start-ups it hosts, real size)".into(),
                ))
            }
        };
        if !upgrade && seats <= 0.0 {
            return Err((
                "seats".into(),
                "expected a number of seats > 0 for a new incubator, found 0".into(),
            ));
        }
        self.seats = Some(seats);
        Ok(PolicyKind::Incubator {
            generation: g,
            sector: self.sector,
            seats,
            upgrade,
        })
    }

    fn convert_space(&mut self) -> Result<PolicyKind, KeyErr> {
        let k = Kind::ConvertSpace;
        let from = need(&self.from, "from", k, "the use converted")?;
        let to = need(&self.to, "to", k, "the use it becomes")?;
        if from == to {
            return Err((
                "to".into(),
                format!("expected a use other than `from` (\"{}\")", from.name()),
            ));
        }
        let share = share(
            need(&self.share, "share", k, "a share between 0 and 1")?,
            "share",
        )?;
        Ok(PolicyKind::ConvertSpace { from, to, share })
    }

    fn rezone(&mut self) -> Result<PolicyKind, KeyErr> {
        let k = Kind::Rezone;
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
        Ok(PolicyKind::Rezone {
            to: zone,
            floor_m2: floor,
            mix,
        })
    }

    fn rent_subsidy(&mut self) -> Result<PolicyKind, KeyErr> {
        let k = Kind::RentSubsidy;
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
        let share = share(
            need(&self.share, "share", k, "a share between 0 and 1")?,
            "share",
        )?;
        let sector = if t == "sector" {
            Some(need(&self.sector, "sector", k, "the sector subsidised")?)
        } else {
            forbid(
                &self.sector,
                "sector",
                "`sector` goes with `target = \"sector\"`",
            )?;
            None
        };
        if t != "incubator_tenants" {
            forbid(
                &self.generation,
                "generation",
                "`generation` goes with `target = \"incubator_tenants\"`",
            )?;
        }
        let housing = if t == "makers" {
            *self.housing.get_or_insert(false)
        } else {
            forbid(
                &self.housing,
                "housing",
                "`housing` goes with `target = \"makers\"` (makers' flats)",
            )?;
            false
        };
        let target = match (t.as_str(), sector) {
            ("startups", _) => SubsidyTarget::Startups,
            ("makers", _) => SubsidyTarget::Makers,
            ("incubator_tenants", _) => SubsidyTarget::IncubatorTenants(self.generation),
            ("sector", Some(s)) => SubsidyTarget::Sector(s),
            _ => SubsidyTarget::AllFirms,
        };
        Ok(PolicyKind::RentSubsidy {
            target,
            share,
            housing,
        })
    }

    fn land_cap(&mut self) -> Result<PolicyKind, KeyErr> {
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
        let max_new_m2 = match self.max_new_m2 {
            Some(m) => nonneg(m, "max_new_m2", "an area in m²")?,
            None => 0.0,
        };
        let release_m2 = match self.release_m2 {
            Some(r) => nonneg(r, "release_m2", "an area in m²")?,
            None => 0.0,
        };
        Ok(PolicyKind::LandCap {
            max_new_m2,
            release_m2,
        })
    }

    fn reuse_buildings(&mut self) -> Result<PolicyKind, KeyErr> {
        let k = Kind::ReuseBuildings;
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
        let share = share(
            need(&self.share, "share", k, "a share between 0 and 1")?,
            "share",
        )?;
        Ok(PolicyKind::ReuseBuildings { from, share })
    }

    fn transport(&mut self, params: &Params, world: &dyn Regions) -> Result<Action, KeyErr> {
        let k = Kind::Transport;
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
        let link = *self.mode.get_or_insert(LinkKind::Rail);
        let speed_kmh = *self.speed_kmh.get_or_insert(match link {
            LinkKind::Rail => params.commute.rail_speed,
            LinkKind::Expressway => params.commute.expressway_speed,
        });
        if !(speed_kmh > 0.0 && speed_kmh <= 300.0) {
            return Err((
                "speed_kmh".into(),
                format!("expected a speed in (0, 300] km/h, found {speed_kmh}"),
            ));
        }
        Ok(Action::Link {
            from: a,
            to: b,
            link,
            speed_kmh,
        })
    }

    fn partner_site(&mut self) -> Result<PolicyKind, KeyErr> {
        let k = Kind::PartnerSite;
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
        let capacity = need(&self.capacity, "capacity", k, "firms it can take")?;
        if !(capacity > 0.0 && capacity <= MAX_AMOUNT) {
            return Err((
                "capacity".into(),
                format!(
                    "expected a number of firms > 0 and at most {MAX_AMOUNT:e}, found {capacity}"
                ),
            ));
        }
        let rent = nonneg(
            *self.rent.get_or_insert(PARTNER_RENT),
            "rent",
            "a rent (yuan/m²/month)",
        )?;
        let distance_km = nonneg(
            *self.distance_km.get_or_insert(PARTNER_DISTANCE_KM),
            "distance_km",
            "a distance (km)",
        )?;
        let bonus = *self.bonus.get_or_insert(PARTNER_BONUS);
        if bonus.is_nan() || bonus.abs() > MAX_BONUS {
            return Err((
                "bonus".into(),
                format!("expected a number between -{MAX_BONUS} and {MAX_BONUS}, found {bonus}"),
            ));
        }
        Ok(PolicyKind::PartnerSite {
            sectors,
            capacity,
            rent,
            distance_km,
            bonus,
        })
    }
}
