#!/usr/bin/env bash
# The Python side of the benchmarks (benchmarks/), in a virtual environment of
# its own: Quix Streams for the word count comparison, matplotlib for the chart.
#
#   scripts/bench-quix.sh setup                 # create the venv and install (idempotent)
#   scripts/bench-quix.sh wordcount ARGS...     # benchmarks/quix/wordcount.py ARGS
#   scripts/bench-quix.sh chart RESULTS.tsv OUT.png
#
# Settings (environment):
#   BENCH_VENV    where the venv lives (default: target/bench-venv in the workspace)
#   BENCH_PYTHON  python used to create it (default python3)
set -euo pipefail
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/target/bench-venv}"
PYTHON="${BENCH_PYTHON:-python3}"
# Pinned so that a rerun measures the same Quix Streams.
PACKAGES=("quixstreams==3.28.1" "matplotlib==3.11.2")
STAMP="$VENV/.installed-$(printf '%s_' "${PACKAGES[@]}")"

say() { printf 'bench-quix: %s\n' "$*" >&2; }

setup() {
  if [ -f "$STAMP" ]; then
    return 0
  fi
  say "creating $VENV and installing ${PACKAGES[*]} (about a minute, once)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}"
  touch "$STAMP"
}

case "${1:-}" in
  setup) setup ;;
  wordcount)
    shift
    setup
    exec "$VENV/bin/python" "$ROOT/benchmarks/quix/wordcount.py" "$@"
    ;;
  chart)
    shift
    setup
    exec "$VENV/bin/python" "$ROOT/benchmarks/quix/chart.py" "$@"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
