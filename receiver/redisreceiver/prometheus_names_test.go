package redisreceiver

import (
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
	md := mb.Emit()
	out := map[string]string{}
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		out[ms.At(i).Name()] = prometheusName(t, ms.At(i))
	}
	return out
}

// The README's metric table names every metric with the name Prometheus
// shows for it; this keeps the table complete and right.
func TestREADMEPrometheusNames(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `(redis\\.[a-z_.]+)` \\|.*\\| `([a-z_]+)(?:\\{[^`]*\\})?` \\|$")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = m[2]
	}
	assert.Equal(t, allRenderedNames(t), documented)
}

// The migration table reads only names the receiver exports and lists every
// redis_exporter name the opt-in exporter-compat rules recreate.
func TestREADMEMigrationTable(t *testing.T) {
	metrictest.CheckMigrationTable(t, "## Migrating from redis_exporter", "redis_", allRenderedNames(t))
}
