package metrictest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func TestPointsAndNames(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	up := ms.AppendEmpty()
	up.SetName("redis.up")
	up.SetUnit("{status}")
	up.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	hits := ms.AppendEmpty()
	hits.SetName("redis.keyspace.hits")
	hits.SetUnit("{hit}")
	hits.SetEmptySum().SetIsMonotonic(true)
	used := ms.AppendEmpty()
	used.SetName("jvm.memory.used")
	used.SetUnit("By")
	dp := used.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(12.5)
	dp.Attributes().PutStr("jvm.memory.type", "heap")
	dp.Attributes().PutStr("jvm.memory.pool.name", "G1 Eden Space")
	ratio := ms.AppendEmpty()
	ratio.SetName("jvm.cpu.recent_utilization")
	ratio.SetUnit("1")
	ratio.SetEmptyGauge()

	assert.Equal(t, map[string]float64{
		"redis.up": 1,
		"jvm.memory.used{jvm.memory.pool.name=G1 Eden Space,jvm.memory.type=heap}": 12.5,
	}, Points[float64](md))
	assert.Equal(t, map[string]int64{
		"redis.up": 1,
		"jvm.memory.used{jvm.memory.pool.name=G1 Eden Space,jvm.memory.type=heap}": 12,
	}, Points[int64](md))
	assert.Equal(t, []string{"jvm.memory.used", "redis.up"}, MetricNames(Points[float64](md)))

	for metric, want := range map[pmetric.Metric]string{
		up: "redis_up", hits: "redis_keyspace_hits_total", used: "jvm_memory_used_bytes", ratio: "jvm_cpu_recent_utilization_ratio",
	} {
		got, err := PrometheusName(metric)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}
