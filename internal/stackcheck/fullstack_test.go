// The full live proof of the dashboards: the built collector with the default
// pipeline (otelcol.yaml) scraping every real target, Prometheus scraping the
// collector, every panel of the four dashboards returning data:
//
//	OTELCOL_BIN=$PWD/otelcol go test -run TestDashboardsLiveFullStack -v ./internal/stackcheck
package stackcheck

import (
	"os"
	"path/filepath"
	"testing"
	"time"

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
}
