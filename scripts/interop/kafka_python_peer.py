#!/usr/bin/env python3
"""An independent Kafka client (kafka-python) for the interop tests.

Run by integration-tests/tests/interop.rs with kafka-python installed:

  kafka_python_peer.py consume BOOTSTRAP TOPIC COUNT
      reads COUNT records from every partition of TOPIC, from the beginning
  kafka_python_peer.py produce BOOTSTRAP TOPIC COUNT BASE_TIMESTAMP
      writes COUNT keyed records with headers and explicit timestamps,
      partitioned by kafka-python's DefaultPartitioner (murmur2 of the key)

Both print one line per record, tab-separated, every byte field in hex
("-" for null) so that nothing is lost to encodings:

  partition offset timestamp key value headers murmur2_partition

headers is "name=value" pairs (both hex) joined by ",", murmur2_partition
is where DefaultPartitioner puts the key. Exit status 0 only if COUNT
records were read or acknowledged.
"""

import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner.default import murmur2

# The embedded cluster (librdkafka's mock) answers ApiVersions, but pinning
# the version keeps kafka-python from probing older protocols first.
API_VERSION = (2, 0)
TIMEOUT_S = 30


def hexed(data):
    return "-" if data is None else data.hex()


def murmur2_partition(key, partitions):
    if key is None:
        return -1
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def line(partition, offset, timestamp, key, value, headers, partitions):
    header_text = ",".join(
        "%s=%s" % (name.encode("utf-8").hex(), hexed(v)) for name, v in headers
    )
    return "\t".join(
        [
            str(partition),
            str(offset),
            str(timestamp),
            hexed(key),
            hexed(value),
            header_text or "-",
            str(murmur2_partition(key, partitions)),
        ]
    )


def consume(bootstrap, topic, count):
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        api_version=API_VERSION,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    deadline = time.time() + TIMEOUT_S
    partitions = None
    while partitions is None and time.time() < deadline:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            time.sleep(0.1)
    if partitions is None:
        print("topic %s not found" % topic, file=sys.stderr)
        return 2
    assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(assigned)
    consumer.seek_to_beginning(*assigned)
    seen = 0
    while seen < count and time.time() < deadline:
        batches = consumer.poll(timeout_ms=200)
        for records in batches.values():
            for r in records:
                print(
                    line(
                        r.partition,
                        r.offset,
                        r.timestamp,
                        r.key,
                        r.value,
                        r.headers,
                        len(partitions),
                    )
                )
                seen += 1
    consumer.close()
    sys.stdout.flush()
    if seen < count:
        print("read %d of %d records" % (seen, count), file=sys.stderr)
        return 1
    return 0


def produce(bootstrap, topic, count, base_timestamp):
    # Idempotence off: kafka-python 3 turns it on by default, and tansu 0.6
    # answers its InitProducerId with UnknownError. What is compared here is
    # keys, values, headers, timestamps and partitions, not idempotence.
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        api_version=API_VERSION,
        acks="all",
        enable_idempotence=False,
    )
    partitions = None
    deadline = time.time() + TIMEOUT_S
    while partitions is None and time.time() < deadline:
        partitions = producer.partitions_for(topic)
        if partitions is None:
            time.sleep(0.1)
    if partitions is None:
        print("topic %s not found" % topic, file=sys.stderr)
        return 2
    sent = []
    for i in range(count):
        key = ("py-key-%d" % i if i % 3 else "파이썬-키-%d" % i).encode("utf-8")
        value = ("py-value-%d über" % i).encode("utf-8")
        headers = [("h-index", str(i).encode("ascii")), ("h-bin", bytes([0, 255, i % 256]))]
        timestamp = base_timestamp + i * 1000
        future = producer.send(
            topic, key=key, value=value, headers=headers, timestamp_ms=timestamp
        )
        sent.append((future, key, value, headers, timestamp))
    producer.flush(timeout=TIMEOUT_S)
    for future, key, value, headers, timestamp in sent:
        meta = future.get(timeout=TIMEOUT_S)
        print(
            line(meta.partition, meta.offset, timestamp, key, value, headers, len(partitions))
        )
    producer.close()
    sys.stdout.flush()
    return 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "consume":
        return consume(argv[1], argv[2], int(argv[3]))
    if len(argv) >= 5 and argv[0] == "produce":
        return produce(argv[1], argv[2], int(argv[3]), int(argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
