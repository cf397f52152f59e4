//! A builder for one self-contained HTML report file (inline CSS, SVG and PNG; no network).

use std::path::Path;

use base64::Engine as _;

use crate::files::write_atomic;

/// Content-Security-Policy of every report: nothing may be fetched, no
/// script may run; only the inline style sheet and `data:` images are
/// allowed. This keeps reports self-contained and makes any accidental
/// external reference show up as a console error in the browser test.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const STYLE: &str = r#"
:root {
  --ink: #1e1e1e;
  --muted: #5a5a5a;
  --rule: #d6d6d6;
  --stripe: #f4f6f8;
  --accent: #0072b2;
}
* { box-sizing: border-box; }
body {
  margin: 0;
  background: #ffffff;
  color: var(--ink);
  font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.5;
}
main {
  max-width: 1100px;
  margin: 0 auto;
  padding: 24px 28px 48px;
}
h1 {
  font-size: 1.9em;
  margin: 0.2em 0 0.6em;
  border-bottom: 3px solid var(--accent);
  padding-bottom: 0.2em;
}
h2 {
  font-size: 1.4em;
  margin: 1.8em 0 0.5em;
  border-bottom: 1px solid var(--rule);
}
nav.toc {
  background: var(--stripe);
  border: 1px solid var(--rule);
  padding: 0.6em 1.2em;
}
nav.toc ol { margin: 0.2em 0; }
nav.toc a { color: var(--accent); text-decoration: none; }
p { margin: 0.6em 0; max-width: 75ch; }
pre {
  background: var(--stripe);
  border: 1px solid var(--rule);
  padding: 0.7em 1em;
  overflow-x: auto;
  font-size: 0.88em;
}
figure { margin: 1em 0; }
figure svg, figure img {
  display: block;
  max-width: 100%;
  height: auto;
}
table {
  border-collapse: collapse;
  margin: 1em 0;
  font-size: 0.95em;
}
th, td {
  border: 1px solid var(--rule);
  padding: 0.3em 0.7em;
  text-align: left;
  vertical-align: top;
}
th { background: #e9edf1; }
tbody tr:nth-child(even) { background: var(--stripe); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td { font-variant-numeric: tabular-nums; }
div.grid { display: grid; gap: 10px; margin: 1em 0; }
div.grid.cols2 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
div.grid.cols3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
div.grid.cols4 { grid-template-columns: repeat(4, minmax(0, 1fr)); }
div.grid figure { margin: 0; }
footer {
  margin-top: 3em;
  color: var(--muted);
  font-size: 0.85em;
}
"#;

#[derive(Debug, Clone, PartialEq)]
enum Block {
    Section(String),
    Paragraph(String),
    Pre(String),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Svg(String),
    Png {
        base64: String,
        alt: String,
    },
    PngGrid {
        columns: usize,
        images: Vec<(String, String)>,
    },
}

/// A report under construction: a title, then blocks in order. Render it
/// with [`HtmlReport::to_html`] or write it with [`HtmlReport::write`].
///
/// All text (title, headings, paragraphs, table cells, alt texts) is
/// HTML-escaped. SVG passed to [`HtmlReport::svg`] is inserted as markup
/// and must come from a trusted source (such as [`super::chart_svg`] or
/// [`super::map_svg`]).
///
/// ```
/// use zgc::report::HtmlReport;
/// let mut r = HtmlReport::new("Run 42");
/// r.section("Summary").paragraph("Firms grew by 12 %.");
/// r.table(&["metric", "value"], &[vec!["firms", "1 204"]]);
/// assert!(r.to_html().contains("<h2 id=\"s1\">Summary</h2>"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlReport {
    title: String,
    blocks: Vec<Block>,
}

impl HtmlReport {
    /// An empty report with this title (shown as `<title>` and `<h1>`).
    pub fn new(title: impl Into<String>) -> Self {
        HtmlReport {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Starts a new section with this heading; it is listed in the table
    /// of contents shown when the report has two sections or more.
    pub fn section(&mut self, heading: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Section(heading.into()));
        self
    }

    /// Adds a paragraph of plain text (escaped; line breaks are kept).
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Adds preformatted plain text (escaped), e.g. a configuration dump.
    pub fn preformatted(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Pre(text.into()));
        self
    }

    /// Adds a table. All cells are escaped; cells that read as numbers are
    /// right-aligned; short rows are padded with empty cells.
    pub fn table<H: AsRef<str>, C: AsRef<str>>(
        &mut self,
        headers: &[H],
        rows: &[Vec<C>],
    ) -> &mut Self {
        self.blocks.push(Block::Table {
            headers: headers.iter().map(|h| h.as_ref().to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.as_ref().to_string()).collect())
                .collect(),
        });
        self
    }

    /// Adds an inline SVG figure (trusted markup; any XML declaration or
    /// doctype before the `<svg` element is dropped).
    pub fn svg(&mut self, svg: impl Into<String>) -> &mut Self {
        let svg = svg.into();
        let svg = match svg.find("<svg") {
            Some(i) => svg[i..].to_string(),
            None => svg,
        };
        self.blocks.push(Block::Svg(svg));
        self
    }

    /// Adds a PNG image inline, as a base64 `data:` URI.
    pub fn png_inline(&mut self, bytes: &[u8]) -> &mut Self {
        self.png_inline_with_alt(bytes, "")
    }

    /// Adds a PNG image inline with an alternative text (escaped).
    pub fn png_inline_with_alt(&mut self, bytes: &[u8], alt: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Png {
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            alt: alt.into(),
        });
        self
    }

    /// Adds PNG images side by side, `columns` (1 to 4) per row, each inline with an
    /// alternative text (escaped); images shrink to the column width.
    pub fn png_grid(&mut self, images: &[(&[u8], String)], columns: usize) -> &mut Self {
        self.blocks.push(Block::PngGrid {
            columns: columns.clamp(1, 4),
            images: images
                .iter()
                .map(|(bytes, alt)| {
                    (
                        base64::engine::general_purpose::STANDARD.encode(bytes),
                        alt.clone(),
                    )
                })
                .collect(),
        });
        self
    }

    /// The whole document as one HTML string (deterministic: no dates).
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(16 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
            escape(CSP)
        ));
        h.push_str("<meta name=\"generator\" content=\"zgc\">\n");
        h.push_str(&format!("<title>{}</title>\n", escape(&self.title)));
        h.push_str(&format!(
            "<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        ));
        h.push_str(&format!("<h1>{}</h1>\n", escape(&self.title)));

        let headings: Vec<&str> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Section(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        if headings.len() >= 2 {
            h.push_str("<nav class=\"toc\">\n<strong>Contents</strong>\n<ol>\n");
            for (i, s) in headings.iter().enumerate() {
                h.push_str(&format!(
                    "<li><a href=\"#s{}\">{}</a></li>\n",
                    i + 1,
                    escape(s)
                ));
            }
            h.push_str("</ol>\n</nav>\n");
        }

        let mut section = 0;
        for b in &self.blocks {
            match b {
                Block::Section(s) => {
                    if section > 0 {
                        h.push_str("</section>\n");
                    }
                    section += 1;
                    h.push_str(&format!(
                        "<section>\n<h2 id=\"s{section}\">{}</h2>\n",
                        escape(s)
                    ));
                }
                Block::Paragraph(t) => {
                    h.push_str(&format!("<p>{}</p>\n", escape(t).replace('\n', "<br>\n")));
                }
                Block::Pre(t) => h.push_str(&format!("<pre>{}</pre>\n", escape(t))),
                Block::Table { headers, rows } => push_table(&mut h, headers, rows),
                Block::Svg(svg) => {
                    h.push_str("<figure>\n");
                    h.push_str(svg.trim_end());
                    h.push_str("\n</figure>\n");
                }
                Block::PngGrid { columns, images } => {
                    h.push_str(&format!("<div class=\"grid cols{columns}\">\n"));
                    for (base64, alt) in images {
                        h.push_str(&format!(
                            "<figure><img alt=\"{}\" src=\"data:image/png;base64,{base64}\"></figure>\n",
                            escape(alt)
                        ));
                    }
                    h.push_str("</div>\n");
                }
                Block::Png { base64, alt } => {
                    h.push_str(&format!(
                        "<figure>\n<img alt=\"{}\" src=\"data:image/png;base64,{base64}\">\n</figure>\n",
                        escape(alt)
                    ));
                }
            }
        }
        if section > 0 {
            h.push_str("</section>\n");
        }
        h.push_str("<footer>Generated by zgc.</footer>\n</main>\n</body>\n</html>\n");
        h
    }

    /// Writes the report to `path` atomically (temporary file in the same
    /// folder, then rename).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        write_atomic(path, self.to_html().as_bytes())
    }
}

fn push_table(h: &mut String, headers: &[String], rows: &[Vec<String>]) {
    let ncols = rows
        .iter()
        .map(|r| r.len())
        .chain(std::iter::once(headers.len()))
        .max()
        .unwrap_or(0);
    h.push_str("<table>\n");
    if !headers.is_empty() {
        h.push_str("<thead><tr>");
        for i in 0..ncols {
            let t = headers.get(i).map_or("", |s| s.as_str());
            h.push_str(&format!("<th>{}</th>", escape(t)));
        }
        h.push_str("</tr></thead>\n");
    }
    h.push_str("<tbody>\n");
    for r in rows {
        h.push_str("<tr>");
        for i in 0..ncols {
            let t = r.get(i).map_or("", |s| s.as_str());
            if looks_numeric(t) {
                h.push_str(&format!("<td class=\"num\">{}</td>", escape(t)));
            } else {
                h.push_str(&format!("<td>{}</td>", escape(t)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Whether a table cell reads as a number (`1 204`, `-3.5e2`, `12 %`, `±0.4`).
fn looks_numeric(s: &str) -> bool {
    let t: String = s
        .trim()
        .trim_end_matches('%')
        .trim_start_matches('±')
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '_' | '\u{a0}' | '\u{202f}'))
        .collect();
    !t.is_empty() && t.parse::<f64>().is_ok()
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        let mut r = HtmlReport::new("<b>Title</b> & co");
        r.section("A \"quoted\" <section>")
            .paragraph("1 < 2 && 3 > 2\nnext line")
            .preformatted("<pre>")
            .table(&["<h>"], &[vec!["<script>alert(1)</script>", "x"]])
            .png_inline_with_alt(b"\x89PNG", "alt \"text\"");
        let h = r.to_html();
        assert!(!h.contains("<b>Title"));
        assert!(!h.contains("<script>"));
        assert!(h.contains("<title>&lt;b&gt;Title&lt;/b&gt; &amp; co</title>"));
        assert!(h.contains("1 &lt; 2 &amp;&amp; 3 &gt; 2<br>\nnext line"));
        assert!(h.contains("<th>&lt;h&gt;</th><th></th>"));
        assert!(h.contains("alt=\"alt &quot;text&quot;\""));
        assert!(h.contains("src=\"data:image/png;base64,iVBORw==\""));
    }

    #[test]
    fn structure_and_toc() {
        let mut r = HtmlReport::new("T");
        r.paragraph("intro");
        r.section("One")
            .svg("<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 1 1\"></svg>\n");
        r.section("Two").table(
            &["k", "v"],
            &[vec!["firms", "1 204"], vec!["share", "12 %"], vec!["x"]],
        );
        let h = r.to_html();
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("<a href=\"#s2\">Two</a>"));
        assert!(h.contains("<figure>\n<svg viewBox"));
        assert!(!h.contains("<?xml"));
        assert!(h.contains("<td class=\"num\">1 204</td>"));
        assert!(h.contains("<td class=\"num\">12 %</td>"));
        assert!(h.contains("<tr><td>x</td><td></td></tr>"));
        assert_eq!(h.matches("<section>").count(), 2);
        assert_eq!(h.matches("</section>").count(), 2);
        assert!(!h.contains("http://") && !h.contains("https://"));
        assert_eq!(h, r.clone().to_html());
    }

    #[test]
    fn no_toc_for_one_section_and_empty_report_is_valid() {
        let mut r = HtmlReport::new("T");
        r.section("Only");
        assert!(!r.to_html().contains("<nav"));
        let e = HtmlReport::new("").to_html();
        assert!(e.ends_with("</html>\n"));
    }

    #[test]
    fn write_is_atomic_and_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.html");
        let mut r = HtmlReport::new("T");
        r.paragraph("p");
        r.write(&p).unwrap();
        let a = std::fs::read(&p).unwrap();
        r.write(&p).unwrap();
        assert_eq!(a, std::fs::read(&p).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn image_grids() {
        let mut r = HtmlReport::new("T");
        r.png_grid(
            &[(b"\x89PNG", "a <b>".to_string()), (b"\x89PNG", "c".into())],
            2,
        );
        r.png_grid(&[], 9);
        let h = r.to_html();
        assert!(h.contains("<div class=\"grid cols2\">\n<figure><img alt=\"a &lt;b&gt;\" src=\"data:image/png;base64,iVBORw==\"></figure>"));
        assert!(h.contains("<div class=\"grid cols4\">\n</div>"));
    }

    #[test]
    fn numbers_are_recognised() {
        for s in ["1", "-3.5e2", "1 204", "12 %", "±0.4", "1,000"] {
            assert!(looks_numeric(s), "{s}");
        }
        for s in ["", "abc", "1a", "%", "NaN x"] {
            assert!(!looks_numeric(s), "{s}");
        }
    }
}
