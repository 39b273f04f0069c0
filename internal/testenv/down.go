package testenv

import (
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ScrapeOwn tells the series a scrape reports about itself, which a failed
// scrape keeps beside up 0: the Jolokia receiver's duration, the prometheus
// receiver's scrape_* series.
func ScrapeOwn(name string) bool {
	return name == "jolokia_scrape_duration_seconds" || strings.HasPrefix(name, "scrape_")
}

// OnlyDown reports whether target's only series are up and the scrape's own.
func OnlyDown(families Families, up string, target map[string]string) bool {
	for name, family := range families {
		if name != up && name != "target_info" && !ScrapeOwn(name) &&
			slices.ContainsFunc(family.GetMetric(), func(m *dto.Metric) bool { return HasLabels(m, target) }) {
			return false
		}
	}
	return true
}

// WaitOnlyDown polls /metrics until the only series of target are up (at 0)
// and the scrape's own, and returns how long that took. up at 0 beside other
// series of the target must not last: the receiver marks them stale in the
// same batch. (One /metrics answer rendered while the exporter applies that
// batch may mix both: its map is not read as a snapshot. Two in a row fail.)
func (c *Collector) WaitOnlyDown(t testing.TB, up string, target map[string]string, timeout time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	mixed := 0
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		families, err := c.Scrape()
		require.NoError(ct, err)
		if upValue, hasUp := TargetValue(families, up, target); !hasUp || upValue != 0 {
			mixed = 0
			assert.Fail(ct, "not down yet", "%s%v is not 0", up, target)
			return
		}
		if OnlyDown(families, up, target) {
			return
		}
		mixed++
		// A second mixed answer in a row ends the wait; the require below fails it.
		assert.GreaterOrEqual(ct, mixed, 2, "%s is 0 while other series of %v remain: %v", up, target, SeriesOf(families, target))
	}, timeout, 20*time.Millisecond, "%v: only %s 0 and the scrape's own series", target, up)
	require.Less(t, mixed, 2, "%s is 0 while other series of %v remain in two answers in a row", up, target)
	return time.Since(began)
}
