//! The model's calendar: `YearMonth`, the month of a tick, its `YYYY-MM` form and the range
//! of months a scenario may name. On the ground floor: the scenario, the core and the outputs
//! all use it.

/// A calendar month.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct YearMonth {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
}

impl YearMonth {
    /// Parse `YYYY-MM`.
    pub fn parse(s: &str) -> Option<YearMonth> {
        let (y, m) = s.split_once('-')?;
        // Digits only: `i32::from_str` would also take a sign ("-001", "+1").
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || m.len() != 2 || !digits(y) || !digits(m) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }
    /// Parse `YYYY-MM` within zgc's calendar ([`YearMonth::FIRST`] to [`YearMonth::LAST`]);
    /// the error says what was expected.
    pub fn parse_checked(s: &str) -> Result<YearMonth, String> {
        let d = YearMonth::parse(s)
            .ok_or_else(|| format!("expected a date \"YYYY-MM\", found \"{s}\""))?;
        d.check_calendar().map(|_| d)
    }

    /// Whether the month lies within zgc's calendar, with the error of a month outside it.
    pub fn check_calendar(self) -> Result<(), String> {
        if self < YearMonth::FIRST || self > YearMonth::LAST {
            return Err(format!(
                "expected a month from {} to {}, found {self}",
                YearMonth::FIRST,
                YearMonth::LAST
            ));
        }
        Ok(())
    }

    /// The first month a scenario may name: the model's calendar (dates in outputs, policy
    /// times, the yearly index of prices) is meant for the modern city.
    pub const FIRST: YearMonth = YearMonth {
        year: 1900,
        month: 1,
    };
    /// The last month a run may reach: a run of the longest length (`scenario::MAX_TICKS`, 200
    /// years) may start as late as 2200.
    pub const LAST: YearMonth = YearMonth {
        year: 2400,
        month: 12,
    };

    /// The month `ticks` months later.
    pub fn plus(self, ticks: u32) -> YearMonth {
        let m0 = self.year as i64 * 12 + (self.month as i64 - 1) + ticks as i64;
        YearMonth {
            year: (m0 / 12) as i32,
            month: (m0 % 12) as u32 + 1,
        }
    }
    /// Months from `self` to `later` (negative if earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        (later.year as i64 * 12 + later.month as i64) - (self.year as i64 * 12 + self.month as i64)
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}
