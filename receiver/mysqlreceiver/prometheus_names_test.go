package mysqlreceiver

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// prometheusName renders a metric's name as the Prometheus exporter does by default.
func prometheusName(t *testing.T, m pmetric.Metric) string {
	t.Helper()
	name, err := metrictest.PrometheusName(m)
	require.NoError(t, err)
	return name
}

// allRenderedNames scrapes the recorded replica with every metric on, plus
// the MySQL-only status variables MariaDB 10.11 lacks, and renders every
// metric's Prometheus name.
func allRenderedNames(t *testing.T) map[string]string {
	s, _ := newFixtureScraper(t, "replica", allMetrics())
	md, err := s.scrape(context.Background())
	require.NoError(t, err)
	r := statusRecorder{mb: s.mb, ts: pcommon.Timestamp(1)}
	for _, name := range []string{"Innodb_rows_read", "Mysqlx_connections_accepted", "Mysqlx_worker_threads"} {
		r.record([]byte(name), []byte("1"))
	}
	mysqlOnly := s.mb.Emit()
	mysqlOnly.ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	out := map[string]string{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		ms := md.ResourceMetrics().At(i).ScopeMetrics().At(0).Metrics()
		for j := 0; j < ms.Len(); j++ {
			out[ms.At(j).Name()] = prometheusName(t, ms.At(j))
		}
	}
	return out
}

// The README's metric table names every metric with the name Prometheus
// shows for it; this keeps the table complete and right.
func TestREADMEPrometheusNames(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `(mysql\\.[a-z_.]+)` \\|.*\\| `([a-z_]+)(?:\\{[^`]*\\})?` \\|$")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = m[2]
	}
	rendered := allRenderedNames(t)
	assert.Len(t, rendered, 83, "every metric of metadata.yaml")
	assert.Equal(t, rendered, documented)
}

// The migration table reads only names the receiver exports and lists every
// mysqld_exporter name the opt-in exporter-compat rules recreate.
func TestREADMEMigrationTable(t *testing.T) {
	metrictest.CheckMigrationTable(t, "## Migrating from mysqld_exporter", "mysql_", allRenderedNames(t))
}
