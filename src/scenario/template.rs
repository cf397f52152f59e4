//! Text for users: the commented template `zgc init` writes, and resolved TOML annotated with
//! each parameter's documentation and allowed range (`zgc check --comments`, `--defaults`).

use super::params_schema::{docs, rule_of};

/// The template scenario `zgc init NAME` writes. It runs as written. By default it extends the
/// embedded baseline (same world, period, scale and seed, so `zgc compare` of the baseline and
/// it shows the policy's effect alone); `standalone` writes every setting out instead, with
/// the baseline's values.
pub fn template(name: &str, standalone: bool) -> String {
    let t = TEMPLATE.replace("{NAME}", name);
    if standalone {
        return t;
    }
    let t = t.replace(
        "# Start from another scenario and change only what differs (a path relative to this file;\n# its tables are merged key by key and its [[policy]] entries kept before yours):\n# extends = \"baseline.toml\"\n",
        "# Start from the embedded baseline (Beijing 2009-01 … 2028-12, seed 42, scale 0.01) and change\n# only what differs: `zgc compare` of the baseline and this file then shows the effect of your\n# policies alone. Another scenario file works too (a path relative to this file); its tables\n# are merged key by key and its [[policy]] entries kept before yours.\nextends = \"builtin:baseline\"\n",
    );
    // The run settings and the world come from the baseline: show them, commented out.
    let start = t.find("[run]\n").unwrap_or(0);
    let end = t.find("# Behavioural parameters").unwrap_or(start);
    let (head, tail) = (&t[..start], &t[end..]);
    let mut mid = String::from(
        "# Inherited from the baseline; uncomment to change (then compare with care: `zgc compare`\n# runs every scenario with the base scenario's seed, scale and period, and warns).\n",
    );
    for line in t[start..end].lines() {
        if line.is_empty() || line.starts_with('#') {
            mid.push_str(line);
        } else {
            mid.push_str("# ");
            mid.push_str(line);
        }
        mid.push('\n');
    }
    format!("{head}{mid}{tail}")
}

const TEMPLATE: &str = r#"# {NAME}: a zgc scenario.
#
# Reference: docs/scenarios.md. `zgc check {NAME}.toml` validates this file without running it
# and prints it with every default filled in; `zgc check --defaults` lists every parameter with
# its meaning and range; `zgc places` lists the places, parks and districts a region can name.
# Run it with `zgc run {NAME}.toml`.

# Start from another scenario and change only what differs (a path relative to this file;
# its tables are merged key by key and its [[policy]] entries kept before yours):
# extends = "baseline.toml"

[scenario]
name = "{NAME}"                     # names the output folder results/{NAME}
description = "What this scenario asks."

[run]
seed = 42                           # master seed: same seed, same results
scale = 0.01                        # agents per real agent (Beijing: about 12.4 million workers)
start = "2009-01"                   # first month
end = "2028-12"                     # last month, inclusive (or `ticks = 240`)

[world]
preset = "beijing"                  # the embedded Zhongguancun world
# Your own city instead: ESRI ASCII grids (see docs/scenarios.md, "A city of your own")
# [world.grids]
# land_use = "land_use.asc"         # codes 0 green 1 residential 2 office 3 commercial
#                                   #       4 industrial 5 university 6 village 7 mixed
# floor = "floor.asc"               # total floor space, m² per cell
# residents = "residents.asc"       # resident workers per cell
# jobs = "jobs.asc"                 # jobs per cell
# [[world.park]]
# name = "science_park"
# region = { rect_km = [0.0, 0.0, 4.0, 3.0] }

# Behavioural parameters: any key of `zgc check --defaults` may be set here.
[params.startups]
found_rate_tech = 0.0006            # monthly probability that a tech worker founds a start-up

# Policies: a kind, a start (a tick number or "YYYY-MM"), optionally an end, a region, and the
# kind's own keys. A region is one of: { name = "<place, park, district or area>" },
# { rect_km = [x_min, y_min, x_max, y_max] }, { around = "<place>", radius_km = 2.0 },
# { discs_km = [[x, y, radius], ...] }, { along_km = [[x, y], ...], half_width_km = 0.3 },
# { cells = [[col, row], ...] } or { all = true } (docs/scenarios.md, "Regions").
[[policy]]
kind = "incubator"
name = "A 2.0 incubator in the Zhongguancun core"
start = "2012-01"
region = { name = "zhongguancun_core" }
generation = "2.0"                  # "1.0", "2.0", or "3.0" with a `sector`
seats = 300                         # start-ups it hosts (real size)

# The other kinds, ready to uncomment:
#
# [[policy]]
# kind = "convert_space"            # a share of one floor-space use becomes another
# start = "2010-01"
# end = "2014-01"                   # spread evenly over the months until `end`
# region = { name = "zhongguancun_avenue" }
# from = "emall"                    # residential, office, commercial, emall, industrial, maker
# to = "office"
# share = 0.5
#
# [[policy]]
# kind = "rezone"                   # new zone and added floor space (Hui+)
# start = "2015-11"
# region = { around = "huilongguan", radius_km = 1.5 }
# zone = "mixed"
# floor_m2 = 450000
# mix = { maker = 0.5, residential = 0.35, commercial = 0.15 }
#
# [[policy]]
# kind = "rent_subsidy"             # targets: startups, makers, sector, incubator_tenants, all_firms
# start = "2016-01"
# region = { name = "northern_haidian" }
# target = "makers"
# share = 0.5
# housing = true
#
# [[policy]]
# kind = "land_cap"                 # the red line: no new floor space (or max_new_m2 / release_m2)
# start = "2015-01"
# region = { name = "haidian" }
#
# [[policy]]
# kind = "reuse_buildings"          # vacant buildings become maker space, no land-use change
# start = "2015-06"
# region = { name = "zhongguancun_core_area" }
# from = "office"
# share = 0.1
#
# [[policy]]
# kind = "transport"                # a new or faster link between two places
# start = "2014-01"
# link_from = "huilongguan"
# link_to = "shangdi"
# mode = "rail"
# speed_kmh = 45
#
# [[policy]]
# kind = "partner_site"             # a regional site taking relocating firms (Jing-Jin-Ji)
# start = "2015-01"
# name = "Tianjin Binhai"
# sectors = ["smart_manufacturing"]
# capacity = 2000                   # firms (real size)
# distance_km = 130
"#;

/// Docs of the `[run]` keys.
const RUN_DOCS: &[(&str, &str)] = &[
    (
        "seed",
        "Master seed: the only source of randomness; same seed, same results.",
    ),
    (
        "scale",
        "Agents per real agent, in (0, 1]; 1.0 is real size.",
    ),
    ("start", "First month, \"YYYY-MM\"."),
    ("end", "Last month, inclusive, \"YYYY-MM\"."),
    ("ticks", "Number of monthly ticks (agrees with `end`)."),
];

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn comment(out: &mut String, text: &str) {
    for l in wrap(text, 94) {
        out.push_str("# ");
        out.push_str(&l);
        out.push('\n');
    }
}

/// The doc and range of a parameter path inside `[params]` (`firms.growth_rate`,
/// `firms.wage` for a per-sector table).
fn param_comment(path: &str, table: bool) -> Option<String> {
    let doc = docs().get(path)?;
    let probe = if table {
        format!("{path}.x")
    } else {
        path.to_string()
    };
    let range = rule_of(&probe)
        .or_else(|| rule_of(&format!("{path}[0]")))
        .map(|(_, r)| format!(" [{}]", r.short()))
        .unwrap_or_default();
    Some(format!("{doc}{range}"))
}

/// Annotate resolved TOML with the docs and ranges of `[run]` keys and every parameter.
pub fn annotate(resolved: &str) -> String {
    let mut out = String::with_capacity(resolved.len() * 3);
    let mut table = String::new();
    for line in resolved.lines() {
        let t = line.trim();
        if t.starts_with('[') && !t.starts_with("[[") {
            table = t.trim_matches(['[', ']']).to_string();
            if let Some(p) = table.strip_prefix("params.") {
                let is_section = !p.contains('.');
                let text = if is_section {
                    docs().get(p).cloned()
                } else {
                    param_comment(p, true)
                };
                if let Some(text) = text {
                    if is_section {
                        out.push('\n');
                    }
                    comment(&mut out, &text);
                }
            }
        } else if t.starts_with("[[") {
            table.clear();
        } else if let Some((key, _)) = t.split_once(" = ") {
            if table == "run" {
                if let Some((_, d)) = RUN_DOCS.iter().find(|(k, _)| *k == key) {
                    comment(&mut out, d);
                }
            } else if let Some(p) = table.strip_prefix("params.") {
                if !p.contains('.') {
                    if let Some(text) = param_comment(&format!("{p}.{key}"), false) {
                        comment(&mut out, &text);
                    }
                }
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn template_is_a_valid_scenario() {
        let s = Scenario::from_str(&template("my_test", false), "template", None).unwrap();
        assert_eq!(s.name(), "my_test");
        assert_eq!(s.file.policies.len(), 1);
    }

    #[test]
    fn the_template_runs_like_the_baseline_but_for_its_policy() {
        let base = Scenario::baseline();
        for standalone in [false, true] {
            let s = Scenario::from_str(&template("t", standalone), "template", None).unwrap();
            assert_eq!(s.file.run.seed, base.file.run.seed);
            assert_eq!(s.file.run.scale, base.file.run.scale);
            assert_eq!((s.start, s.ticks), (base.start, base.ticks));
            let world = |x: &Scenario| toml::Value::try_from(&x.file.world).unwrap();
            assert_eq!(world(&s), world(&base));
        }
        let t = template("t", false);
        assert!(t.contains("\nextends = \"builtin:baseline\"\n"), "{t}");
        assert!(
            t.contains("\n# [run]\n") && t.contains("\n# seed = 42"),
            "{t}"
        );
        assert!(template("t", true).contains("\n[run]\n"));
    }

    #[test]
    fn annotation_documents_parameters_and_stays_valid() {
        let s = Scenario::baseline();
        let a = annotate(&s.resolved_toml());
        assert!(a.contains("# Monthly hires beyond replacing"), "{a}");
        assert!(a.contains("[≥ 0]"));
        let again = Scenario::from_str(&a, "annotated", None).unwrap();
        assert_eq!(again.hash(), s.hash());
    }
}
