package redisreceiver

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// BenchmarkParseAndConvert measures the per-scrape work after the INFO reply
// arrived: parse it, record the data points, emit them under the resource.
// It reports time and allocations per data point besides per scrape:
//
//	go test -run '^$' -bench ParseAndConvert -benchmem ./receiver/redisreceiver
func BenchmarkParseAndConvert(b *testing.B) {
	cases := []struct {
		name    string
		fixture string
		cfg     metadata.MetricsBuilderConfig
	}{
		{"default_metrics/INFO", "info_primary.txt", metadata.DefaultMetricsBuilderConfig()},
		{"all_metrics/INFO_all", "info_all.txt", allMetrics()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			text := fixture(b, c.fixture)
			s := newScraper(&Config{MetricsBuilderConfig: c.cfg}, newTestSettings())
			s.address, s.port = "127.0.0.1", "6379"
			ts := pcommon.Timestamp(1)
			metrictest.BenchPerPoint(b, func() pmetric.Metrics {
				s.mb.RecordRedisUpDataPoint(ts, 1)
				sum := recordInfo(s.mb, ts, text)
				return s.target.Up(s.build(sum.version), ts, metadata.MetricsInfo.RedisUp.Name)
			})
		})
	}
}
