//! The one reader of ESRI ASCII grid files (`.asc`), strict: a header of one `key value` pair
//! a line (`ncols`, `nrows`, `xllcorner` or `xllcenter`, `yllcorner` or `yllcenter`, `cellsize`,
//! optional `NODATA_value`; any order and case, each once), then the values, north row first,
//! either one grid row a line (then every line must hold `ncols` values) or wrapped freely (as
//! the format allows; then only the total is checked). Errors name the file, the line and
//! column of the bad token, and what was expected; the caller adds the scenario key.
//!
//! Hostile input gives an error, never a panic, and never an allocation larger than the text
//! itself or the cell limit. Fuzzed by `fuzz/fuzz_targets/grid_reader.rs`.

use std::path::Path;

use super::error::{Pos, ScenarioError};
use crate::world::grid::GridSpec;

/// Largest grid accepted (cells), to fail early on a wrong file rather than run out of memory.
pub const MAX_CELLS: usize = 4_000_000;

/// Largest grid file read (bytes): room for `MAX_CELLS` values of 60 characters.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Largest size of a coordinate or cell size (metres): 10⁹ m is far beyond any projection,
/// and keeps every corner and distance of the grid finite.
pub const MAX_COORD_M: f64 = 1e9;

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
    let text = super::source::read_input(path, MAX_FILE_BYTES).map_err(|e| {
        ScenarioError::at(
            &label,
            key,
            format!("cannot read the grid file `{label}`: {e}"),
        )
    })?;
    parse(&text, &label, &|_| Ok(())).map_err(|mut e| {
        e.key = key.to_string();
        e
    })
}

/// A check of each value (not NODATA): `Err(expected)` rejects it.
pub type Check<'a> = &'a dyn Fn(f64) -> Result<(), String>;

/// The header keys, lower case.
const KNOWN: &[&str] = &[
    "ncols",
    "nrows",
    "xllcorner",
    "xllcenter",
    "xllcentre",
    "yllcorner",
    "yllcenter",
    "yllcentre",
    "cellsize",
    "nodata_value",
];

/// A token: byte offset, line (from 1), text.
type Token<'t> = (usize, usize, &'t str);

/// Parse grid text; `label` names it in messages; `check` validates each value, and a
/// rejected value is reported at its line and column.
pub fn parse(text: &str, label: &str, check: Check) -> Result<AscGrid, ScenarioError> {
    let err = |offset: usize, msg: String| {
        ScenarioError::in_file(label, Some(Pos::of_offset(text, offset)), msg)
    };
    let at_start =
        |msg: String| ScenarioError::in_file(label, Some(Pos { line: 1, column: 1 }), msg);
    // Tokens with byte offsets and lines; a leading byte-order mark is skipped.
    let body = text
        .strip_prefix('\u{feff}')
        .map_or(0, |_| '\u{feff}'.len_utf8());
    let mut tokens: Vec<Token> = Vec::new();
    let mut start = None;
    let mut line = 1;
    for (i, ch) in text[body..].char_indices().map(|(i, c)| (i + body, c)) {
        if ch.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push((s, line, &text[s..i]));
            }
            if ch == '\n' {
                line += 1;
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push((s, line, &text[s..]));
    }
    // Header: lines whose first token starts with a letter, each `key value`.
    let mut i = 0;
    let mut header: Vec<(String, f64, usize)> = Vec::new();
    while let Some(&(off, ln, tok)) = tokens.get(i) {
        if !tok.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break;
        }
        let key = tok.to_ascii_lowercase();
        if !KNOWN.contains(&key.as_str()) {
            return Err(err(
                off,
                format!(
                    "unknown header `{tok}`{}; expected ncols, nrows, xllcorner (or xllcenter), yllcorner (or yllcenter), cellsize and optionally NODATA_value",
                    super::error::did_you_mean(&key, KNOWN.iter().copied())
                ),
            ));
        }
        let Some(&(voff, _, val)) = tokens.get(i + 1).filter(|t| t.1 == ln) else {
            return Err(err(off, format!("header `{tok}` has no value on its line")));
        };
        if let Some(&(xoff, _, extra)) = tokens.get(i + 2).filter(|t| t.1 == ln) {
            return Err(err(
                xoff,
                format!("header `{tok}` takes one value; found also `{extra}` on its line"),
            ));
        }
        // `xllcorner`, `xllcenter` and `xllcentre` all give the west edge (likewise `yll…`).
        let group = |k: &str| {
            k.get(..3)
                .filter(|g| *g == "xll" || *g == "yll")
                .map_or(k.to_string(), str::to_string)
        };
        if let Some((k, _, _)) = header.iter().find(|(k, _, _)| group(k) == group(&key)) {
            return Err(err(
                off,
                format!("header `{tok}` repeats `{k}`, given above"),
            ));
        }
        let v: f64 = val.parse().map_err(|_| {
            err(
                voff,
                format!("expected a number for header `{tok}`, found `{val}`"),
            )
        })?;
        if !v.is_finite() {
            return Err(err(
                voff,
                format!("expected a finite number for header `{tok}`, found `{val}`"),
            ));
        }
        header.push((key, v, voff));
        i += 2;
    }
    let get = |names: &[&str]| header.iter().find(|(k, _, _)| names.contains(&k.as_str()));
    let need = |names: &[&str]| {
        get(names).ok_or_else(|| {
            at_start(format!(
                "not an ESRI ASCII grid: the header lacks `{}` (expected ncols, nrows, xllcorner, yllcorner, cellsize)",
                names[0]
            ))
        })
    };
    let count = |names: &[&str]| -> Result<usize, ScenarioError> {
        let (k, v, off) = need(names)?;
        if *v < 1.0 || v.fract() != 0.0 {
            return Err(err(
                *off,
                format!("expected a whole number ≥ 1 for `{k}`, found {v}"),
            ));
        }
        Ok(v.min(usize::MAX as f64) as usize)
    };
    let nx = count(&["ncols"])?;
    let ny = count(&["nrows"])?;
    let (_, cell, coff) = need(&["cellsize"])?;
    if !(*cell > 0.0 && *cell <= MAX_COORD_M) {
        return Err(err(
            *coff,
            format!("expected a `cellsize` > 0 and at most {MAX_COORD_M:e} (metres), found {cell}"),
        ));
    }
    let (xk, xll, xoff) = need(&["xllcorner", "xllcenter", "xllcentre"])?;
    let (yk, yll, yoff) = need(&["yllcorner", "yllcenter", "yllcentre"])?;
    for (k, v, off) in [(xk, xll, xoff), (yk, yll, yoff)] {
        if v.abs() > MAX_COORD_M {
            return Err(err(
                *off,
                format!("expected `{k}` between -{MAX_COORD_M:e} and {MAX_COORD_M:e} (metres), found {v}"),
            ));
        }
    }
    let x0 = if xk == "xllcorner" {
        *xll
    } else {
        xll - cell / 2.0
    };
    let y0 = if yk == "yllcorner" {
        *yll
    } else {
        yll - cell / 2.0
    };
    let nodata = get(&["nodata_value"]).map(|h| h.1);
    let n = nx
        .checked_mul(ny)
        .filter(|&n| n <= MAX_CELLS)
        .ok_or_else(|| {
            at_start(format!(
                "the grid has {nx} × {ny} cells; at most {MAX_CELLS} are supported (use larger cells)"
            ))
        })?;
    let data = &tokens[i..];
    // With one row a line, name the first line that does not hold `ncols` values.
    if let Some((off, msg)) = row_layout_error(data, nx, ny) {
        return Err(err(off, msg));
    }
    // Count before allocating: a header's claim alone allocates nothing.
    if data.len() != n {
        let (off, why) = match data.get(n) {
            Some(t) => (t.0, format!("; found `{}` after them", t.2)),
            None => (data.last().map_or(text.len(), |t| t.0), String::new()),
        };
        return Err(err(
            off,
            format!(
                "expected {nx} columns × {ny} rows = {n} values after the header, found {}{why}",
                data.len()
            ),
        ));
    }
    let mut values = vec![None; n];
    for (k, &(off, _, tok)) in data.iter().enumerate() {
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

/// When the values are laid out one grid row a line (the first value line holds `ncols`
/// values), the first line that breaks the layout (too few or too many values, or a row too
/// many), as (byte offset, message). `None` for a consistent layout or free wrapping.
fn row_layout_error(data: &[Token], nx: usize, ny: usize) -> Option<(usize, String)> {
    let on_line = |k: usize| data[k..].iter().take_while(|t| t.1 == data[k].1).count();
    if data.is_empty() || on_line(0) != nx {
        return None; // no values, or wrapped freely
    }
    let (mut row, mut k) = (0, 0);
    while k < data.len() {
        let got = on_line(k);
        let (off, tok) = (data[k].0, data[k].2);
        row += 1;
        if row > ny {
            return Some((
                off,
                format!("more rows than the {ny} of `nrows`; found `{tok}` after them"),
            ));
        }
        if got != nx {
            return Some((
                off,
                format!("row {row} has {got} values, expected {nx} (`ncols`) as in the rows above"),
            ));
        }
        k += got;
    }
    None
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

#[cfg(test)]
mod strict_tests {
    use super::*;

    const OK: &str = "ncols 3\nnrows 2\nxllcorner -500\nyllcorner 1000\ncellsize 500\nNODATA_value -9999\n1 2 3\n4 -9999 6\n";

    fn p(text: &str) -> Result<AscGrid, ScenarioError> {
        parse(text, "g.asc", &|_| Ok(()))
    }

    #[test]
    fn accepts_centres_any_case_a_bom_and_free_wrapping() {
        let g = p(OK).unwrap();
        assert_eq!(
            (g.grid.x0_km, g.grid.y0_km, g.grid.cell_km),
            (-0.5, 1.0, 0.5)
        );
        let centre = OK.replace("xllcorner -500", "XLLCENTER -250");
        assert_eq!(p(&centre).unwrap().grid.x0_km, -0.5);
        let centre = OK.replace("yllcorner 1000", "yllcentre 1250");
        assert_eq!(p(&centre).unwrap().grid.y0_km, 1.0);
        assert_eq!(p(&format!("\u{feff}{OK}")).unwrap(), g);
        // The format allows rows wrapped over lines; only the total counts then.
        let wrapped = OK.replace("1 2 3\n4 -9999 6\n", "1 2\n3 4\n-9999 6\n");
        assert_eq!(p(&wrapped).unwrap(), g);
    }

    #[test]
    fn errors_name_the_file_line_column_and_what_was_expected() {
        let cases = [
            (
                OK.replace("ncols 3", "ncols 0"),
                "g.asc:1:7",
                "whole number ≥ 1",
            ),
            (
                OK.replace("ncols 3", "ncols x"),
                "g.asc:1:7",
                "expected a number",
            ),
            (
                OK.replace("cellsize 500", "cellsize -1"),
                "g.asc:5:10",
                "cellsize",
            ),
            (
                OK.replace("cellsize 500", "cellsize nan"),
                "g.asc:5:10",
                "finite",
            ),
            (
                OK.replace("cellsize 500", "cellsize 1e300"),
                "g.asc:5:10",
                "at most",
            ),
            (
                OK.replace("xllcorner -500", "xllcorner inf"),
                "g.asc:3:11",
                "finite",
            ),
            (
                OK.replace("yllcorner 1000", "yllcorner -1e300"),
                "g.asc:4:11",
                "between",
            ),
            (
                OK.replace("NODATA_value -9999", "NODATA_value nan"),
                "g.asc:6:14",
                "finite",
            ),
            (
                OK.replace("4 -9999 6", "4 6"),
                "g.asc:8:1",
                "row 2 has 2 values, expected 3",
            ),
            (
                OK.replace("4 -9999 6", "4 5 6 7"),
                "g.asc:8:1",
                "row 2 has 4 values",
            ),
            (
                OK.replace("4 -9999 6\n", ""),
                "g.asc:7:5",
                "= 6 values after the header, found 3",
            ),
            (format!("{OK}7 8 9\n"), "g.asc:9:1", "more rows than the 2"),
            (OK.replace("1 2 3", "1 2 inf"), "g.asc:7:5", "finite"),
            (OK.replace("1 2 3", "1 2 x"), "g.asc:7:5", "found `x`"),
            (OK.replace("nrows 2\n", ""), "g.asc:1:1", "lacks `nrows`"),
            (
                OK.replace("nrows 2", "nrows 2\nnrows 2"),
                "g.asc:3:1",
                "repeats `nrows`",
            ),
            (
                OK.replace("yllcorner 1000", "yllcorner 1000\nyllcenter 0"),
                "g.asc:5:1",
                "repeats `yllcorner`",
            ),
            (
                OK.replace("nrows 2", "nrows 2 3"),
                "g.asc:2:9",
                "takes one value",
            ),
            (
                OK.replace("nrows 2", "nrows\n2"),
                "g.asc:2:1",
                "no value on its line",
            ),
            (
                OK.replace("nrows 2", "rows 2"),
                "g.asc:2:1",
                "unknown header `rows`",
            ),
            (
                OK.replace("ncols 3", "ncols 99999999999")
                    .replace("nrows 2", "nrows 99999999999"),
                "g.asc:1:1",
                "at most 4000000",
            ),
            (String::new(), "g.asc:1:1", "lacks `ncols`"),
        ];
        for (text, at, want) in cases {
            let e = p(&text).unwrap_err().to_string();
            assert!(
                e.starts_with(at) && e.contains(want),
                "{at:?} {want:?} not in {e:?}"
            );
        }
    }

    #[test]
    fn a_huge_header_with_few_values_allocates_nothing_large() {
        let t = "ncols 2000\nnrows 2000\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n";
        let e = p(t).unwrap_err();
        assert!(e.message.contains("found 2"), "{e}");
    }
}
