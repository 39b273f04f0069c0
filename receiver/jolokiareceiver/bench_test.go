package jolokiareceiver

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// benchMetrics maps the 1,000 recorded com.moalog.bench:type=Item MBeans:
// 4 metrics each, 4,000 data points per response.
var benchMetrics = []MetricConfig{
	{Name: "bench.count", MBean: "com.moalog.bench:type=Item,name=*", Attribute: "Count", Type: "sum", Labels: map[string]string{"item": "name"}},
	{Name: "bench.latency", MBean: "com.moalog.bench:type=Item,name=*", Attribute: "Latency", Unit: "s", Scale: 0.001, Labels: map[string]string{"item": "name"}},
	{Name: "bench.size", MBean: "com.moalog.bench:type=Item,name=*", Attribute: "Size", Labels: map[string]string{"item": "name"}},
	{Name: "bench.errors", MBean: "com.moalog.bench:type=Item,name=*", Attribute: "Errors", Type: "sum", Labels: map[string]string{"item": "name"}},
}

func TestConvertRecordedBench(t *testing.T) {
	p := mustPlan(t, nil, benchMetrics)
	for _, agent := range []string{agent2, core1} {
		_, resp := readRecorded(t, agent, "bench-1000")
		md, results := convertResponse(t, p, p.slots, resp)
		require.Equal(t, []int{200}, statuses(results))
		got := onlyResource(t, md)
		assert.Len(t, got, 4000)
		assert.Equal(t, int64(313000), got["bench.count{item=313}"])
		assert.InDelta(t, 0.07825, got["bench.latency{item=313}"], 1e-12)
		assert.Equal(t, int64(13), got["bench.size{item=313}"])
		assert.Equal(t, int64(313%7), got["bench.errors{item=313}"])
	}
}

// BenchmarkDecodeConvert decodes and converts the recorded answer to one
// wildcard read of 1,000 MBeans (testdata/recorded/<agent>/bench-1000.json,
// recorded from the real agents), 4,000 data points per op.
//
//	go test -run '^$' -bench DecodeConvert -benchmem ./receiver/jolokiareceiver/
func BenchmarkDecodeConvert(b *testing.B) {
	p := mustPlan(b, nil, benchMetrics)
	for _, agent := range []string{agent2, core1} {
		_, resp := readRecorded(b, agent, "bench-1000")
		b.Run(agent, func(b *testing.B) {
			b.SetBytes(int64(len(resp)))
			names := nameCache{} // as a scraper keeps it between scrapes of a target
			metrictest.BenchPerPoint(b, func() pmetric.Metrics {
				entries, err := decodeResponse(resp, len(p.slots))
				if err != nil {
					b.Fatal(err)
				}
				md := pmetric.NewMetrics()
				sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
				newConverter(p, sm, 1, 2, names).convert(entries, p.slots)
				return md
			})
		})
	}
}
