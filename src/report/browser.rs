//! Headless-Chromium checks of HTML reports: screenshot, DOM dump, console errors, PNG statistics.
//!
//! Used by the real-browser test (`tests/browser.rs`) and usable by any
//! other test that wants to see a report as a person would. Chromium is
//! run with a fresh profile, no sandbox (tests run as root in CI), no GPU
//! and every background network feature switched off; reports themselves
//! forbid network access through their Content-Security-Policy.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Where to look for Chromium: `$ZGC_CHROMIUM` if set, else these names
/// on `PATH` / absolute paths, in order.
pub const CHROMIUM_CANDIDATES: &[&str] = &[
    "/usr/bin/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
];

/// The Chromium binary to use, if any is installed (see
/// [`CHROMIUM_CANDIDATES`]).
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZGC_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    for c in CHROMIUM_CANDIDATES {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.is_file() {
                return Some(p.to_path_buf());
            }
            continue;
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let full = dir.join(c);
                if full.is_file() {
                    return Some(full);
                }
            }
        }
    }
    None
}

/// What one headless run of Chromium produced.
#[derive(Debug, Clone)]
pub struct BrowserRun {
    /// Everything Chromium wrote to standard output (the DOM for
    /// [`dump_dom`]).
    pub stdout: String,
    /// Everything Chromium wrote to standard error (its log).
    pub stderr: String,
}

impl BrowserRun {
    /// Log lines that report a page problem: uncaught exceptions, console
    /// messages (`:CONSOLE(` lines, which include CSP violations and
    /// `console.error`), and failed resource loads.
    pub fn console_errors(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| {
                l.contains("Uncaught")
                    || l.contains(":CONSOLE")
                    || l.contains("Refused to")
                    || l.contains("Failed to load resource")
            })
            .map(str::to_string)
            .collect()
    }
}

fn run_chromium(
    chromium: &Path,
    profile_dir: &Path,
    extra: &[String],
    url: &str,
    timeout: Duration,
) -> Result<BrowserRun> {
    fs::create_dir_all(profile_dir)
        .with_context(|| format!("cannot create {}", profile_dir.display()))?;
    let out_path = profile_dir.join("chromium.stdout");
    let err_path = profile_dir.join("chromium.stderr");
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!(
        "--user-data-dir={}",
        profile_dir.join("profile").display()
    ))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(fs::File::create(&out_path)?)
    .stderr(fs::File::create(&err_path)?);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", chromium.display()))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} did not finish within {:?}; its log:\n{}",
                chromium.display(),
                timeout,
                fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let run = BrowserRun {
        stdout: String::from_utf8_lossy(&fs::read(&out_path)?).into_owned(),
        stderr: String::from_utf8_lossy(&fs::read(&err_path)?).into_owned(),
    };
    if !status.success() {
        bail!(
            "{} exited with {status}; its log:\n{}",
            chromium.display(),
            run.stderr
        );
    }
    Ok(run)
}

fn file_url(path: &Path) -> Result<String> {
    let abs = fs::canonicalize(path).with_context(|| format!("no file {}", path.display()))?;
    let s = abs
        .to_str()
        .with_context(|| format!("{} is not UTF-8", abs.display()))?;
    let mut url = String::from("file://");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(url)
}

/// Opens `html` in headless Chromium with a `window` of `(width, height)`
/// pixels and saves a screenshot to `png`. `work_dir` receives the fresh
/// browser profile and logs (use a new temporary folder).
pub fn screenshot(
    chromium: &Path,
    html: &Path,
    png: &Path,
    window: (u32, u32),
    work_dir: &Path,
    timeout: Duration,
) -> Result<BrowserRun> {
    let _ = fs::remove_file(png);
    let run = run_chromium(
        chromium,
        &work_dir.join("shot"),
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={},{}", window.0, window.1),
        ],
        &file_url(html)?,
        timeout,
    )?;
    if !png.is_file() {
        bail!(
            "Chromium wrote no screenshot to {}; its log:\n{}",
            png.display(),
            run.stderr
        );
    }
    Ok(run)
}

/// Opens `html` in headless Chromium and returns the serialised DOM after
/// loading (in [`BrowserRun::stdout`]).
pub fn dump_dom(
    chromium: &Path,
    html: &Path,
    work_dir: &Path,
    timeout: Duration,
) -> Result<BrowserRun> {
    run_chromium(
        chromium,
        &work_dir.join("dom"),
        &["--dump-dom".to_string()],
        &file_url(html)?,
        timeout,
    )
}

/// Simple statistics of a decoded PNG, to tell a real picture from a
/// blank one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PngStats {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Number of distinct RGB colours.
    pub distinct_colours: usize,
    /// Share of pixels that are not (near) white, in `[0, 1]`.
    pub non_white_fraction: f64,
}

/// Decodes PNG `bytes` (any colour type, 8 or 16 bits) and measures them.
pub fn png_stats(bytes: &[u8]) -> Result<PngStats> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().context("not a PNG")?;
    let size = reader
        .output_buffer_size()
        .context("PNG too large to decode")?;
    let mut buf = vec![0u8; size];
    let info = reader.next_frame(&mut buf).context("corrupt PNG")?;
    let channels = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0usize;
    let mut n = 0usize;
    for px in data.chunks_exact(channels) {
        let (r, g, b) = match channels {
            1 | 2 => (px[0], px[0], px[0]),
            _ => (px[0], px[1], px[2]),
        };
        colours.insert((r, g, b));
        if r < 245 || g < 245 || b < 245 {
            non_white += 1;
        }
        n += 1;
    }
    Ok(PngStats {
        width: info.width,
        height: info.height,
        distinct_colours: colours.len(),
        non_white_fraction: if n == 0 {
            0.0
        } else {
            non_white as f64 / n as f64
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_our_own_png() {
        let rgb: Vec<u8> = (0..4 * 2)
            .flat_map(|i| if i < 2 { [0, 0, 0] } else { [255, 255, 255] })
            .collect();
        let png = crate::report::encode_png(&rgb, 4, 2).unwrap();
        let s = png_stats(&png).unwrap();
        assert_eq!((s.width, s.height, s.distinct_colours), (4, 2, 2));
        assert_eq!(s.non_white_fraction, 0.25);
        assert!(png_stats(b"not a png").is_err());
    }

    #[test]
    fn urls_are_percent_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a b#.html");
        fs::write(&p, "x").unwrap();
        let u = file_url(&p).unwrap();
        assert!(
            u.starts_with("file:///") && u.ends_with("/a%20b%23.html"),
            "{u}"
        );
    }

    #[test]
    fn console_errors_are_found() {
        let run = BrowserRun {
            stdout: String::new(),
            stderr: "[1:2:INFO:CONSOLE(3)] \"Uncaught ReferenceError: x\"\nother\n".into(),
        };
        assert_eq!(run.console_errors().len(), 1);
    }
}
