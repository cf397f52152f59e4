//! Agents as struct-of-arrays: workers, firms, incubators and universities, one column per attribute.
//!
//! Indices are positions in the columns; firms also carry a persistent `id` that only grows.
//! Every monetary or space quantity of a firm is that of ONE real firm: an agent stands for
//! `1 / scale` identical real firms (likewise a worker agent for `1 / scale` real workers), so
//! city totals are column sums divided by `scale`.

use crate::types::{Generation, Sector, NONE};

/// Worker status codes.
pub mod status {
    /// Employed by a firm (not their own).
    pub const EMPLOYED: u8 = 0;
    /// Looking for work.
    pub const UNEMPLOYED: u8 = 1;
    /// Runs their own start-up (its `employer` is that start-up).
    pub const FOUNDER: u8 = 2;
    /// Left the labour force (retired); the slot is reclaimed at the next compaction.
    pub const RETIRED: u8 = 3;
    /// The bits of a worker's `state` byte that hold the status (the traits hold others).
    pub const MASK: u8 = 0b11;

    /// The status in a worker's `state` byte.
    #[inline]
    pub fn of(state: u8) -> u8 {
        state & MASK
    }

    /// Set the status in a worker's `state` byte, keeping the traits.
    #[inline]
    pub fn set(state: &mut u8, s: u8) {
        *state = (*state & !MASK) | s;
    }
}

/// Worker trait bits, above the status in a worker's `state` byte.
pub mod traits {
    /// Technical skills (engineer, scientist).
    pub const TECH: u8 = 1 << 2;
    /// College degree.
    pub const COLLEGE: u8 = 1 << 3;
    /// All trait bits.
    pub const MASK: u8 = TECH | COLLEGE;
}

/// `Workers::work_zone` of a worker who was not working at the last commute phase.
pub const NO_ZONE: u16 = u16::MAX;

/// `Firms::incubator` of a firm in no incubator.
pub const NO_INCUBATOR: u16 = u16::MAX;

/// Workers / residents.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Workers {
    /// Home cell.
    pub home: Vec<u32>,
    /// Employer (firm index) or `NONE`.
    pub employer: Vec<u32>,
    /// The status (`status::of`, one of `status::*`) and the traits (`traits::*` bits) in one
    /// byte.
    pub state: Vec<u8>,
    /// Age in years.
    pub age: Vec<u8>,
    /// Travel zone of the workplace at the last commute phase, [`NO_ZONE`] when not working
    /// then. With the home and the travel times that phase used (`Travel::last_time`) it
    /// gives the one-way commute a worker weighs in the next month (2 bytes where the minutes
    /// took 4).
    pub work_zone: Vec<u16>,
}

impl Workers {
    /// Number of worker slots (including retired ones not yet compacted).
    pub fn len(&self) -> usize {
        self.home.len()
    }
    /// Whether there are no workers.
    pub fn is_empty(&self) -> bool {
        self.home.is_empty()
    }
    /// Append a worker.
    pub fn push(&mut self, home: u32, traits: u8, age: u8) {
        self.home.push(home);
        self.employer.push(NONE);
        debug_assert_eq!(traits & !traits::MASK, 0);
        self.state.push(status::UNEMPLOYED | traits);
        self.age.push(age);
        self.work_zone.push(NO_ZONE);
    }
    /// Keep only the workers for which `keep` is true, preserving order.
    pub fn retain(&mut self, keep: &[bool]) {
        fn filter<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut j = 0;
            for i in 0..v.len() {
                if keep[i] {
                    v[j] = v[i];
                    j += 1;
                }
            }
            v.truncate(j);
        }
        filter(&mut self.home, keep);
        filter(&mut self.employer, keep);
        filter(&mut self.state, keep);
        filter(&mut self.age, keep);
        filter(&mut self.work_zone, keep);
    }
    /// Order the workers by the travel zone of their home, stably, within each block of
    /// `block` slots (a counting sort per block): a zone's workers then read its travel-time
    /// and gravity rows one after another. Each worker's row moves whole; nothing refers to a
    /// worker by index between months, so the order is free (matching draws its own).
    pub fn order_by_zone(&mut self, cell_zone: &[u16], n_zones: usize, block: usize) {
        let n = self.len();
        let block = block.max(1);
        // Block-sized buffers only (the columns are permuted in place, one block at a time).
        let cap = block.min(n);
        let mut perm: Vec<u32> = Vec::with_capacity(cap);
        let (mut words, mut halves, mut bytes) = (
            Vec::<u32>::with_capacity(cap),
            Vec::<u16>::with_capacity(cap),
            Vec::<u8>::with_capacity(cap),
        );
        let mut next = vec![0usize; n_zones + 1];
        for start in (0..n).step_by(block) {
            let end = (start + block).min(n);
            next.fill(0);
            for &h in &self.home[start..end] {
                next[cell_zone[h as usize] as usize + 1] += 1;
            }
            for z in 0..n_zones {
                next[z + 1] += next[z];
            }
            perm.clear();
            perm.resize(end - start, 0);
            for (k, &h) in self.home[start..end].iter().enumerate() {
                let z = cell_zone[h as usize] as usize;
                perm[next[z]] = k as u32;
                next[z] += 1;
            }
            if perm.iter().enumerate().all(|(k, &i)| k == i as usize) {
                continue;
            }
            fn permute<T: Copy>(v: &mut [T], perm: &[u32], buf: &mut Vec<T>) {
                buf.clear();
                buf.extend(perm.iter().map(|&i| v[i as usize]));
                v.copy_from_slice(buf);
            }
            let r = start..end;
            permute(&mut self.home[r.clone()], &perm, &mut words);
            permute(&mut self.employer[r.clone()], &perm, &mut words);
            permute(&mut self.work_zone[r.clone()], &perm, &mut halves);
            permute(&mut self.state[r.clone()], &perm, &mut bytes);
            permute(&mut self.age[r], &perm, &mut bytes);
        }
    }
}

/// Firm flag bits.
/// `Firms::born` of a start-up seeded at the start: founded before the run (`tick::seed`), so
/// in no cohort of the run's survival statistics. Ticks of birth stay below it.
pub const BORN_BEFORE_START: u16 = u16::MAX - 1;

pub mod flags {
    /// The firm is operating.
    pub const ALIVE: u8 = 1;
    /// High-tech enterprise.
    pub const HIGH_TECH: u8 = 2;
    /// Works from the founder's home (no floor space of its own).
    pub const HOME_BASED: u8 = 4;
    /// Must find new space (evicted by a conversion, or graduated from an incubator).
    pub const MUST_MOVE: u8 = 8;
    /// Left Beijing for a regional partner site.
    pub const LEFT_REGION: u8 = 16;
    /// Could not get the space to grow last month.
    pub const SPACE_CONSTRAINED: u8 = 32;
}

/// Firms, including start-ups.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Firms {
    /// Cell.
    pub cell: Vec<u32>,
    /// `Sector as u8`.
    pub sector: Vec<u8>,
    /// `FirmKind as u8`.
    pub kind: Vec<u8>,
    /// `Stage as u8` (start-ups).
    pub stage: Vec<u8>,
    /// `flags::*` bits.
    pub flags: Vec<u8>,
    /// `Use as u8` of the floor space it occupies.
    pub space_use: Vec<u8>,
    /// Employees (worker agents; the founder counts).
    pub employees: Vec<u32>,
    /// Open positions this tick (at most `tick::firms::MAX_HIRES`).
    pub vacancies: Vec<u16>,
    /// Staff target of a start-up after its last funding round (at most 65,535: the
    /// parameter `startups.staff_after_round` is bounded so; meaningless for other firms).
    pub staff_target: Vec<u16>,
    /// Floor space held (m², one real firm).
    pub space: Vec<f32>,
    /// Productivity multiplier (TFP; a start-up's quality).
    pub tfp: Vec<f32>,
    /// Cash (yuan, one real firm).
    pub cash: Vec<f64>,
    /// Knowledge stock (patent equivalents, one real firm).
    pub knowledge: Vec<f32>,
    /// Age in months.
    pub age: Vec<u16>,
    /// Tick of birth (start-ups born during the run), [`BORN_BEFORE_START`] for the start-ups
    /// seeded at the start (`tick::seed`), `u16::MAX` for the other firms of the initial
    /// population.
    pub born: Vec<u16>,
    /// Incubator index or [`NO_INCUBATOR`] (at most `limits::MAX_INCUBATORS` incubators).
    pub incubator: Vec<u16>,
    /// Months spent in the current incubator, saturating at 255 (`incubators.max_stay_months`
    /// is at most 255, so a stay ends before the count could tell a longer one apart).
    pub incubator_months: Vec<u8>,
}

/// A new firm's attributes.
#[derive(Clone, Copy, Debug)]
pub struct NewFirm {
    /// Cell.
    pub cell: u32,
    /// Sector.
    pub sector: Sector,
    /// `FirmKind as u8`.
    pub kind: u8,
    /// `Stage as u8`.
    pub stage: u8,
    /// `flags::*`.
    pub flags: u8,
    /// `Use as u8`.
    pub space_use: u8,
    /// Employees.
    pub employees: u32,
    /// Floor space.
    pub space: f32,
    /// Productivity.
    pub tfp: f32,
    /// Cash.
    pub cash: f64,
    /// Knowledge stock.
    pub knowledge: f32,
    /// Age (months).
    pub age: u16,
    /// Birth tick or `u16::MAX`.
    pub born: u16,
    /// Incubator or `NONE`.
    pub incubator: u32,
}

impl Firms {
    /// Number of firm slots (dead ones included until compaction).
    pub fn len(&self) -> usize {
        self.cell.len()
    }
    /// Whether there are no firm slots.
    pub fn is_empty(&self) -> bool {
        self.cell.is_empty()
    }
    /// Whether firm `i` is operating.
    #[inline]
    pub fn alive(&self, i: usize) -> bool {
        self.flags[i] & flags::ALIVE != 0
    }
    /// Whether firm `i` is high-tech.
    #[inline]
    pub fn high_tech(&self, i: usize) -> bool {
        self.flags[i] & flags::HIGH_TECH != 0
    }
    /// Append a firm; returns its index.
    pub fn push(&mut self, f: NewFirm) -> usize {
        self.cell.push(f.cell);
        self.sector.push(f.sector as u8);
        self.kind.push(f.kind);
        self.stage.push(f.stage);
        self.flags.push(f.flags);
        self.space_use.push(f.space_use);
        self.employees.push(f.employees);
        self.vacancies.push(0);
        self.staff_target
            .push(f.employees.min(u16::MAX as u32) as u16);
        self.space.push(f.space);
        self.tfp.push(f.tfp);
        self.cash.push(f.cash);
        self.knowledge.push(f.knowledge);
        self.age.push(f.age);
        self.born.push(f.born);
        self.incubator.push(match f.incubator {
            NONE => NO_INCUBATOR,
            i => u16::try_from(i).expect("incubator indices fit u16 (limits::MAX_INCUBATORS)"),
        });
        self.incubator_months.push(0);
        self.cell.len() - 1
    }
    /// Keep only firms for which `keep` is true, preserving order; returns the old→new index map
    /// (`NONE` for removed firms).
    pub fn retain(&mut self, keep: &[bool]) -> Vec<u32> {
        let mut map = vec![NONE; self.len()];
        let mut j = 0u32;
        for (i, m) in map.iter_mut().enumerate() {
            if keep[i] {
                *m = j;
                j += 1;
            }
        }
        fn filter<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut j = 0;
            for i in 0..v.len() {
                if keep[i] {
                    v[j] = v[i];
                    j += 1;
                }
            }
            v.truncate(j);
        }
        filter(&mut self.cell, keep);
        filter(&mut self.sector, keep);
        filter(&mut self.kind, keep);
        filter(&mut self.stage, keep);
        filter(&mut self.flags, keep);
        filter(&mut self.space_use, keep);
        filter(&mut self.employees, keep);
        filter(&mut self.vacancies, keep);
        filter(&mut self.staff_target, keep);
        filter(&mut self.space, keep);
        filter(&mut self.tfp, keep);
        filter(&mut self.cash, keep);
        filter(&mut self.knowledge, keep);
        filter(&mut self.age, keep);
        filter(&mut self.born, keep);
        filter(&mut self.incubator, keep);
        filter(&mut self.incubator_months, keep);
        map
    }
}

/// Incubators.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Incubators {
    /// Name.
    pub name: Vec<String>,
    /// Cell.
    pub cell: Vec<u32>,
    /// Generation.
    pub generation: Vec<Generation>,
    /// Sector focus (3.0).
    pub sector: Vec<Option<Sector>>,
    /// Seats at real size.
    pub seats: Vec<f64>,
    /// Seats in use at real size.
    pub used: Vec<f64>,
}

impl Incubators {
    /// Number of incubators.
    pub fn len(&self) -> usize {
        self.cell.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.cell.is_empty()
    }
    /// Add an incubator; returns its index.
    pub fn push(
        &mut self,
        name: String,
        cell: u32,
        generation: Generation,
        sector: Option<Sector>,
        seats: f64,
    ) -> usize {
        self.name.push(name);
        self.cell.push(cell);
        self.generation.push(generation);
        self.sector.push(sector);
        self.seats.push(seats);
        self.used.push(0.0);
        self.cell.len() - 1
    }
    /// The generation whose services a tenant of `sector` receives: a 3.0 incubator serves
    /// only its own sector as 3.0, others as 2.0.
    #[inline]
    pub fn service_generation(&self, inc: usize, sector: Sector) -> Generation {
        match (self.generation[inc], self.sector[inc]) {
            (Generation::G3, Some(s)) if s == sector => Generation::G3,
            (Generation::G3, _) => Generation::G2,
            (g, _) => g,
        }
    }
}

/// A university or institute.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct University {
    /// Name.
    pub name: String,
    /// Cell.
    pub cell: u32,
    /// Knowledge weight (relative).
    pub weight: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatched_3_0_tenant_gets_2_0_service() {
        let mut inc = Incubators::default();
        let i = inc.push(
            "x".into(),
            0,
            Generation::G3,
            Some(Sector::BioMedicine),
            10.0,
        );
        assert_eq!(
            inc.service_generation(i, Sector::BioMedicine),
            Generation::G3
        );
        assert_eq!(
            inc.service_generation(i, Sector::ItElectronics),
            Generation::G2
        );
    }

    #[test]
    fn retain_maps_indices() {
        let mut w = Workers::default();
        for k in 0..5 {
            w.push(k, 0, 30);
        }
        w.retain(&[true, false, true, false, true]);
        assert_eq!(w.home, vec![0, 2, 4]);
    }

    #[test]
    fn order_by_zone_sorts_each_block_stably_and_keeps_rows_whole() {
        // Cells 0..6 in zones 2, 0, 1, 0, 2, 1.
        let cell_zone = [2u16, 0, 1, 0, 2, 1];
        let mut w = Workers::default();
        let homes = [0u32, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0];
        for (k, &h) in homes.iter().enumerate() {
            w.push(h, (k as u8 % 4) << 2, k as u8);
            w.employer[k] = 100 + k as u32;
            w.work_zone[k] = k as u16;
        }
        w.order_by_zone(&cell_zone, 3, 4);
        let zone = |w: &Workers, i: usize| cell_zone[w.home[i] as usize];
        for block in [0..4, 4..8, 8..11] {
            let b: Vec<usize> = block.clone().collect();
            // Sorted by zone within the block, original order (the age column) within a zone.
            for pair in b.windows(2) {
                let (i, j) = (pair[0], pair[1]);
                assert!((zone(&w, i), w.age[i]) < (zone(&w, j), w.age[j]));
            }
            // The block holds the same workers as before.
            let mut ages: Vec<u8> = block.clone().map(|i| w.age[i]).collect();
            ages.sort();
            assert_eq!(ages, block.map(|i| i as u8).collect::<Vec<_>>());
        }
        for i in 0..homes.len() {
            let k = w.age[i] as usize;
            assert_eq!(
                (w.home[i], w.state[i], w.employer[i], w.work_zone[i]),
                (
                    homes[k],
                    status::UNEMPLOYED | (k as u8 % 4) << 2,
                    100 + k as u32,
                    k as u16
                )
            );
        }
    }
}
