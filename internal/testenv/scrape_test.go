package testenv

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFamilySeries(t *testing.T) {
	tests := []struct {
		name, page string
		want       int
	}{
		{"gauge samples", "# TYPE a gauge\na 1\na{b=\"c\"} 2\n", 2},
		{"histogram: buckets, +Inf, sum, count", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n", 4},
		{"summary: quantiles, sum, count", "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 3\ns_count 2\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			families, err := ParsePage(tt.page)
			require.NoError(t, err)
			require.Len(t, families, 1)
			for _, family := range families {
				require.Equal(t, tt.want, FamilySeries(family))
			}
		})
	}
}
