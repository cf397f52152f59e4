//! Phase `matching`: contested resources resolved sequentially in a fixed order — firm exits,
//! incubator exits, moves and space for hiring (firm order); then retirements, lay-offs, new
//! start-ups, jobs and homes (workers in a random order drawn each month). Between the two,
//! the vacancy table the workers search.

use rand::seq::SliceRandom;
use rand::Rng;

use super::fields::FieldTables;
use super::firms::{FirmAction, FirmProposals};
use super::workers::{VacZone, Vacancy, WorkerAction, WorkerProposals};
use super::Simulation;
use crate::rng::{stream, Stream};
use crate::sampling::{prefetch, GravityTable};
use crate::types::{FirmKind, Sector, Stage, Use, NONE};
use crate::world::agents::{flags, status, traits, NewFirm, BORN_BEFORE_START, NO_INCUBATOR};
use crate::world::World;

// Matching's fixed numbers (docs/ODD.md §7.18: not parameters; listed so that calibration
// knows they exist).

/// A firm releases floor space it holds above this multiple of its need.
const SURPLUS_SPACE: f64 = 1.25;

/// Close firm `i`: release its space and incubator seat. `left_region` marks a move to a partner site.
fn close_firm(
    world: &mut World,
    sim_metrics: &mut crate::metrics::MetricsState,
    i: usize,
    left_region: bool,
) {
    let f = &mut world.firms;
    if f.flags[i] & flags::ALIVE == 0 {
        return;
    }
    let scale = world.scale;
    f.flags[i] &= !flags::ALIVE;
    if left_region {
        f.flags[i] |= flags::LEFT_REGION;
    }
    let c = f.cell[i] as usize;
    let u = f.space_use[i] as usize;
    world.cells.used[[u, c]] = (world.cells.used[[u, c]] - f.space[i] as f64 / scale).max(0.0);
    f.space[i] = 0.0;
    if f.incubator[i] != NO_INCUBATOR {
        let inc = f.incubator[i] as usize;
        world.incubators.used[inc] = (world.incubators.used[inc] - 1.0 / scale).max(0.0);
        f.incubator[i] = NO_INCUBATOR;
    }
    if !left_region {
        sim_metrics.c.firm_exits += 1;
        if f.kind[i] == FirmKind::Startup as u8 {
            sim_metrics.c.startups_died += 1;
        }
        if f.born[i] < BORN_BEFORE_START {
            sim_metrics.record_death(f.born[i] as usize, f.age[i] as u32);
        }
    }
}

/// What `vacancy_table` makes each month for `workers` and `entrants`
/// (`Simulation::step` hands it on); its buffers are reused from month to month.
#[derive(Default)]
pub struct VacancyTable {
    /// The vacancy urn: per zone, each firm with vacancies (in firm order) repeated once per
    /// vacancy, then the zone's last firm once more; `zones` says where each zone starts.
    pub urn: Vec<Vacancy>,
    /// Each zone's start in `urn` and its vacancies.
    pub zones: Vec<VacZone>,
    /// Vacancies per zone.
    pub per_zone: Vec<f64>,
    /// Zones with an operating firm (the origins of home searches near work).
    pub zone_has_firms: Vec<bool>,
    /// Per home zone: cumulative gravity weight of vacancies over destination zones.
    pub job_grav: GravityTable,
    /// Per work zone: cumulative gravity weight of free homes over zones.
    pub home_grav: GravityTable,
    /// Work buffers for sorting firms by zone.
    sort_buf: Vec<u32>,
    /// Second work buffer.
    sort_buf2: Vec<u32>,
}

/// Resolve the firm and start-up proposals in firm order: exits and incubator departures,
/// moves, floor space for hiring.
pub fn resolve_firms(sim: &mut Simulation, proposals: &FirmProposals) {
    let n_chunks = sim.world.firms.len().div_ceil(crate::rng::CHUNK);
    let scale = sim.world.scale;
    let fp = sim.params.firms.clone();
    // The proposals, per chunk in chunk order.
    let props = || proposals.chunks[..n_chunks].iter().flatten();
    for v in sim.world.firms.vacancies.iter_mut() {
        *v = 0;
    }
    // 1. Exits and incubator departures.
    for p in props() {
        let i = p.firm as usize;
        match p.action {
            FirmAction::Exit => close_firm(&mut sim.world, &mut sim.metrics, i, false),
            FirmAction::LeaveIncubator => {
                let w = &mut sim.world;
                if w.firms.alive(i) && w.firms.incubator[i] != NO_INCUBATOR {
                    let inc = w.firms.incubator[i] as usize;
                    w.incubators.used[inc] = (w.incubators.used[inc] - 1.0 / scale).max(0.0);
                    w.firms.incubator[i] = NO_INCUBATOR;
                    w.firms.incubator_months[i] = 0;
                    w.firms.flags[i] |= flags::MUST_MOVE | flags::HOME_BASED;
                }
            }
            _ => {}
        }
    }
    // 2. Moves, in firm order; the destination must still have room.
    for p in props() {
        let i = p.firm as usize;
        let w = &mut sim.world;
        if !w.firms.alive(i) {
            continue;
        }
        match p.action {
            FirmAction::Move(dest) => {
                let dest = dest as usize;
                let s = Sector::from_index(w.firms.sector[i] as usize);
                let startup = w.firms.kind[i] == FirmKind::Startup as u8;
                let use_ = if startup && w.firms.stage[i] < Stage::Growth as u8 {
                    Use::Maker
                } else {
                    s.space_use()
                };
                let need =
                    (w.firms.employees[i] + p.hires).max(1) as f64 * fp.m2_per_worker.get(use_);
                if w.cells.free(use_, dest) + 1e-9 >= need / scale {
                    let (old_c, old_u) = (w.firms.cell[i] as usize, w.firms.space_use[i] as usize);
                    w.cells.used[[old_u, old_c]] =
                        (w.cells.used[[old_u, old_c]] - w.firms.space[i] as f64 / scale).max(0.0);
                    if w.firms.incubator[i] != NO_INCUBATOR {
                        let inc = w.firms.incubator[i] as usize;
                        w.incubators.used[inc] = (w.incubators.used[inc] - 1.0 / scale).max(0.0);
                        w.firms.incubator[i] = NO_INCUBATOR;
                    }
                    w.cells.used[[use_ as usize, dest]] += need / scale;
                    w.firms.space[i] = need as f32;
                    w.firms.space_use[i] = use_ as u8;
                    w.firms.cell[i] = dest as u32;
                    w.firms.flags[i] &= !(flags::MUST_MOVE | flags::HOME_BASED);
                    sim.metrics.c.firms_relocated += 1;
                    if w.cells.core[old_c] && !w.cells.core[dest] {
                        sim.metrics.c.firms_left_core += 1;
                    }
                } else {
                    w.cells.unmet[[use_ as usize, dest]] +=
                        sim.params.land.unmet_demand_weight * need / scale;
                }
            }
            FirmAction::Partner(site) => {
                let site = site as usize;
                if w.partner_sites[site].used + 1.0 / scale <= w.partner_sites[site].capacity + 1e-9
                {
                    w.partner_sites[site].used += 1.0 / scale;
                    let from_core = w.cells.core[w.firms.cell[i] as usize];
                    close_firm(w, &mut sim.metrics, i, true);
                    sim.metrics.c.firms_to_partner += 1;
                    sim.metrics.c.firms_relocated += 1;
                    if from_core {
                        sim.metrics.c.firms_left_core += 1;
                    }
                }
            }
            _ => {}
        }
    }
    // 3. Space for hiring, in firm order.
    let mut room_rng = stream(sim.seed, sim.tick, Stream::Matching, 2);
    for p in props() {
        let i = p.firm as usize;
        let w = &mut sim.world;
        if p.hires == 0 || !w.firms.alive(i) {
            continue;
        }
        let f = &mut w.firms;
        if f.incubator[i] != NO_INCUBATOR {
            f.vacancies[i] = vacancies(p.hires);
            continue;
        }
        if f.flags[i] & flags::HOME_BASED != 0 {
            continue;
        }
        let (c, u) = (f.cell[i] as usize, f.space_use[i] as usize);
        let m2 = fp.m2_per_worker.get(Use::from_index(u));
        let extra = (f.employees[i] + p.hires) as f64 * m2 - f.space[i] as f64;
        f.flags[i] &= !flags::SPACE_CONSTRAINED;
        if extra > 0.0 {
            let free_per_firm = w.cells.free(Use::from_index(u), c) * scale;
            let grant = extra.min(free_per_firm);
            if grant > 0.0 {
                w.cells.used[[u, c]] += grant / scale;
                f.space[i] += grant as f32;
            }
            if grant < extra {
                f.flags[i] |= flags::SPACE_CONSTRAINED;
                w.cells.unmet[[u, c]] +=
                    sim.params.land.unmet_demand_weight * (extra - grant) / scale;
            }
        }
        let room = room_for(
            f.space[i] as f64 / m2 - f.employees[i] as f64,
            p.hires,
            &mut room_rng,
        );
        f.vacancies[i] = vacancies(p.hires.min(room));
    }
}

/// A firm's vacancies as stored: hires are at most `firms::MAX_HIRES` (`u16::MAX`).
#[inline]
fn vacancies(hires: u32) -> u16 {
    debug_assert!(hires <= super::firms::MAX_HIRES);
    hires.min(super::firms::MAX_HIRES) as u16
}

/// The workers a firm's floor space has room for, `r` (space ÷ m² per worker − employees),
/// as a whole number for `hires` wanted: ⌊r⌋, and one more with probability r − ⌊r⌋ when that
/// one is wanted (one draw from `rng`, only then). A firm agent stands for `1/scale` real
/// firms; a fraction of a worker's floor space each lets that fraction of them hire, in
/// expectation, where rounding down would let none (docs/ODD.md §7.7).
fn room_for(r: f64, hires: u32, rng: &mut rand_chacha::ChaCha8Rng) -> u32 {
    if r <= 0.0 {
        return 0;
    }
    let whole = r.floor();
    if whole >= hires as f64 || r == whole {
        return whole as u32;
    }
    crate::rng::stochastic_round(r, rng.random())
}

/// Release space well beyond need, then build this tick's vacancy table for the worker phase:
/// the vacancy urn (firms with vacancies sorted by zone, in firm order within a zone), each
/// zone's vacancies, the zones with firms, and the gravity tables of job and home searches.
pub fn vacancy_table(sim: &mut Simulation, fields: &FieldTables, sc: &mut VacancyTable) {
    let scale = sim.world.scale;
    let fp = &sim.params.firms;
    let w = &mut sim.world;
    let nz = w.travel.n_zones();
    let cell_zone = &w.travel.cell_zone;
    sc.sort_buf.clear();
    let mut start = vec![0u32; nz + 1];
    sc.zone_has_firms.clear();
    sc.zone_has_firms.resize(nz, false);
    for i in 0..w.firms.len() {
        if !w.firms.alive(i) {
            continue;
        }
        let f = &mut w.firms;
        if f.incubator[i] == NO_INCUBATOR && f.flags[i] & flags::HOME_BASED == 0 {
            let u = f.space_use[i] as usize;
            let need = (f.employees[i] + f.vacancies[i] as u32).max(1) as f64
                * fp.m2_per_worker.get(Use::from_index(u));
            if f.space[i] as f64 > SURPLUS_SPACE * need {
                let c = f.cell[i] as usize;
                w.cells.used[[u, c]] =
                    (w.cells.used[[u, c]] - (f.space[i] as f64 - need) / scale).max(0.0);
                f.space[i] = need as f32;
            }
        }
        let z = cell_zone[f.cell[i] as usize] as usize;
        sc.zone_has_firms[z] = true;
        if f.vacancies[i] > 0 {
            sc.sort_buf.push(i as u32);
            start[z + 1] += 1;
        }
    }
    // Counting sort by zone (firm order within a zone).
    for z in 0..nz {
        start[z + 1] += start[z];
    }
    // The urn: drawing a uniform count d < span in a zone and taking entry d gives the firm a
    // binary search over the zone's cumulative vacancies (in firm order) would give.
    sc.urn.clear();
    sc.zones.clear();
    sc.per_zone.clear();
    sc.per_zone.resize(nz, 0.0);
    let mut next = start[..nz].to_vec();
    let sorted = &mut sc.sort_buf2;
    sorted.clear();
    sorted.resize(sc.sort_buf.len(), 0);
    for &i in &sc.sort_buf {
        let z = cell_zone[w.firms.cell[i as usize] as usize] as usize;
        sorted[next[z] as usize] = i;
        next[z] += 1;
    }
    for z in 0..nz {
        let urn = sc.urn.len() as u32;
        let mut span = 0u64;
        let mut last = None;
        for &i in &sorted[start[z] as usize..start[z + 1] as usize] {
            let f = i as usize;
            let v = Vacancy {
                firm: i,
                class: w.firms.sector[f].min(Sector::N as u8 - 1) * 2 + w.firms.high_tech(f) as u8,
            };
            let n = w.firms.vacancies[f];
            sc.urn.extend(std::iter::repeat(v).take(n as usize));
            span += n as u64;
            sc.per_zone[z] += n as f64;
            last = Some(v);
        }
        if let Some(v) = last {
            sc.urn.push(v);
        }
        sc.zones.push(VacZone { urn, span });
    }
    // Rough sample counts: job searches draw ~8 zones for ~5% of workers; home searches
    // ~10 zones for ~1% of workers.
    let n_workers = w.workers.len();
    sc.job_grav.rebuild(
        &fields.grav_w,
        &sc.per_zone,
        &fields.zone_has_residents,
        n_workers / 2,
    );
    sc.home_grav.rebuild(
        &fields.grav_w,
        &fields.res_zone,
        &sc.zone_has_firms,
        n_workers / 10,
    );
}

/// [`leave_employer`] of a worker's own accord, counted in the month's quits (the separation
/// rate that established firms replace next month, docs/ODD.md §7.7).
pub(super) fn quit_employer(
    world: &mut World,
    metrics: &mut crate::metrics::MetricsState,
    w: usize,
) {
    if leave_employer(world, metrics, w) {
        metrics.c.quits += 1;
    }
}

/// Remove worker `w` from employer `f`'s headcount; whether `f` was an operating firm.
pub(super) fn leave_employer(
    world: &mut World,
    metrics: &mut crate::metrics::MetricsState,
    w: usize,
) -> bool {
    let f = world.workers.employer[w];
    world.workers.employer[w] = NONE;
    if f == NONE || !world.firms.alive(f as usize) {
        return false;
    }
    let f = f as usize;
    world.firms.employees[f] = world.firms.employees[f].saturating_sub(1);
    if world.firms.employees[f] == 0 {
        close_firm(world, metrics, f, false);
    }
    true
}

/// Add a new firm `f`, its founder (who has left their employer) working for it with `status`
/// (a start-up's founder, or the employee of an ordinary firm they set up); returns its index.
pub(super) fn found_firm(w: &mut World, founder: usize, f: NewFirm, status: u8) -> usize {
    let idx = w.firms.push(f);
    w.workers.employer[founder] = idx as u32;
    status::set(&mut w.workers.state[founder], status);
    idx
}

/// Resolve the worker proposals in a random order drawn each month: retirements, lay-offs,
/// new start-ups, jobs and homes.
pub fn resolve_workers(sim: &mut Simulation, proposals: &mut WorkerProposals) {
    let n_chunks = sim.world.workers.len().div_ceil(crate::rng::CHUNK);
    let scale = sim.world.scale;
    let home_m2 = sim.params.population.home_m2_per_worker / scale;
    let maker_m2 = sim.params.firms.m2_per_worker.maker;
    let tick = sim.tick;
    let mut rng = stream(sim.seed, tick, Stream::Matching, 0);
    // A fresh random order each month (as NetLogo's `ask`): the worker index order would put
    // the labour-force entrants, appended at the end, last in every month's contest for jobs.
    // The chunks in a random order, each chunk's proposals in a random order: every proposal's
    // rank is uniform, while a chunk's workers (neighbours in the zone order) stay in cache.
    let mut order_rng = stream(sim.seed, tick, Stream::Matching, 1);
    let mut chunk_order: Vec<u32> = (0..n_chunks as u32).collect();
    chunk_order.shuffle(&mut order_rng);
    let order = &mut proposals.order;
    order.clear();
    for &c in &chunk_order {
        let from = order.len();
        order.extend((0..proposals.chunks[c as usize].len() as u32).map(|k| (c, k)));
        order[from..].shuffle(&mut order_rng);
    }
    let chunks = &proposals.chunks;
    let at = |(c, k): (u32, u32)| &chunks[c as usize][k as usize];
    for (j, &o) in order.iter().enumerate() {
        let p = at(o);
        // Prefetch the firms a proposal a few places ahead will touch (a hint only): its
        // worker's employer and a job proposal's first target.
        if let Some(q) = order.get(j + 8).map(|&o| at(o)) {
            let f = &sim.world.firms;
            let e = sim.world.workers.employer[q.worker as usize];
            if e != NONE {
                prefetch(&f.employees[e as usize]);
                prefetch(&f.flags[e as usize]);
            }
            if q.action == WorkerAction::Job {
                let t = q.targets[0] as usize;
                prefetch(&f.vacancies[t]);
                prefetch(&f.flags[t]);
            }
        }
        let wi = p.worker as usize;
        let w = &mut sim.world;
        match p.action {
            WorkerAction::Retire => {
                quit_employer(w, &mut sim.metrics, wi);
                status::set(&mut w.workers.state[wi], status::RETIRED);
                let h = w.workers.home[wi] as usize;
                w.cells.used[[Use::Residential as usize, h]] =
                    (w.cells.used[[Use::Residential as usize, h]] - home_m2).max(0.0);
                w.cells.residents[h] -= 1;
                if w.workers.state[wi] & traits::TECH != 0 {
                    w.cells.tech_residents[h] -= 1;
                }
                sim.metrics.c.retired += 1;
            }
            WorkerAction::Quit => {
                if status::of(w.workers.state[wi]) == status::EMPLOYED {
                    leave_employer(w, &mut sim.metrics, wi);
                    status::set(&mut w.workers.state[wi], status::UNEMPLOYED);
                }
            }
            WorkerAction::Found => {
                let h = w.workers.home[wi] as usize;
                let sector = Sector::from_index((p.aux & 15) as usize);
                let high_tech = p.aux & 16 != 0;
                let seat = 1.0 / scale;
                let (mut cell, mut incubator, mut space, mut fl) =
                    (h as u32, NONE, 0.0f32, flags::ALIVE | flags::HOME_BASED);
                let inc = p.targets[0];
                if inc != NONE
                    && w.incubators.used[inc as usize] + seat
                        <= w.incubators.seats[inc as usize] + 1e-9
                {
                    w.incubators.used[inc as usize] += seat;
                    incubator = inc;
                    cell = w.incubators.cell[inc as usize];
                    fl = flags::ALIVE;
                } else if p.targets[1] != NONE
                    && w.cells.free(Use::Maker, p.targets[1] as usize) >= maker_m2 / scale
                {
                    cell = p.targets[1];
                    w.cells.used[[Use::Maker as usize, cell as usize]] += maker_m2 / scale;
                    space = maker_m2 as f32;
                    fl = flags::ALIVE;
                } else if p.targets[1] != NONE {
                    w.cells.unmet[[Use::Maker as usize, p.targets[1] as usize]] += maker_m2 / scale;
                }
                if high_tech {
                    fl |= flags::HIGH_TECH;
                }
                let sp = &sim.params.startups;
                let monthly = sim.params.firms.wage.get(sector) * sim.economy.wages
                    + maker_m2 * w.cells.rent[[Use::Maker as usize, cell as usize]];
                let months = sp.founder_cash_months[0]
                    + rng.random::<f64>()
                        * (sp.founder_cash_months[1] - sp.founder_cash_months[0]).max(0.0);
                quit_employer(w, &mut sim.metrics, wi);
                found_firm(
                    w,
                    wi,
                    NewFirm {
                        cell,
                        sector,
                        kind: FirmKind::Startup as u8,
                        stage: Stage::Idea as u8,
                        flags: fl,
                        space_use: Use::Maker as u8,
                        employees: 1,
                        space,
                        tfp: p.quality,
                        cash: months * monthly,
                        knowledge: 0.0,
                        age: 0,
                        born: tick.min(BORN_BEFORE_START as u32 - 1) as u16,
                        incubator,
                    },
                    status::FOUNDER,
                );
                sim.metrics
                    .record_birth(tick as usize, cell, incubator != NONE);
            }
            WorkerAction::Job => {
                if status::of(w.workers.state[wi]) == status::FOUNDER
                    || status::of(w.workers.state[wi]) == status::RETIRED
                {
                    continue;
                }
                for &t in &p.targets {
                    if t == NONE {
                        break;
                    }
                    let t = t as usize;
                    if w.firms.alive(t)
                        && w.firms.vacancies[t] > 0
                        && w.workers.employer[wi] != t as u32
                    {
                        w.firms.vacancies[t] -= 1;
                        w.firms.employees[t] += 1;
                        quit_employer(w, &mut sim.metrics, wi);
                        w.workers.employer[wi] = t as u32;
                        status::set(&mut w.workers.state[wi], status::EMPLOYED);
                        sim.metrics.c.hires += 1;
                        break;
                    }
                }
            }
            WorkerAction::Home => {
                if status::of(w.workers.state[wi]) == status::RETIRED {
                    continue;
                }
                for &t in &p.targets {
                    if t == NONE {
                        break;
                    }
                    let c = t as usize;
                    if w.cells.free(Use::Residential, c) >= home_m2 {
                        let h = w.workers.home[wi] as usize;
                        w.cells.used[[Use::Residential as usize, h]] =
                            (w.cells.used[[Use::Residential as usize, h]] - home_m2).max(0.0);
                        w.cells.used[[Use::Residential as usize, c]] += home_m2;
                        w.cells.residents[h] -= 1;
                        w.cells.residents[c] += 1;
                        if w.workers.state[wi] & traits::TECH != 0 {
                            w.cells.tech_residents[h] -= 1;
                            w.cells.tech_residents[c] += 1;
                        }
                        w.workers.home[wi] = c as u32;
                        sim.metrics.c.home_moves += 1;
                        break;
                    }
                    w.cells.unmet[[Use::Residential as usize, c]] += home_m2;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::room_for;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn room_is_whole_without_a_draw_unless_the_fraction_is_wanted() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let pos = rng.get_word_pos();
        assert_eq!(room_for(-0.4, 3, &mut rng), 0);
        assert_eq!(room_for(0.0, 3, &mut rng), 0);
        assert_eq!(room_for(2.0, 5, &mut rng), 2);
        // Room for more than is wanted: no draw (vacancies are min(hires, room)).
        assert_eq!(room_for(2.6, 2, &mut rng), 2);
        assert_eq!(rng.get_word_pos(), pos);
    }

    #[test]
    fn a_fraction_of_room_gives_that_fraction_of_a_worker_on_average() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 200_000;
        let total: u64 = (0..n).map(|_| room_for(2.3, 4, &mut rng) as u64).sum();
        let mean = total as f64 / n as f64;
        // 2 or 3, mean 2.3 (sd of the mean ≈ 0.001).
        assert!((mean - 2.3).abs() < 0.005, "mean {mean}");
        let small: u64 = (0..n).map(|_| room_for(0.25, 1, &mut rng) as u64).sum();
        assert!((small as f64 / n as f64 - 0.25).abs() < 0.005);
    }
}
