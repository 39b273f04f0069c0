package metrictest

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// RenderedNames maps every metric in md to the Prometheus name the
// collector's exporter gives it by default.
func RenderedNames(t testing.TB, md pmetric.Metrics) map[string]string {
	t.Helper()
	out := map[string]string{}
	eachMetric(md, func(m pmetric.Metric) {
		name, err := PrometheusName(m)
		require.NoError(t, err)
		out[m.Name()] = name
	})
	return out
}

// CheckMetricTable holds the metric table of the package's README.md to
// rendered (RenderedNames of every metric the receiver has): each row
// "| `<prefix>.name` | ... | `prometheus_name{...}` |" names a metric and the
// name Prometheus shows for it, and every metric has a row.
func CheckMetricTable(t testing.TB, prefix string, rendered map[string]string) {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `(" + regexp.QuoteMeta(prefix) + "\\.[a-z_.]+)` \\|.*\\| `([a-z_]+)(?:\\{[^`]*\\})?` \\|$")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = m[2]
	}
	assert.Equal(t, rendered, documented)
}
