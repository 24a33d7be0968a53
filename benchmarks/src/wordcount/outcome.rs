//! What one word count run reports to the parent, as one text line.

use crate::Failure;

/// One run's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    /// Seconds from the first line read to the last count flushed.
    pub(crate) secs: f64,
    /// Seconds from start-up (clients created, group joined) to the end.
    pub(crate) wall: f64,
    /// Sum of the final counts (0 when the system does not report it).
    pub(crate) words: u64,
    /// Keys of the final counts (0 when the system does not report it).
    pub(crate) distinct: u64,
    /// Peak resident memory of the process, KiB.
    pub(crate) peak_kib: u64,
}

impl Outcome {
    /// The line a child prints.
    pub(crate) fn to_line(self) -> String {
        format!(
            "RESULT secs={:.4} wall={:.4} words={} distinct={} peak_kib={}",
            self.secs, self.wall, self.words, self.distinct, self.peak_kib
        )
    }

    /// Finds the `RESULT` line in a child's output.
    pub(crate) fn parse(output: &str) -> Result<Self, Failure> {
        let line = output
            .lines()
            .find(|l| l.starts_with("RESULT "))
            .ok_or("no RESULT line in the child's output")?;
        let field = |name: &str| -> Result<&str, Failure> {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
                .ok_or_else(|| format!("`{name}` missing in `{line}`").into())
        };
        Ok(Outcome {
            secs: field("secs")?.parse()?,
            wall: field("wall")?.parse()?,
            words: field("words")?.parse()?,
            distinct: field("distinct")?.parse()?,
            peak_kib: field("peak_kib")?.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back() {
        let outcome = Outcome {
            secs: 1.5,
            wall: 2.25,
            words: 10,
            distinct: 3,
            peak_kib: 4096,
        };
        let output = format!("noise\n{}\n", outcome.to_line());
        assert_eq!(Outcome::parse(&output).unwrap(), outcome);
        assert!(Outcome::parse("nothing here").is_err());
    }
}
