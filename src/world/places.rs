//! Named places, parks, districts and regions, and how a region resolves to grid cells.

use serde::{Deserialize, Serialize};

use super::grid::GridSpec;

/// What a named place is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A landmark or neighbourhood.
    Landmark,
    /// A university or research institute (a knowledge source).
    University,
    /// A job centre.
    JobCentre,
    /// A residential district.
    Residential,
}

/// A named point of the world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Name used in scenario files (snake_case).
    pub name: String,
    /// Human-readable label.
    pub label: String,
    /// km east of the origin.
    pub x_km: f64,
    /// km north of the origin.
    pub y_km: f64,
    /// Kind.
    pub kind: PlaceKind,
    /// Radius (km) of the place's own area, used when a region names it.
    pub radius_km: f64,
}

impl Place {
    /// The cells a region naming the place means: the disc of its own radius.
    pub fn cells(&self, grid: &GridSpec) -> Vec<u32> {
        cells_within(grid, self.x_km, self.y_km, self.radius_km)
    }
}

/// A named set of cells: a science park or a district.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// Name used in scenario files (snake_case).
    pub name: String,
    /// Human-readable label.
    pub label: String,
    /// Cells, sorted ascending.
    pub cells: Vec<u32>,
}

impl Area {
    /// Land area in km².
    pub fn area_km2(&self, grid: &GridSpec) -> f64 {
        self.cells.len() as f64 * grid.cell_km2()
    }
}

/// All cells whose centre lies within `radius_km` of a point, ascending. At least the cell
/// containing the point when it lies on the grid.
pub fn cells_within(grid: &GridSpec, x_km: f64, y_km: f64, radius_km: f64) -> Vec<u32> {
    let mut out = Vec::new();
    // No disc needs to be wider than the grid (this also keeps the cell arithmetic in range
    // for a huge or infinite radius).
    let span = (grid.nx + grid.ny) as f64 * grid.cell_km + (x_km.abs() + y_km.abs()).min(1e9);
    let radius_km = radius_km.min(span);
    let r_cells = ((radius_km / grid.cell_km).ceil() as i64).saturating_add(1);
    let c0 = ((x_km - grid.x0_km) / grid.cell_km).floor() as i64;
    let r0 = ((y_km - grid.y0_km) / grid.cell_km).floor() as i64;
    let (rows, cols) = (grid.ny as i64 - 1, grid.nx as i64 - 1);
    for r in r0.saturating_sub(r_cells).max(0)..=r0.saturating_add(r_cells).min(rows) {
        for c in c0.saturating_sub(r_cells).max(0)..=c0.saturating_add(r_cells).min(cols) {
            let cell = r as usize * grid.nx + c as usize;
            let (cx, cy) = grid.centre(cell);
            if (cx - x_km).powi(2) + (cy - y_km).powi(2) <= radius_km * radius_km {
                out.push(cell as u32);
            }
        }
    }
    if out.is_empty() {
        if let Some(cell) = grid.cell_at(x_km, y_km) {
            out.push(cell as u32);
        }
    }
    out.sort_unstable();
    out
}

/// All cells whose centre lies in a rectangle (km), ascending.
pub fn cells_in_rect(grid: &GridSpec, x_min: f64, y_min: f64, x_max: f64, y_max: f64) -> Vec<u32> {
    (0..grid.n_cells())
        .filter(|&cell| {
            let (x, y) = grid.centre(cell);
            x >= x_min && x <= x_max && y >= y_min && y <= y_max
        })
        .map(|c| c as u32)
        .collect()
}

/// All cells within `half_width_km` of a polyline, ascending.
pub fn cells_along(grid: &GridSpec, points: &[(f64, f64)], half_width_km: f64) -> Vec<u32> {
    (0..grid.n_cells())
        .filter(|&cell| {
            let p = grid.centre(cell);
            points
                .windows(2)
                .any(|w| dist_to_segment(p, w[0], w[1]) <= half_width_km)
        })
        .map(|c| c as u32)
        .collect()
}

/// Distance (km) from a point to a segment.
pub fn dist_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disc_area_is_close_to_pi_r_squared() {
        let g = GridSpec {
            nx: 80,
            ny: 80,
            x0_km: -20.0,
            y0_km: -20.0,
            cell_km: 0.5,
        };
        let cells = cells_within(&g, 0.0, 0.0, 5.0);
        let area = cells.len() as f64 * g.cell_km2();
        assert!((area - std::f64::consts::PI * 25.0).abs() < 3.0, "{area}");
        assert!(cells.windows(2).all(|w| w[0] < w[1]));
        // A huge radius covers the grid (and neither overflows nor panics).
        for r in [1e9, 1e300, f64::INFINITY] {
            assert_eq!(cells_within(&g, 0.0, 0.0, r).len(), g.n_cells());
        }
    }

    #[test]
    fn segment_distance() {
        assert!((dist_to_segment((0.0, 1.0), (-1.0, 0.0), (1.0, 0.0)) - 1.0).abs() < 1e-12);
        assert!((dist_to_segment((3.0, 0.0), (-1.0, 0.0), (1.0, 0.0)) - 2.0).abs() < 1e-12);
    }
}
