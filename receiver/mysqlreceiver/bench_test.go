package mysqlreceiver

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// BenchmarkStatusToMetrics: the recorded SHOW GLOBAL STATUS of MariaDB
// 10.11 (563 rows) through parse + record + Emit with the default metrics,
// as one scrape does it. Reports ns and allocations per data point.
func BenchmarkStatusToMetrics(b *testing.B) {
	status := readFixture(b, "testdata/primary/status.tsv")
	mb := metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), newNopSettings())
	scrape := func() int {
		r := statusRecorder{mb: mb, ts: pcommon.Timestamp(1)}
		for _, row := range status.rows {
			r.record(row[0], row[1])
		}
		r.finish()
		return mb.Emit().DataPointCount()
	}
	n := scrape()
	allocs := testing.AllocsPerRun(20, func() { scrape() })
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		scrape()
	}
	b.StopTimer()
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(n), "points/op")
	b.ReportMetric(perOp/float64(n), "ns/point")
	b.ReportMetric(allocs/float64(n), "allocs/point")
}
