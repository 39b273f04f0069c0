package staleness

import (
	"context"
	"slices"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

// TestPrometheusExporterDropsStaleSeries runs the Tracker's output through the
// collector's real Prometheus exporter: a dead target keeps only its up and
// scrape duration on /metrics, for every metric type, and another target's
// series stay.
func TestPrometheusExporterDropsStaleSeries(t *testing.T) {
	exp, metricsURL := startExporter(t)
	other := metrictest.Target{Service: "redis", Instance: "127.0.0.1:6380", Version: "7.0.15"}
	dying := New()
	full := redis.Scrape("redis.up", "redis.scrape.duration", "redis.memory.used{db=db0}")
	addEveryMetricType(full)
	dying.Mark(full, 1)
	require.NoError(t, exp.ConsumeMetrics(context.Background(), full))
	require.NoError(t, exp.ConsumeMetrics(context.Background(), other.Scrape("redis.up", "redis.memory.used{db=db0}")))
	before := seriesOf(t, metricsURL, redis.Instance)
	// The text format has no exponential histograms; target_info is the resource.
	require.Equal(t, []string{"app_latency", "app_pending", "app_requests_total", "app_wait", "redis_memory_used",
		"redis_scrape_duration", "redis_up", "target_info"}, before)

	down := unreachable.Scrape("redis.up", "redis.scrape.duration")
	dying.Mark(down, 2)
	require.NoError(t, exp.ConsumeMetrics(context.Background(), down))

	assert.Equal(t, []string{"redis_scrape_duration", "redis_up", "target_info"}, seriesOf(t, metricsURL, redis.Instance))
	assert.Equal(t, []string{"redis_memory_used", "redis_up", "target_info"}, seriesOf(t, metricsURL, other.Instance))
}

func startExporter(t *testing.T) (exporter.Metrics, string) {
	addr := testenv.Addr(testenv.FreePort(t))
	f := prometheusexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*prometheusexporter.Config)
	cfg.ServerConfig.NetAddr.Endpoint = addr
	exp, err := f.CreateMetrics(context.Background(), exportertest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return exp, "http://" + addr + "/metrics"
}

// addEveryMetricType adds to md's first scope a cumulative counter, a
// cumulative up-down sum, a histogram, an exponential histogram and a summary.
func addEveryMetricType(md pmetric.Metrics) {
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	counter := ms.AppendEmpty()
	counter.SetName("app.requests")
	counter.SetEmptySum().SetIsMonotonic(true)
	counter.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	counter.Sum().DataPoints().AppendEmpty().SetIntValue(3)
	updown := ms.AppendEmpty()
	updown.SetName("app.pending")
	updown.SetEmptySum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	updown.Sum().DataPoints().AppendEmpty().SetIntValue(2)
	histogram := ms.AppendEmpty()
	histogram.SetName("app.latency")
	hp := histogram.SetEmptyHistogram().DataPoints().AppendEmpty()
	histogram.Histogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	hp.SetCount(1)
	hp.ExplicitBounds().FromRaw([]float64{1})
	hp.BucketCounts().FromRaw([]uint64{1, 0})
	exponential := ms.AppendEmpty()
	exponential.SetName("app.size")
	ep := exponential.SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	exponential.ExponentialHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	ep.SetCount(1)
	ep.Positive().BucketCounts().FromRaw([]uint64{1})
	summary := ms.AppendEmpty()
	summary.SetName("app.wait")
	summary.SetEmptySummary().DataPoints().AppendEmpty().SetCount(1)
}

// seriesOf lists the metric families on /metrics that have a series of instance.
func seriesOf(t *testing.T, metricsURL, instance string) []string {
	families, err := testenv.ScrapePage(metricsURL)
	require.NoError(t, err)
	var out []string
	for name := range families {
		if _, ok := testenv.TargetValue(families, name, map[string]string{"instance": instance}); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
