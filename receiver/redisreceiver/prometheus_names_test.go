package redisreceiver

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// allRenderedNames records every metric the receiver has and renders its
// Prometheus name.
func allRenderedNames(t *testing.T) map[string]string {
	mb := newTestBuilder(allMetrics())
	ts := pcommon.Timestamp(1)
	mb.RecordRedisUpDataPoint(ts, 1)
	recordInfo(mb, ts, fixture(t, "info_all.txt"))
	recordInfo(mb, ts, fixture(t, "info_replica.txt"))
	recordInfo(mb, ts, fixture(t, "info_sentinel.txt"))
	recordInfo(mb, ts, "sentinel_total_tilt:0\r\n") // Redis 7.2+, not in the 7.0 fixture
	recordClusterInfo(mb, ts, fixture(t, "cluster_info.txt"))
	return metrictest.RenderedNames(t, mb.Emit())
}

// The README's metric table names every metric with the name Prometheus
// shows for it; this keeps the table complete and right.
func TestREADMEPrometheusNames(t *testing.T) {
	metrictest.CheckMetricTable(t, "redis", allRenderedNames(t))
}

// The migration table reads only names the receiver exports and lists every
// redis_exporter name the opt-in exporter-compat rules recreate.
func TestREADMEMigrationTable(t *testing.T) {
	metrictest.CheckMigrationTable(t, "## Migrating from redis_exporter", "redis_", allRenderedNames(t))
}
