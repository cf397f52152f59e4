//! The `.zgcstate` file: a versioned, checksummed container of a saved state, written atomically
//! and read defensively (a truncated, corrupted, foreign or other-version file is refused with a
//! message, never a panic; `fuzz/fuzz_targets/state_reader.rs` feeds it arbitrary bytes).
//!
//! Layout (little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `ZGCSTATE` |
//! | 4 | format version ([`FORMAT`]) |
//! | 4 | header length *h* |
//! | *h* | header, JSON ([`super::Header`]: readable with `head -c`) |
//! | *n* | body, postcard ([`super::Body`]: the world and agents as columns) |
//! | 8 | body length *n* |
//! | 4 | CRC-32 of every byte before it |

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{Body, BodyRef, Header, State};
use crate::types::{FirmKind, Sector, Stage, Use, NONE};
use crate::world::agents::{status, traits, NO_INCUBATOR, NO_ZONE};

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"ZGCSTATE";
/// The format version this zgc writes and reads. Bump it whenever anything in the body's
/// types changes (a column, a field, an order). 2: the indicator rows of the history gained
/// seven values (rent gradients, commute distances, the firm-size tail). 3: the firms lost
/// their `id` column (never read) and their `layoff` column (the month's lay-off probability
/// now lives only in `tick::Tables::view`). 4: the workers' `commute` (minutes) became
/// `work_zone` (the zone of the workplace at the last commute phase), the travel model keeps
/// that phase's congestion (`Travel::last`), the workers' `status` and `traits` became one
/// `state` byte, and the firms' `staff_target` and `incubator` are `u16`, `incubator_months`
/// a `u8`. 5: the firms lost their `revenue` and `value_added` columns (the month's money is
/// summed in the firm phase), and `vacancies` became `u16`. 6: the economy keeps last month's
/// separation rate (`Economy::separations`) and the month's counters its quits.
pub const FORMAT: u32 = 6;
/// The largest header accepted (it is a few kilobytes).
const MAX_HEADER: usize = 16 << 20;
const NOT_A_STATE: &str =
    "not a zgc state file (expected one written by `zgc run --save-state-at` or `--checkpoint-every`, starting with ZGCSTATE)";
const HEAD: usize = 8 + 4 + 4;
const TAIL: usize = 8 + 4;

/// Why a state file was refused (bad input: exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{}: {msg}", path.display())]
pub struct StateError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, and what was expected.
    pub msg: String,
}

/// A writer that keeps a CRC-32 and a count of what passes through.
struct Checked<W: Write> {
    inner: W,
    crc: crc32fast::Hasher,
    bytes: u64,
}

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Write a state to `path` atomically (`files::write_atomic_with`: a temporary file in the
/// same folder, synced, then renamed). Returns the file's size.
pub(crate) fn write(path: &Path, header: &Header, body: &BodyRef<'_>) -> Result<u64> {
    crate::files::write_atomic_with(path, |f| {
        let mut w = Checked {
            inner: BufWriter::with_capacity(1 << 20, f),
            crc: crc32fast::Hasher::new(),
            bytes: 0,
        };
        let head = serde_json::to_vec(header)?;
        w.write_all(MAGIC)?;
        w.write_all(&FORMAT.to_le_bytes())?;
        w.write_all(&(head.len() as u32).to_le_bytes())?;
        w.write_all(&head)?;
        let before = w.bytes;
        let mut w = postcard::to_io(body, w).context("cannot encode the state")?;
        let body_len = w.bytes - before;
        w.write_all(&body_len.to_le_bytes())?;
        let crc = w.crc.clone().finalize();
        w.inner.write_all(&crc.to_le_bytes())?;
        w.inner.flush()?;
        Ok(w.bytes + 4)
    })
}

/// Read and check a state file.
pub fn read(path: &Path) -> Result<State, StateError> {
    let err = |msg: String| StateError {
        path: path.to_path_buf(),
        msg,
    };
    let meta = fs::metadata(path).map_err(|e| err(format!("cannot read it ({e})")))?;
    if !meta.is_file() {
        return Err(err("expected a regular file (a saved .zgcstate)".into()));
    }
    let bytes = fs::read(path).map_err(|e| err(format!("cannot read it ({e})")))?;
    let (header, body) = decode(&bytes).map_err(err)?;
    Ok(State {
        path: path.to_path_buf(),
        header,
        body,
    })
}

/// Read only the header of a state file (cheap: for listing and for `--resume`'s checks).
pub fn read_header(path: &Path) -> Result<Header, StateError> {
    use std::io::Read;
    let err = |msg: String| StateError {
        path: path.to_path_buf(),
        msg,
    };
    let meta = fs::metadata(path).map_err(|e| err(format!("cannot read it ({e})")))?;
    if !meta.is_file() {
        // Not opened: a FIFO would block the open.
        return Err(err("expected a regular file (a saved .zgcstate)".into()));
    }
    let mut f = fs::File::open(path).map_err(|e| err(format!("cannot read it ({e})")))?;
    let mut head = Vec::with_capacity(HEAD);
    (&mut f)
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(|e| err(format!("cannot read it ({e})")))?;
    if head.len() < 8 || &head[..8] != MAGIC {
        return Err(err(NOT_A_STATE.into()));
    }
    if head.len() < HEAD {
        return Err(err(format!(
            "the file is truncated ({} bytes; a state has at least {})",
            head.len(),
            HEAD + TAIL
        )));
    }
    let h = check_head(&head, usize::MAX).map_err(err)?;
    let mut text = vec![0u8; h];
    f.read_exact(&mut text)
        .map_err(|_| err("the file is truncated (it ends within its header)".into()))?;
    serde_json::from_slice(&text).map_err(|e| err(format!("its header is not readable ({e})")))
}

/// Check magic and version; returns the header length.
fn check_head(b: &[u8], len: usize) -> Result<usize, String> {
    if &b[..8] != MAGIC {
        return Err(NOT_A_STATE.into());
    }
    let format = u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(format!(
            "state format {format}, and this zgc ({}) reads format {FORMAT}; run it again with this zgc",
            env!("CARGO_PKG_VERSION")
        ));
    }
    let h = u32::from_le_bytes(b[12..16].try_into().expect("4 bytes")) as usize;
    if h > MAX_HEADER || h > len.saturating_sub(HEAD) {
        return Err(format!(
            "the file is truncated or corrupted (its header says {h} bytes, the file has {})",
            len.saturating_sub(HEAD)
        ));
    }
    Ok(h)
}

/// Decode a whole state file's bytes: checksum, header, body, and the body's structure.
pub fn decode(bytes: &[u8]) -> Result<(Header, Body), String> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(NOT_A_STATE.into());
    }
    if bytes.len() < HEAD + TAIL {
        return Err(format!(
            "the file is truncated ({} bytes; a state has at least {})",
            bytes.len(),
            HEAD + TAIL
        ));
    }
    let h = check_head(&bytes[..HEAD], bytes.len() - TAIL)?;
    let n = bytes.len();
    let stored = u32::from_le_bytes(bytes[n - 4..].try_into().expect("4 bytes"));
    let body_len = u64::from_le_bytes(bytes[n - TAIL..n - 4].try_into().expect("8 bytes"));
    let body_start = HEAD + h;
    let actual = (n - TAIL - body_start) as u64;
    if body_len != actual {
        return Err(format!(
            "the file is truncated or corrupted: its last bytes do not give the length of its body ({actual} bytes); it was not written to the end"
        ));
    }
    if crc32fast::hash(&bytes[..n - 4]) != stored {
        return Err("the file is corrupted (its checksum does not match its content)".into());
    }
    let header: Header = serde_json::from_slice(&bytes[HEAD..body_start])
        .map_err(|e| format!("its header is not readable ({e})"))?;
    if header.model_version != env!("CARGO_PKG_VERSION") {
        return Err(format!(
            "written by zgc {}, and this is zgc {}: a state continues only on the model that saved it",
            header.model_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    let (body, rest): (Body, &[u8]) = postcard::take_from_bytes(&bytes[body_start..n - TAIL])
        .map_err(|e| format!("its body is not readable ({e}); the file is corrupted"))?;
    if !rest.is_empty() {
        return Err(format!(
            "its body has {} bytes after the end; the file is corrupted",
            rest.len()
        ));
    }
    check_body(&header, &body)
        .map_err(|m| format!("its content is inconsistent ({m}); the file is corrupted"))?;
    Ok((header, body))
}

/// Replace the checksum of a state file's bytes by the right one (for the fuzz target, so that
/// it reaches the body's decoder).
pub fn fix_checksum(bytes: &mut [u8]) {
    let n = bytes.len();
    if n >= HEAD + TAIL {
        let crc = crc32fast::hash(&bytes[..n - 4]);
        bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Every length and index the simulation relies on, checked before it runs on them.
fn check_body(header: &Header, b: &Body) -> Result<(), String> {
    let w = &b.world;
    let n = w.grid.nx.checked_mul(w.grid.ny).ok_or("grid size")?;
    let c = &w.cells;
    let len = |what: &str, got: usize, want: usize| {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what} has {got} entries, expected {want}"))
        }
    };
    if n == 0 {
        return Err("the grid has no cells".into());
    }
    for (what, got) in [
        ("land_use", c.land_use.len()),
        ("park", c.park.len()),
        ("max_floor", c.max_floor.len()),
        ("red_line", c.red_line.len()),
        ("knowledge", c.knowledge.len()),
        ("residents", c.residents.len()),
        ("tech_residents", c.tech_residents.len()),
        ("jobs", c.jobs.len()),
        ("startups", c.startups.len()),
        ("core", c.core.len()),
        ("periphery", c.periphery.len()),
        ("land_use0", b.land_use0.len()),
        ("home_region_mask", b.metrics.home_region_mask.len()),
        ("cell_zone", w.travel.cell_zone.len()),
    ] {
        len(what, got, n)?;
    }
    for (what, a) in [
        ("capacity", &c.capacity),
        ("used", &c.used),
        ("rent", &c.rent),
        ("unmet", &c.unmet),
    ] {
        if a.dim() != (Use::N, n) {
            return Err(format!(
                "{what} is {:?}, expected ({}, {n})",
                a.dim(),
                Use::N
            ));
        }
    }
    let n_parks = w.parks.len();
    if c.park
        .iter()
        .any(|&p| p != crate::world::NO_PARK && p as usize >= n_parks)
    {
        return Err("a cell names a park that does not exist".into());
    }
    let in_grid = |v: &[u32]| v.iter().all(|&x| (x as usize) < n);
    for a in w.parks.iter().chain(&w.districts).chain(&w.areas) {
        if !in_grid(&a.cells) {
            return Err(format!("area {} has cells outside the grid", a.name));
        }
    }
    if !b.metrics.regions.iter().all(|(_, cells)| in_grid(cells)) {
        return Err("a tracked region has cells outside the grid".into());
    }
    // Travel zones.
    let nz = w
        .travel
        .znx
        .checked_mul(w.travel.zny)
        .ok_or("zone grid size")?;
    if nz == 0 || nz > crate::limits::MAX_ZONES {
        return Err(format!("{nz} travel zones"));
    }
    len("travel times", w.travel.base.len(), nz * nz)?;
    len("cong_origin", w.travel.cong_origin.len(), nz)?;
    len("cong_dest", w.travel.cong_dest.len(), nz)?;
    len("zone capacity", w.travel.capacity.len(), nz)?;
    let last = &w.travel.last;
    len("last congestion as origin", last.cong_origin.len(), nz)?;
    len("last congestion as destination", last.cong_dest.len(), nz)?;
    if let Some(base) = &last.base {
        len("last travel times", base.len(), nz * nz)?;
    }
    if w.travel.cell_zone.iter().any(|&z| z as usize >= nz) {
        return Err("a cell lies in a travel zone that does not exist".into());
    }
    // Agents.
    let wk = &w.workers;
    let nw = wk.home.len();
    for (what, got) in [
        ("employer", wk.employer.len()),
        ("state", wk.state.len()),
        ("age", wk.age.len()),
        ("work_zone", wk.work_zone.len()),
    ] {
        len(&format!("workers' {what}"), got, nw)?;
    }
    let f = &w.firms;
    let nf = f.cell.len();
    for (what, got) in [
        ("sector", f.sector.len()),
        ("kind", f.kind.len()),
        ("stage", f.stage.len()),
        ("flags", f.flags.len()),
        ("space_use", f.space_use.len()),
        ("employees", f.employees.len()),
        ("vacancies", f.vacancies.len()),
        ("staff_target", f.staff_target.len()),
        ("space", f.space.len()),
        ("tfp", f.tfp.len()),
        ("cash", f.cash.len()),
        ("knowledge", f.knowledge.len()),
        ("age", f.age.len()),
        ("born", f.born.len()),
        ("incubator", f.incubator.len()),
        ("incubator_months", f.incubator_months.len()),
    ] {
        len(&format!("firms' {what}"), got, nf)?;
    }
    if nw as u64 + nf as u64 != header.agents {
        return Err(format!(
            "{} agents, the header says {}",
            nw as u64 + nf as u64,
            header.agents
        ));
    }
    if !in_grid(&wk.home) {
        return Err("a worker lives outside the grid".into());
    }
    if wk.employer.iter().any(|&e| e != NONE && e as usize >= nf) {
        return Err("a worker's employer does not exist".into());
    }
    if wk
        .work_zone
        .iter()
        .any(|&z| z != NO_ZONE && z as usize >= nz)
    {
        return Err("a worker's workplace lies in a travel zone that does not exist".into());
    }
    let inc = &w.incubators;
    let ni = inc.cell.len();
    for (what, got) in [
        ("name", inc.name.len()),
        ("generation", inc.generation.len()),
        ("sector", inc.sector.len()),
        ("seats", inc.seats.len()),
        ("used", inc.used.len()),
    ] {
        len(&format!("incubators' {what}"), got, ni)?;
    }
    if !in_grid(&inc.cell) || !in_grid(&f.cell) {
        return Err("a firm or incubator lies outside the grid".into());
    }
    if w.universities.iter().any(|u| u.cell as usize >= n) {
        return Err("a university lies outside the grid".into());
    }
    if f.incubator
        .iter()
        .any(|&i| i != NO_INCUBATOR && i as usize >= ni)
    {
        return Err("a firm's incubator does not exist".into());
    }
    if f.sector.iter().any(|&s| s as usize >= Sector::N)
        || f.space_use.iter().any(|&u| u as usize >= Use::N)
        || f.kind.iter().any(|&k| k > FirmKind::Startup as u8)
        || f.stage.iter().any(|&s| s > Stage::Industrialisation as u8)
    {
        return Err("a firm has an unknown sector, use, kind or stage".into());
    }
    if wk
        .state
        .iter()
        .any(|&s| s & !(status::MASK | traits::MASK) != 0)
    {
        return Err("a worker has an unknown status or trait".into());
    }
    b.metrics.check_shape(n_parks, b.tick)?;
    if b.tick != header.tick || b.history.len() != b.tick as usize {
        return Err(format!(
            "{} months of history for a state at month {} (header: {})",
            b.history.len(),
            b.tick,
            header.tick
        ));
    }
    let n_ind = crate::metrics::INDICATORS.len();
    if b.history.iter().any(|r| r.row.values.len() != n_ind) {
        return Err(format!("an indicator row does not have {n_ind} values"));
    }
    Ok(())
}

/// What the fuzz target and the corpus test do with any bytes: decode them as they are and
/// with a right checksum, and continue an accepted state as the tiny test town; panics only
/// where the reader would (a bug). Returns how many of the two decodings were accepted.
#[doc(hidden)]
pub fn check_any(data: &[u8]) -> usize {
    let mut accepted = 0;
    let mut fixed = data.to_vec();
    fix_checksum(&mut fixed);
    for bytes in [data, &fixed[..]] {
        let Ok((header, body)) = decode(bytes) else {
            continue;
        };
        accepted += 1;
        assert_eq!(body.history.len(), header.tick as usize);
        let town = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tiny_city/tiny_city.toml"
        );
        let Ok(scenario) = crate::scenario::Scenario::load(Path::new(town)) else {
            continue;
        };
        let state = State {
            path: PathBuf::from("fuzz.zgcstate"),
            header,
            body,
        };
        let o = crate::runner::Overrides::default();
        let Ok(layers) = scenario.layers() else {
            continue;
        };
        if let Ok(r) = super::resume(state, &scenario, &o, &layers.grid) {
            let _ = crate::tick::invariants::check(&r.sim);
        }
    }
    accepted
}
