#!/usr/bin/env python3
"""Probe what a Kafka-protocol broker really serves, with real requests.

Each check sends real requests through librdkafka (the `confluent-kafka`
wheel, which bundles its own librdkafka) or a raw socket, compares the
outcome with what Apache Kafka does, and prints one line:
PASS (behaves like Kafka), FAIL (differs; the detail says how) or SKIP.

    python3 scripts/broker-probe/probe.py --bootstrap 127.0.0.1:19092
    python3 scripts/broker-probe/probe.py --bootstrap 127.0.0.1:19092 \
        --restart-cmd 'scripts/real-broker.sh restart'

`--restart-cmd` adds the persistence check: write records and commit a
group's offsets, run the command (which must restart the broker on the same
address), then read both back. The exit code is the number of FAIL lines
(capped at 100), so a run against Apache Kafka should exit 0.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Callable

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
    libversion,
)
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from apiversions import API_NAMES, api_versions
from murmur2 import kafka_partition


@dataclass
class Outcome:
    """What one check found."""

    status: str  # PASS, FAIL or SKIP
    detail: str


def passed(detail: str) -> Outcome:
    return Outcome("PASS", detail)


def failed(detail: str) -> Outcome:
    return Outcome("FAIL", detail)


class Probe:
    """Shared connection settings and helpers for the checks."""

    def __init__(self, bootstrap: str, timeout: float) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self.run_id = uuid.uuid4().hex[:8]
        self.admin = AdminClient({"bootstrap.servers": bootstrap})

    def topic(self, name: str) -> str:
        return f"probe-{name}-{self.run_id}"

    def create(self, name: str, partitions: int = 1, config: dict | None = None) -> None:
        futures = self.admin.create_topics(
            [NewTopic(name, partitions, 1, config=config or {})],
            operation_timeout=self.timeout,
        )
        futures[name].result(timeout=self.timeout)

    def producer(self, **extra: object) -> Producer:
        conf = {"bootstrap.servers": self.bootstrap, "linger.ms": 5}
        conf.update(extra)
        return Producer(conf)

    def consumer(self, group: str, **extra: object) -> Consumer:
        conf = {
            "bootstrap.servers": self.bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
        conf.update(extra)
        return Consumer(conf)

    def produce_all(self, producer: Producer, records: list[dict]) -> list:
        """Produce records (kwargs for Producer.produce); return delivered messages."""
        delivered: list = []
        errors: list = []

        def on_delivery(err, msg):
            (errors if err else delivered).append(err or msg)

        for record in records:
            producer.produce(on_delivery=on_delivery, **record)
        remaining = producer.flush(self.timeout)
        if errors or remaining:
            raise RuntimeError(f"delivery failed: errors={errors} undelivered={remaining}")
        return delivered

    def read(self, topic: str, partitions: int, count: int) -> list:
        """Read `count` records from the beginning of every partition, no group."""
        consumer = self.consumer(f"probe-reader-{uuid.uuid4().hex[:6]}")
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        messages = poll_until(consumer, count, self.timeout)
        consumer.close()
        return messages


def poll_until(consumer: Consumer, count: int, timeout: float) -> list:
    """Poll until `count` records arrived or `timeout` seconds passed."""
    messages: list = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise KafkaException(msg.error())
        messages.append(msg)
    return messages


# --- the checks --------------------------------------------------------------


def check_api_versions(probe: Probe) -> Outcome:
    """ApiVersions v0 over a raw socket: which APIs does the broker advertise?"""
    versions = api_versions(probe.bootstrap)
    shown = ", ".join(
        f"{API_NAMES.get(key, key)} v{lo}-{hi}" for key, (lo, hi) in sorted(versions.items())
    )
    missing = [
        API_NAMES[key] for key in (23, 27, 33, 37, 47, 68) if key not in versions
    ]
    detail = f"{len(versions)} APIs: {shown}; not advertised: {', '.join(missing) or 'none'}"
    return passed(detail)


def check_create_topic(probe: Probe) -> Outcome:
    """CreateTopics with 3 partitions and cleanup.policy=compact, then Metadata."""
    name = probe.topic("create")
    probe.create(name, 3, {"cleanup.policy": "compact"})
    metadata = probe.admin.list_topics(name, timeout=probe.timeout)
    topic = metadata.topics[name]
    leaders = {p.leader for p in topic.partitions.values()}
    if topic.error or len(topic.partitions) != 3:
        return failed(f"metadata: error={topic.error} partitions={len(topic.partitions)}")
    if not leaders <= set(metadata.brokers):
        return failed(f"leaders {leaders} not among brokers {list(metadata.brokers)}")
    brokers = {b.id: f"{b.host}:{b.port}" for b in metadata.brokers.values()}
    return passed(f"3 partitions, leaders {sorted(leaders)}, brokers {brokers}")


def check_create_existing_topic(probe: Probe) -> Outcome:
    """CreateTopics for a name that exists must fail with TOPIC_ALREADY_EXISTS."""
    name = probe.topic("dup")
    probe.create(name, 1)
    try:
        probe.create(name, 1)
    except KafkaException as err:
        code = err.args[0].code()
        if code == KafkaError.TOPIC_ALREADY_EXISTS:
            return passed("second CreateTopics -> TOPIC_ALREADY_EXISTS")
        return failed(f"second CreateTopics -> {err.args[0].name()}")
    return failed("second CreateTopics for an existing topic succeeded")


def check_describe_configs(probe: Probe) -> Outcome:
    """DescribeConfigs: Kafka returns every topic config, defaults included."""
    plain = probe.topic("configs-default")
    probe.create(plain, 1)
    explicit = probe.topic("configs-set")
    probe.create(explicit, 1, {"retention.ms": "604800000", "cleanup.policy": "delete"})
    found = {}
    for name in (plain, explicit):
        resource = ConfigResource(ConfigResource.Type.TOPIC, name)
        configs = probe.admin.describe_configs([resource])[resource].result(timeout=probe.timeout)
        found[name] = {key: entry.value for key, entry in configs.items()}
    if "retention.ms" not in found[plain]:
        return failed(
            f"topic created without configs -> {found[plain] or 'no entries'}; "
            f"with retention.ms/cleanup.policy set -> {found[explicit]} "
            "(defaults such as retention.ms are not reported)"
        )
    return passed(f"default topic reports retention.ms={found[plain]['retention.ms']}")


def check_produce_fetch(probe: Probe) -> Outcome:
    """Produce keys, headers and explicit CreateTime timestamps; fetch them back."""
    name = probe.topic("roundtrip")
    probe.create(name, 1)
    base = int(time.time() * 1000) - 3_600_000
    records = [
        {
            "topic": name,
            "partition": 0,
            "key": f"key-{i}".encode(),
            "value": f"value-{i}".encode() if i != 3 else None,
            "headers": [("h1", f"v{i}".encode()), ("h2", None), ("h1", b"again")],
            "timestamp": base + i * 1000,
        }
        for i in range(5)
    ]
    probe.produce_all(probe.producer(), records)
    got = probe.read(name, 1, len(records))
    if len(got) != len(records):
        return failed(f"fetched {len(got)} of {len(records)} records")
    for i, (want, msg) in enumerate(zip(records, got)):
        seen = (msg.offset(), msg.key(), msg.value(), msg.headers(), msg.timestamp())
        expected = (i, want["key"], want["value"], want["headers"], (1, want["timestamp"]))
        if seen != expected:
            return failed(f"record {i}: got {seen}, want {expected}")
    return passed("5 records: offsets 0-4, keys, null value, repeated and null headers, CreateTime kept")


def check_murmur2_partition(probe: Probe) -> Outcome:
    """Client-side murmur2 partitioning: records land in, and are fetched from, Java's partition."""
    name = probe.topic("murmur2")
    probe.create(name, 3)
    keys = [f"user-{i}".encode() for i in range(30)]
    producer = probe.producer(partitioner="murmur2_random")
    delivered = probe.produce_all(producer, [{"topic": name, "key": k, "value": k} for k in keys])
    wrong = [(m.key(), m.partition()) for m in delivered if m.partition() != kafka_partition(m.key(), 3)]
    if wrong:
        return failed(f"delivered to non-murmur2 partitions: {wrong[:5]}")
    fetched = probe.read(name, 3, len(keys))
    misplaced = [m.key() for m in fetched if m.partition() != kafka_partition(m.key(), 3)]
    if len(fetched) != len(keys) or misplaced:
        return failed(f"fetched {len(fetched)}/{len(keys)}, misplaced {misplaced[:5]}")
    spread = sorted({m.partition() for m in fetched})
    return passed(f"30 keys in Java's murmur2 partitions {spread}, fetched from the same partitions")


def check_list_offsets(probe: Probe) -> Outcome:
    """ListOffsets earliest, latest and by timestamp (offsets_for_times)."""
    name = probe.topic("offsets")
    probe.create(name, 1)
    base = int(time.time() * 1000) - 600_000
    stamps = [base + i * 10_000 for i in range(6)]
    probe.produce_all(
        probe.producer(),
        [{"topic": name, "partition": 0, "value": b"x", "timestamp": t} for t in stamps],
    )
    consumer = probe.consumer(f"probe-offsets-{probe.run_id}")
    low, high = consumer.get_watermark_offsets(TopicPartition(name, 0), timeout=probe.timeout)
    problems = []
    if (low, high) != (0, 6):
        problems.append(f"earliest/latest = {low}/{high}, want 0/6")
    # Kafka: the earliest offset whose timestamp >= the asked time; -1 (end) past the last.
    asks = {
        stamps[0] - 1: 0,
        stamps[2]: 2,
        stamps[2] + 5_000: 3,
        stamps[5]: 5,
        stamps[5] + 1: -1,
    }
    answers = {}
    for ask, want in asks.items():
        (tp,) = consumer.offsets_for_times([TopicPartition(name, 0, ask)], timeout=probe.timeout)
        answers[ask - base] = tp.offset
        if tp.offset != want or tp.error:
            problems.append(f"time base+{ask - base} ms -> {tp.offset} (error {tp.error}), want {want}")
    consumer.close()
    if problems:
        return failed("; ".join(problems))
    return passed(f"earliest 0, latest 6, by time (ms after base -> offset) {answers}")


def check_consumer_group(probe: Probe) -> Outcome:
    """Two members share 4 partitions, commit, and a restarted member resumes."""
    name = probe.topic("group")
    group = f"probe-group-{probe.run_id}"
    probe.create(name, 4)
    probe.produce_all(
        probe.producer(),
        [{"topic": name, "partition": p, "value": f"{p}-{i}".encode()} for p in range(4) for i in range(10)],
    )
    first = probe.consumer(group)
    second = probe.consumer(group)
    first.subscribe([name])
    second.subscribe([name])
    started = time.monotonic()
    deadline = started + probe.timeout * 3
    seen: dict = {}
    while time.monotonic() < deadline:
        for member in (first, second):
            msg = member.poll(0.1)
            if msg is not None and not msg.error():
                seen.setdefault(member, []).append(msg)
        shares = [len(first.assignment()), len(second.assignment())]
        if sum(len(v) for v in seen.values()) >= 40 and min(shares) > 0:
            break
    join_seconds = time.monotonic() - started
    a = {tp.partition for tp in first.assignment()}
    b = {tp.partition for tp in second.assignment()}
    if a & b or (a | b) != {0, 1, 2, 3} or not a or not b:
        return failed(f"assignments {sorted(a)} / {sorted(b)} after {join_seconds:.1f}s")
    total = sum(len(v) for v in seen.values())
    if total != 40:
        return failed(f"the two members read {total} of 40 records")
    # Commit offset 4 on every partition (records 0-3 consumed), then restart.
    first.commit(offsets=[TopicPartition(name, p, 4) for p in sorted(a)], asynchronous=False)
    second.commit(offsets=[TopicPartition(name, p, 4) for p in sorted(b)], asynchronous=False)
    committed = first.committed([TopicPartition(name, p) for p in range(4)], timeout=probe.timeout)
    first.close()
    second.close()
    if [tp.offset for tp in committed] != [4, 4, 4, 4]:
        return failed(f"OffsetFetch after commit: {[(tp.partition, tp.offset) for tp in committed]}")
    resumed = probe.consumer(group)
    resumed.subscribe([name])
    again = poll_until(resumed, 24, probe.timeout * 3)
    resumed_assignment = sorted(tp.partition for tp in resumed.assignment())
    resumed.close()
    starts = {}
    for msg in again:
        starts.setdefault(msg.partition(), msg.offset())
    if len(again) != 24 or starts != {0: 4, 1: 4, 2: 4, 3: 4}:
        return failed(
            f"restarted member got partitions {resumed_assignment} and read {len(again)} records, "
            f"first offsets {starts} (want 24 records from offset 4 on each of 4 partitions)"
        )
    return passed(
        f"assigned {sorted(a)} + {sorted(b)} in {join_seconds:.1f}s, 40 records read, "
        "commit 4 -> OffsetFetch 4, restarted member resumed at offset 4 on every partition"
    )


def check_rebalance_on_leave(probe: Probe) -> Outcome:
    """When one of two members leaves, the other gets all partitions."""
    name = probe.topic("leave")
    group = f"probe-leave-{probe.run_id}"
    probe.create(name, 2)
    first = probe.consumer(group)
    second = probe.consumer(group)
    first.subscribe([name])
    second.subscribe([name])
    deadline = time.monotonic() + probe.timeout * 3
    while time.monotonic() < deadline and not (first.assignment() and second.assignment()):
        first.poll(0.1)
        second.poll(0.1)
    if not (first.assignment() and second.assignment()):
        return failed("two members never both got partitions")
    second.close()
    started = time.monotonic()
    while time.monotonic() < started + probe.timeout * 3 and len(first.assignment()) != 2:
        first.poll(0.1)
    parts = sorted(tp.partition for tp in first.assignment())
    first.close()
    if parts != [0, 1]:
        return failed(f"after the other member left, remaining member has {parts}")
    return passed(f"remaining member took both partitions {time.monotonic() - started:.1f}s after LeaveGroup")


def check_list_describe_groups(probe: Probe) -> Outcome:
    """ListGroups / DescribeGroups through the admin client."""
    name = probe.topic("describe")
    group = f"probe-describe-{probe.run_id}"
    probe.create(name, 1)
    member = probe.consumer(group)
    member.subscribe([name])
    deadline = time.monotonic() + probe.timeout * 3
    while time.monotonic() < deadline and not member.assignment():
        member.poll(0.1)
    listed = probe.admin.list_consumer_groups().result(timeout=probe.timeout)
    ids = {g.group_id for g in listed.valid}
    described = probe.admin.describe_consumer_groups([group])[group].result(timeout=probe.timeout)
    member.close()
    described_as = (
        f"DescribeGroups: state {described.state.name}, {len(described.members)} member(s), "
        f"assignor {described.partition_assignor!r}"
    )
    problems = []
    if group not in ids:
        problems.append(f"ListGroups does not list the active group ({len(ids)} listed)")
    if len(described.members) != 1 or described.partition_assignor not in ("range", "roundrobin"):
        problems.append(described_as + " (want 1 member, assignor 'range')")
    if problems:
        return failed("; ".join(problems))
    return passed(f"listed; {described_as}")


def check_delete_topic(probe: Probe) -> Outcome:
    """DeleteTopics, then Metadata no longer lists the topic."""
    name = probe.topic("delete")
    probe.create(name, 2)
    probe.admin.delete_topics([name], operation_timeout=probe.timeout)[name].result(timeout=probe.timeout)
    time.sleep(0.5)
    topics = probe.admin.list_topics(timeout=probe.timeout).topics
    if name in topics and not topics[name].error:
        return failed("topic still listed without error after DeleteTopics")
    return passed("deleted; Metadata no longer lists it")


def check_auto_create(probe: Probe) -> Outcome:
    """Producing to an unknown topic: Kafka with auto.create.topics.enable=false refuses."""
    name = probe.topic("unknown")
    producer = probe.producer(**{"message.timeout.ms": 5000})
    try:
        delivered = probe.produce_all(producer, [{"topic": name, "value": b"x"}])
    except RuntimeError as err:
        return passed(f"produce to an unknown topic fails: {str(err)[:120]}")
    topics = probe.admin.list_topics(name, timeout=probe.timeout).topics
    parts = len(topics[name].partitions) if name in topics else 0
    return Outcome(
        "PASS",
        f"auto-created on produce ({parts} partition(s), delivered to partition "
        f"{delivered[0].partition()}) - like Kafka's auto.create.topics.enable=true",
    )


def check_idempotent_producer(probe: Probe) -> Outcome:
    """enable.idempotence=true: InitProducerId, then sequenced produce with no duplicates."""
    name = probe.topic("idempotent")
    probe.create(name, 2)
    producer = probe.producer(**{"enable.idempotence": True})
    records = [{"topic": name, "partition": i % 2, "value": str(i).encode()} for i in range(200)]
    probe.produce_all(producer, records)
    got = probe.read(name, 2, 200)
    values = sorted(int(m.value()) for m in got)
    if values != list(range(200)):
        return failed(f"read {len(got)} records, {len(set(values))} distinct")
    return passed("200 records, exactly once each, offsets per partition 0-99")


def check_transactions(probe: Probe) -> Outcome:
    """transactional.id: InitProducerId, AddPartitionsToTxn, EndTxn commit and abort."""
    name = probe.topic("txn")
    probe.create(name, 1)
    producer = probe.producer(**{"transactional.id": f"probe-txn-{probe.run_id}"})
    steps = []
    try:
        producer.init_transactions(probe.timeout)
        steps.append("InitProducerId ok")
        producer.begin_transaction()
        producer.produce(name, value=b"committed", partition=0)
        producer.flush(probe.timeout)
        steps.append("AddPartitionsToTxn + produce ok")
        producer.commit_transaction(probe.timeout)
        steps.append("EndTxn(commit) ok")
        producer.begin_transaction()
        producer.produce(name, value=b"aborted", partition=0)
        producer.flush(probe.timeout)
        producer.abort_transaction(probe.timeout)
        steps.append("EndTxn(abort) ok")
    except KafkaException as err:
        kerr = err.args[0]
        return failed(f"{'; '.join(steps)}; then {kerr.name()}: {kerr.str()[:160]}")
    reader = probe.consumer(f"probe-txn-read-{probe.run_id}", **{"isolation.level": "read_committed"})
    reader.assign([TopicPartition(name, 0, OFFSET_BEGINNING)])
    got = [m.value() for m in poll_until(reader, 2, 5)]
    reader.close()
    if got != [b"committed"]:
        return failed(f"{'; '.join(steps)}; read_committed sees {got}, want [b'committed']")
    return passed("; ".join(steps) + "; read_committed sees only the committed record")


def check_kafka_python(probe: Probe) -> Outcome:
    """A second client: kafka-python (pure Python) produce + consume, if installed."""
    try:
        from kafka import KafkaConsumer, KafkaProducer
    except ImportError:
        return Outcome("SKIP", "kafka-python not installed")
    name = probe.topic("kafka-python")
    probe.create(name, 1)
    producer = KafkaProducer(bootstrap_servers=probe.bootstrap, request_timeout_ms=10_000)
    for i in range(3):
        producer.send(name, key=b"k", value=str(i).encode(), headers=[("h", b"v")]).get(timeout=10)
    producer.close()
    consumer = KafkaConsumer(
        name,
        bootstrap_servers=probe.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=int(probe.timeout * 1000),
    )
    values = [m.value for m, _ in zip(consumer, range(3))]
    consumer.close()
    if values != [b"0", b"1", b"2"]:
        return failed(f"kafka-python read {values}")
    return passed("kafka-python (auto-negotiated API versions) produced and consumed 3 records")


def check_survives_restart(probe: Probe, restart_cmd: str | None) -> Outcome:
    """Records and committed offsets are still there after the broker restarts."""
    if not restart_cmd:
        return Outcome("SKIP", "no --restart-cmd given")
    name = probe.topic("restart")
    group = f"probe-restart-{probe.run_id}"
    probe.create(name, 2)
    probe.produce_all(
        probe.producer(),
        [{"topic": name, "partition": i % 2, "key": str(i).encode(), "value": str(i).encode()} for i in range(20)],
    )
    consumer = probe.consumer(group)
    consumer.commit(offsets=[TopicPartition(name, 0, 7), TopicPartition(name, 1, 3)], asynchronous=False)
    consumer.close()
    started = time.monotonic()
    subprocess.run(restart_cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    restart_seconds = time.monotonic() - started
    probe.admin = AdminClient({"bootstrap.servers": probe.bootstrap})
    topics = probe.admin.list_topics(timeout=probe.timeout).topics
    if name not in topics:
        return failed(f"after restart ({restart_seconds:.1f}s) the topic is gone")
    got = probe.read(name, 2, 20)
    checker = probe.consumer(group)
    committed = checker.committed([TopicPartition(name, 0), TopicPartition(name, 1)], timeout=probe.timeout)
    checker.close()
    offsets = [tp.offset for tp in committed]
    if len(got) != 20 or offsets != [7, 3]:
        return failed(f"after restart: {len(got)}/20 records, committed offsets {offsets} (want [7, 3])")
    return passed(f"restart took {restart_seconds:.1f}s; 20 records and committed offsets [7, 3] still there")


CHECKS: list[tuple[str, Callable[[Probe], Outcome]]] = [
    ("ApiVersions", check_api_versions),
    ("CreateTopics + Metadata", check_create_topic),
    ("CreateTopics existing", check_create_existing_topic),
    ("DescribeConfigs", check_describe_configs),
    ("Produce/Fetch", check_produce_fetch),
    ("murmur2 partition", check_murmur2_partition),
    ("ListOffsets", check_list_offsets),
    ("Consumer group", check_consumer_group),
    ("Rebalance on leave", check_rebalance_on_leave),
    ("List/DescribeGroups", check_list_describe_groups),
    ("DeleteTopics", check_delete_topic),
    ("Unknown topic", check_auto_create),
    ("Idempotent producer", check_idempotent_producer),
    ("Transactions", check_transactions),
    ("kafka-python", check_kafka_python),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True, help="host:port of the broker")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request wait")
    parser.add_argument("--restart-cmd", help="shell command that restarts the broker")
    parser.add_argument("--only", help="comma-separated check names to run")
    args = parser.parse_args()

    probe = Probe(args.bootstrap, args.timeout)
    checks = CHECKS + [("Survives restart", lambda p: check_survives_restart(p, args.restart_cmd))]
    if args.only:
        wanted = {name.strip().lower() for name in args.only.split(",")}
        checks = [(n, c) for n, c in checks if n.lower() in wanted]
    print(f"# broker {args.bootstrap}, librdkafka {libversion()[0]}, run {probe.run_id}")
    failures = 0
    for name, check in checks:
        started = time.monotonic()
        try:
            outcome = check(probe)
        except Exception as err:  # a crash in a check is a finding, not a probe failure
            outcome = failed(f"{type(err).__name__}: {err}")
            traceback.print_exc(file=sys.stderr)
        failures += outcome.status == "FAIL"
        print(f"{outcome.status:4} {name:24} {time.monotonic() - started:5.1f}s  {outcome.detail}", flush=True)
    print(f"# {failures} FAIL")
    return min(failures, 100)


if __name__ == "__main__":
    sys.exit(main())
