"""Kafka's default key partitioner (Java `Utils.murmur2`), to check placements.

partition = (murmur2(key) & 0x7fffffff) % partitions, seed 0x9747b28c.
"""

from __future__ import annotations

MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """32-bit murmur2 exactly as org.apache.kafka.common.utils.Utils.murmur2 (unsigned)."""
    length = len(data)
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ length) & MASK
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & MASK
        k ^= k >> r
        k = (k * m) & MASK
        h = (h * m) & MASK
        h ^= k
    tail = length % 4
    base = length - tail
    if tail == 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h ^= data[base]
        h = (h * m) & MASK
    h ^= h >> 13
    h = (h * m) & MASK
    h ^= h >> 15
    return h


def kafka_partition(key: bytes, partitions: int) -> int:
    """The partition Java's DefaultPartitioner picks for a non-null key."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions
