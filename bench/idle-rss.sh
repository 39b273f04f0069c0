#!/usr/bin/env bash
# Idle cost of collector binaries: file size, VmRSS after IDLE_SECONDS (default 30)
# running the default pipeline (otelcol.yaml) with no target up, its endpoints moved to
# free loopback ports, and its wake-ups and CPU from second 10 to IDLE_SECONDS (summed
# over every thread's /proc/<pid>/task/<tid>/schedstat: times scheduled, ns on CPU).
# Binaries run one after the other so they do not share the CPU.
#
#   bash bench/idle-rss.sh ./otelcol /tmp/bench-bin/otelcol-nosd
#   CONFIG=bench/config/base.yaml bash bench/idle-rss.sh ./otelcol   # another config
#   ENV="GOMEMLIMIT=40MiB" bash bench/idle-rss.sh ./otelcol           # extra environment
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE_SECONDS=${IDLE_SECONDS:-30}
CONFIG=${CONFIG:-otelcol.yaml}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# schedstat prints "<ns on CPU> <ns waiting> <times scheduled>" per thread; sum them.
schedstat() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{cpu += $1; runs += $3} END {print cpu, runs}'; }

printf '| binary | size (MB) | idle VmRSS (MiB) after %ss | VmHWM (MiB) | wake-ups / s | CPU ms / s | env |\n|---|--:|--:|--:|--:|--:|---|\n' "$IDLE_SECONDS"
for bin in "$@"; do
  size=$(stat -c %s "$bin")
  log=$(mktemp)
  # shellcheck disable=SC2086
  env ${ENV:-} "$bin" --config "$CONFIG" \
    --set=exporters::prometheus::endpoint=127.0.0.1:$(free_port) \
    --set=extensions::health_check::endpoint=127.0.0.1:$(free_port) \
    "--config=yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: $(free_port)}}}}]" \
    >"$log" 2>&1 &
  pid=$!
  sleep 10
  read -r cpu0 runs0 < <(schedstat "$pid")
  sleep "$((IDLE_SECONDS - 10))"
  read -r cpu1 runs1 < <(schedstat "$pid")
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "$bin exited early:" >&2; tail -20 "$log" >&2; exit 1
  fi
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$log"
  awk -v b="$bin" -v s="$size" -v r="$rss" -v h="$hwm" -v e="${ENV:-}" -v w="$((IDLE_SECONDS - 10))" \
    -v runs="$((runs1 - runs0))" -v cpu="$((cpu1 - cpu0))" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %s |\n", b, s/1e6, r/1024, h/1024, runs/w, cpu/1e6/w, e }'
done
