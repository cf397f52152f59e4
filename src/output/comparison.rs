//! `comparison.csv`: one row per metric, scenario and reporting period.
