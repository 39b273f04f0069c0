// Package metrictest holds what the receivers' tests share: a flat view of
// data points for exact-value tables, the Prometheus name the exporter
// renders for a metric, and config, logging, sink and benchmark helpers.
package metrictest

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/otlptranslator"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Points flattens the gauge and sum data points of md into
// "name{attr=value,...}" -> value (attributes sorted; no braces without
// attributes), the form test tables are written in. Stale markers (points
// flagged NoRecordedValue, see Stale) are not values and are left out.
func Points[T int64 | float64](md pmetric.Metrics) map[string]T {
	out := map[string]T{}
	eachNumberPoint(md, func(m pmetric.Metric, dp pmetric.NumberDataPoint) {
		if dp.Flags().NoRecordedValue() {
			return
		}
		v := T(dp.DoubleValue())
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = T(dp.IntValue())
		}
		out[m.Name()+AttrString(dp.Attributes())] = v
	})
	return out
}

// Stale lists the gauge and sum series md marks stale (NoRecordedValue), as
// "name{attr=value,...}", sorted.
func Stale(md pmetric.Metrics) []string {
	var out []string
	eachNumberPoint(md, func(m pmetric.Metric, dp pmetric.NumberDataPoint) {
		if dp.Flags().NoRecordedValue() {
			out = append(out, m.Name()+AttrString(dp.Attributes()))
		}
	})
	sort.Strings(out)
	return out
}

func eachNumberPoint(md pmetric.Metrics, f func(pmetric.Metric, pmetric.NumberDataPoint)) {
	eachMetric(md, func(m pmetric.Metric) {
		for _, dp := range numberDataPoints(m).All() {
			f(m, dp)
		}
	})
}

func eachMetric(md pmetric.Metrics, f func(pmetric.Metric)) {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				f(m)
			}
		}
	}
}

func numberDataPoints(m pmetric.Metric) pmetric.NumberDataPointSlice {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints()
	}
	return pmetric.NewNumberDataPointSlice()
}

// MetricNames lists the metrics of a Points map, each once, sorted.
func MetricNames[T any](points map[string]T) []string {
	var out []string
	for series := range points {
		name, _, _ := strings.Cut(series, "{")
		out = append(out, name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AttrString renders attributes as "{k=v,...}", sorted by key, or "" when empty.
func AttrString(attrs pcommon.Map) string {
	if attrs.Len() == 0 {
		return ""
	}
	kv := make([]string, 0, attrs.Len())
	for k, v := range attrs.All() {
		kv = append(kv, k+"="+v.AsString())
	}
	sort.Strings(kv)
	return "{" + strings.Join(kv, ",") + "}"
}

// PrometheusName is the name the collector's Prometheus exporter gives m by
// default: OpenTelemetry name translated, with unit and `_total` suffixes.
func PrometheusName(m pmetric.Metric) (string, error) {
	tm := otlptranslator.Metric{Name: m.Name(), Unit: m.Unit(), Type: otlptranslator.MetricTypeUnknown}
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		tm.Type = otlptranslator.MetricTypeGauge
	case pmetric.MetricTypeSum:
		tm.Type = otlptranslator.MetricTypeNonMonotonicCounter
		if m.Sum().IsMonotonic() {
			tm.Type = otlptranslator.MetricTypeMonotonicCounter
		}
	}
	return (&otlptranslator.MetricNamer{WithMetricSuffixes: true}).Build(tm)
}

// ObservedSettings are a receiver's nop settings whose logger keeps every
// entry at level and above in logs.
func ObservedSettings(typ component.Type, level zapcore.Level) (receiver.Settings, *observer.ObservedLogs) {
	core, logs := observer.New(level)
	set := receivertest.NewNopSettings(typ)
	set.Logger = zap.New(core)
	return set, logs
}

// BenchPerPoint benchmarks scrape (one scrape's work, returning what it
// emits) and reports its data points and the time and allocations per data
// point besides per scrape.
func BenchPerPoint(b *testing.B, scrape func() pmetric.Metrics) {
	BenchPoints(b, scrape().DataPointCount(), func() { scrape() })
}

// BenchPoints is BenchPerPoint for work that makes points data points per
// run without returning them as pmetric.Metrics.
func BenchPoints(b *testing.B, points int, run func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N) * float64(points)
	b.ReportMetric(float64(points), "points/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/point")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/point")
}

// RefusingSink is a consumer.Metrics that keeps what it accepts and, while
// refusing, refuses everything (keeping it apart) as the memory_limiter does
// while memory is high.
type RefusingSink struct {
	mu                sync.Mutex // a batch is accepted or refused whole, never across a switch
	refusing          bool
	accepted, refused consumertest.MetricsSink
}

// ConsumeMetrics accepts or refuses md.
func (s *RefusingSink) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusing {
		_ = s.refused.ConsumeMetrics(ctx, md)
		return errors.New("data refused due to high memory usage")
	}
	return s.accepted.ConsumeMetrics(ctx, md)
}

// Capabilities: the sink does not change what it gets.
func (s *RefusingSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// AfterRefusedStale waits for a first accepted batch, then refuses everything,
// runs kill (the target dies), waits until a refused batch carried stale
// points, accepts again and returns the next batch it accepts.
func (s *RefusingSink) AfterRefusedStale(t testing.TB, kill func()) pmetric.Metrics {
	t.Helper()
	const wait, tick = 10 * time.Second, 10 * time.Millisecond
	require.Eventually(t, func() bool { return len(s.accepted.AllMetrics()) > 0 }, wait, tick)
	s.setRefusing(true)
	kill()
	require.Eventually(t, func() bool {
		return slices.ContainsFunc(s.refused.AllMetrics(), func(md pmetric.Metrics) bool { return len(Stale(md)) > 0 })
	}, wait, tick, "a refused batch carried the stale points")
	before := len(s.accepted.AllMetrics())
	s.setRefusing(false)
	require.Eventually(t, func() bool { return len(s.accepted.AllMetrics()) > before }, wait, tick)
	return s.accepted.AllMetrics()[before]
}

func (s *RefusingSink) setRefusing(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing = on
}
