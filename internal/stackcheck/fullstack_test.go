// The full live proof of the dashboards: the built collector with the default
// pipeline (otelcol.yaml) scraping every real target, Prometheus scraping the
// collector, every panel of the four dashboards returning data:
//
//	OTELCOL_BIN=$PWD/otelcol go test -run TestDashboardsLiveFullStack -v ./internal/stackcheck
package stackcheck

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

// mariaDBAbsent are the dashboards' metric names MariaDB 10.11, the test
// server (and the compose test's mysql stand-in), cannot produce.
var mariaDBAbsent = map[string]string{
	"mysql_row_operations_total": "MariaDB 10.11 (the test server) has no Innodb_rows_* status variables; MySQL 8.0 has them",
}

func TestDashboardsLiveFullStack(t *testing.T) {
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		bin = filepath.Join(testenv.RepoRoot(), "otelcol")
	}
	compatRules := filepath.Join(testenv.RepoRoot(), "compose", "prometheus", "exporter-compat", "exporter-compat.yml")
	s := StartStack(t, StackOptions{
		Collector: bin, CollectionInterval: 2 * time.Second,
		RuleFiles: []string{compatRules},
	})
	t.Logf("receivers pointed at started targets: %v", s.Receivers)
	report := CheckDashboardsLive(t, s.Prometheus.URL, filepath.Join(testenv.RepoRoot(), "grafana", "dashboards"), Options{
		Timeout: 2 * time.Minute,
		Absent:  mariaDBAbsent,
	})
	t.Logf("live dashboard check:%s", report)
	t.Logf("alerts: %v", CheckRulesHealthy(t, s.Prometheus.URL, time.Minute))

	// without_scope_info: the page carries no otel_scope_* labels.
	resp, err := http.Get(s.CollectorMetrics)
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(page), "redis_up{")
	require.NotContains(t, string(page), "otel_scope_")
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
			require.Contains(t, string(page), "\n"+name+"{", "an alert rule reads %s", name)
		}
	}
}
