//! Unit tests of `sweep::spec`: a good sweep file, errors naming file and key, and the values of unit draws.

use super::*;

const GOOD: &str = r#"
[sweep]
name = "t"
design = "factorial"
replicates = 2
seed = 5

[set]
run.scale = 0.002
run.ticks = 12

[record]
indicators = ["firms", "startups_alive"]
when = "yearly"

[[param]]
key = "params.startups.base_hazard"
values = [0.005, 0.01]

[[param]]
key = "params.land.rent_adjust_speed"
name = "speed"
range = [0.1, 0.3]
steps = 3
"#;

fn parse(text: &str) -> Result<SweepSpec, SweepError> {
    SweepSpec::parse(text, Path::new("dir/s.toml"))
}

#[test]
fn good_file() {
    let s = parse(GOOD).unwrap();
    assert_eq!(s.design, Design::Factorial);
    assert_eq!(s.n_points(), Some(6));
    assert_eq!(s.params[1].column, "speed");
    assert_eq!(s.record.when, When::Yearly);
    assert_eq!(s.record.indicators, ["firms", "startups_alive"]);
    assert_eq!(s.set.len(), 2);
    assert_eq!(
        s.params[1].values.levels().unwrap(),
        vec![Value::Float(0.1), Value::Float(0.2), Value::Float(0.3)]
    );
}

#[test]
fn errors_name_file_and_key() {
    let cases = [
        (GOOD.replace("\"factorial\"", "\"grid\""), "sweep.design"),
        (
            GOOD.replace("\"firms\"", "\"firmz\""),
            "did you mean \"firms\"",
        ),
        (GOOD.replace("steps = 3", ""), "param[1].steps"),
        (
            GOOD.replace("values = [0.005, 0.01]", "uniform = [0.0, 1.0]"),
            "factorial design needs levels",
        ),
        (
            GOOD.replace("replicates = 2", "replicates = 0"),
            "sweep.replicates",
        ),
        (
            GOOD.replace("run.ticks = 12", "run.seed = 3"),
            "set.run.seed",
        ),
        (
            GOOD.replace("name = \"speed\"", "name = \"firms\""),
            "taken",
        ),
        (
            GOOD.replace("seed = 5", "seed = 5\nsamples = 3"),
            "sweep.samples",
        ),
        (
            GOOD.replace("when = \"yearly\"", "when = \"weekly\""),
            "record.when",
        ),
        (
            GOOD.replace(
                "key = \"params.land.rent_adjust_speed\"",
                "key = \"params.startups\"",
            ),
            "overlaps",
        ),
    ];
    for (text, want) in cases {
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.starts_with("dir/s.toml"), "{e}");
        assert!(e.contains(want), "wanted {want:?} in {e}");
    }
    let e = parse("[sweep]\nname='x'\n").unwrap_err().to_string();
    assert!(e.starts_with("dir/s.toml"), "{e}");
}

#[test]
fn unit_values() {
    let u = Values::Uniform { lo: 1.0, hi: 3.0 };
    assert_eq!(u.at(0.5), Value::Float(2.0));
    let l = Values::List(vec![
        Value::Integer(1),
        Value::Integer(2),
        Value::Integer(3),
    ]);
    assert_eq!(l.at(0.0), Value::Integer(1));
    assert_eq!(l.at(0.999), Value::Integer(3));
    let i = Values::Integer { lo: 2, hi: 4 };
    assert_eq!(i.at(0.999_999), Value::Integer(4));
    assert_eq!(i.at(0.0), Value::Integer(2));
    let n = Values::Normal { mean: 1.0, sd: 2.0 };
    assert_eq!(n.at(0.5), Value::Float(1.0));
    let g = Values::LogUniform { lo: 1.0, hi: 100.0 };
    match g.at(0.5) {
        Value::Float(f) => assert!((f - 10.0).abs() < 1e-9),
        _ => panic!(),
    }
    let r = Values::Range {
        lo: 0.0,
        hi: 1.0,
        steps: 1,
    };
    assert_eq!(r.levels().unwrap(), vec![Value::Float(0.0)]);
}
