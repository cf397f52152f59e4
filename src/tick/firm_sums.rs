//! The firm phase's per-chunk sums: the month's money (city, parks) and patents, which the
//! metrics phase adds in chunk order.

use crate::world::NO_PARK;

/// Per-chunk sums of the firm phase (added in chunk order).
#[derive(Clone, Copy, Debug, Default)]
pub struct FirmSums {
    /// Revenue (yuan, agent sum).
    pub revenue: f64,
    /// Value added (yuan, agent sum).
    pub value_added: f64,
    /// Value added in the parks (yuan, agent sum).
    pub va_parks: f64,
    /// Value added of the parks' high-tech firms (yuan, agent sum).
    pub va_parks_ht: f64,
    /// Patents.
    pub patents: f64,
    /// Patents of start-ups.
    pub patents_startups: f64,
    /// Patents of incumbents.
    pub patents_incumbents: f64,
}

impl FirmSums {
    /// Count a firm's patents, among start-ups' or incumbents' where it is one.
    #[inline]
    pub(super) fn add_patents(&mut self, patents: f64, startup: bool, incumbent: bool) {
        self.patents += patents;
        if startup {
            self.patents_startups += patents;
        } else if incumbent {
            self.patents_incumbents += patents;
        }
    }

    /// Count a firm's month of `(revenue, value added)` where it produced: in the city, and in
    /// its park's entry of the chunk's `park_money` (`[revenue, value added]` per park) when
    /// `park` is not [`NO_PARK`].
    #[inline]
    pub(super) fn add_money(
        &mut self,
        park_money: &mut [[f64; 2]],
        park: u16,
        (revenue, va): (f64, f64),
        high_tech: bool,
    ) {
        self.revenue += revenue;
        self.value_added += va;
        if park != NO_PARK {
            let pm = &mut park_money[park as usize];
            pm[0] += revenue;
            pm[1] += va;
            self.va_parks += va;
            if high_tech {
                self.va_parks_ht += va;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_goes_to_the_city_and_to_the_firms_park_only() {
        let mut s = FirmSums::default();
        let mut parks = vec![[0.0; 2]; 3];
        s.add_money(&mut parks, 1, (100.0, 40.0), true);
        s.add_money(&mut parks, NO_PARK, (10.0, 4.0), true);
        s.add_money(&mut parks, 1, (50.0, 20.0), false);
        s.add_money(&mut parks, 2, (1.0, 0.5), false);
        assert_eq!((s.revenue, s.value_added), (161.0, 64.5));
        assert_eq!((s.va_parks, s.va_parks_ht), (60.5, 40.0));
        assert_eq!(parks, vec![[0.0, 0.0], [150.0, 60.0], [1.0, 0.5]]);
    }
}
