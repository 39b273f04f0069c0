// Package serieslimit bounds the series one scrape of one target may
// produce, like Prometheus' sample_limit: a schema with thousands of tables,
// a Jolokia pattern matching a new MBean name per scrape or a Redis keyspace
// with thousands of databases would otherwise fill the collector's memory,
// push the memory_limiter into refusing every receiver's data, and freeze
// the other targets' values.
//
// Over the limit the receivers drop the whole scrape and report the target
// down with the error of Check, which names the metrics that exploded; their
// staleness Tracker then marks the target's series stale.
package serieslimit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Default is the default `max_series` of every receiver: far above a
// platform target (a JVM with the jvm preset, a Redis or a MySQL with the
// default metrics produce tens to a few hundred series) and far below what
// fills the shipped memory_limiter.
const Default = 5000

// namedInError is how many of the largest metrics the error names.
const namedInError = 3

// Check counts the data points of md, one per series, and returns an error
// naming the largest metrics when they exceed limit. A limit of 0 or less turns
// the limit off.
func Check(md pmetric.Metrics, limit int) error {
	if limit <= 0 {
		return nil
	}
	total := md.DataPointCount()
	if total <= limit {
		return nil
	}
	counts := map[string]int{}
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				counts[m.Name()] += dataPoints(m)
			}
		}
	}
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	var largest []string
	for _, name := range names[:min(namedInError, len(names))] {
		largest = append(largest, fmt.Sprintf("%s (%d)", name, counts[name]))
	}
	return fmt.Errorf("the scrape produced %d series, over `max_series` (%d), most from %s: "+
		"turn off those metrics (or narrow what they match), or raise `max_series`; the scrape is dropped",
		total, limit, strings.Join(largest, ", "))
}

func dataPoints(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

// Validate checks a receiver's `max_series`.
func Validate(limit int) error {
	if limit < 0 {
		return fmt.Errorf("`max_series` must be positive, or 0 to turn the limit off (default %d), got %d", Default, limit)
	}
	return nil
}
