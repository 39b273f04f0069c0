#!/usr/bin/env bash
# make demo: the stack on this machine, without Docker. Starts the test
# environment's real targets (moalog metrics contract, Redis, MariaDB, two JVMs with the
# Jolokia agent), the collector (./otelcol, otelcol.yaml with their addresses)
# and Prometheus with the platform alerts on 127.0.0.1:9091. Ctrl-C stops all.
# Needs `make build` and the test servers (`make test-deps`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
[ -x ./otelcol ] || { echo "demo: ./otelcol is missing: run make build" >&2; exit 1; }
mkdir -p .cache/bin
go build -o .cache/bin/demo ./tools/demo
exec .cache/bin/demo "$@"
