//! Travel times: a zone-level shortest-path matrix over streets, ring roads and rail, and BPR congestion.
//!
//! Zones are squares of `zone_cells × zone_cells` grid cells. The free-flow matrix is
//! computed once (and again when a transport policy changes the network) by Dijkstra from
//! every zone, in parallel over origins; each origin's row is independent, so the result does
//! not depend on the thread count. Congestion multiplies free-flow times by BPR factors of the
//! origin's outflow and the destination's inflow (Bureau of Public Roads 1964).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::grid::GridSpec;
use super::layers::{Link, LinkKind};
use crate::params::CommuteParams;
use crate::world::agents::NO_ZONE;

/// The travel-time model.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Travel {
    /// Zone columns.
    pub znx: usize,
    /// Zone rows.
    pub zny: usize,
    /// Zone of each cell.
    pub cell_zone: Vec<u16>,
    /// Free-flow door-to-door minutes (terminal time included), `[origin * n_zones + destination]`.
    pub base: Vec<f32>,
    /// Congestion factor of each zone as an origin.
    pub cong_origin: Vec<f32>,
    /// Congestion factor of each zone as a destination.
    pub cong_dest: Vec<f32>,
    /// Commuter capacity of each zone at real size.
    pub capacity: Vec<f64>,
    /// The links in the network (including those added by policies).
    pub links: Vec<Link>,
    /// Incremented by every rebuild, so dependants know to refresh.
    pub version: u32,
    /// Terminal minutes (not subject to congestion).
    pub terminal: f32,
    /// The travel times the last commute phase used (`last_time`).
    pub last: LastTimes,
}

/// What the last commute phase computed its times from, kept so that a worker's commute can
/// be recomputed from the zone of their workplace then (`Workers::work_zone`) instead of kept
/// per worker: that phase's congestion factors, and its free-flow matrix when a network change
/// has replaced the matrix since.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LastTimes {
    /// Congestion factors as origins.
    pub cong_origin: Vec<f32>,
    /// Congestion factors as destinations.
    pub cong_dest: Vec<f32>,
    /// The free-flow matrix, when it has been rebuilt since (else `Travel::base`).
    pub base: Option<Vec<f32>>,
}

#[derive(Copy, Clone, PartialEq)]
struct Item(f64, usize);
impl Eq for Item {}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then_with(|| o.1.cmp(&self.1))
    }
}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Travel {
    /// Number of zones.
    #[inline]
    pub fn n_zones(&self) -> usize {
        self.znx * self.zny
    }

    /// Build the network and the free-flow matrix.
    pub fn new(grid: &GridSpec, links: Vec<Link>, p: &CommuteParams) -> Travel {
        let zc = p.zone_cells.max(1) as usize;
        let znx = grid.nx.div_ceil(zc);
        let zny = grid.ny.div_ceil(zc);
        let cell_zone = (0..grid.n_cells())
            .map(|cell| {
                let (c, r) = grid.col_row(cell);
                ((r / zc) * znx + c / zc) as u16
            })
            .collect();
        let mut t = Travel {
            znx,
            zny,
            cell_zone,
            base: Vec::new(),
            cong_origin: vec![1.0; znx * zny],
            cong_dest: vec![1.0; znx * zny],
            capacity: Vec::new(),
            links,
            version: 0,
            terminal: p.terminal_minutes as f32,
            last: LastTimes::default(),
        };
        t.rebuild(grid, p);
        t
    }

    /// Centre of a zone (km).
    fn zone_centre(&self, grid: &GridSpec, zc: usize, z: usize) -> (f64, f64) {
        let (zx, zy) = (z % self.znx, z / self.znx);
        let size = zc as f64 * grid.cell_km;
        (
            grid.x0_km + (zx as f64 + 0.5) * size,
            grid.y0_km + (zy as f64 + 0.5) * size,
        )
    }

    fn zone_of_point(&self, grid: &GridSpec, zc: usize, x: f64, y: f64) -> Option<usize> {
        grid.cell_at(x, y).map(|cell| {
            let (c, r) = grid.col_row(cell);
            (r / zc) * self.znx + c / zc
        })
    }

    /// Recompute the free-flow matrix and zone capacities (after a network change).
    pub fn rebuild(&mut self, grid: &GridSpec, p: &CommuteParams) {
        let zc = p.zone_cells.max(1) as usize;
        let nz = self.n_zones();
        let size_km = zc as f64 * grid.cell_km;
        // Street speed falls towards the dense centre.
        let speed = |x: f64, y: f64| {
            let r = (x * x + y * y).sqrt();
            let f = ((r - 5.0) / 25.0).clamp(0.0, 1.0);
            p.street_speed_core + (p.street_speed_outer - p.street_speed_core) * f
        };
        self.terminal = p.terminal_minutes as f32;
        let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nz];
        for z in 0..nz {
            let (zx, zy) = ((z % self.znx) as i64, (z / self.znx) as i64);
            let (x, y) = self.zone_centre(grid, zc, z);
            for (dx, dy) in [(1, 0), (0, 1), (1, 1), (1, -1)] {
                let (nx, ny) = (zx + dx, zy + dy);
                if nx < 0 || ny < 0 || nx >= self.znx as i64 || ny >= self.zny as i64 {
                    continue;
                }
                let w = (ny as usize) * self.znx + nx as usize;
                let (x2, y2) = self.zone_centre(grid, zc, w);
                let d = (((dx * dx + dy * dy) as f64).sqrt()) * size_km;
                let v = 0.5 * (speed(x, y) + speed(x2, y2));
                let minutes = d / v * 60.0;
                adj[z].push((w, minutes));
                adj[w].push((z, minutes));
            }
        }
        // Each link is a chain of its own nodes (one per zone it passes), entered and left
        // from the zone's street node at half the access time each way, so a trip pays the
        // access time once per link it uses.
        let mut n_links = vec![0u32; nz];
        for link in &self.links {
            let (v, access) = match link.kind {
                LinkKind::Expressway => (p.expressway_speed, p.expressway_access_minutes),
                LinkKind::Rail => (p.rail_speed, p.rail_access_minutes),
            };
            let v = link.speed_kmh.unwrap_or(v);
            let mut prev: Option<(usize, f64, f64)> = None;
            let mut touched = Vec::new();
            for w in link.points.windows(2) {
                let (a, b) = (w[0], w[1]);
                let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
                let steps = (len / (0.25 * grid.cell_km)).ceil().max(1.0) as usize;
                for s in 0..=steps {
                    let f = s as f64 / steps as f64;
                    let (x, y) = (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1));
                    let Some(z) = self.zone_of_point(grid, zc, x, y) else {
                        continue;
                    };
                    if prev.is_some_and(|(pz, _, _)| pz == z) {
                        continue;
                    }
                    // A new node of this link in zone z.
                    let node = adj.len();
                    adj.push(Vec::new());
                    adj[z].push((node, 0.5 * access));
                    adj[node].push((z, 0.5 * access));
                    if let Some((_, px, py)) = prev {
                        let prev_node = node - 1;
                        let d = ((x - px).powi(2) + (y - py).powi(2)).sqrt();
                        let minutes = d / v * 60.0;
                        adj[prev_node].push((node, minutes));
                        adj[node].push((prev_node, minutes));
                    }
                    prev = Some((z, x, y));
                    touched.push(z);
                }
            }
            touched.sort_unstable();
            touched.dedup();
            for z in touched {
                n_links[z] += 1;
            }
        }
        let n_nodes = adj.len();
        let intrazonal = 0.5 * size_km / p.street_speed_core * 60.0;
        let mut base = vec![0f32; nz * nz];
        base.par_chunks_mut(nz).enumerate().for_each(|(o, row)| {
            let mut dist = vec![f64::INFINITY; n_nodes];
            let mut heap = BinaryHeap::new();
            dist[o] = 0.0;
            heap.push(Item(0.0, o));
            while let Some(Item(d, z)) = heap.pop() {
                if d > dist[z] {
                    continue;
                }
                for &(w, m) in &adj[z] {
                    let nd = d + m;
                    if nd < dist[w] {
                        dist[w] = nd;
                        heap.push(Item(nd, w));
                    }
                }
            }
            for (d, out) in dist[..nz].iter().zip(row.iter_mut()) {
                let d = if d.is_finite() { *d } else { 600.0 };
                *out = (p.terminal_minutes + intrazonal.max(d)) as f32;
            }
        });
        let old = std::mem::replace(&mut self.base, base);
        if self.last.base.is_none() && !self.last.cong_origin.is_empty() {
            self.last.base = Some(old);
        }
        self.version += 1;
        let area = size_km * size_km;
        self.capacity = (0..nz)
            .map(|z| p.zone_capacity_per_km2 * area + p.link_capacity * n_links[z] as f64)
            .collect();
    }

    /// Congested one-way travel time (minutes) between two zones.
    #[inline]
    pub fn time(&self, from_zone: usize, to_zone: usize) -> f32 {
        let nz = self.n_zones();
        let b = self.base[from_zone * nz + to_zone];
        congested(
            b,
            self.terminal,
            self.cong_origin[from_zone],
            self.cong_dest[to_zone],
        )
    }

    /// Remember the times this commute phase uses (its congestion factors; the free-flow
    /// matrix is the current one), for `last_time` until the next commute phase.
    pub fn begin_commute(&mut self) {
        self.last.cong_origin.clone_from(&self.cong_origin);
        self.last.cong_dest.clone_from(&self.cong_dest);
        self.last.base = None;
    }

    /// The one-way commute from a home cell to a workplace zone as the last commute phase
    /// computed it (`Workers::work_zone`; 0 for [`NO_ZONE`], not working then).
    #[inline]
    pub fn last_commute(&self, home_cell: usize, work_zone: u16) -> f32 {
        match work_zone {
            NO_ZONE => 0.0,
            z => self.last_time(self.cell_zone[home_cell] as usize, z as usize),
        }
    }

    /// Prefetch what `last_commute` reads of the travel times.
    #[inline]
    pub fn prefetch_last_commute(&self, home_cell: usize, work_zone: u16) {
        if work_zone != NO_ZONE {
            let from = self.cell_zone[home_cell] as usize;
            crate::sampling::prefetch(
                &self.last_base()[from * self.n_zones() + work_zone as usize],
            );
        }
    }

    /// The free-flow matrix the last commute phase used.
    #[inline]
    fn last_base(&self) -> &[f32] {
        self.last.base.as_deref().unwrap_or(&self.base)
    }

    /// The travel time between two zones as the last commute phase computed it (the same
    /// number, bit for bit, as its `time` then).
    #[inline]
    pub fn last_time(&self, from_zone: usize, to_zone: usize) -> f32 {
        let nz = self.n_zones();
        let b = self.last_base()[from_zone * nz + to_zone];
        let l = &self.last;
        congested(
            b,
            self.terminal,
            l.cong_origin[from_zone],
            l.cong_dest[to_zone],
        )
    }

    /// Update the BPR congestion factors from the zones' commuter outflows and inflows (agents),
    /// at the given scale, `years` after the start (capacities grow yearly).
    pub fn update_congestion(
        &mut self,
        outflow: &[u32],
        inflow: &[u32],
        scale: f64,
        years: f64,
        p: &CommuteParams,
    ) {
        let growth = (1.0 + p.capacity_growth_per_year).powf(years);
        let bpr = |flow: u32, cap: f64| -> f32 {
            let x = flow as f64 / (cap * growth * scale).max(1e-9);
            (1.0 + p.bpr_alpha * x.powf(p.bpr_beta)).min(p.max_congestion) as f32
        };
        for z in 0..self.n_zones() {
            self.cong_origin[z] = bpr(outflow[z], self.capacity[z]);
            self.cong_dest[z] = bpr(inflow[z], self.capacity[z]);
        }
    }
}

/// A congested time from a free-flow time (minutes): the moving part scaled by the mean of the
/// origin's and the destination's congestion factors.
#[inline]
fn congested(base: f32, terminal: f32, origin: f32, dest: f32) -> f32 {
    let moving = (base - terminal).max(0.0);
    terminal + moving * 0.5 * (origin + dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> GridSpec {
        GridSpec {
            nx: 40,
            ny: 40,
            x0_km: -10.0,
            y0_km: -10.0,
            cell_km: 0.5,
        }
    }

    #[test]
    fn farther_is_slower_and_rail_is_faster() {
        let g = grid();
        let p = CommuteParams::default();
        let t = Travel::new(&g, vec![], &p);
        let z = |x, y| t.cell_zone[g.cell_at(x, y).unwrap()] as usize;
        let near = t.time(z(0.0, 0.0), z(3.0, 0.0));
        let far = t.time(z(0.0, 0.0), z(9.0, 0.0));
        assert!(far > near, "{far} vs {near}");
        let rail = Link {
            name: "r".into(),
            kind: LinkKind::Rail,
            points: vec![(-9.0, 0.0), (9.0, 0.0)],
            speed_kmh: None,
        };
        let t2 = Travel::new(&g, vec![rail], &p);
        assert!(t2.time(z(-8.0, 0.0), z(8.0, 0.0)) < t.time(z(-8.0, 0.0), z(8.0, 0.0)));
        // Symmetric network.
        assert!((t.time(z(0.0, 0.0), z(9.0, 3.0)) - t.time(z(9.0, 3.0), z(0.0, 0.0))).abs() < 1e-3);
    }

    #[test]
    fn congestion_lengthens_trips() {
        let g = grid();
        let p = CommuteParams::default();
        let mut t = Travel::new(&g, vec![], &p);
        let before = t.time(0, 5);
        let mut inflow = vec![0u32; t.n_zones()];
        inflow[5] = 1_000_000;
        t.update_congestion(&vec![0; t.n_zones()], &inflow, 1.0, 0.0, &p);
        assert!(t.time(0, 5) > before);
        assert!(t.time(0, 5) <= before * p.max_congestion as f32 * 1.0001);
    }
}
