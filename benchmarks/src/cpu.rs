//! CPU time to the nanosecond, from Linux's per-thread `schedstat` (its
//! first field is the time the thread spent on a CPU; `/proc/self/stat`
//! counts in 10 ms ticks, too coarse for a quiet second or a short read).

use std::time::Duration;

use crate::Failure;

/// The CPU time of every thread of this process so far.
pub(crate) fn process_cpu() -> Result<Duration, Failure> {
    let mut total = Duration::ZERO;
    for entry in std::fs::read_dir("/proc/self/task")? {
        let path = entry?.path().join("schedstat");
        // A thread that ended between the listing and the read is skipped.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        total +=
            on_cpu(&text).ok_or_else(|| format!("{}: no CPU time in {text:?}", path.display()))?;
    }
    Ok(total)
}

/// The CPU time of the calling thread so far.
pub(crate) fn thread_cpu() -> Result<Duration, Failure> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    on_cpu(&text)
        .ok_or_else(|| format!("/proc/thread-self/schedstat: no CPU time in {text:?}").into())
}

/// The first field of a `schedstat` line, in nanoseconds.
fn on_cpu(schedstat: &str) -> Option<Duration> {
    let nanos = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// Spins until `clock` has counted 10 ms more than at the start.
    fn spin_until_counted(clock: fn() -> Result<Duration, Failure>) -> Result<(), Failure> {
        let before = clock()?;
        let started = Instant::now();
        let mut x: u64 = 1;
        // However busy the machine, 10 ms of this thread's work shows.
        while clock()?.saturating_sub(before) < Duration::from_millis(10) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no CPU time counted in 30 s of spinning"
            );
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
            }
        }
        Ok(())
    }

    #[test]
    fn process_cpu_counts_the_work_done() -> Result<(), Failure> {
        spin_until_counted(process_cpu)
    }

    #[test]
    fn thread_cpu_counts_the_work_done() -> Result<(), Failure> {
        spin_until_counted(thread_cpu)
    }

    #[test]
    fn reads_the_first_field_of_a_schedstat_line() {
        assert_eq!(
            on_cpu("123456789 42 7\n"),
            Some(Duration::from_nanos(123_456_789))
        );
        assert_eq!(on_cpu(""), None);
        assert_eq!(on_cpu("x 1 2"), None);
    }
}
