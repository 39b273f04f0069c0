package testenv

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Families is a parsed Prometheus text page: metric families by name.
type Families = map[string]*dto.MetricFamily

// httpGet returns the status and body of a GET with a 5 s timeout.
func httpGet(url string) (int, string, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// HTTPGetText is a GET's status and body, or 0 and the error's text when it
// failed: for checks that read whatever came back.
func HTTPGetText(url string) (int, string) {
	status, body, err := httpGet(url)
	if err != nil {
		return 0, err.Error()
	}
	return status, body
}

// ScrapePage GETs a Prometheus text page (a collector's /metrics, an
// exporter's) and parses it with expfmt.
func ScrapePage(url string) (Families, error) {
	status, body, err := httpGet(url)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", url, status, Tail(body, 500))
	}
	return ParsePage(body)
}

// ParsePage parses Prometheus text with expfmt.
func ParsePage(text string) (Families, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("parse the Prometheus text: %w\n%s", err, Tail(text, 2000))
	}
	return families, nil
}

// Scrape reads the collector's /metrics once.
func (c *Collector) Scrape() (Families, error) { return ScrapePage(c.MetricsURL()) }

// Families reads the collector's /metrics once, failing the test on error.
func (c *Collector) Families(t testing.TB) Families {
	t.Helper()
	v, err := c.Scrape()
	require.NoError(t, err)
	return v
}

// WaitForSample polls /metrics until a sample of name whose labels include
// want has a value accept returns true for, and returns that value. The
// endpoint is briefly closed while a SIGHUP reload restarts the pipelines:
// a failed scrape is retried.
func (c *Collector) WaitForSample(t testing.TB, name string, want map[string]string, accept func(float64) bool, timeout time.Duration) float64 {
	t.Helper()
	var found float64
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		c.requireRunning(ct)
		families, err := c.Scrape()
		require.NoError(ct, err)
		var seen []string
		for _, m := range families[name].GetMetric() {
			v := SampleValue(m)
			if HasLabels(m, want) && accept(v) {
				found = v
				return
			}
			seen = append(seen, fmt.Sprintf("%v=%g", LabelMap(m), v))
		}
		assert.Fail(ct, "no accepted sample", "%s%v; seen: %v", name, want, seen)
	}, timeout, 250*time.Millisecond, "a sample of %s%v with an accepted value", name, want)
	return found
}

// WaitForSeries polls /metrics until target's series are want (a target
// back after a restart has its full set again).
func (c *Collector) WaitForSeries(t testing.TB, target map[string]string, want []string, timeout time.Duration) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		c.requireRunning(ct)
		families, err := c.Scrape()
		require.NoError(ct, err)
		assert.Equal(ct, want, SeriesOf(families, target))
	}, timeout, 250*time.Millisecond, "the full set of %v", target)
}

// requireRunning ends the wait with the log when the collector exited.
func (c *Collector) requireRunning(ct *assert.CollectT) {
	if !c.Running() {
		require.FailNow(ct, "collector exited", Tail(c.Log(), 4000))
	}
}

// SampleValue is a gauge's, counter's or untyped sample's value, or a
// histogram's or summary's count.
func SampleValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	case m.Summary != nil:
		return float64(m.GetSummary().GetSampleCount())
	}
	return 0
}

// LabelMap is a sample's labels by name.
func LabelMap(m *dto.Metric) map[string]string {
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	return labels
}

// HasLabels reports whether the sample's labels include want.
func HasLabels(m *dto.Metric, want map[string]string) bool {
	got := LabelMap(m)
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// SeriesOf lists the series of families whose labels include target (its
// job and instance) as "name{labels}", sorted. target_info, which describes
// the target's resource, is left out.
func SeriesOf(families Families, target map[string]string) []string {
	var out []string
	for name, family := range families {
		if name == "target_info" {
			continue
		}
		for _, m := range family.GetMetric() {
			if HasLabels(m, target) {
				out = append(out, fmt.Sprintf("%s%v", name, LabelMap(m)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TargetValue is the value of target's sample of name, if families has one.
func TargetValue(families Families, name string, target map[string]string) (float64, bool) {
	for _, m := range families[name].GetMetric() {
		if HasLabels(m, target) {
			return SampleValue(m), true
		}
	}
	return 0, false
}

// FamilySeries is how many series Prometheus stores for the family: one per
// sample, a histogram's buckets plus _sum and _count, a summary's quantiles
// plus _sum and _count.
func FamilySeries(family *dto.MetricFamily) int {
	n := 0
	for _, m := range family.GetMetric() {
		switch {
		case m.Histogram != nil:
			n += len(m.GetHistogram().GetBucket()) + 2
		case m.Summary != nil:
			n += len(m.GetSummary().GetQuantile()) + 2
		default:
			n++
		}
	}
	return n
}
