//! Java Kafka's key hash: `Utils.murmur2` and `Utils.toPositive`, so that
//! keyed records land on the same partitions as with the Java client.

/// The seed Kafka's `Utils.murmur2` uses.
const SEED: u32 = 0x9747_b28c;
/// MurmurHash2's mixing constant.
const M: u32 = 0x5bd1_e995;
/// MurmurHash2's shift.
const R: u32 = 24;

/// MurmurHash2 of `data`, exactly as Kafka's Java `Utils.murmur2` computes it
/// (32-bit, seed `0x9747b28c`, little-endian 4-byte blocks), as a signed
/// Java `int`.
///
/// ```
/// // The vector from Kafka's own UtilsTest.
/// assert_eq!(kafka_client::producer::murmur2(b"21"), -973_932_308);
/// ```
pub fn murmur2(data: &[u8]) -> i32 {
    // Java's `int length` is the array length; keys are far below 2^31 bytes,
    // and the truncation matches Java's for any length.
    let mut h: u32 = SEED ^ (data.len() as u32);
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which would
/// overflow on `i32::MIN` and map differently).
pub fn to_positive(value: i32) -> i32 {
    value & 0x7fff_ffff
}

/// The partition Java's default partitioner picks for a serialized key:
/// `toPositive(murmur2(key)) % partition_count`.
///
/// `partition_count` must be positive; a count below 1 gives partition 0.
///
/// ```
/// use kafka_client::producer::partition_for_key;
/// assert_eq!(partition_for_key(b"21", 3), 0);
/// assert_eq!(partition_for_key("café".as_bytes(), 12), 6);
/// ```
pub fn partition_for_key(key: &[u8], partition_count: i32) -> i32 {
    if partition_count < 1 {
        return 0;
    }
    to_positive(murmur2(key)) % partition_count
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// (key bytes, Java murmur2 as a signed int, partition for 3, 6 and 12
    /// partitions).
    ///
    /// Produced by an independent implementation, kafka-python 3.0.12:
    /// `pip install kafka-python`, then for each key
    /// `h = kafka.partitioner.default.murmur2(key)` (it returns the unsigned
    /// 32-bit value; converted here to Java's signed int) and the partition
    /// `(h & 0x7fffffff) % n`, which is what its `DefaultPartitioner` does.
    /// The "21", "foobar", "a-little-bit-..." and "lkjh..." values also match
    /// the ones in Apache Kafka's `UtilsTest.testMurmur2`.
    pub(crate) const VECTORS: &[(&[u8], i32, [i32; 3])] = &[
        (b"", 275_646_681, [0, 3, 9]),
        (b"a", -1_563_381_124, [1, 4, 4]),
        (b"ab", 316_155_434, [2, 2, 2]),
        (b"abc", 479_470_107, [0, 3, 3]),
        (b"abcd", -1_323_649_548, [2, 2, 8]),
        (b"abcde", 461_995_741, [1, 1, 1]),
        (b"abcdef", 1_870_650_108, [0, 0, 0]),
        (b"abcdefg", -346_467_175, [1, 1, 1]),
        (b"abcdefgh", -955_427_363, [0, 3, 9]),
        (b"21", -973_932_308, [0, 0, 0]),
        (b"foobar", -790_332_482, [0, 0, 6]),
        (b"a-little-bit-long-string", -985_981_536, [2, 2, 8]),
        (b"a-little-bit-longer-string", -1_486_304_829, [2, 5, 11]),
        (
            b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
            -58_897_971,
            [2, 5, 5],
        ),
        // "café": a 2-byte UTF-8 sequence in the tail.
        (&[99, 97, 102, 195, 169], -1_358_007_374, [0, 0, 6]),
        // "한국어": three 3-byte sequences.
        (
            &[237, 149, 156, 234, 181, 173, 236, 150, 180],
            790_120_414,
            [1, 4, 10],
        ),
        // "日本語テキスト"
        (
            &[
                230, 151, 165, 230, 156, 172, 232, 170, 158, 227, 131, 134, 227, 130, 173, 227,
                130, 185, 227, 131, 136,
            ],
            -199_816_781,
            [0, 3, 3],
        ),
        // "🦀": one 4-byte sequence, a whole block.
        (&[240, 159, 166, 128], 1_309_741_855, [1, 1, 7]),
        // Bytes with the high bit set, where Java's signed bytes differ.
        (&[255, 0, 128, 127, 254], 1_118_688_894, [0, 0, 6]),
        (b"customer-42", -542_987_495, [0, 3, 9]),
        (b"order-1000", 1_995_156_302, [2, 2, 2]),
    ];

    #[test]
    fn murmur2_matches_kafka_python_and_java_vectors() {
        for (key, hash, _) in VECTORS {
            assert_eq!(murmur2(key), *hash, "key {key:?}");
        }
    }

    #[test]
    fn partitions_match_the_java_default_partitioner() {
        for (key, _, partitions) in VECTORS {
            for (count, expected) in [3, 6, 12].into_iter().zip(partitions) {
                assert_eq!(
                    partition_for_key(key, count),
                    *expected,
                    "key {key:?}, {count} partitions"
                );
            }
        }
    }

    #[test]
    fn to_positive_clears_the_sign_bit_like_java() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(42), 42);
    }

    #[test]
    fn a_non_positive_partition_count_does_not_panic() {
        assert_eq!(partition_for_key(b"k", 0), 0);
        assert_eq!(partition_for_key(b"k", -3), 0);
    }
}
