package mysqlreceiver

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// BenchmarkStatusToMetrics: the recorded SHOW GLOBAL STATUS of MariaDB
// 10.11 (563 rows) through parse + record + Emit with the default metrics,
// as one scrape does it. Reports ns and allocations per data point.
func BenchmarkStatusToMetrics(b *testing.B) {
	status := readFixture(b, "testdata/primary/status.tsv")
	mb := metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), newNopSettings())
	metrictest.BenchPerPoint(b, func() pmetric.Metrics {
		r := statusRecorder{mb: mb, ts: pcommon.Timestamp(1)}
		for _, row := range status.rows {
			r.record(row[0], row[1])
		}
		r.finish()
		return mb.Emit()
	})
}
