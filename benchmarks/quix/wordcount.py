"""Kafka's WordCountDemo in Quix Streams, for the benchmark.

Run by `cargo run --release -p benchmarks` through scripts/bench-quix.sh,
which installs Quix Streams into its own virtual environment. Reads the
benchmark's prepared input topic, lower-cases each line, splits it on runs of
non-word characters (Python's `\\W` is Unicode-aware, like the Rust side),
regroups by word (a repartition topic), counts per word in Quix's state store
(RocksDB, with a changelog topic) and writes every updated count to the
output topic. Stops when it has counted the expected number of words and
prints one line:

    RESULT secs=<processing seconds> wall=<seconds> words=<n> distinct=<n> peak_kib=<n>

Processing seconds run from the first line seen to the end of `app.run`
(which commits and flushes); wall seconds include start-up and the group join.
"""

import argparse
import re
import resource
import sys
import time

from quixstreams import Application

NON_WORD = re.compile(r"\W+")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--words", type=int, required=True, help="words expected in the input")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()

    wall_started = time.perf_counter()
    app = Application(
        broker_address=args.bootstrap,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        state_dir=args.state_dir,
        loglevel="WARNING",
    )
    lines = app.topic(args.input, value_deserializer="str")
    counts_topic = app.topic(args.output, key_serializer="str", value_serializer="int")

    first_seen = []
    counted = [0]

    def split(line):
        if not first_seen:
            first_seen.append(time.perf_counter())
        return [w for w in NON_WORD.split(line.lower()) if w]

    def count(word, state):
        n = state.get("count", 0) + 1
        state.set("count", n)
        counted[0] += 1
        if counted[0] >= args.words:
            app.stop()
        return n

    sdf = app.dataframe(lines)
    sdf = sdf.apply(split, expand=True)
    sdf = sdf.group_by(lambda word: word, name="word")
    sdf = sdf.apply(count, stateful=True)
    sdf.to_topic(counts_topic)
    app.run(timeout=args.timeout)
    ended = time.perf_counter()

    if counted[0] < args.words:
        print(f"quix wordcount: counted {counted[0]} of {args.words} words before the timeout", file=sys.stderr)
        return 1
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    secs = ended - (first_seen[0] if first_seen else wall_started)
    print(
        f"RESULT secs={secs:.4f} wall={ended - wall_started:.4f} words={counted[0]} "
        f"distinct=0 peak_kib={peak_kib}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
