package moalogcontract

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err, "exposition must parse with Prometheus' text parser:\n%s", text)
	return mfs
}

// TestContractFamilies: every metric family of the contract is served with its type.
func TestContractFamilies(t *testing.T) {
	mfs := parse(t, Render(120))
	want := map[string]dto.MetricType{
		HTTPRequestsTotal:      dto.MetricType_COUNTER,
		HTTPRequestsDuration:   dto.MetricType_HISTOGRAM,
		HTTPRequestsPending:    dto.MetricType_GAUGE,
		DBConnectionCount:      dto.MetricType_GAUGE,
		DBConnectionMax:        dto.MetricType_GAUGE,
		DBConnectionPending:    dto.MetricType_GAUGE,
		DBConnectionWaitTime:   dto.MetricType_HISTOGRAM,
		GenAIOperationDuration: dto.MetricType_HISTOGRAM,
		GenAITokenUsage:        dto.MetricType_HISTOGRAM,
		GenAICost:              dto.MetricType_COUNTER,
	}
	for name, typ := range want {
		mf, ok := mfs[name]
		require.True(t, ok, "family %s missing", name)
		require.Equal(t, typ, mf.GetType(), name)
		require.NotEmpty(t, mf.GetMetric(), name)
	}
	require.Len(t, mfs, len(want), "no family outside the contract")
}

// TestPoolAddsUp: used + idle never exceeds max, and both states are present.
func TestPoolAddsUp(t *testing.T) {
	for sec := 0; sec < 60; sec++ {
		mfs := parse(t, Render(float64(sec)))
		byState := map[string]float64{}
		for _, m := range mfs[DBConnectionCount].GetMetric() {
			byState[testenv.LabelMap(m)[LabelState]] = m.GetGauge().GetValue()
		}
		require.Greater(t, byState["used"], 0.0)
		require.Greater(t, byState["idle"], 0.0)
		require.LessOrEqual(t, byState["used"]+byState["idle"], float64(PoolMax))
	}
}

// TestCountersGrowAndHistogramsAreCumulative: a later scrape never shows a
// smaller counter or bucket, and buckets never decrease with le.
func TestCountersGrowAndHistogramsAreCumulative(t *testing.T) {
	prev := map[string]float64{}
	for _, sec := range []float64{0, 1, 2.5, 10, 61, 3600, 86400} {
		mfs := parse(t, Render(sec))
		for name, mf := range mfs {
			for _, m := range mf.GetMetric() {
				key := name + labelKey(m)
				switch mf.GetType() {
				case dto.MetricType_COUNTER:
					v := m.GetCounter().GetValue()
					require.GreaterOrEqual(t, v, prev[key], key)
					prev[key] = v
				case dto.MetricType_HISTOGRAM:
					h := m.GetHistogram()
					last := uint64(0)
					for _, b := range h.GetBucket() {
						require.GreaterOrEqual(t, b.GetCumulativeCount(), last, key)
						last = b.GetCumulativeCount()
					}
					require.LessOrEqual(t, last, h.GetSampleCount(), key)
					require.GreaterOrEqual(t, float64(h.GetSampleCount()), prev[key], key)
					prev[key] = float64(h.GetSampleCount())
				}
			}
		}
	}
	require.Greater(t, prev[HTTPRequestsTotal+`{method="GET",endpoint="/api/retrospects",status="200"}`], 0.0)
}

func labelKey(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() { // in exposition order
		parts = append(parts, l.GetName()+"="+`"`+l.GetValue()+`"`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestServerUsesItsClock: the handler renders exactly Render(elapsed).
func TestServerUsesItsClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start.Add(90 * time.Second)
	srv := httptest.NewServer(NewAt(start, func() time.Time { return now }))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, Render(90), string(body))
	// 8 GET /api/retrospects per second for 90s.
	require.Contains(t, string(body), `axum_http_requests_total{method="GET",endpoint="/api/retrospects",status="200"} 720`+"\n")
}
