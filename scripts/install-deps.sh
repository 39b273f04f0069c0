#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine; a second run changes nothing.
#   - servers from Debian packages: redis-server, MariaDB, Prometheus (+promtool),
#     Debian's Jolokia 1.7.1 core, and the exporters the benchmarks compare against;
#   - the Jolokia 2.x JVM agent from Maven Central (by coordinates, through mvn),
#     checked against a pinned sha256 and copied into the ignored .cache/ folder;
#   - Prometheus' jmx_exporter java agent 1.0.1 the same way.
# The Debian packages' own services are stopped: tests start their own servers on
# free loopback ports and never touch the system ones.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  redis-server
  mariadb-server
  prometheus
  libjolokia-core-java
  libjson-simple-java
  prometheus-redis-exporter
  prometheus-mysqld-exporter
  openssl
)
JOLOKIA_AGENT_VERSION=2.4.2
JOLOKIA_AGENT_SHA256=2d8d153c402e102c50def8068ac4cfcac92a279f43b8a503daf98db692fa4fbc
# Prometheus' jmx_exporter java agent: the side-by-side test of the Jolokia receiver's jmx_exporter rules.
JMX_EXPORTER_VERSION=1.0.1
JMX_EXPORTER_SHA256=7d61f737fd661610ccc14aea79764faa1ea94a340cbc8f0029b3d2edea3d80c1

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
command -v java >/dev/null && command -v javac >/dev/null || missing+=(default-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends keeps Prometheus from pulling in its web UI build chain.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The packages start their system services where an init system runs; the tests do not use them.
for svc in redis-server mariadb prometheus prometheus-redis-exporter prometheus-mysqld-exporter; do
  if command -v service >/dev/null && service "$svc" status >/dev/null 2>&1; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done

agent_dir=.cache/jolokia
agent_jar=$agent_dir/jolokia-agent-jvm-$JOLOKIA_AGENT_VERSION-javaagent.jar
if ! echo "$JOLOKIA_AGENT_SHA256  $agent_jar" | sha256sum -c --status 2>/dev/null; then
  echo "install-deps: fetching org.jolokia:jolokia-agent-jvm:$JOLOKIA_AGENT_VERSION (javaagent)"
  mvn -q -B dependency:get -Dtransitive=false \
    -Dartifact=org.jolokia:jolokia-agent-jvm:$JOLOKIA_AGENT_VERSION:jar:javaagent
  mkdir -p "$agent_dir"
  cp "$HOME/.m2/repository/org/jolokia/jolokia-agent-jvm/$JOLOKIA_AGENT_VERSION/jolokia-agent-jvm-$JOLOKIA_AGENT_VERSION-javaagent.jar" "$agent_jar"
  echo "$JOLOKIA_AGENT_SHA256  $agent_jar" | sha256sum -c --quiet
fi
jmx_exporter_jar=.cache/jmx_exporter/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar
if ! echo "$JMX_EXPORTER_SHA256  $jmx_exporter_jar" | sha256sum -c --status 2>/dev/null; then
  echo "install-deps: fetching io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION"
  mvn -q -B dependency:get -Dtransitive=false -Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION
  mkdir -p "$(dirname "$jmx_exporter_jar")"
  cp "$HOME/.m2/repository/io/prometheus/jmx/jmx_prometheus_javaagent/$JMX_EXPORTER_VERSION/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar" "$jmx_exporter_jar"
  echo "$JMX_EXPORTER_SHA256  $jmx_exporter_jar" | sha256sum -c --quiet
fi
# Libraries the test JVMs run (commons-pool2, ...), pinned in internal/testenv/java/pom.xml.
deps_dir=.cache/java-deps
deps_stamp=$deps_dir/.pom.sha256
if ! sha256sum -c --status "$deps_stamp" 2>/dev/null; then
  echo "install-deps: fetching the test JVMs' libraries (internal/testenv/java/pom.xml)"
  rm -rf "$deps_dir"
  mvn -q -B -f internal/testenv/java/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$deps_dir"
  sha256sum internal/testenv/java/pom.xml > "$deps_stamp"
fi
# The test JVM's library profiles (tomcat, kafka-client, ...): one pom each, one folder each.
for pom in internal/testenv/java/apps/*/pom.xml; do
  app=$(basename "$(dirname "$pom")")
  app_dir=$deps_dir/$app
  app_stamp=$app_dir/.pom.sha256
  if ! sha256sum -c --status "$app_stamp" 2>/dev/null; then
    echo "install-deps: fetching the libraries of the test JVM's $app profile ($pom)"
    rm -rf "$app_dir"
    mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$PWD/$app_dir"
    sha256sum "$pom" > "$app_stamp"
  fi
done
echo "install-deps: ok"
