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
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/testenv"
)

func TestDashboardsLiveFullStack(t *testing.T) {
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		bin = filepath.Join(testenv.RepoRoot(), "otelcol")
	}
	s := StartStack(t, StackOptions{Collector: bin, CollectionInterval: 2 * time.Second})
	t.Logf("receivers pointed at started targets: %v", s.Receivers)
	report := CheckDashboardsLive(t, s.Prometheus.URL, filepath.Join(testenv.RepoRoot(), "grafana", "dashboards"), Options{
		Timeout: 2 * time.Minute,
		Absent: map[string]string{
			"mysql_row_operations_total": "MariaDB 10.11 (the test server) has no Innodb_rows_* status variables; MySQL 8.0 has them",
		},
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
	// The names only alert rules read are served (the stack has no replica).
	for _, name := range dashboards.AlertOnly {
		if name != dashboards.MySQLReplicaLag && name != dashboards.MySQLReplicaSQLDelay {
			require.Contains(t, string(page), "\n"+name+"{", "an alert rule reads %s", name)
		}
	}
}
