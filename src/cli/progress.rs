//! Progress reporting: an indicatif bar on a terminal, plain periodic lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Progress over a known number of steps.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    total: u64,
    done: u64,
    unit: &'static str,
    start: Instant,
    last_line: Instant,
    label: String,
    per_minute: bool,
}

impl Progress {
    /// A progress reporter for `total` steps of `unit` (e.g. "ticks", "runs"); silent if `quiet`.
    pub fn new(total: u64, unit: &'static str, label: &str, quiet: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let b = ProgressBar::new(total);
            let style = ProgressStyle::with_template(&format!(
                "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{per_sec}} ETA {{eta}} {{msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            b.set_style(style);
            b.set_prefix(label.to_string());
            b
        });
        Progress {
            bar,
            plain: !quiet && !terminal,
            total,
            done: 0,
            unit,
            start: Instant::now(),
            last_line: Instant::now(),
            label: label.to_string(),
            per_minute: false,
        }
    }

    /// Like [`Progress::new`], with the rate shown per minute (for slow steps such as runs).
    pub fn per_minute(total: u64, unit: &'static str, label: &str, quiet: bool) -> Progress {
        let mut p = Progress::new(total, unit, label, quiet);
        p.per_minute = true;
        if let Some(b) = &p.bar {
            let style = ProgressStyle::with_template(&format!(
                "{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}} ETA {{eta}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            b.set_style(style);
        }
        p
    }

    /// Steps per minute so far.
    pub fn rate_per_minute(&self) -> f64 {
        60.0 * self.done as f64 / self.start.elapsed().as_secs_f64().max(1e-9)
    }

    /// Advance by `n` with a short message.
    pub fn inc(&mut self, n: u64, msg: &str) {
        self.done += n;
        if let Some(b) = &self.bar {
            b.inc(n);
            if self.per_minute {
                b.set_message(format!(
                    "{:.1} {}/min {msg}",
                    self.rate_per_minute(),
                    self.unit
                ));
            } else {
                b.set_message(msg.to_string());
            }
        } else if self.plain && self.per_minute {
            let due = self.last_line.elapsed() >= Duration::from_secs(10)
                || self.done == self.total
                || self.done == n;
            if due {
                let rate = self.rate_per_minute();
                let eta = (self.total - self.done.min(self.total)) as f64 / (rate / 60.0).max(1e-9);
                eprintln!(
                    "{}: {}/{} {} ({:.1} {}/min, ETA {:.0} s) {}",
                    self.label, self.done, self.total, self.unit, rate, self.unit, eta, msg
                );
                self.last_line = Instant::now();
            }
        } else if self.plain {
            let due = self.last_line.elapsed() >= Duration::from_secs(5)
                || self.done == self.total
                || self.done == n;
            if due {
                let el = self.start.elapsed().as_secs_f64();
                let rate = self.done as f64 / el.max(1e-9);
                let eta = (self.total - self.done.min(self.total)) as f64 / rate.max(1e-9);
                eprintln!(
                    "{}: {}/{} {} ({:.1} {}/s, ETA {:.0} s) {}",
                    self.label, self.done, self.total, self.unit, rate, self.unit, eta, msg
                );
                self.last_line = Instant::now();
            }
        }
    }

    /// Finish (clears the bar).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    /// Print a line without breaking the bar.
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }
}
