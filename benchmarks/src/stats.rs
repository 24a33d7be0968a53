//! Rounds, medians and the result table.

use std::fmt::Write as _;
use std::time::Duration;

/// One measured system in one benchmark: its samples over the rounds.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    /// The benchmark, e.g. `producer (async, 100 B)`.
    pub(crate) benchmark: String,
    /// The system, e.g. `kafka-client Producer`.
    pub(crate) system: String,
    /// What one unit is, e.g. `records/s`.
    pub(crate) unit: &'static str,
    /// One rate per round.
    pub(crate) rates: Vec<f64>,
    /// Peak resident memory per round in KiB, when measured.
    pub(crate) peak_kib: Vec<u64>,
    /// Whether this row is the baseline that the others of its benchmark
    /// are compared to.
    pub(crate) baseline: bool,
}

impl Measured {
    pub(crate) fn new(benchmark: &str, system: &str, unit: &'static str, baseline: bool) -> Self {
        Measured {
            benchmark: benchmark.to_string(),
            system: system.to_string(),
            unit,
            rates: Vec::new(),
            peak_kib: Vec::new(),
            baseline,
        }
    }

    /// Records one round's value as it is (not a rate).
    pub(crate) fn push_value(&mut self, value: f64) {
        self.rates.push(value);
    }

    /// Records one round: `count` units in `elapsed`.
    pub(crate) fn push(&mut self, count: u64, elapsed: Duration) {
        self.rates
            .push(count as f64 / elapsed.as_secs_f64().max(1e-9));
    }

    pub(crate) fn median(&self) -> f64 {
        median(&self.rates)
    }

    fn median_peak_mib(&self) -> Option<f64> {
        if self.peak_kib.is_empty() {
            return None;
        }
        let kib: Vec<f64> = self.peak_kib.iter().map(|&k| k as f64).collect();
        Some(median(&kib) / 1024.0)
    }
}

/// The order in which `count` contenders run in `round`: each round starts
/// one further along, so that none always goes first.
pub(crate) fn turns(count: usize, round: usize) -> impl Iterator<Item = usize> {
    (0..count).map(move |k| (k + round) % count)
}

/// The median of `values` (the mean of the middle two for an even count).
pub(crate) fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

fn human(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} k", rate / 1e3)
    } else if rate >= 10.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.2}")
    }
}

/// The Markdown table of all results: one row per system, the median rate,
/// the spread over rounds, the ratio to its benchmark's baseline, and the
/// peak memory where measured.
pub(crate) fn table(rows: &[Measured]) -> String {
    let mut out = String::new();
    out.push_str(
        "| benchmark | system | median | unit | min..max | rounds | vs baseline | peak RSS |\n",
    );
    out.push_str("|---|---|---:|---|---|---:|---:|---:|\n");
    for row in rows {
        let baseline = rows
            .iter()
            .find(|r| r.benchmark == row.benchmark && r.baseline)
            .map(Measured::median);
        let ratio = match baseline {
            _ if row.baseline => "baseline".to_string(),
            Some(b) if b > 0.0 => format!("{:.2}x", row.median() / b),
            _ => "-".to_string(),
        };
        let min = row.rates.iter().copied().fold(f64::INFINITY, f64::min);
        let max = row.rates.iter().copied().fold(0.0, f64::max);
        let peak = row
            .median_peak_mib()
            .map_or("-".to_string(), |m| format!("{m:.0} MiB"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {}..{} | {} | {} | {} |",
            row.benchmark,
            row.system,
            human(row.median()),
            row.unit,
            human(min),
            human(max),
            row.rates.len(),
            ratio,
            peak
        );
    }
    out
}

/// The results as tab-separated lines (benchmark, system, unit, median,
/// baseline flag, peak MiB), for the chart script.
pub(crate) fn tsv(rows: &[Measured]) -> String {
    let mut out = String::from("benchmark\tsystem\tunit\tmedian\tbaseline\tpeak_mib\n");
    for row in rows {
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{:.1}\t{}\t{}",
            row.benchmark,
            row.system,
            row.unit,
            row.median(),
            row.baseline,
            row.median_peak_mib()
                .map_or(String::new(), |m| format!("{m:.1}"))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_round_starts_one_further_along() {
        assert_eq!(turns(3, 0).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(turns(3, 1).collect::<Vec<_>>(), [1, 2, 0]);
        assert_eq!(turns(3, 5).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(turns(0, 2).count(), 0);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn table_reports_ratio_to_the_baseline() {
        let mut base = Measured::new("b", "raw", "records/s", true);
        base.push(100, Duration::from_secs(1));
        let mut ours = Measured::new("b", "typed", "records/s", false);
        ours.push(90, Duration::from_secs(1));
        let text = table(&[base, ours]);
        assert!(
            text.contains("| b | typed | 90 | records/s | 90..90 | 1 | 0.90x | - |"),
            "{text}"
        );
        assert!(text.contains("baseline"));
    }

    #[test]
    fn small_values_keep_two_decimals() {
        let mut idle = Measured::new("idle", "typed", "% of a core", false);
        idle.push_value(0.034);
        idle.push_value(0.5);
        idle.push_value(0.2);
        let text = table(&[idle]);
        assert!(
            text.contains("| idle | typed | 0.20 | % of a core | 0.03..0.50 | 3 | - | - |"),
            "{text}"
        );
    }
}
