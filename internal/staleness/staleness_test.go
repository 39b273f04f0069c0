package staleness

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
)

var (
	redis   = metrictest.Target{Service: "redis", Instance: "127.0.0.1:6379", Version: "7.0.15"}
	upgrade = metrictest.Target{Service: "redis", Instance: "127.0.0.1:6379", Version: "7.2.4"}
	// unreachable is redis when its scrape fails: no version is known.
	unreachable = metrictest.Target{Service: "redis", Instance: "127.0.0.1:6379"}
)

// staleSeries is metrictest.Stale of md; it checks that md's stale points
// all come before its other points.
func staleSeries(t *testing.T, md pmetric.Metrics) []string {
	live := false
	forEachPoint(md, func(m pmetric.Metric, _ pcommon.Map, flags pmetric.DataPointFlags) {
		assert.False(t, live && flags.NoRecordedValue(), "stale point %s after a live one", m.Name())
		live = live || !flags.NoRecordedValue()
	})
	return metrictest.Stale(md)
}

func forEachPoint(md pmetric.Metrics, f func(pmetric.Metric, pcommon.Map, pmetric.DataPointFlags)) {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				visit := func(attrs pcommon.Map, flags pmetric.DataPointFlags) { f(m, attrs, flags) }
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					eachPoint[pmetric.NumberDataPoint](m.Gauge().DataPoints(), visit)
				case pmetric.MetricTypeSum:
					eachPoint[pmetric.NumberDataPoint](m.Sum().DataPoints(), visit)
				case pmetric.MetricTypeHistogram:
					eachPoint[pmetric.HistogramDataPoint](m.Histogram().DataPoints(), visit)
				case pmetric.MetricTypeExponentialHistogram:
					eachPoint[pmetric.ExponentialHistogramDataPoint](m.ExponentialHistogram().DataPoints(), visit)
				case pmetric.MetricTypeSummary:
					eachPoint[pmetric.SummaryDataPoint](m.Summary().DataPoints(), visit)
				}
			}
		}
	}
}

func eachPoint[P dataPoint, S dataPoints[P]](points S, visit func(pcommon.Map, pmetric.DataPointFlags)) {
	for i := range points.Len() {
		visit(points.At(i).Attributes(), points.At(i).Flags())
	}
}

func TestMark(t *testing.T) {
	redisUp := []string{"redis.up", "redis.scrape.duration", "redis.memory.used", "redis.clients.connected",
		"redis.db.keys{db=db0}", "redis.db.keys{db=db1}", "redis.replica.link.up"}
	redisDown := []string{"redis.up", "redis.scrape.duration"}
	jvm := []string{"jolokia.up", "jvm.memory.pool.used{pool=G1 Eden Space}", "jvm.memory.pool.used{pool=G1 Old Gen}",
		"app.pool.active{name=orders}", "app.pool.active{name=payments}"}
	mysqlReplica := []string{"mysql.up", "mysql.replica.sql_running{channel=}", "mysql.replica.time_behind_source{channel=}"}
	cases := []struct {
		name              string
		previous, current pmetric.Metrics // previous: none when zero
		want              []string
	}{
		{"first scrape: nothing was seen before", pmetric.Metrics{}, redis.Scrape(redisUp...), nil},
		{"target down: everything but up and the scrape duration goes stale", redis.Scrape(redisUp...), unreachable.Scrape(redisDown...),
			[]string{"redis.clients.connected", "redis.db.keys{db=db0}", "redis.db.keys{db=db1}", "redis.memory.used", "redis.replica.link.up"}},
		{"target back: its series come back, nothing is stale", unreachable.Scrape(redisDown...), redis.Scrape(redisUp...), nil},
		{"MBean unregistered: only its series go", redis.Scrape(jvm...),
			redis.Scrape("jolokia.up", "jvm.memory.pool.used{pool=G1 Old Gen}", "app.pool.active{name=orders}", "app.pool.active{name=payments}"),
			[]string{"jvm.memory.pool.used{pool=G1 Eden Space}"}},
		{"wildcard match gone: only that match goes", redis.Scrape(jvm...),
			redis.Scrape("jolokia.up", "jvm.memory.pool.used{pool=G1 Eden Space}", "jvm.memory.pool.used{pool=G1 Old Gen}", "app.pool.active{name=orders}"),
			[]string{"app.pool.active{name=payments}"}},
		{"Redis db lost its last key", redis.Scrape(redisUp...),
			redis.Scrape("redis.up", "redis.scrape.duration", "redis.memory.used", "redis.clients.connected", "redis.db.keys{db=db0}", "redis.replica.link.up"),
			[]string{"redis.db.keys{db=db1}"}},
		{"replica no longer a replica", redis.Scrape(redisUp...), redis.Scrape(redisUp[:6]...), []string{"redis.replica.link.up"}},
		{"NULL lag: the lag goes, sql_running stays", redis.Scrape(mysqlReplica...), redis.Scrape(mysqlReplica[:2]...),
			[]string{"mysql.replica.time_behind_source{channel=}"}},
		{"an attribute's value changed: the old series goes", redis.Scrape("redis.role{role=replica}"), redis.Scrape("redis.role{role=master}"),
			[]string{"redis.role{role=replica}"}},
		{"server version changed: the same series, nothing stale", redis.Scrape(redisUp...), upgrade.Scrape(redisUp...), nil},
		{"another instance is another series", redis.Scrape("redis.up"), metrictest.Target{Service: "redis", Instance: "127.0.0.1:6380"}.Scrape("redis.up"),
			[]string{"redis.up"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tracker := New()
			if c.previous != (pmetric.Metrics{}) {
				tracker.Mark(c.previous, 1)
			}
			live := c.current.DataPointCount()
			tracker.Mark(c.current, 2)
			assert.Equal(t, c.want, staleSeries(t, c.current))
			assert.Equal(t, live+len(c.want), c.current.DataPointCount(), "the scrape's own points stay")

			tracker.Mark(c.current, 3)
			assert.Equal(t, c.want, staleSeries(t, c.current), "a series is marked stale once")
		})
	}
}

// A stale point in metrics the pipeline refused (the memory_limiter) never
// reached the exporter: the next scrape sends it again, then never more.
func TestRefusedStalePointIsSentAgain(t *testing.T) {
	tracker := New()
	tracker.Mark(redis.Scrape("redis.up", "redis.memory.used", "redis.db.keys{db=db0}"), 1)
	refused := redis.Scrape("redis.up", "redis.db.keys{db=db0}")
	tracker.Mark(refused, 2)
	require.Equal(t, []string{"redis.memory.used"}, staleSeries(t, refused))
	tracker.Refused()

	steps := []struct {
		name   string
		series []string
		want   []string
	}{
		{"after the refusal: sent again", []string{"redis.up"}, []string{"redis.db.keys{db=db0}", "redis.memory.used"}},
		{"delivered: not again", []string{"redis.up"}, nil},
		{"back", []string{"redis.up", "redis.memory.used"}, nil},
	}
	for i, step := range steps {
		md := redis.Scrape(step.series...)
		tracker.Mark(md, pcommon.Timestamp(3+i))
		assert.Equal(t, step.want, staleSeries(t, md), step.name)
	}
}

// TestStalePointKeepsWhatTheExporterChecks: the metric type, a sum's
// temporality and monotonicity (the exporter drops an unspecified or delta
// non-monotonic sum before it reads the flag), the scope and the last
// resource attributes.
func TestStalePointKeepsWhatTheExporterChecks(t *testing.T) {
	md := redis.Scrape()
	sm := md.ResourceMetrics().At(0).ScopeMetrics().At(0)
	sm.Scope().SetVersion("1.2")
	sm.Scope().Attributes().PutStr("scope.attr", "x")
	sm.SetSchemaUrl("https://opentelemetry.io/schemas/1.9.0")
	gauge := sm.Metrics().AppendEmpty()
	gauge.SetName("g")
	gauge.SetUnit("s") // the remote-write exporter names it g_seconds
	gauge.SetEmptyGauge().DataPoints().AppendEmpty().Attributes().PutInt("n", 7)
	addEveryMetricType(md)
	for _, m := range sm.Metrics().All() {
		if m.Type() == pmetric.MetricTypeExponentialHistogram {
			m.ExponentialHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
		}
	}

	tracker := New()
	tracker.Mark(md, 1)
	down := unreachable.Scrape()
	tracker.Mark(down, 2)

	require.Equal(t, 1, down.ResourceMetrics().Len()-1, "one stale ResourceMetrics before the scrape's own")
	rm := down.ResourceMetrics().At(0)
	assert.Equal(t, map[string]any{"service.name": "redis", "service.instance.id": "127.0.0.1:6379", "server.version": "7.0.15"}, rm.Resource().Attributes().AsRaw())
	staleScope := rm.ScopeMetrics().At(0)
	assert.Equal(t, "test", staleScope.Scope().Name())
	assert.Equal(t, "1.2", staleScope.Scope().Version())
	assert.Equal(t, map[string]any{"scope.attr": "x"}, staleScope.Scope().Attributes().AsRaw())
	assert.Equal(t, "https://opentelemetry.io/schemas/1.9.0", staleScope.SchemaUrl())

	type shape struct {
		typ         pmetric.MetricType
		unit        string
		temporality pmetric.AggregationTemporality
		monotonic   bool
		attrs       string
		timestamp   pcommon.Timestamp
	}
	got := map[string]shape{}
	forEachPoint(down, func(m pmetric.Metric, attrs pcommon.Map, flags pmetric.DataPointFlags) {
		if !flags.NoRecordedValue() {
			return
		}
		s := shape{typ: m.Type(), unit: m.Unit(), attrs: metrictest.AttrString(attrs)}
		switch m.Type() {
		case pmetric.MetricTypeSum:
			s.temporality, s.monotonic = m.Sum().AggregationTemporality(), m.Sum().IsMonotonic()
			s.timestamp = m.Sum().DataPoints().At(0).Timestamp()
		case pmetric.MetricTypeHistogram:
			s.temporality = m.Histogram().AggregationTemporality()
		case pmetric.MetricTypeExponentialHistogram:
			s.temporality = m.ExponentialHistogram().AggregationTemporality()
		}
		got[m.Name()] = s
	})
	assert.Equal(t, map[string]shape{
		"g":            {typ: pmetric.MetricTypeGauge, unit: "s", attrs: "{n=7}"},
		"app.requests": {typ: pmetric.MetricTypeSum, temporality: pmetric.AggregationTemporalityCumulative, monotonic: true, timestamp: 2},
		"app.pending":  {typ: pmetric.MetricTypeSum, temporality: pmetric.AggregationTemporalityCumulative, timestamp: 2},
		"app.latency":  {typ: pmetric.MetricTypeHistogram, temporality: pmetric.AggregationTemporalityCumulative},
		"app.size":     {typ: pmetric.MetricTypeExponentialHistogram, temporality: pmetric.AggregationTemporalityDelta},
		"app.wait":     {typ: pmetric.MetricTypeSummary},
	}, got)
}

// BenchmarkMarkSteadyState is the cost per scrape of a target whose series do
// not change, the common case; ns/series and allocs/series are per data point.
func BenchmarkMarkSteadyState(b *testing.B) {
	const pools = 500
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "jvm")
	rm.Resource().Attributes().PutStr("service.instance.id", "127.0.0.1:8778")
	rm.Resource().Attributes().PutStr("host.name", "app-1")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	for i := range 10 {
		m := ms.AppendEmpty()
		m.SetName("metric." + strings.Repeat("x", i))
		dps := m.SetEmptyGauge().DataPoints()
		for p := range pools / 10 {
			dp := dps.AppendEmpty()
			dp.Attributes().PutStr("pool", strings.Repeat("p", p+1))
			dp.Attributes().PutStr("type", "heap")
			dp.Attributes().PutInt("index", int64(p))
		}
	}
	series := md.DataPointCount()
	require.Equal(b, pools, series)
	tracker := New()
	tracker.Mark(md, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		tracker.Mark(md, pcommon.Timestamp(i+2))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*series), "ns/series")
}

func TestNotifyRefused(t *testing.T) {
	for _, c := range []struct {
		name    string
		next    consumer.Metrics
		refused int
	}{
		{"accepted", consumertest.NewNop(), 0},
		{"refused", consumertest.NewErr(errors.New("data refused due to high memory usage")), 1},
	} {
		calls := 0
		next, err := NotifyRefused(c.next, func() { calls++ })
		require.NoError(t, err)
		err = next.ConsumeMetrics(context.Background(), redis.Scrape("redis.up"))
		assert.Equal(t, c.refused == 1, err != nil, c.name)
		assert.Equal(t, c.refused, calls, c.name)
	}
}

// jvmLikeScrape is one target's scrape shaped like the jvm preset's: 50
// series in 25 metrics, most with pool, gc or buffer attributes.
func jvmLikeScrape(instance string) pmetric.Metrics {
	var series []string
	pools := []string{"G1 Eden Space", "G1 Old Gen", "G1 Survivor Space", "Metaspace", "CodeHeap 'non-nmethods'", "CodeHeap 'profiled nmethods'", "CodeHeap 'non-profiled nmethods'", "Compressed Class Space"}
	for _, m := range []string{"jvm.memory.used", "jvm.memory.committed", "jvm.memory.limit"} {
		for _, p := range pools {
			series = append(series, m+"{jvm.memory.pool.name="+p+",jvm.memory.type=heap}")
		}
	}
	for _, m := range []string{"jvm.gc.collections.count", "jvm.gc.collections.elapsed"} {
		series = append(series, m+"{jvm.gc.name=G1 Young Generation}", m+"{jvm.gc.name=G1 Old Generation}")
	}
	for _, m := range []string{"jvm.buffer.count", "jvm.buffer.memory.used", "jvm.buffer.memory.limit"} {
		series = append(series, m+"{jvm.buffer.pool.name=direct}", m+"{jvm.buffer.pool.name=mapped}")
	}
	for _, m := range []string{"jvm.thread.count", "jvm.class.loaded", "jvm.class.unloaded", "jvm.class.count", "jvm.cpu.time",
		"jvm.cpu.count", "jvm.cpu.recent_utilization", "jolokia.up", "jolokia.scrape.duration", "jvm.file_descriptor.count",
		"jvm.file_descriptor.limit", "jvm.system.cpu.utilization", "jvm.system.cpu.load_1m", "process.uptime", "jvm.memory.used_after_last_gc", "jvm.uptime"} {
		series = append(series, m)
	}
	return metrictest.Target{Service: "rate-limiter", Instance: instance}.Scrape(series...)
}

// BenchmarkTrackerMemory is the memory a Tracker keeps per series of a
// jvm-preset-like target (heap after GC, 1,000 targets per op).
func BenchmarkTrackerMemory(b *testing.B) {
	const targets = 1000
	scrapes := make([]pmetric.Metrics, targets)
	for i := range scrapes {
		scrapes[i] = jvmLikeScrape("10.0.0." + strconv.Itoa(i) + ":8778")
	}
	series := scrapes[0].DataPointCount()
	var perSeries float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		trackers := make([]Tracker, targets)
		for i := range trackers {
			trackers[i].Mark(scrapes[i], 1)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSeries = float64(after.HeapAlloc-before.HeapAlloc) / float64(targets*series)
		runtime.KeepAlive(trackers)
	}
	b.ReportMetric(perSeries, "B/series")
	b.ReportMetric(float64(series), "series/target")
}
