//! Real-browser test: builds a report with a chart and maps, opens it in headless Chromium, and checks the screenshot, the DOM and the console.
//!
//! Needs Debian's Chromium (`apt-get install -y chromium`, binary
//! `/usr/bin/chromium`, or set `ZGC_CHROMIUM`). Without it the test fails
//! and says so, unless `ZGC_SKIP_BROWSER=1` is set, which skips it with a
//! notice. The report, its screenshot and the standalone PNGs are left in
//! `<target>/tmp/browser/` for a person to look at.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ndarray::Array2;
use zgc::report::browser::{dump_dom, find_chromium, png_stats, screenshot};
use zgc::report::{
    chart_png, chart_svg, map_png, map_png_bytes, map_svg, Band, Chart, GridLayer, HtmlReport,
    Place,
};

const TIMEOUT: Duration = Duration::from_secs(180);
const WINDOW: (u32, u32) = (1200, 2000);

/// The Chromium binary, or `None` when the test is to be skipped.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    if std::env::var("ZGC_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("NOTICE: {test} skipped because ZGC_SKIP_BROWSER=1");
        return None;
    }
    match find_chromium() {
        Some(p) => Some(p),
        None => panic!(
            "Chromium was not found (is it installed?), so {test} cannot run. Install it with \
             `apt-get update && apt-get install -y chromium` (CI does), point \
             ZGC_CHROMIUM at a Chromium binary, or set ZGC_SKIP_BROWSER=1 to skip \
             this test."
        ),
    }
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    fs::create_dir_all(&d).unwrap();
    d
}

/// Places around Zhongguancun, km east/north of Tiananmen (approximate).
fn places() -> Vec<Place> {
    vec![
        Place::new("Tiananmen", 0.0, 0.0),
        Place::new("Tsinghua University", -6.1, 10.1),
        Place::new("Peking University", -7.8, 8.7),
        Place::new("Summer Palace", -10.4, 10.1),
        Place::new("Olympic Park", -0.6, 9.3),
    ]
}

/// A 40 × 36 grid of 500 m cells with a density peak near Zhongguancun,
/// a patch without data (the Summer Palace lakes) and rows south → north.
fn density_layer() -> GridLayer {
    let (x0, y0, cell) = (-16.0, -2.0, 0.5);
    let values = Array2::from_shape_fn((36, 40), |(iy, ix)| {
        let x = x0 + (ix as f64 + 0.5) * cell;
        let y = y0 + (iy as f64 + 0.5) * cell;
        if (x + 10.8).abs() < 0.8 && (y - 9.6).abs() < 0.6 {
            return f64::NAN;
        }
        let zgc = (-((x + 6.9).powi(2) + (y - 8.6).powi(2)) / 6.0).exp();
        let centre = (-(x.powi(2) + y.powi(2)) / 30.0).exp();
        120.0 * zgc + 35.0 * centre + 2.0
    });
    GridLayer::new(
        "firm_density",
        "Firm density, 2030 (mean of 8 runs)",
        "firms per km²",
        values,
        x0,
        y0,
        cell,
    )
}

fn difference_layer() -> GridLayer {
    let mut l = density_layer();
    let (x0, y0, cell) = (l.x0_km, l.y0_km, l.cell_km);
    l.values = Array2::from_shape_fn(l.values.dim(), |(iy, ix)| {
        let x = x0 + (ix as f64 + 0.5) * cell;
        let y = y0 + (iy as f64 + 0.5) * cell;
        if (x + 10.8).abs() < 0.8 && (y - 9.6).abs() < 0.6 {
            return f64::NAN;
        }
        18.0 * (-((x + 4.0).powi(2) + (y - 11.0).powi(2)) / 5.0).exp()
            - 9.0 * (-((x + 9.0).powi(2) + (y - 6.0).powi(2)) / 4.0).exp()
    });
    l.name = "policy_minus_baseline".into();
    l.title = "Policy − baseline, firm density 2030".into();
    l.diverging = true;
    l
}

fn chart() -> Chart {
    let x: Vec<f64> = (0..=40).map(|i| 2025.0 + i as f64 * 0.25).collect();
    let base: Vec<f64> = x
        .iter()
        .map(|t| 1000.0 * (1.0 + 0.06 * (t - 2025.0)))
        .collect();
    let policy: Vec<f64> = x
        .iter()
        .map(|t| 1000.0 * (1.0 + 0.09 * (t - 2025.0)))
        .collect();
    let mut observed: Vec<f64> = x
        .iter()
        .map(|t| 1000.0 + 40.0 * ((t - 2025.0) * 3.0).sin() + 55.0 * (t - 2025.0))
        .collect();
    observed[13] = f64::NAN; // a gap
    let w = |v: &[f64], k: f64| -> Vec<f64> {
        v.iter()
            .zip(&x)
            .map(|(m, t)| m + k * 15.0 * (t - 2024.5))
            .collect()
    };
    Chart {
        title: "Active firms in Zhongguancun".into(),
        x_label: "year".into(),
        y_label: "firms".into(),
        series: vec![
            Band::with_band(
                "baseline (90 % band)",
                x.clone(),
                base.clone(),
                w(&base, -1.0),
                w(&base, 1.0),
            ),
            Band::with_band(
                "R&D subsidy (90 % band)",
                x.clone(),
                policy.clone(),
                w(&policy, -1.0),
                w(&policy, 1.0),
            ),
            Band::line("single run <seed 7>", x, observed),
        ],
    }
}

fn build_report(dir: &Path) -> PathBuf {
    let density = density_layer();
    let diff = difference_layer();
    let mut r = HtmlReport::new("zgc report — browser test <&>");
    r.section("Summary")
        .paragraph("A small report built by tests/browser.rs: a chart with bands, an SVG map and a PNG difference map. Text like <script> & \"quotes\" must show literally.")
        .table(
            &["scenario", "firms 2035", "change"],
            &[
                vec!["baseline", "1 600", "+60 %"],
                vec!["R&D subsidy", "1 900", "+90 %"],
            ],
        );
    r.section("Firms over time")
        .svg(chart_svg(&chart()).unwrap());
    r.section("Where firms are")
        .svg(map_svg(&density, &places()).unwrap());
    r.section("Policy effect")
        .png_inline_with_alt(&map_png_bytes(&diff, &places()).unwrap(), "difference map");
    let html = dir.join("report.html");
    r.write(&html).unwrap();

    // Standalone pictures, for a person to inspect.
    chart_png(&chart(), &dir.join("chart.png")).unwrap();
    map_png(&density, &places(), &dir.join("map.png")).unwrap();
    map_png(&diff, &places(), &dir.join("diff.png")).unwrap();
    html
}

#[test]
fn report_renders_in_chromium() {
    let Some(chromium) = chromium_or_skip("report_renders_in_chromium") else {
        return;
    };
    let dir = out_dir();
    let html = build_report(&dir);

    // The file is self-contained: the only URLs are SVG namespace names.
    let text = fs::read_to_string(&html).unwrap();
    let urls = text.matches("://").count();
    let ns = text.matches("\"http://www.w3.org/2000/svg\"").count();
    assert_eq!(urls, ns, "report refers to something outside itself");

    let work = tempfile::tempdir().unwrap();
    let shot = dir.join("screenshot.png");
    let run = screenshot(&chromium, &html, &shot, WINDOW, work.path(), TIMEOUT).unwrap();
    let errors = run.console_errors();
    assert!(
        errors.is_empty(),
        "console errors:\n{}\nfull log:\n{}",
        errors.join("\n"),
        run.stderr
    );

    let stats = png_stats(&fs::read(&shot).unwrap()).unwrap();
    println!("screenshot {} : {stats:?}", shot.display());
    assert_eq!((stats.width, stats.height), WINDOW);
    assert!(stats.distinct_colours > 200, "too few colours: {stats:?}");
    assert!(
        stats.non_white_fraction > 0.08,
        "screenshot looks blank: {stats:?}"
    );

    let dom = dump_dom(&chromium, &html, work.path(), TIMEOUT).unwrap();
    assert!(dom.console_errors().is_empty(), "{}", dom.stderr);
    let d = &dom.stdout;
    assert!(
        d.contains("zgc report — browser test &lt;&amp;&gt;"),
        "{d:.2000}"
    );
    assert_eq!(d.matches("<svg").count(), 2, "two inline SVG figures");
    assert!(d.contains("<polygon"), "chart bands present");
    assert!(d.contains("Tsinghua University"), "map labels present");
    assert!(d.contains("src=\"data:image/png;base64,iVBOR"));
    assert!(d.contains("<td class=\"num\">1 600</td>"));
    assert!(!d.contains("<script"), "no script anywhere");
}

/// The console check must catch a broken page, or it proves nothing.
#[test]
fn console_check_catches_a_script_error() {
    let Some(chromium) = chromium_or_skip("console_check_catches_a_script_error") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let html = work.path().join("broken.html");
    fs::write(
        &html,
        "<!DOCTYPE html><html><body><p>broken</p>\
         <script>noSuchFunction();</script></body></html>",
    )
    .unwrap();
    let run = dump_dom(&chromium, &html, work.path(), TIMEOUT).unwrap();
    let errors = run.console_errors();
    assert!(
        errors.iter().any(|l| l.contains("noSuchFunction")),
        "the script error was not seen; log:\n{}",
        run.stderr
    );
}

#[path = "common/mod.rs"]
mod common;

/// Rows of a screenshot in bands of `band` pixels: the share of non-white pixels per band.
fn band_ink(png: &[u8], band: usize) -> Vec<f64> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(png));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0u8; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    (0..h.div_ceil(band))
        .map(|b| {
            let rows = b * band..((b + 1) * band).min(h);
            let n = rows.len() * w;
            let ink = rows
                .flat_map(|y| (0..w).map(move |x| (y * w + x) * ch))
                .filter(|&i| buf[i] < 245 || buf[i + 1] < 245 || buf[i + 2] < 245)
                .count();
            ink as f64 / n as f64
        })
        .collect()
}

/// Opens a report in Chromium: no console error, a non-blank screenshot of the whole page
/// (`height` pixels tall) whose bands down to `content_px` all hold something, and a DOM with
/// at least `svgs` charts and `imgs` images. Leaves `<name>.png` for a person to look at.
fn check_report(chromium: &Path, html: &Path, name: &str, height: u32, svgs: usize, imgs: usize) {
    let work = tempfile::tempdir().unwrap();
    let shot = out_dir().join(format!("{name}.png"));
    let run = screenshot(chromium, html, &shot, (1200, height), work.path(), TIMEOUT).unwrap();
    let errors = run.console_errors();
    assert!(
        errors.is_empty(),
        "{name}: console errors:\n{}",
        errors.join("\n")
    );
    let bytes = fs::read(&shot).unwrap();
    let stats = png_stats(&bytes).unwrap();
    println!("{name}: {} : {stats:?}", shot.display());
    assert!(stats.distinct_colours > 200, "{name}: {stats:?}");
    assert!(
        stats.non_white_fraction > 0.05,
        "{name} looks blank: {stats:?}"
    );
    // Every 1000-pixel band of the page's content has ink: charts and maps were drawn.
    let bands = band_ink(&bytes, 1000);
    let content: Vec<f64> = bands.iter().copied().take_while(|&f| f > 0.004).collect();
    println!("{name}: ink per 1000-px band {bands:.3?}");
    assert!(
        content.len() * 1000 >= (height as usize).min(8000),
        "{name}: blank stretch after {} px: {bands:?}",
        content.len() * 1000
    );

    let dom = dump_dom(chromium, html, work.path(), TIMEOUT).unwrap();
    assert!(dom.console_errors().is_empty(), "{}", dom.stderr);
    let d = &dom.stdout;
    assert!(d.matches("<svg").count() >= svgs, "{name}: too few charts");
    assert!(d.matches("<img").count() >= imgs, "{name}: too few images");
    assert!(!d.contains("<script"), "no script anywhere");
    let text = fs::read_to_string(html).unwrap();
    assert_eq!(
        text.matches("://").count(),
        text.matches("\"http://www.w3.org/2000/svg\"").count(),
        "{name} refers to something outside itself"
    );
}

#[test]
fn run_and_compare_reports_render_in_chromium() {
    let Some(chromium) = chromium_or_skip("run_and_compare_reports_render_in_chromium") else {
        return;
    };
    let dir = out_dir().join("zgc");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let (base, alt) = common::tiny_pair(&dir);
    common::ok(&common::run_in(
        &dir,
        &[
            "run",
            base.to_str().unwrap(),
            "--ticks",
            "24",
            "--out",
            "run",
            "--quiet",
        ],
    ));
    common::ok(&common::run_in(
        &dir,
        &[
            "compare",
            base.to_str().unwrap(),
            alt.to_str().unwrap(),
            "--replicates",
            "2",
            "--ticks",
            "24",
            "--out",
            "compare",
            "--quiet",
        ],
    ));
    // The run report: 7 charts, 7 maps.
    check_report(
        &chromium,
        &dir.join("run/report.html"),
        "run_report",
        10000,
        7,
        7,
    );
    // The comparison: charts of every city-wide indicator and effects, 5 maps per field.
    check_report(
        &chromium,
        &dir.join("compare/report.html"),
        "compare_report",
        30000,
        50,
        9,
    );
}
