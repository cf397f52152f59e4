//! The regular grid: cell geometry and index arithmetic (row 0 is the southernmost row).

use serde::{Deserialize, Serialize};

/// Geometry of the grid. Cell `i = row * nx + col`; row 0 is the south edge, so the
/// cell centre is `(x0 + (col + 0.5)·cell, y0 + (row + 0.5)·cell)` in km east/north of
/// the world's origin (Tiananmen for the Beijing preset).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    /// Columns (west → east).
    pub nx: usize,
    /// Rows (south → north).
    pub ny: usize,
    /// West edge (km).
    pub x0_km: f64,
    /// South edge (km).
    pub y0_km: f64,
    /// Cell side (km).
    pub cell_km: f64,
}

impl GridSpec {
    /// Number of cells.
    #[inline]
    pub fn n_cells(&self) -> usize {
        self.nx * self.ny
    }
    /// Land area of one cell in m².
    #[inline]
    pub fn cell_m2(&self) -> f64 {
        self.cell_km * self.cell_km * 1e6
    }
    /// Land area of one cell in km².
    #[inline]
    pub fn cell_km2(&self) -> f64 {
        self.cell_km * self.cell_km
    }
    /// (col, row) of a cell index.
    #[inline]
    pub fn col_row(&self, cell: usize) -> (usize, usize) {
        (cell % self.nx, cell / self.nx)
    }
    /// Centre of a cell in km.
    #[inline]
    pub fn centre(&self, cell: usize) -> (f64, f64) {
        let (c, r) = self.col_row(cell);
        (
            self.x0_km + (c as f64 + 0.5) * self.cell_km,
            self.y0_km + (r as f64 + 0.5) * self.cell_km,
        )
    }
    /// The mean of the centres of `cells` (km), or `None` for no cells.
    pub fn centroid(&self, cells: &[u32]) -> Option<(f64, f64)> {
        if cells.is_empty() {
            return None;
        }
        let (mut x, mut y) = (0.0, 0.0);
        for &c in cells {
            let (cx, cy) = self.centre(c as usize);
            x += cx;
            y += cy;
        }
        let n = cells.len() as f64;
        Some((x / n, y / n))
    }
    /// The cell containing a point, or `None` outside the grid.
    pub fn cell_at(&self, x_km: f64, y_km: f64) -> Option<usize> {
        let c = ((x_km - self.x0_km) / self.cell_km).floor();
        let r = ((y_km - self.y0_km) / self.cell_km).floor();
        if c < 0.0 || r < 0.0 || c >= self.nx as f64 || r >= self.ny as f64 {
            return None;
        }
        Some(r as usize * self.nx + c as usize)
    }
    /// Euclidean distance between two cell centres in km.
    #[inline]
    pub fn dist_km(&self, a: usize, b: usize) -> f64 {
        let (xa, ya) = self.centre(a);
        let (xb, yb) = self.centre(b);
        ((xa - xb).powi(2) + (ya - yb).powi(2)).sqrt()
    }
    /// East edge (km).
    pub fn x1_km(&self) -> f64 {
        self.x0_km + self.nx as f64 * self.cell_km
    }
    /// North edge (km).
    pub fn y1_km(&self) -> f64 {
        self.y0_km + self.ny as f64 * self.cell_km
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_at_inverts_centre() {
        let g = GridSpec {
            nx: 10,
            ny: 7,
            x0_km: -2.0,
            y0_km: 3.0,
            cell_km: 0.5,
        };
        for cell in 0..g.n_cells() {
            let (x, y) = g.centre(cell);
            assert_eq!(g.cell_at(x, y), Some(cell));
        }
        assert_eq!(g.cell_at(-2.1, 3.1), None);
        assert_eq!(g.cell_at(3.1, 3.1), None);
    }
}
