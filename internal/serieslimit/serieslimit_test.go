package serieslimit

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// scrape has, per metric name, that many gauge points.
func scrape(points map[string]int) pmetric.Metrics {
	var series []string
	for name, n := range points {
		series = append(series, slices.Repeat([]string{name}, n)...)
	}
	return metrictest.Target{}.Scrape(series...)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		points map[string]int
		max    int
		err    string
	}{
		{"under", map[string]int{"mysql.up": 1, "mysql.uptime": 1}, 2, ""},
		{"limit off", map[string]int{"mysql.table.io.wait.count": 64000}, 0, ""},
		{"over: the largest named first", map[string]int{
			"mysql.up": 1, "mysql.table.io.wait.count": 8000, "mysql.index.io.wait.count": 16000,
			"mysql.table.io.wait.time": 8000, "mysql.uptime": 1,
		}, Default, "the scrape produced 32002 series, over `max_series` (5000), most from " +
			"mysql.index.io.wait.count (16000), mysql.table.io.wait.count (8000), mysql.table.io.wait.time (8000): " +
			"turn off those metrics (or narrow what they match), or raise `max_series`; the scrape is dropped"},
		{"over by one", map[string]int{"redis.db.keys": 3}, 2, "the scrape produced 3 series, over `max_series` (2), most from redis.db.keys (3): " +
			"turn off those metrics (or narrow what they match), or raise `max_series`; the scrape is dropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(scrape(tt.points), tt.max)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.err)
		})
	}
}

func TestValidate(t *testing.T) {
	require.NoError(t, Validate(0))
	require.NoError(t, Validate(Default))
	assert.EqualError(t, Validate(-1), "`max_series` must be positive, or 0 to turn the limit off (default 5000), got -1")
}
