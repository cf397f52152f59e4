//! Numbers as people read them in tables: about four significant digits, thousands grouped,
//! signed differences, percentages and confidence intervals.

/// A value: about four significant digits (whole numbers from 1,000), thousands grouped, `–`
/// when missing.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    if a >= 1e3 {
        group_thousands(&format!("{v:.0}"))
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a == 0.0 {
        "0".into()
    } else if a >= 1e-3 {
        format!("{v:.4}")
    } else if a >= 1e-9 {
        // Four significant digits without an exponent (which would wrap at its minus sign).
        let decimals = (-a.log10()).ceil() as usize + 3;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// A difference: like [`fmt_value`] with an explicit `+` for positive values.
pub fn fmt_signed(v: f64) -> String {
    let s = fmt_value(v);
    if v > 0.0 {
        format!("+{s}")
    } else {
        s
    }
}

/// A relative change as a signed percentage with one decimal, `–` when missing.
pub fn fmt_pct(r: Option<f64>) -> String {
    match r {
        Some(r) if r.is_finite() => {
            let p = 100.0 * r;
            if p.abs() < 0.05 {
                "0.0%".into()
            } else {
                format!("{p:+.1}%")
            }
        }
        _ => "–".into(),
    }
}

/// An interval `[lo, hi]`, signed when `signed`; empty when missing.
pub fn fmt_ci(ci: Option<(f64, f64)>, signed: bool) -> String {
    let f = if signed { fmt_signed } else { fmt_value };
    match ci {
        Some((lo, hi)) => format!("[{}, {}]", f(lo), f(hi)),
        None => String::new(),
    }
}

/// Text for reports read where CJK fonts may be missing: `亿元` (10⁸ yuan) spelled `1e8 yuan`.
pub fn plain(text: &str) -> String {
    text.replace("亿元", "1e8 yuan")
}

/// `-1234567` → `-1,234,567` (digits only before an optional fraction).
pub fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => match s.strip_prefix('+') {
            Some(r) => ("+", r),
            None => ("", s),
        },
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_readable() {
        assert_eq!(fmt_value(1234567.4), "1,234,567");
        assert_eq!(fmt_value(-12345.0), "-12,345");
        assert_eq!(fmt_value(824.04), "824.0");
        assert_eq!(fmt_value(1666.7), "1,667");
        assert_eq!(fmt_value(48.312), "48.31");
        assert_eq!(fmt_value(0.3123456), "0.3123");
        assert_eq!(fmt_value(0.0), "0");
        assert_eq!(fmt_value(-7.733e-4), "-0.0007733");
        assert_eq!(fmt_value(1.0e-5), "0.00001000");
        assert_eq!(fmt_value(2.0e-12), "2.000e-12");
        assert_eq!(fmt_value(f64::NAN), "–");
        assert_eq!(group_thousands("+1000.5"), "+1,000.5");
        assert_eq!(group_thousands("999"), "999");
        assert_eq!(fmt_signed(12.5), "+12.50");
        assert_eq!(fmt_signed(-0.25), "-0.2500");
        assert_eq!(fmt_signed(0.0), "0");
        assert_eq!(fmt_pct(Some(0.0534)), "+5.3%");
        assert_eq!(fmt_pct(Some(-0.0001)), "0.0%");
        assert_eq!(fmt_pct(None), "–");
        assert_eq!(fmt_ci(Some((-1.5, 20000.0)), true), "[-1.50, +20,000]");
        assert_eq!(fmt_signed(-1234.4), "-1,234");
        assert_eq!(
            plain("revenue (亿元 per month)"),
            "revenue (1e8 yuan per month)"
        );
        assert_eq!(fmt_ci(None, false), "");
    }
}
