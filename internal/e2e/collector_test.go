//go:build integration

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// binary is the collector under test: $OTELCOL_BIN (set by `make test`) or ./otelcol.
func binary(t *testing.T) string { return testenv.CollectorBin(t, "otelcol") }

// fullBinary is the full build: $OTELCOL_FULL_BIN (set by `make test`) or ./otelcol-full.
func fullBinary(t *testing.T) string { return testenv.CollectorBin(t, "otelcol-full") }

// startCollector runs the binary with configPath plus --set overrides (or
// "file:" config layers), its own endpoints on free ports.
func startCollector(t *testing.T, configPath string, sets ...string) *testenv.Collector {
	t.Helper()
	return testenv.StartCollector(t, testenv.CollectorOptions{Binary: binary(t), Config: configPath, Sets: sets})
}

func equals(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

// httpGet is a GET's status and body (the error's text as body when it failed).
func httpGet(url string) (int, string) {
	status, body, err := testenv.HTTPGet(url)
	if err != nil {
		return 0, err.Error()
	}
	return status, body
}

// scrapeOwn tells the series a scrape reports about itself, which a failed
// scrape keeps beside up 0: the Jolokia receiver's duration, the prometheus
// receiver's scrape_* series.
func scrapeOwn(name string) bool {
	return name == "jolokia_scrape_duration_seconds" || strings.HasPrefix(name, "scrape_")
}

// onlyDown reports whether target's only series are up and the scrape's own.
func onlyDown(families testenv.Families, up string, target map[string]string) bool {
	for name, family := range families {
		if name != up && name != "target_info" && !scrapeOwn(name) &&
			slices.ContainsFunc(family.GetMetric(), func(m *dto.Metric) bool { return testenv.HasLabels(m, target) }) {
			return false
		}
	}
	return true
}

// waitOnlyDown polls /metrics until the only series of target are up (at 0)
// and the scrape's own, and returns how long that took. up at 0 beside other
// series of the target must not last: the receiver marks them stale in the
// same batch. (One /metrics answer rendered while the exporter applies that
// batch may mix both: its map is not read as a snapshot. Two in a row fail.)
func waitOnlyDown(t *testing.T, c *testenv.Collector, up string, target map[string]string, timeout time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	mixed := 0
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		families, err := c.Scrape()
		require.NoError(ct, err)
		if upValue, hasUp := testenv.TargetValue(families, up, target); !hasUp || upValue != 0 {
			mixed = 0
			assert.Fail(ct, "not down yet", "%s%v is not 0", up, target)
			return
		}
		if onlyDown(families, up, target) {
			return
		}
		mixed++
		// A second mixed answer in a row ends the wait; the require below fails it.
		assert.GreaterOrEqual(ct, mixed, 2, "%s is 0 while other series of %v remain: %v", up, target, testenv.SeriesOf(families, target))
	}, timeout, 20*time.Millisecond, "%v: only %s 0 and the scrape's own series", target, up)
	require.Less(t, mixed, 2, "%s is 0 while other series of %v remain in two answers in a row", up, target)
	return time.Since(began)
}
