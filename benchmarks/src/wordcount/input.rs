//! The word count input: deterministic lines of text, generated on the fly
//! (never all held in memory), and what a correct count of them gives.

use std::collections::HashSet;

use examples::wordcount::words;

/// Words the generator draws from (a few non-ASCII ones among them, since
/// words are Unicode-aware).
const VOCABULARY: usize = 20_000;
const SYLLABLES: [&str; 24] = [
    "ka", "fu", "stre", "am", "lo", "gi", "ne", "ta", "ro", "mi", "sa", "po", "vel", "dor", "qui",
    "zen", "bra", "tho", "ly", "ex", "ça", "té", "카", "프",
];

/// A small fast generator (xorshift64*), so that every run sees the same lines.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The `i`th word of the vocabulary: two to four syllables.
fn vocabulary_word(i: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x1000_0000_01B3));
    let syllables = 2 + rng.below(3) as usize;
    (0..syllables)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

/// Generates the benchmark's lines: 4 to 12 words each, common words far
/// more often than rare ones, capitals and punctuation mixed in.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    vocabulary: Vec<String>,
    rng: Rng,
    left: u64,
}

impl Lines {
    pub(crate) fn new(count: u64) -> Self {
        Lines {
            vocabulary: (0..VOCABULARY).map(vocabulary_word).collect(),
            rng: Rng(0x005E_ED0F_CAFE),
            left: count,
        }
    }
}

impl Iterator for Lines {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let n = 4 + self.rng.below(9);
        let mut line = String::with_capacity(64);
        for i in 0..n {
            // Skewed towards the head: u^3 of a uniform u.
            let u = (self.rng.below(1 << 20) as f64) / f64::from(1 << 20);
            let index = ((u * u * u) * VOCABULARY as f64) as usize;
            let word = &self.vocabulary[index.min(VOCABULARY - 1)];
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    line.extend(first.to_uppercase());
                    line.push_str(chars.as_str());
                }
            } else {
                line.push_str(match self.rng.below(10) {
                    0 => ", ",
                    1 => " - ",
                    _ => " ",
                });
                line.push_str(word);
            }
        }
        line.push(if self.rng.below(5) == 0 { '?' } else { '.' });
        Some(line)
    }
}

/// What a correct word count of the input gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expected {
    pub(crate) lines: u64,
    /// Words over all lines: the number of updated counts written.
    pub(crate) words: u64,
    /// Different words: the number of keys in the final counts.
    pub(crate) distinct: u64,
    /// Bytes of all lines.
    pub(crate) bytes: u64,
}

impl Expected {
    /// Counts `lines` lines as the topology would, without keeping them.
    pub(crate) fn of(lines: u64) -> Self {
        let mut seen = HashSet::new();
        let mut expected = Expected {
            lines,
            words: 0,
            distinct: 0,
            bytes: 0,
        };
        for line in Lines::new(lines) {
            expected.bytes += line.len() as u64;
            for word in words(&line) {
                expected.words += 1;
                seen.insert(word);
            }
        }
        expected.distinct = seen.len() as u64;
        expected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_deterministic_and_countable() {
        let a: Vec<String> = Lines::new(50).collect();
        let b: Vec<String> = Lines::new(50).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 50);
        let expected = Expected::of(50);
        let by_hand: usize = a.iter().map(|l| words(l).len()).sum();
        assert_eq!(expected.words, by_hand as u64);
        assert!(expected.words >= 4 * 50 && expected.words <= 12 * 50);
        assert!(expected.distinct > 10 && expected.distinct <= expected.words);
    }
}
