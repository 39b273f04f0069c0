package jolokiareceiver

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

// points are data points flattened for assertions: "name{k=v,...}" -> value
// (int64 or float64).
type points map[string]any

// prefixed is the points of ps whose key starts with prefix (with) or does not (!with).
func prefixed(ps points, prefix string, with bool) points {
	out := maps.Clone(ps)
	maps.DeleteFunc(out, func(key string, _ any) bool { return strings.HasPrefix(key, prefix) != with })
	return out
}

// flattenMetrics returns the points of every resource, keyed by
// service.instance.id then point key; stale markers are left out.
func flattenMetrics(md pmetric.Metrics) map[string]points { return flattenPoints(md, false) }

// flattenPoints is flattenMetrics of the stale markers only (stale) or of the
// values only.
func flattenPoints(md pmetric.Metrics, stale bool) map[string]points {
	out := map[string]points{}
	for _, rm := range md.ResourceMetrics().All() {
		instance := ""
		if v, ok := rm.Resource().Attributes().Get("service.instance.id"); ok {
			instance = v.AsString()
		}
		ps := out[instance]
		if ps == nil {
			ps = points{}
			out[instance] = ps
		}
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				default:
					panic(fmt.Sprintf("unexpected metric type %v", m.Type()))
				}
				for _, dp := range dps.All() {
					if dp.Flags().NoRecordedValue() != stale {
						continue
					}
					key := m.Name() + cmp.Or(metrictest.AttrString(dp.Attributes()), "{}")
					if _, dup := ps[key]; dup {
						panic("duplicate data point " + key)
					}
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						ps[key] = dp.IntValue()
					} else {
						ps[key] = dp.DoubleValue()
					}
				}
			}
		}
	}
	return out
}

// onlyResource returns the points of a single-resource result.
func onlyResource(t *testing.T, md pmetric.Metrics) points {
	t.Helper()
	all := flattenMetrics(md)
	require.Len(t, all, 1)
	return all[sortedKeys(all)[0]]
}

// metricShapes returns "type unit" of every metric by name.
func metricShapes(md pmetric.Metrics) map[string]string {
	out := map[string]string{}
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				typ := "gauge"
				if m.Type() == pmetric.MetricTypeSum {
					typ = "updowncounter"
					if m.Sum().IsMonotonic() {
						typ = "sum"
					}
				}
				out[m.Name()] = typ + " " + m.Unit()
			}
		}
	}
	return out
}

// configFor is the default configuration (the jvm preset) reading endpoint.
func configFor(endpoint string) *Config {
	cfg := createDefaultConfig()
	cfg.Endpoint = endpoint
	return cfg
}

func newTestScraper(t testing.TB, cfg *Config, logger *zap.Logger) *jolokiaScraper {
	t.Helper()
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.MustNewIDWithName("jolokia", "test")
	if logger != nil {
		set.Logger = logger
	}
	s, err := newScraper(cfg, set)
	require.NoError(t, err)
	require.NoError(t, s.start(context.Background(), nil))
	t.Cleanup(func() { assert.NoError(t, s.shutdown(context.Background())) })
	return s
}

// startReceiver starts the receiver as the collector does (factory, Start),
// its logs observed from info level. The caller shuts it down.
func startReceiver(t *testing.T, cfg *Config, next consumer.Metrics) (receiver.Metrics, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	r, err := NewFactory().CreateMetrics(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	return r, logs
}

// scrapeOnce reads every target concurrently, as the receiver does, and
// returns all their metrics at once (the receiver delivers each target on its
// own). A scrape has no error: a failed target is reported through jolokia.up.
func scrapeOnce(s *jolokiaScraper) pmetric.Metrics {
	results := make([]pmetric.Metrics, len(s.targets))
	sem := make(chan struct{}, s.cfg.MaxConcurrency)
	var wg sync.WaitGroup
	for i, t := range s.targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = s.scrapeTarget(context.Background(), t)
		})
	}
	wg.Wait()
	out := pmetric.NewMetrics()
	for _, r := range results {
		r.ResourceMetrics().MoveAndAppendTo(out.ResourceMetrics())
	}
	return out
}
