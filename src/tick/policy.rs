//! Policy events: the levers a scenario schedules (incubators, conversions, rezoning, subsidies,
//! red lines, building reuse, transport links, partner sites) and how each takes effect.

use serde::Serialize;

use crate::types::{FirmKind, Generation, LandUse, Sector, Use};
use crate::world::agents::flags;
use crate::world::layers::{Link, LinkKind};
use crate::world::places::cells_within;
use crate::world::{PartnerSite, World};

/// Who receives a rent subsidy.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubsidyTarget {
    /// Every start-up.
    Startups,
    /// Makers: start-ups in maker space or incubators, and (for housing) their founders and staff.
    Makers,
    /// Firms of one sector.
    Sector(Sector),
    /// Tenants of incubators (of one generation, or of any).
    IncubatorTenants(Option<Generation>),
    /// Every firm.
    AllFirms,
}

/// What a policy does.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PolicyKind {
    /// Build a new incubator in the region, or upgrade the incubators already there.
    Incubator {
        /// Generation.
        generation: Generation,
        /// Sector focus (3.0).
        sector: Option<Sector>,
        /// Seats at real size (added to upgraded incubators, or the new one's capacity).
        seats: f64,
        /// Upgrade existing incubators instead of building a new one.
        upgrade: bool,
    },
    /// Convert a share of one use's floor space into another (tenants displaced must move).
    /// With an end tick the conversion is spread evenly over the period.
    ConvertSpace {
        /// Use converted.
        from: Use,
        /// Use it becomes.
        to: Use,
        /// Share of the `from` floor space at the start of the policy.
        share: f64,
    },
    /// Change the land-use zone and add floor space split by `mix` (shares per use).
    Rezone {
        /// New zone.
        to: LandUse,
        /// Floor space added (m², real).
        floor_m2: f64,
        /// Share of the new floor space per use.
        mix: [f64; Use::N],
    },
    /// A share of rent paid for a target group while the policy runs.
    RentSubsidy {
        /// Who receives it.
        target: SubsidyTarget,
        /// Share of rent paid by the government.
        share: f64,
        /// Whether it also covers the target group's housing rent (makers' flats).
        housing: bool,
    },
    /// Red line: at most `max_new_m2` new floor space in the region while it runs (0 = none);
    /// a negative value is not allowed. With `release_m2 > 0` it instead raises the zoning limit.
    LandCap {
        /// New floor space allowed in the whole region (m²).
        max_new_m2: f64,
        /// Zoning headroom released (m²), spread over the region's cells.
        release_m2: f64,
    },
    /// Vacant floor space of a use becomes maker space without a change of land use (2015 rule).
    ReuseBuildings {
        /// Use whose vacant space is reused.
        from: Use,
        /// Share of that use's floor space at most.
        share: f64,
    },
    /// A new or faster link between two points.
    Transport {
        /// Start (km).
        from: (f64, f64),
        /// End (km).
        to: (f64, f64),
        /// Rail or expressway.
        link: LinkKind,
        /// Speed (km/h).
        speed_kmh: f64,
    },
    /// A regional partner site that takes relocating firms of some sectors.
    PartnerSite {
        /// Sectors it takes.
        sectors: Vec<Sector>,
        /// Firms it can take (real size).
        capacity: f64,
        /// Rent there.
        rent: f64,
        /// Distance (km).
        distance_km: f64,
        /// Utility bonus (incentives).
        bonus: f64,
    },
}

/// A scheduled policy with its region resolved to cells.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    /// Name (for logs and reports).
    pub name: String,
    /// What it does.
    pub kind: PolicyKind,
    /// First tick it acts.
    pub start: u32,
    /// Tick it stops acting (exclusive), if any.
    pub end: Option<u32>,
    /// Cells of its region, ascending.
    pub cells: Vec<u32>,
}

/// Bookkeeping of policies during a run.
#[derive(Clone, Debug, Default)]
pub struct PolicyState {
    /// The scenario's policies.
    pub policies: Vec<Policy>,
    /// Per policy: the `from` floor space at its start (for gradual conversions).
    base_amount: Vec<Vec<f64>>,
    /// Active subsidies: (policy index, membership mask over cells).
    pub subsidies: Vec<(usize, Vec<bool>)>,
    /// Partner site index per policy (for ending them).
    partner_of: Vec<Option<usize>>,
}

/// What policies keep between ticks, for a saved state: by position among the policies that
/// had started (the only ones that keep anything); the policies themselves come from the
/// scenario that continues it.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct PolicyRuntime {
    base_amount: Vec<Vec<f64>>,
    subsidies: Vec<(usize, Vec<bool>)>,
    partner_of: Vec<Option<usize>>,
}

/// What the policy step did this tick (for logs).
#[derive(Clone, Debug, Default)]
pub struct PolicyLog {
    /// Lines describing the events that took effect.
    pub events: Vec<String>,
}

impl PolicyState {
    /// Wrap a scenario's policies.
    pub fn new(policies: Vec<Policy>) -> Self {
        let n = policies.len();
        PolicyState {
            policies,
            base_amount: vec![Vec::new(); n],
            subsidies: Vec::new(),
            partner_of: vec![None; n],
        }
    }

    /// The bookkeeping to save with a state at tick `tick`, by position among the policies
    /// that started before it (the only ones that have any).
    pub fn runtime(&self, tick: u32) -> PolicyRuntime {
        let started: Vec<usize> = (0..self.policies.len())
            .filter(|&i| self.policies[i].start < tick)
            .collect();
        let k_of = |i: usize| started.iter().position(|&j| j == i).unwrap_or(usize::MAX);
        PolicyRuntime {
            base_amount: started
                .iter()
                .map(|&i| self.base_amount[i].clone())
                .collect(),
            subsidies: self
                .subsidies
                .iter()
                .map(|(i, mask)| (k_of(*i), mask.clone()))
                .collect(),
            partner_of: started.iter().map(|&i| self.partner_of[i]).collect(),
        }
    }

    /// Continue at tick `tick` with `policies` and a saved run's bookkeeping, whose started
    /// policies are, in order, the ones of `policies` that started before `tick` (the state's
    /// prefix check makes sure of it). `n_cells` and `n_partner_sites` are the world's.
    pub fn resume(
        policies: Vec<Policy>,
        saved: PolicyRuntime,
        tick: u32,
        n_cells: usize,
        n_partner_sites: usize,
    ) -> Result<PolicyState, String> {
        let started: Vec<usize> = (0..policies.len())
            .filter(|&i| policies[i].start < tick)
            .collect();
        let bad = || "the state's policy records do not match its policies".to_string();
        if saved.base_amount.len() != started.len() || saved.partner_of.len() != started.len() {
            return Err(bad());
        }
        let mut s = PolicyState::new(policies);
        for (k, amount) in saved.base_amount.into_iter().enumerate() {
            let i = started[k];
            if !amount.is_empty() && amount.len() != s.policies[i].cells.len() {
                return Err(bad());
            }
            s.base_amount[i] = amount;
        }
        for (k, partner) in saved.partner_of.into_iter().enumerate() {
            if partner.is_some_and(|p| p >= n_partner_sites) {
                return Err(bad());
            }
            s.partner_of[started[k]] = partner;
        }
        for (k, mask) in saved.subsidies {
            let i = *started.get(k).ok_or_else(bad)?;
            if mask.len() != n_cells {
                return Err(bad());
            }
            s.subsidies.push((i, mask));
        }
        Ok(s)
    }

    /// The rent share paid by subsidies for a firm in `cell` (0 when none applies).
    pub fn firm_subsidy(
        &self,
        cell: usize,
        sector: Sector,
        kind: u8,
        space_use: u8,
        incubator_gen: Option<Generation>,
    ) -> f64 {
        let mut s: f64 = 0.0;
        for (p, mask) in &self.subsidies {
            if !mask[cell] {
                continue;
            }
            if let PolicyKind::RentSubsidy { target, share, .. } = &self.policies[*p].kind {
                let startup = kind == FirmKind::Startup as u8;
                let hit = match target {
                    SubsidyTarget::Startups => startup,
                    SubsidyTarget::Makers => {
                        startup && (space_use == Use::Maker as u8 || incubator_gen.is_some())
                    }
                    SubsidyTarget::Sector(x) => *x == sector,
                    SubsidyTarget::IncubatorTenants(g) => match (g, incubator_gen) {
                        (None, Some(_)) => true,
                        (Some(g), Some(h)) => *g == h,
                        _ => false,
                    },
                    SubsidyTarget::AllFirms => true,
                };
                if hit {
                    s = s.max(*share);
                }
            }
        }
        s
    }

    /// The largest rent share paid for start-ups (or makers) in `cell`: it raises founding rates.
    pub fn startup_subsidy(&self, cell: usize) -> f64 {
        let mut s: f64 = 0.0;
        for (p, mask) in &self.subsidies {
            if let PolicyKind::RentSubsidy {
                target: SubsidyTarget::Startups | SubsidyTarget::Makers,
                share,
                ..
            } = &self.policies[*p].kind
            {
                if mask[cell] {
                    s = s.max(*share);
                }
            }
        }
        s
    }

    /// The housing rent share paid for makers living in `cell`.
    pub fn housing_subsidy(&self, cell: usize) -> f64 {
        let mut s: f64 = 0.0;
        for (p, mask) in &self.subsidies {
            if let PolicyKind::RentSubsidy {
                target: SubsidyTarget::Makers,
                share,
                housing: true,
            } = &self.policies[*p].kind
            {
                if mask[cell] {
                    s = s.max(*share);
                }
            }
        }
        s
    }

    /// Whether any subsidy is active.
    pub fn any_subsidy(&self) -> bool {
        !self.subsidies.is_empty()
    }

    /// A `convert_space` policy while it runs: from its start, the region's floor space of
    /// `from` as it was at the beginning of that month (recorded by [`PolicyState::apply`]
    /// before any policy of the month acts, so that two conversions of one use starting
    /// together split the same amount), converted to `to` in equal monthly parts until its end
    /// (at once without one). Returns the event of its first and last month.
    fn convert_space(
        &mut self,
        pi: usize,
        world: &mut World,
        p: &Policy,
        (from, to, share): (Use, Use, f64),
        (starts, ends): (bool, bool),
    ) -> Option<String> {
        let frac = match p.end {
            Some(e) if e > p.start + 1 => 1.0 / (e - p.start) as f64,
            _ => {
                if starts {
                    1.0
                } else {
                    0.0
                }
            }
        };
        if frac > 0.0 {
            let mut moved = 0.0;
            for (k, &c) in p.cells.iter().enumerate() {
                let amount = (self.base_amount[pi][k] * share * frac)
                    .min(world.cells.capacity[[from as usize, c as usize]]);
                moved += convert(world, c as usize, from, to, amount);
            }
            if starts || ends {
                return Some(format!(
                    "{}: converting {} m² of {} to {} this month",
                    p.name,
                    moved.round(),
                    from.name(),
                    to.name()
                ));
            }
        }
        None
    }

    /// Apply the events of tick `t` to the world, in the scenario's order.
    pub fn apply(
        &mut self,
        t: u32,
        world: &mut World,
        m2_per_seat: f64,
        commute: &crate::params::CommuteParams,
    ) -> PolicyLog {
        let mut log = PolicyLog::default();
        let n_cells = world.grid.n_cells();
        // The amounts conversions starting this month work from: the month's opening state.
        for (pi, p) in self.policies.iter().enumerate() {
            if let (PolicyKind::ConvertSpace { from, .. }, true) = (&p.kind, t == p.start) {
                self.base_amount[pi] = p
                    .cells
                    .iter()
                    .map(|&c| world.cells.capacity[[*from as usize, c as usize]])
                    .collect();
            }
        }
        for pi in 0..self.policies.len() {
            let p = self.policies[pi].clone();
            let active = t >= p.start && p.end.is_none_or(|e| t < e);
            let starts = t == p.start;
            let ends = p.end == Some(t);
            match &p.kind {
                PolicyKind::Incubator {
                    generation,
                    sector,
                    seats,
                    upgrade,
                } if starts => {
                    let event = incubator(
                        world,
                        &p,
                        (*generation, *sector, *seats, *upgrade),
                        m2_per_seat,
                    );
                    log.events.extend(event);
                }
                PolicyKind::ConvertSpace { from, to, share } if active => {
                    let event =
                        self.convert_space(pi, world, &p, (*from, *to, *share), (starts, ends));
                    log.events.extend(event);
                }
                PolicyKind::Rezone { to, floor_m2, mix } if starts => {
                    let n = p.cells.len().max(1) as f64;
                    for &c in &p.cells {
                        let c = c as usize;
                        world.cells.land_use[c] = *to;
                        for u in 0..Use::N {
                            world.cells.capacity[[u, c]] += floor_m2 / n * mix[u];
                        }
                        raise_max_floor(world, c);
                    }
                    log.events.push(format!(
                        "{}: rezoned {} cells to {} with {floor_m2} m²",
                        p.name,
                        p.cells.len(),
                        to.name()
                    ));
                }
                PolicyKind::RentSubsidy { .. } => {
                    if starts {
                        let mut mask = vec![false; n_cells];
                        for &c in &p.cells {
                            mask[c as usize] = true;
                        }
                        self.subsidies.push((pi, mask));
                        log.events.push(format!("{}: rent subsidy starts", p.name));
                    }
                    if ends {
                        self.subsidies.retain(|(q, _)| *q != pi);
                        log.events.push(format!("{}: rent subsidy ends", p.name));
                    }
                }
                PolicyKind::LandCap {
                    max_new_m2,
                    release_m2,
                } => {
                    land_cap(
                        world,
                        &p,
                        (*max_new_m2, *release_m2),
                        (starts, ends),
                        &mut log,
                    );
                }
                PolicyKind::ReuseBuildings { from, share } if starts => {
                    let mut moved = 0.0;
                    for &c in &p.cells {
                        let c = c as usize;
                        let amount = (world.cells.capacity[[*from as usize, c]] * share)
                            .min(world.cells.free(*from, c));
                        moved += convert(world, c, *from, Use::Maker, amount);
                    }
                    log.events.push(format!(
                        "{}: {} m² of vacant {} reused as maker space",
                        p.name,
                        moved.round(),
                        from.name()
                    ));
                }
                PolicyKind::Transport {
                    from,
                    to,
                    link,
                    speed_kmh,
                } if starts => {
                    world.travel.links.push(Link {
                        name: p.name.clone(),
                        kind: *link,
                        points: vec![*from, *to],
                        speed_kmh: Some(*speed_kmh),
                    });
                    let grid = world.grid;
                    world.travel.rebuild(&grid, commute);
                    log.events
                        .push(format!("{}: new link at {speed_kmh} km/h", p.name));
                }
                PolicyKind::PartnerSite {
                    sectors,
                    capacity,
                    rent,
                    distance_km,
                    bonus,
                } => {
                    if starts {
                        let mut mask = [false; Sector::N];
                        for s in sectors {
                            mask[*s as usize] = true;
                        }
                        world.partner_sites.push(PartnerSite {
                            name: p.name.clone(),
                            sectors: mask,
                            capacity: *capacity,
                            used: 0.0,
                            rent: *rent,
                            distance_km: *distance_km,
                            bonus: *bonus,
                        });
                        self.partner_of[pi] = Some(world.partner_sites.len() - 1);
                        log.events.push(format!("{}: partner site opens", p.name));
                    }
                    if ends {
                        if let Some(s) = self.partner_of[pi] {
                            world.partner_sites[s].capacity = world.partner_sites[s].used;
                        }
                        log.events
                            .push(format!("{}: partner site closes to new firms", p.name));
                    }
                }
                _ => {}
            }
        }
        log
    }
}

/// An `incubator` policy starting: upgrade the region's incubators, or open one at the
/// region's central cell with its maker space. Returns the event.
fn incubator(
    world: &mut World,
    p: &Policy,
    (generation, sector, seats, upgrade): (Generation, Option<Sector>, f64, bool),
    m2_per_seat: f64,
) -> Option<String> {
    if upgrade {
        let mut n = 0;
        for i in 0..world.incubators.len() {
            if p.cells.binary_search(&world.incubators.cell[i]).is_ok() {
                world.incubators.generation[i] = generation;
                world.incubators.sector[i] = sector;
                world.incubators.seats[i] += seats;
                n += 1;
            }
        }
        Some(format!(
            "{}: upgraded {n} incubator(s) to {}",
            p.name,
            generation.label()
        ))
    } else if let Some(cell) = central_cell(world, &p.cells) {
        world
            .incubators
            .push(p.name.clone(), cell, generation, sector, seats);
        let m2 = seats * m2_per_seat;
        world.cells.capacity[[Use::Maker as usize, cell as usize]] += m2;
        world.cells.used[[Use::Maker as usize, cell as usize]] += m2;
        raise_max_floor(world, cell as usize);
        Some(format!(
            "{}: new {} incubator with {seats} seats",
            p.name,
            generation.label()
        ))
    } else {
        None
    }
}

/// A `land_cap` policy: at its start the red line over the region (each cell's floor space
/// plus its share of `max_new_m2`) or headroom released; at its end the red line lifted.
fn land_cap(
    world: &mut World,
    p: &Policy,
    (max_new_m2, release_m2): (f64, f64),
    (starts, ends): (bool, bool),
    log: &mut PolicyLog,
) {
    if starts {
        let total: f64 = p
            .cells
            .iter()
            .map(|&c| world.cells.total_capacity(c as usize))
            .sum();
        for &c in &p.cells {
            let c = c as usize;
            let cap = world.cells.total_capacity(c);
            if release_m2 > 0.0 {
                world.cells.max_floor[c] += release_m2 / p.cells.len().max(1) as f64;
            } else {
                let share = if total > 0.0 { cap / total } else { 0.0 };
                world.cells.red_line[c] = cap + max_new_m2 * share;
            }
        }
        log.events.push(format!(
            "{}: land cap in force over {} cells",
            p.name,
            p.cells.len()
        ));
    }
    if ends && release_m2 <= 0.0 {
        for &c in &p.cells {
            world.cells.red_line[c as usize] = f64::INFINITY;
        }
        log.events.push(format!("{}: land cap lifted", p.name));
    }
}

/// The cell of a region nearest its centroid (ties: the lower index): where a new incubator
/// stands.
pub fn central_cell(world: &World, cells: &[u32]) -> Option<u32> {
    let (cx, cy) = world.grid.centroid(cells)?;
    cells.iter().copied().min_by(|&a, &b| {
        let (ax, ay) = world.grid.centre(a as usize);
        let (bx, by) = world.grid.centre(b as usize);
        ((ax - cx).powi(2) + (ay - cy).powi(2))
            .total_cmp(&((bx - cx).powi(2) + (by - cy).powi(2)))
            .then(a.cmp(&b))
    })
}

fn raise_max_floor(world: &mut World, c: usize) {
    let total = world.cells.total_capacity(c);
    if world.cells.max_floor[c] < total {
        world.cells.max_floor[c] = total;
    }
}

/// Move up to `amount` m² of capacity from one use to another in a cell; returns the m² moved.
/// Tenants of the `from` use that no longer fit are displaced (highest index first): their
/// space is released and they must find new space. Space nobody can be moved out of stays:
/// occupied housing (not demolished here) and an incubator's own maker space.
pub fn convert(world: &mut World, c: usize, from: Use, to: Use, amount: f64) -> f64 {
    if amount <= 0.0 {
        return 0.0;
    }
    let (fu, tu) = (from as usize, to as usize);
    world.cells.capacity[[fu, c]] -= amount;
    world.cells.capacity[[tu, c]] += amount;
    if world.cells.used[[fu, c]] <= world.cells.capacity[[fu, c]] + 1e-6 {
        return amount;
    }
    let scale = world.scale;
    let firms = &mut world.firms;
    // Housing is not demolished here: nobody is displaced from it.
    let evicts = from != Use::Residential;
    for i in (0..firms.len()).rev() {
        if !evicts || world.cells.used[[fu, c]] <= world.cells.capacity[[fu, c]] + 1e-6 {
            break;
        }
        if firms.cell[i] as usize == c
            && firms.alive(i)
            && firms.space_use[i] == from as u8
            && firms.space[i] > 0.0
        {
            world.cells.used[[fu, c]] -= firms.space[i] as f64 / scale;
            firms.space[i] = 0.0;
            firms.flags[i] |= flags::MUST_MOVE | flags::HOME_BASED;
        }
    }
    if world.cells.used[[fu, c]] < 0.0 {
        world.cells.used[[fu, c]] = 0.0;
    }
    // What is still occupied (housing, incubators' own space) keeps its capacity.
    let over = (world.cells.used[[fu, c]] - world.cells.capacity[[fu, c]]).max(0.0);
    world.cells.capacity[[fu, c]] += over;
    world.cells.capacity[[tu, c]] -= over;
    amount - over
}

/// Cells of a disc around a point (helper for callers resolving regions).
pub fn disc(world: &World, x: f64, y: f64, r: f64) -> Vec<u32> {
    cells_within(&world.grid, x, y, r)
}
