package mysqlreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// allRenderedNames scrapes the recorded replica with every metric on, plus
// the MySQL-only status variables MariaDB 10.11 lacks, and renders every
// metric's Prometheus name.
func allRenderedNames(t *testing.T) map[string]string {
	s, _, _ := newFixtureScraper(t, "replica", allMetrics())
	md := s.scrapeMetrics(t)
	r := statusRecorder{mb: s.mb, ts: pcommon.Timestamp(1)}
	for _, name := range []string{"Innodb_rows_read", "Mysqlx_connections_accepted", "Mysqlx_worker_threads"} {
		r.record([]byte(name), []byte("1"))
	}
	mysqlOnly := s.mb.Emit()
	mysqlOnly.ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	return metrictest.RenderedNames(t, md)
}

// The README's metric table names every metric with the name Prometheus
// shows for it; this keeps the table complete and right.
func TestREADMEPrometheusNames(t *testing.T) {
	rendered := allRenderedNames(t)
	assert.Len(t, rendered, 83, "every metric of metadata.yaml")
	metrictest.CheckMetricTable(t, "mysql", rendered)
}

// The migration table reads only names the receiver exports and lists every
// mysqld_exporter name the opt-in exporter-compat rules recreate.
func TestREADMEMigrationTable(t *testing.T) {
	metrictest.CheckMigrationTable(t, "## Migrating from mysqld_exporter", "mysql_", allRenderedNames(t))
}
