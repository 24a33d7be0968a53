#!/usr/bin/env bash
# Exactly-once under crashes, against a broker that completes transactions.
# No broker that runs on this project's machines does (the embedded mock and
# tansu 0.6 write no transaction markers), so this is the check to run
# against Apache Kafka:
#
#   docker compose up -d
#   KAFKA_BOOTSTRAP_SERVERS=localhost:9092 scripts/exactly-once-check.sh
#
# It runs word count with processing.guarantee=exactly_once_v2, SIGKILLs it
# five times at random moments while input arrives, restarts it, and checks
# that the committed output (read_committed) holds every word's counts
# 1, 2, ..., n exactly once, in order, with no gap. It deletes and recreates
# the topics streams-plaintext-input and streams-wordcount-output.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS to an Apache Kafka broker (docker compose up -d; localhost:9092)}"
export KAFKA_SUPPORTS_TRANSACTIONS=1
exec cargo test -p integration-tests --test exactly_once_crash -- --nocapture
