#!/usr/bin/env bash
# make compose-test: the compose stack, started for real under podman.
#
# Builds the collector image from compose/Dockerfile as shipped, brings up
# compose/docker-compose.yaml + docker-compose.demo.yaml (with the overrides
# of compose/test/: internal networks, nothing pulled, nothing published) and
# checks the running containers (internal/stackcheck TestComposeStack, then
# non-root, restart, and the base compose file alone). Everything it started is
# removed at the end; the base images stay for the next run.
#
# No registry is reached: every image the compose files name is a local
# stand-in made from a debootstrap rootfs and Debian's packages, tagged with
# that name. Builds run with --network none and --pull=never.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
export CONTAINERS_CONF=$ROOT/compose/test/containers.conf
STATE=$ROOT/.cache/compose-test
VENV=$STATE/venv
PODMAN_COMPOSE_VERSION=1.6.0
# The Debian mirror the host's apt uses; debootstrap falls back to its own default.
host_mirror() {
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; break}}'
  } | grep -v -- '-security' | head -1 || true # no sources file: debootstrap's default
}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(host_mirror)}
PROJECT=moalog # compose/docker-compose.yaml's name:
BASE_IMAGE=localhost/platform-collector/debian-base:bookworm
BUILD_STAGE=localhost/platform-collector/otelcol-build-stage:test

log() { printf '\n== %s %s\n' "$(date -u +%T)" "$*"; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

install_tools() {
  local missing=()
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ "$("$VENV/bin/podman-compose" --version 2>/dev/null | head -1)" != "podman-compose version $PODMAN_COMPOSE_VERSION" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION"
  fi
}

# --- stand-in images, built once per machine --------------------------------

# image_current NAME KEY: the image exists and was made from inputs hashing to KEY.
image_current() {
  [ "$(podman image inspect --format '{{index .Labels "platform-collector.inputs"}}' "$1" 2>/dev/null)" = "$2" ]
}

# rootfs_with DIR PACKAGES...: a copy of the debootstrap rootfs with Debian
# packages installed by the host's apt in a chroot (the containers themselves
# never reach the network).
rootfs_with() {
  local dir=$1; shift
  rm -rf "$dir"
  cp -a "$STATE/work/rootfs-base" "$dir"
  printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d" # packages must not start services
  chmod +x "$dir/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  mount -t proc proc "$dir/proc"
  local rc=0
  chroot "$dir" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* >/dev/null && apt-get clean" || rc=$?
  umount "$dir/proc"
  rm -rf "$dir/var/lib/apt/lists"/* "$dir/usr/sbin/policy-rc.d"
  : > "$dir/etc/resolv.conf"
  return $rc
}

# import_rootfs DIR NAME KEY [--change ...]: the directory as image NAME.
import_rootfs() {
  local dir=$1 name=$2 key=$3; shift 3
  tar -C "$dir" --numeric-owner -c . |
    podman import --change "LABEL platform-collector.inputs=$key" "$@" - "$name" >/dev/null
  rm -rf "$dir"
}

debian_rootfs() {
  [ -d "$STATE/work/rootfs-base/usr" ] && return
  local start; start=$(date +%s)
  rm -rf "$STATE/work/rootfs-base"
  debootstrap --variant=minbase bookworm "$STATE/work/rootfs-base" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >/dev/null
  rm -f "$STATE/work/rootfs-base"/var/cache/apt/archives/*.deb # ~80 MB of downloaded packages
  echo "debootstrap: $(elapsed "$start")"
}

# The Debian base: the plain debootstrap rootfs (used for in-network probes).
base_image() {
  image_current "$BASE_IMAGE" bookworm && return
  debian_rootfs
  cp -a "$STATE/work/rootfs-base" "$STATE/work/base"
  import_rootfs "$STATE/work/base" "$BASE_IMAGE" bookworm --change 'CMD ["/bin/bash"]'
}

# golang:1.26-bookworm: the host's Go toolchain and an offline module proxy of
# every module go.mod needs (go mod download), like the official image's layout.
golang_image() {
  local key; key=$(go env GOVERSION)-$(sha256sum go.sum | cut -c1-16)
  image_current golang:1.26-bookworm "$key" && return
  debian_rootfs
  local dir=$STATE/work/golang mods=$STATE/work/gomodcache
  rootfs_with "$dir" ca-certificates
  mkdir -p "$dir/usr/local" "$dir/go"
  cp -a "$(go env GOROOT)" "$dir/usr/local/go"
  # The host's module cache first (CI's make test filled it), the real proxy for the rest.
  GOMODCACHE=$mods GOFLAGS=-mod=mod GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" go mod download
  mv "$mods/cache/download" "$dir/goproxy"
  chmod -R u+w "$mods" && rm -rf "$mods"
  import_rootfs "$dir" golang:1.26-bookworm "$key" \
    --change 'ENV GOPATH=/go' --change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV GOPROXY=file:///goproxy' --change 'ENV GOFLAGS=-mod=mod' --change 'ENV GOSUMDB=off' \
    --change 'ENV GOTOOLCHAIN=local' --change 'WORKDIR /go'
}

# prom/prometheus:v2.55.1: Debian's Prometheus (2.42), run like the official image.
prometheus_image() {
  image_current prom/prometheus:v2.55.1 debian-prometheus && return
  debian_rootfs
  local dir=$STATE/work/prometheus
  rootfs_with "$dir" prometheus
  mkdir -p "$dir/prometheus" && chown 65534:65534 "$dir/prometheus"
  import_rootfs "$dir" prom/prometheus:v2.55.1 debian-prometheus \
    --change 'USER 65534' --change 'WORKDIR /prometheus' --change 'EXPOSE 9090' \
    --change 'ENTRYPOINT ["/usr/bin/prometheus"]' \
    --change 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
}

# entrypoint_image NAME PACKAGE SCRIPT PREPARE [--change ...]: the stand-in
# NAME: Debian's PACKAGE, SCRIPT as its docker-entrypoint.sh, the shell
# command PREPARE run in the rootfs before the import.
entrypoint_image() {
  local name=$1 package=$2 script=$3 prepare=$4; shift 4
  local key; key=debian-$package-$(sha256sum "$script" | cut -c1-16)
  image_current "$name" "$key" && return
  debian_rootfs
  local dir=$STATE/work/$package
  rootfs_with "$dir" "$package"
  install -m 0755 "$script" "$dir/usr/local/bin/docker-entrypoint.sh"
  chroot "$dir" sh -c "$prepare"
  import_rootfs "$dir" "$name" "$key" --change 'ENTRYPOINT ["docker-entrypoint.sh"]' "$@"
}

# redis:7: Debian's redis-server (7.0).
redis_image() {
  entrypoint_image redis:7 redis-server compose/test/standins/redis-entrypoint.sh \
    'mkdir -p /data && chown redis:redis /data' \
    --change 'USER redis' --change 'WORKDIR /data' --change 'EXPOSE 6379' --change 'CMD ["redis-server"]'
}

# mysql:8.0: Debian's MariaDB 10.11 (the tests' server) behind an entrypoint
# that honours the official image's variables and init scripts.
mysql_image() {
  entrypoint_image mysql:8.0 mariadb-server compose/test/standins/mysql-entrypoint.sh \
    'rm -rf /var/lib/mysql/* && mkdir -p /run/mysqld /docker-entrypoint-initdb.d && chown mysql:mysql /var/lib/mysql /run/mysqld' \
    --change 'EXPOSE 3306' --change 'CMD []'
}

# moalog/demo-jvm:dev: the demo JVM of compose/demo/jvm.Dockerfile (the tests'
# MBean app with the Jolokia 2.4.2 agent and the shipped access policy), on
# Debian's Java 17 instead of eclipse-temurin 21.
jvm_image() {
  local agent=.cache/jolokia/jolokia-agent-jvm-2.4.2-javaagent.jar
  [ -f "$agent" ] || bash scripts/install-deps.sh
  local key; key=debian-jvm-$(cat internal/testenv/java/MBeanTestApp.java compose/jolokia/jolokia-access.xml "$agent" | sha256sum | cut -c1-16)
  image_current moalog/demo-jvm:dev "$key" && return
  debian_rootfs
  local dir=$STATE/work/jvm
  rootfs_with "$dir" openjdk-17-jre-headless
  mkdir -p "$dir/app" "$dir/opt/jolokia"
  javac --release 17 -d "$dir/app" internal/testenv/java/MBeanTestApp.java
  cp "$agent" "$dir/opt/jolokia/jolokia-agent.jar"
  cp compose/jolokia/jolokia-access.xml "$dir/opt/jolokia/jolokia-access.xml"
  local agent_opts
  agent_opts=$(sed -n 's/^ENV JAVA_TOOL_OPTIONS="\(.*\)"$/\1/p' compose/demo/jvm.Dockerfile)
  import_rootfs "$dir" moalog/demo-jvm:dev "$key" \
    --change "ENV JAVA_TOOL_OPTIONS=$agent_opts" --change 'USER 10001:10001' --change 'EXPOSE 8778' \
    --change "CMD $(sed -n 's/^CMD //p' compose/demo/jvm.Dockerfile)"
}

build_base_images() {
  local start; start=$(date +%s)
  mkdir -p "$STATE/work"
  base_image
  golang_image
  prometheus_image
  redis_image
  mysql_image
  jvm_image
  rm -rf "$STATE/work"
  echo "base images ready: $(elapsed "$start")"
}

# --- the project's images, built every run from the shipped Dockerfiles -----

build_project_images() {
  local start; start=$(date +%s)
  podman build --pull=never --network none -q -f compose/Dockerfile -t moalog/otelcol:dev . >/dev/null
  echo "collector image: $(elapsed "$start")"
  # The build stage alone (from the cached layers): what the module cache costs in layers.
  podman build --pull=never --network none -q --target build -f compose/Dockerfile -t "$BUILD_STAGE" . >/dev/null
  echo "collector build stage: $(podman image inspect --format '{{.Size}}' "$BUILD_STAGE" | numfmt --to=si)B" \
    "(its golang base: $(podman image inspect --format '{{.Size}}' golang:1.26-bookworm | numfmt --to=si)B)"
  podman rmi "$BUILD_STAGE" >/dev/null
  start=$(date +%s)
  podman build --pull=never --network none -q -f compose/demo/moalog-contract.Dockerfile -t moalog/demo-moalog-contract:dev . >/dev/null
  echo "moalog contract image: $(elapsed "$start")"
}

# --- the stack ------------------------------------------------------------------

FULL=(-f compose/docker-compose.yaml -f compose/docker-compose.demo.yaml -f compose/test/docker-compose.yaml -f compose/test/docker-compose.demo.yaml)
BASE=(-f compose/docker-compose.yaml -f compose/test/docker-compose.yaml)

# Grafana is not started, but docker-compose.yaml requires its password to be set.
compose() { GRAFANA_ADMIN_PASSWORD=not-started "$VENV/bin/podman-compose" --no-ansi "$@"; }

container_ip() { podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "${PROJECT}_$1_1"; }

# in_network HOST PORT PATH: GET from a container on the stack's network, by service name.
in_network() {
  podman run --rm --pull=never --network "${PROJECT}_default" "$BASE_IMAGE" bash -c \
    'exec 3<>/dev/tcp/$0/$1 && printf "GET $2 HTTP/1.0\r\nHost: $0\r\n\r\n" >&3 && head -1 <&3' "$@"
}

# wait_until DESCRIPTION SECONDS COMMAND...: retry COMMAND until it succeeds.
wait_until() {
  local what=$1 deadline=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "FAIL: $what"; return 1; fi
    sleep 2
  done
  echo "ok: $what"
}

# The platform's services write to Redis; the demo's stand-ins do not. One key
# with a TTL gives the Infrastructure dashboard's keyspace panels their data.
seed_redis() {
  wait_until "redis answers in its container" 120 podman exec "${PROJECT}_redis_1" redis-cli ping
  podman exec "${PROJECT}_redis_1" redis-cli SET compose-test:session demo EX 3600 >/dev/null
}

check_full_stack() {
  PROMETHEUS_URL=http://$(container_ip prometheus):9090 \
    go test -tags integration -count=1 -timeout 10m -run '^TestComposeStack$' -v ./internal/stackcheck
}

check_collector_container() {
  local id user readonly
  user=$(podman inspect --format '{{.Config.User}}' "${PROJECT}_otelcol_1")
  readonly=$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "${PROJECT}_otelcol_1")
  id=$(podman top "${PROJECT}_otelcol_1" user | tail -1)
  echo "collector: image user $user, process user $id, read-only root fs $readonly"
  [ "$id" != root ] && [ "$id" != 0 ] || { echo "FAIL: the collector runs as root"; return 1; }
  [ "$readonly" = true ] || { echo "FAIL: the collector's root fs is writable"; return 1; }
}

# restart: unless-stopped brings a collector killed from outside back.
check_restart() {
  local name=${PROJECT}_otelcol_1 pid
  pid=$(podman inspect --format '{{.State.Pid}}' "$name")
  kill -9 "$pid"
  wait_until "the killed collector (pid $pid) is running again" 120 \
    bash -c '[ "$(podman inspect --format "{{.State.Running}} {{.State.Pid}}" "$0")" != "true $1" ] &&
             [ "$(podman inspect --format "{{.State.Running}}" "$0")" = true ]' "$name" "$pid"
  wait_until "the restarted collector is healthy" 60 in_network_ok otelcol 13133 /
}

in_network_ok() { in_network "$@" | grep -q ' 200 '; }

check_base_compose_alone() {
  compose "${BASE[@]}" up -d >/dev/null
  wait_until "docker-compose.yaml alone: otelcol:13133 answers 200 in the network" 120 in_network_ok otelcol 13133 /
  wait_until "docker-compose.yaml alone: otelcol:9090/metrics answers 200 in the network" 60 in_network_ok otelcol 9090 /metrics
  compose "${BASE[@]}" down -v >/dev/null
}

# --- teardown -------------------------------------------------------------------

IP_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
teardown() {
  local rc=$?
  log teardown
  if [ -x "$VENV/bin/podman-compose" ] && command -v podman >/dev/null; then
    compose "${FULL[@]}" down -v -t 5 >/dev/null 2>&1 || true
    podman ps -a --filter "label=io.podman.compose.project=$PROJECT" -q | xargs -r podman rm -f >/dev/null
    podman network ls -q --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman network rm -f >/dev/null
    podman volume ls -q --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman volume rm -f >/dev/null
    podman rmi -f moalog/otelcol:dev moalog/demo-moalog-contract:dev "$BUILD_STAGE" >/dev/null 2>&1 || true
    podman image prune -f >/dev/null # the build stages
  fi
  # buildah's RUN --mount=type=cache directories (rootful: no uid suffix)
  rm -rf /var/tmp/buildah-cache /var/tmp/buildah-cache-"$(id -u)" "$STATE/work"
  echo "$IP_FORWARD" > /proc/sys/net/ipv4/ip_forward
  echo "left: $(podman ps -aq 2>/dev/null | wc -l) containers, $(podman network ls -q 2>/dev/null | grep -vc '^podman$') networks, $(podman volume ls -q 2>/dev/null | wc -l) volumes; images kept: $(podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | tr '\n' ' ')"
  exit $rc
}

main() {
  local start; start=$(date +%s)
  trap teardown EXIT
  log install; install_tools
  log "base images"; build_base_images
  log "project images"; build_project_images
  log "up: docker-compose.yaml + docker-compose.demo.yaml"
  echo "skipped: grafana (no Grafana package or image here; its provisioning is checked by internal/composecheck)"
  compose "${FULL[@]}" up -d >/dev/null
  log "checks"
  seed_redis
  check_full_stack
  check_collector_container
  check_restart
  compose "${FULL[@]}" down -v -t 5 >/dev/null
  log "docker-compose.yaml alone"; check_base_compose_alone
  log "compose-test passed in $(elapsed "$start")"
}

main "$@"
