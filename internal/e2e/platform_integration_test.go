//go:build integration

package e2e

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/metrictest"

	"github.com/moalog/platform-collector/internal/stackcheck"
	"github.com/moalog/platform-collector/internal/testenv"
)

// TestPlatform runs the default pipeline (otelcol.yaml) against real targets on
// loopback, started by stackcheck.StartStack: the rate limiter's JVM with the
// Jolokia 2.4.2 agent, the payment engine's with Jolokia 1.7.1, redis-server,
// MariaDB and the moalog-server metrics contract, every receiver at 1s. It
// checks what each receiver's issue promises on the collector's /metrics, then
// proves the dashboards and alert rules against the same stack's Prometheus,
// then kills each target and watches it go down and come back without a restart.
func TestPlatform(t *testing.T) {
	s := stackcheck.StartStack(t, stackcheck.StackOptions{
		Collector:          testenv.CollectorBin(t, "otelcol"),
		CollectionInterval: time.Second,
		FluxpayAgent:       testenv.JolokiaCore1,
		ExtraConfigs:       []string{"file:" + filepath.Join("testdata", "test-jvm-metrics.yaml")},
		RuleFiles:          []string{compatRules},
	})
	c := s.Collector
	const settle = 30 * time.Second
	rateLimiter := jvmIdentity("rate-limiter", s.RateLimiter)
	fluxpay := jvmIdentity("fluxpay-engine", s.Fluxpay)
	redis := map[string]string{"job": "redis", "instance": s.Redis.Addr}
	moalog := map[string]string{"job": "moalog-server"}
	mysql := map[string]string{"job": "mysql", "instance": s.MariaDB.Addr}

	t.Run("jolokia", func(t *testing.T) {
		for _, jvm := range []map[string]string{rateLimiter, fluxpay} {
			c.WaitForSample(t, "jolokia_up", jvm, equals(1), settle)
			c.WaitForSample(t, "jvm_memory_used_bytes", with(jvm, "jvm_memory_type", "heap"), positive, settle)
			c.WaitForSample(t, "jvm_memory_used_bytes", with(jvm, "jvm_memory_type", "non_heap"), positive, settle)
			c.WaitForSample(t, "jvm_thread_count", jvm, positive, settle)
			c.WaitForSample(t, "jvm_class_loaded_total", jvm, positive, settle)
			c.WaitForSample(t, "jvm_cpu_count", jvm, positive, settle)
		}
		// The user-defined mappings of testdata/test-jvm-metrics.yaml, exact values from the test app.
		c.WaitForSample(t, "fluxpay_payments_total", with(fluxpay, "payment_kind", "card"), equals(42), settle)
		c.WaitForSample(t, "fluxpay_payments_total", with(fluxpay, "payment_kind", "bank"), equals(7), settle)
		c.WaitForSample(t, "moalog_test_pool_used_bytes", with(fluxpay, "pool_name", "main"), equals(300), settle)
	})

	t.Run("redis", func(t *testing.T) {
		dbsize := strings.Fields(s.Redis.CLI(t, "DBSIZE")) // "(integer) 50"
		keys, err := strconv.Atoi(dbsize[len(dbsize)-1])
		require.NoError(t, err, "DBSIZE")
		s.Redis.CLI(t, "SET", "platform-test:k1", "v")
		s.Redis.CLI(t, "SET", "platform-test:k2", "v")
		s.Redis.CLI(t, "GET", "platform-test:k1")
		c.WaitForSample(t, "redis_up", redis, equals(1), settle)
		c.WaitForSample(t, "redis_clients_connected", redis, positive, settle)
		c.WaitForSample(t, "redis_memory_used_bytes", redis, positive, settle)
		c.WaitForSample(t, "redis_keyspace_hits_total", redis, func(v float64) bool { return v >= 1 }, settle)
		c.WaitForSample(t, "redis_db_keys", with(redis, "db", "0"), equals(float64(keys+2)), settle)
	})

	t.Run("mysql", func(t *testing.T) {
		c.WaitForSample(t, "mysql_up", mysql, equals(1), settle)
		c.WaitForSample(t, "mysql_threads", with(mysql, "kind", "connected"), positive, settle)
		c.WaitForSample(t, "mysql_query_count_total", mysql, positive, settle)
		c.WaitForSample(t, "mysql_buffer_pool_usage_bytes", mysql, positive, settle)
	})

	t.Run("moalog-server", func(t *testing.T) {
		c.WaitForSample(t, "up", moalog, equals(1), settle)
		c.WaitForSample(t, "axum_http_requests_total", moalog, positive, settle)
	})

	// Before any target is killed: every panel has data and every rule evaluates.
	t.Run("dashboards live", func(t *testing.T) { checkDashboardsLive(t, s) })

	// kill -9 each target while every receiver scrapes it at 1s: within two
	// intervals its only series on :9090 are up (0) and the scrape's own
	// (duration), every other target's series stay, and after a restart, without
	// a collector restart, its full set is back.
	targets := []struct {
		name    string
		id      map[string]string
		up      string
		kill    func()
		restart func(t testing.TB)
	}{
		{"jvm with the Jolokia 2.4.2 agent", rateLimiter, "jolokia_up", s.RateLimiter.Process.Kill,
			func(t testing.TB) { s.RateLimiter.Process.Restart(t); s.RateLimiter.WaitReady(t) }},
		{"jvm with Jolokia 1.7.1", fluxpay, "jolokia_up", s.Fluxpay.Process.Kill,
			func(t testing.TB) { s.Fluxpay.Process.Restart(t); s.Fluxpay.WaitReady(t) }},
		{"redis", redis, "redis_up", s.Redis.Kill, func(t testing.TB) {
			s.Redis.Restart(t)
			s.Redis.CLI(t, "SET", "after-restart", "v", "EX", "3600")
		}},
		{"mariadb", mysql, "mysql_up", s.MariaDB.Process.Kill, func(t testing.TB) {
			s.MariaDB.Process.Restart(t)
			s.MariaDB.WaitReady(t)
			// The same kind of traffic as before: performance_schema has a table's
			// (and its no-index) I/O rows once they are used.
			s.MariaDB.Exec(t, "INSERT INTO retrospect.retrospects (title) VALUES ('d')", "SELECT COUNT(*) FROM retrospect.retrospects")
		}},
		// The promscrape receiver's own staleness (issue 12, item 4; issue 14).
		{"moalog-server", moalog, "up", s.StopMoalog, s.StartMoalog},
	}
	everyone := []map[string]string{rateLimiter, fluxpay, redis, mysql, moalog}
	for _, target := range targets {
		// The series of every target but this one, by identity.
		othersSeries := func(families testenv.Families) map[string][]string {
			series := map[string][]string{}
			for _, other := range everyone {
				if !maps.Equal(other, target.id) {
					series[fmt.Sprint(other)] = testenv.SeriesOf(families, other)
				}
			}
			return series
		}
		t.Run(target.name+" down and back", func(t *testing.T) {
			families := c.Families(t)
			before := testenv.SeriesOf(families, target.id)
			others := othersSeries(families)

			target.kill()
			took := c.WaitOnlyDown(t, target.up, target.id, 10*time.Second)
			t.Logf("%s: kill to series gone on :9090: %s", target.name, took.Round(time.Millisecond))
			// Two 1s intervals, and a second for a loaded machine.
			assert.Less(t, took, 3*time.Second, "series gone within two intervals")
			assert.Equal(t, others, othersSeries(c.Families(t)), "every other target keeps its series")

			target.restart(t)
			c.WaitForSeries(t, target.id, before, settle)
		})
	}
}

func jvmIdentity(job string, jvm *testenv.JVM) map[string]string {
	return map[string]string{"job": job, "instance": "127.0.0.1:" + strconv.Itoa(jvm.Port)}
}

func with(labels map[string]string, more ...string) map[string]string {
	out := maps.Clone(labels)
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}

func positive(v float64) bool { return v > 0 }

func equals(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

// compatRules are the opt-in exporter-compat recording rules.
var compatRules = filepath.Join(testenv.RepoRoot(), "compose", "prometheus", "exporter-compat", "exporter-compat.yml")

// checkDashboardsLive is the live proof of the dashboards: with the default
// pipeline scraping every real target and Prometheus scraping the collector,
// every panel of every dashboard returns data, every rule evaluates, the
// exporter-compat rules record the exporters' names and :9090 serves every
// name an alert rule reads.
func checkDashboardsLive(t *testing.T, s *stackcheck.Stack) {
	report := stackcheck.CheckDashboardsLive(t, s.Prometheus.URL, filepath.Join(testenv.RepoRoot(), "grafana", "dashboards"), stackcheck.Options{
		Timeout: 2 * time.Minute,
		Absent:  stackcheck.MariaDBAbsent,
	})
	t.Logf("live dashboard check:%s", report)
	t.Logf("alerts: %v", stackcheck.CheckRulesHealthy(t, s.Prometheus.URL, time.Minute))

	// without_scope_info: the page carries no otel_scope_* labels.
	_, page := testenv.HTTPGetText(s.Collector.MetricsURL())
	require.Contains(t, page, "redis_up{")
	require.NotContains(t, page, "otel_scope_")
	// The opt-in exporter-compat rules record the exporters' names from live
	// data; the counts are what compose/README.md says they cost.
	for _, name := range []string{"redis_connected_clients", "redis_db_keys_expiring", "mysql_global_status_threads_connected", "mysql_global_variables_open_files_limit"} {
		s.Prometheus.WaitFor(t, name, time.Minute)
	}
	recorded, err := metrictest.RecordedNames(compatRules)
	require.NoError(t, err)
	for _, job := range []string{dashboards.JobRedis, dashboards.JobMySQL} {
		// redis_db_keys{db="0"} is ours; the rule records db="db0".
		count := s.Prometheus.Query(t, `count({job="`+job+`", __name__=~"`+strings.Join(recorded, "|")+`", db!~"[0-9]+"})`)
		require.Len(t, count, 1)
		t.Logf("exporter-compat series recorded for job %s: %s", job, count[0].Value)
	}
	// The names only alert rules read are served, but for the replicas' (the
	// stack has no replica).
	replicaOnly := []string{
		dashboards.MySQLReplicaLag, dashboards.MySQLReplicaSQLDelay, dashboards.MySQLReplicaSQLRunning,
		dashboards.MySQLReplicaIORunning, dashboards.MySQLReplicaLastSQLErrno, dashboards.MySQLReplicaLastIOErrno,
		dashboards.RedisMasterLinkUp,
	}
	for _, name := range dashboards.AlertOnly {
		if !slices.Contains(replicaOnly, name) {
			require.Contains(t, page, "\n"+name+"{", "an alert rule reads %s", name)
		}
	}
}
