//! A strict reader of ESRI ASCII grids (`.asc`): the header (`ncols`, `nrows`, `xllcorner` or
//! `xllcenter`, `yllcorner` or `yllcenter`, `cellsize`, optional `NODATA_value`, keys in any order
//! and any case) and then `nrows` lines of `ncols` numbers, the northernmost row first.
//!
//! Hostile input gives an error naming the line and what was expected, never a panic and never
//! an allocation larger than the text itself (values are pushed as read, not preallocated from
//! the header's claims). Fuzzed by `fuzz/fuzz_targets/grid_reader.rs`.

/// Most cells a grid may declare (a 10 000 × 10 000 grid of 500 m cells covers 5 000 km square).
pub const MAX_CELLS: usize = 100_000_000;

/// A parsed grid.
#[derive(Clone, Debug, PartialEq)]
pub struct AscGrid {
    /// Columns (west → east).
    pub ncols: usize,
    /// Rows.
    pub nrows: usize,
    /// West edge (the file's unit, usually metres).
    pub xll: f64,
    /// South edge.
    pub yll: f64,
    /// Cell side.
    pub cellsize: f64,
    /// The no-data marker, if the header gives one.
    pub nodata: Option<f64>,
    /// Values in file order: row 0 is the northernmost; `values[r * ncols + c]`. No-data cells
    /// hold `nodata` as written.
    pub values: Vec<f64>,
}

impl AscGrid {
    /// The value of column `col` and row `row_from_south` (row 0 = south, as in `GridSpec`),
    /// `None` for a no-data cell or outside the grid.
    pub fn get(&self, col: usize, row_from_south: usize) -> Option<f64> {
        if col >= self.ncols || row_from_south >= self.nrows {
            return None;
        }
        let v = self.values[(self.nrows - 1 - row_from_south) * self.ncols + col];
        if self.nodata == Some(v) {
            None
        } else {
            Some(v)
        }
    }
}

fn number(tok: &str, line: usize, what: &str) -> Result<f64, String> {
    let v: f64 = tok
        .parse()
        .map_err(|_| format!("line {line}: expected {what}, found {tok:?}"))?;
    if !v.is_finite() {
        return Err(format!(
            "line {line}: expected a finite {what}, found {tok:?}"
        ));
    }
    Ok(v)
}

fn count(tok: &str, line: usize, key: &str) -> Result<usize, String> {
    match tok.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "line {line}: `{key}` must be a whole number ≥ 1, found {tok:?}"
        )),
    }
}

/// Parse the text of an ESRI ASCII grid.
pub fn parse_asc(text: &str) -> Result<AscGrid, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ncols = None;
    let mut nrows = None;
    let mut x: Option<(f64, bool)> = None; // (value, is centre)
    let mut y: Option<(f64, bool)> = None;
    let mut cellsize = None;
    let mut nodata = None;
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).peekable();
    // Header: lines whose first token is a key (a word starting with a letter).
    while let Some(&(ln, l)) = lines.peek() {
        let mut toks = l.split_whitespace();
        let Some(key) = toks.next() else {
            lines.next(); // blank line
            continue;
        };
        if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
            break;
        }
        lines.next();
        let val = toks
            .next()
            .ok_or_else(|| format!("line {ln}: `{key}` has no value"))?;
        if let Some(extra) = toks.next() {
            return Err(format!(
                "line {ln}: `{key}` takes one value, found also {extra:?}"
            ));
        }
        let dup = |set: bool| {
            if set {
                Err(format!("line {ln}: `{key}` is given twice"))
            } else {
                Ok(())
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "ncols" => {
                dup(ncols.is_some())?;
                ncols = Some(count(val, ln, key)?);
            }
            "nrows" => {
                dup(nrows.is_some())?;
                nrows = Some(count(val, ln, key)?);
            }
            k @ ("xllcorner" | "xllcenter" | "xllcentre") => {
                dup(x.is_some())?;
                x = Some((number(val, ln, "an x coordinate")?, k != "xllcorner"));
            }
            k @ ("yllcorner" | "yllcenter" | "yllcentre") => {
                dup(y.is_some())?;
                y = Some((number(val, ln, "a y coordinate")?, k != "yllcorner"));
            }
            "cellsize" => {
                dup(cellsize.is_some())?;
                let v = number(val, ln, "a cell size")?;
                if v <= 0.0 {
                    return Err(format!("line {ln}: `cellsize` must be > 0, found {val}"));
                }
                cellsize = Some(v);
            }
            "nodata_value" => {
                dup(nodata.is_some())?;
                nodata = Some(number(val, ln, "a no-data value")?);
            }
            _ => {
                return Err(format!(
                    "line {ln}: unknown header key {key:?}; expected ncols, nrows, xllcorner (or xllcenter), yllcorner (or yllcenter), cellsize or NODATA_value"
                ))
            }
        }
    }
    let missing = |what: &str| format!("the header lacks `{what}`");
    let ncols = ncols.ok_or_else(|| missing("ncols"))?;
    let nrows = nrows.ok_or_else(|| missing("nrows"))?;
    let (x, x_centre) = x.ok_or_else(|| missing("xllcorner"))?;
    let (y, y_centre) = y.ok_or_else(|| missing("yllcorner"))?;
    let cellsize = cellsize.ok_or_else(|| missing("cellsize"))?;
    let cells = ncols
        .checked_mul(nrows)
        .filter(|&n| n <= MAX_CELLS)
        .ok_or_else(|| {
            format!("the grid declares {ncols} × {nrows} cells, more than the {MAX_CELLS} allowed")
        })?;
    let xll = if x_centre { x - cellsize / 2.0 } else { x };
    let yll = if y_centre { y - cellsize / 2.0 } else { y };
    let mut values = Vec::new();
    let mut row = 0usize;
    for (ln, l) in lines {
        let before = values.len();
        for tok in l.split_whitespace() {
            values.push(number(tok, ln, "a number")?);
            if values.len() - before > ncols {
                return Err(format!(
                    "line {ln}: row {} has more than the {ncols} values of `ncols`",
                    row + 1
                ));
            }
        }
        let got = values.len() - before;
        if got == 0 {
            continue; // blank lines are allowed between and after rows
        }
        if row == nrows {
            return Err(format!("line {ln}: more rows than the {nrows} of `nrows`"));
        }
        if got != ncols {
            return Err(format!(
                "line {ln}: row {} has {got} values, expected {ncols} (`ncols`)",
                row + 1
            ));
        }
        row += 1;
    }
    if row != nrows {
        return Err(format!(
            "the file ends after {row} rows, expected {nrows} (`nrows`)"
        ));
    }
    debug_assert_eq!(values.len(), cells);
    Ok(AscGrid {
        ncols,
        nrows,
        xll,
        yll,
        cellsize,
        nodata,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "ncols 3\nnrows 2\nxllcorner -500\nyllcorner 1000\ncellsize 500\nNODATA_value -9999\n1 2 3\n4 -9999 6\n";

    #[test]
    fn parses_a_small_grid_north_row_first() {
        let g = parse_asc(OK).unwrap();
        assert_eq!(
            (g.ncols, g.nrows, g.xll, g.yll, g.cellsize),
            (3, 2, -500.0, 1000.0, 500.0)
        );
        assert_eq!(g.get(0, 1), Some(1.0)); // north-west
        assert_eq!(g.get(0, 0), Some(4.0)); // south-west
        assert_eq!(g.get(1, 0), None); // no data
        assert_eq!(g.get(3, 0), None);
        let centre = OK.replace("xllcorner -500", "XLLCENTER -250");
        assert_eq!(parse_asc(&centre).unwrap().xll, -500.0);
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let cases = [
            (OK.replace("ncols 3", "ncols 0"), "line 1"),
            (OK.replace("ncols 3", "ncols x"), "whole number"),
            (OK.replace("cellsize 500", "cellsize -1"), "cellsize"),
            (OK.replace("cellsize 500", "cellsize nan"), "finite"),
            (OK.replace("4 -9999 6", "4 6"), "line 8: row 2 has 2 values"),
            (OK.replace("4 -9999 6", "4 5 6 7"), "more than the 3"),
            (OK.replace("4 -9999 6\n", ""), "ends after 1 rows"),
            (format!("{OK}7 8 9\n"), "more rows"),
            (OK.replace("1 2 3", "1 2 inf"), "finite"),
            (OK.replace("1 2 3", "1 2 x"), "found \"x\""),
            (OK.replace("nrows 2\n", ""), "lacks `nrows`"),
            (OK.replace("nrows 2", "nrows 2\nnrows 2"), "twice"),
            (OK.replace("nrows 2", "rows 2"), "unknown header key"),
            (
                OK.replace("ncols 3", "ncols 99999999999")
                    .replace("nrows 2", "nrows 99999999999"),
                "more than the",
            ),
            ("".to_string(), "lacks `ncols`"),
        ];
        for (text, want) in cases {
            let e = parse_asc(&text).unwrap_err();
            assert!(e.contains(want), "{want:?} not in {e:?}");
        }
    }

    #[test]
    fn a_huge_header_with_few_values_allocates_nothing_large() {
        let t = "ncols 10000\nnrows 10000\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n";
        assert!(parse_asc(t).is_err());
    }
}
