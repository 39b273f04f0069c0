//go:build integration

package testenv

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartPrometheus: a real Prometheus scrapes a target every second, keeps
// the target's job label with HonorLabels, and answers instant queries.
func TestStartPrometheus(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, `# TYPE demo_value gauge`)
		fmt.Fprintln(w, `demo_value{job="from-target",instance="t1"} 42`)
	}))
	defer target.Close()
	addr := strings.TrimPrefix(target.URL, "http://")

	prom := StartPrometheus(t, []string{addr}, PrometheusOptions{Job: "scraper", HonorLabels: true})
	samples := prom.WaitFor(t, "demo_value", 30*time.Second)
	require.Len(t, samples, 1, "demo_value")
	assert.Equal(t, []string{"42", "from-target", "t1"}, []string{samples[0].Value, samples[0].Labels["job"], samples[0].Labels["instance"]},
		"demo_value's value, job and instance")
	up := prom.Query(t, `up{job="scraper"}`)
	require.Len(t, up, 1, `up{job="scraper"}`)
	assert.Equal(t, "1", up[0].Value, `up{job="scraper"}`)
	assert.Contains(t, prom.MetricNames(t), "demo_value")
	_, err := prom.QueryErr("rate(demo_value[")
	assert.Error(t, err, "a bad query must return an error")
}
