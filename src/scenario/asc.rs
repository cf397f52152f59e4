//! Reading ESRI ASCII grid files (`.asc`): the header (`ncols`, `nrows`, `xllcorner` or
//! `xllcenter`, `yllcorner` or `yllcenter`, `cellsize`, optional `NODATA_value`) and the values,
//! north row first. Errors name the file, the line and column of the bad token.

use std::path::Path;

use super::error::{Pos, ScenarioError};
use crate::world::grid::GridSpec;

/// Largest grid accepted (cells), to fail early on a wrong file rather than run out of memory.
pub const MAX_CELLS: usize = 4_000_000;

/// A grid read from a file: geometry and values with row 0 at the south edge.
#[derive(Clone, Debug, PartialEq)]
pub struct AscGrid {
    /// Geometry: metres in the file become km (`xllcorner 5000` → `x0_km 5`).
    pub grid: GridSpec,
    /// Values per cell (`row * ncols + col`, row 0 = south); NODATA cells hold `None`.
    pub values: Vec<Option<f64>>,
}

/// Read and parse a grid file. `key` is the scenario key naming it (for messages).
pub fn read(path: &Path, key: &str) -> Result<AscGrid, ScenarioError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::at(
            &label,
            key,
            format!("cannot read the grid file `{label}`: {e}"),
        )
    })?;
    parse(&text, &label, &|_| Ok(()))
}

/// A check of each value (not NODATA): `Err(expected)` rejects it.
pub type Check<'a> = &'a dyn Fn(f64) -> Result<(), String>;

/// Parse grid text; `label` names it in messages; `check` validates each value, and a
/// rejected value is reported at its line and column.
pub fn parse(text: &str, label: &str, check: Check) -> Result<AscGrid, ScenarioError> {
    let err = |offset: usize, msg: String| {
        ScenarioError::in_file(label, Some(Pos::of_offset(text, offset)), msg)
    };
    // Tokens with byte offsets.
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        if ch.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push((s, &text[s..]));
    }
    let mut it = tokens.into_iter().peekable();
    let mut header: Vec<(String, f64, usize)> = Vec::new();
    while let Some(&(off, tok)) = it.peek() {
        if !tok.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break;
        }
        it.next();
        let Some((voff, val)) = it.next() else {
            return Err(err(off, format!("header `{tok}` has no value")));
        };
        let v: f64 = val.parse().map_err(|_| {
            err(
                voff,
                format!("expected a number for header `{tok}`, found `{val}`"),
            )
        })?;
        header.push((tok.to_ascii_lowercase(), v, voff));
    }
    let get = |names: &[&str]| header.iter().find(|(k, _, _)| names.contains(&k.as_str()));
    let need = |names: &[&str]| {
        get(names).ok_or_else(|| {
            ScenarioError::in_file(
                label,
                Some(Pos { line: 1, column: 1 }),
                format!(
                    "not an ESRI ASCII grid: the header lacks `{}` (expected ncols, nrows, xllcorner, yllcorner, cellsize)",
                    names[0]
                ),
            )
        })
    };
    for (k, _, off) in &header {
        const KNOWN: &[&str] = &[
            "ncols",
            "nrows",
            "xllcorner",
            "xllcenter",
            "yllcorner",
            "yllcenter",
            "cellsize",
            "nodata_value",
        ];
        if !KNOWN.contains(&k.as_str()) {
            return Err(err(
                *off,
                format!(
                    "unknown header `{k}`{}; expected ncols, nrows, xllcorner, yllcorner, cellsize and optionally NODATA_value",
                    super::error::did_you_mean(k, KNOWN.iter().copied())
                ),
            ));
        }
    }
    let count = |names: &[&str]| -> Result<usize, ScenarioError> {
        let (k, v, off) = need(names)?;
        if *v < 1.0 || v.fract() != 0.0 {
            return Err(err(
                *off,
                format!("expected a whole number ≥ 1 for `{k}`, found {v}"),
            ));
        }
        Ok(*v as usize)
    };
    let nx = count(&["ncols"])?;
    let ny = count(&["nrows"])?;
    let (_, cell, coff) = need(&["cellsize"])?;
    if !(cell.is_finite() && *cell > 0.0) {
        return Err(err(
            *coff,
            format!("expected a positive `cellsize` (metres), found {cell}"),
        ));
    }
    let (xk, xll, _) = need(&["xllcorner", "xllcenter"])?;
    let (yk, yll, _) = need(&["yllcorner", "yllcenter"])?;
    let x0 = if xk == "xllcenter" {
        xll - cell / 2.0
    } else {
        *xll
    };
    let y0 = if yk == "yllcenter" {
        yll - cell / 2.0
    } else {
        *yll
    };
    let nodata = get(&["nodata_value"]).map(|h| h.1);
    if nx.saturating_mul(ny) > MAX_CELLS {
        return Err(ScenarioError::in_file(
            label,
            Some(Pos { line: 1, column: 1 }),
            format!(
                "the grid has {nx} × {ny} cells; at most {MAX_CELLS} are supported (use larger cells)"
            ),
        ));
    }
    let n = nx * ny;
    let mut values = vec![None; n];
    let mut k = 0usize;
    let mut last_off = text.len();
    for (off, tok) in it {
        last_off = off;
        if k >= n {
            return Err(err(
                off,
                format!(
                    "more values than the header's {nx} columns × {ny} rows = {n}; found `{tok}` after them"
                ),
            ));
        }
        let v: f64 = tok
            .parse()
            .map_err(|_| err(off, format!("expected a number, found `{tok}`")))?;
        // File order: north row first.
        let (row_from_top, col) = (k / nx, k % nx);
        let cell = (ny - 1 - row_from_top) * nx + col;
        values[cell] = if nodata == Some(v) {
            None
        } else if !v.is_finite() {
            return Err(err(off, format!("expected a finite number, found `{tok}`")));
        } else {
            if let Err(expected) = check(v) {
                let (c, r) = (col, ny - 1 - row_from_top);
                return Err(err(
                    off,
                    format!("expected {expected}, found {tok} (column {c}, row {r} of the grid)"),
                ));
            }
            Some(v)
        };
        k += 1;
    }
    if k < n {
        return Err(err(
            last_off,
            format!("expected {nx} columns × {ny} rows = {n} values after the header, found {k}"),
        ));
    }
    Ok(AscGrid {
        grid: GridSpec {
            nx,
            ny,
            x0_km: x0 / 1000.0,
            y0_km: y0 / 1000.0,
            cell_km: cell / 1000.0,
        },
        values,
    })
}

/// Write values (row 0 = south) as ESRI ASCII text with the grid's header.
pub fn to_text(grid: &GridSpec, values: &[f64], decimals: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "ncols {}", grid.nx);
    let _ = writeln!(s, "nrows {}", grid.ny);
    let _ = writeln!(s, "xllcorner {}", grid.x0_km * 1000.0);
    let _ = writeln!(s, "yllcorner {}", grid.y0_km * 1000.0);
    let _ = writeln!(s, "cellsize {}", grid.cell_km * 1000.0);
    let _ = writeln!(s, "NODATA_value -9999");
    for r in (0..grid.ny).rev() {
        for c in 0..grid.nx {
            if c > 0 {
                s.push(' ');
            }
            let _ = write!(s, "{:.*}", decimals, values[r * grid.nx + c]);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_north_first() {
        let g = parse(
            "ncols 2\nnrows 2\nxllcorner -1000\nyllcorner 0\ncellsize 500\nNODATA_value -9999\n1 2\n3 -9999\n",
            "t.asc",
            &|_| Ok(()),
        )
        .unwrap();
        assert_eq!(g.grid.nx, 2);
        assert_eq!(g.grid.x0_km, -1.0);
        assert_eq!(g.grid.cell_km, 0.5);
        // Row 0 (south) is the file's last line.
        assert_eq!(g.values, vec![Some(3.0), None, Some(1.0), Some(2.0)]);
    }

    #[test]
    fn bad_token_is_located() {
        let e = parse(
            "ncols 2\nnrows 1\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 x\n",
            "t.asc",
            &|_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 6, column: 3 }));
        assert!(e.message.contains("`x`"), "{e}");
    }

    #[test]
    fn short_file_is_reported() {
        let e = parse(
            "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n",
            "t.asc",
            &|_| Ok(()),
        )
        .unwrap_err();
        assert!(e.message.contains("found 3"), "{e}");
    }

    #[test]
    fn rejected_value_is_located() {
        let e = parse(
            "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 -4\n",
            "t.asc",
            &|v| {
                if v < 0.0 {
                    Err("a value ≥ 0".into())
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(e.pos, Some(Pos { line: 7, column: 3 }));
        assert!(e.message.contains("column 1, row 0"), "{e}");
    }

    #[test]
    fn round_trip() {
        let grid = GridSpec {
            nx: 3,
            ny: 2,
            x0_km: -1.5,
            y0_km: 2.0,
            cell_km: 0.5,
        };
        let v = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let g = parse(&to_text(&grid, &v, 1), "t", &|_| Ok(())).unwrap();
        assert_eq!(g.grid, grid);
        assert_eq!(g.values, v.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    }
}
