//! Summaries of measured samples, and how the tables print them.

use std::time::Duration;

/// Nearest-rank percentile (`q` in 0–1) of unsorted samples; `None` when there are none.
pub fn percentile(samples: &[Duration], q: f64) -> Option<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // Nearest rank: the smallest sample with at least q of them at or below it.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let rank = ((n as f64 * q).ceil() as usize).clamp(1, n);
    sorted.get(rank - 1).copied()
}

/// Milliseconds with one decimal, or `-`.
pub fn ms(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_string(), |d| format!("{:.1}ms", d.as_secs_f64() * 1000.0))
}

/// Seconds with two decimals, or `-`.
pub fn secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_string(), |d| format!("{:.2}s", d.as_secs_f64()))
}

/// Bytes as MiB with one decimal.
#[allow(clippy::cast_precision_loss)]
pub fn mib(bytes: u64) -> String {
    format!("{:.1}MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The load average over the last minute (`/proc/loadavg`), to print beside noisy figures.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let d = |ms: u64| Duration::from_millis(ms);
        let samples: Vec<Duration> = (1..=100).rev().map(d).collect();
        assert_eq!(percentile(&samples, 0.5), Some(d(50)));
        assert_eq!(percentile(&samples, 0.99), Some(d(99)));
        assert_eq!(percentile(&samples, 1.0), Some(d(100)));
        assert_eq!(percentile(&[d(7)], 0.99), Some(d(7)));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(ms(Some(d(12))), "12.0ms");
        assert_eq!(secs(None), "-");
        assert_eq!(mib(3 * 1024 * 1024 / 2), "1.5MiB");
    }
}
