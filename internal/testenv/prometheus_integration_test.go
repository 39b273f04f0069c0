//go:build integration

package testenv

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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
	if len(samples) != 1 || samples[0].Value != "42" || samples[0].Labels["job"] != "from-target" || samples[0].Labels["instance"] != "t1" {
		t.Fatalf("demo_value = %+v, want 42 with job=from-target instance=t1", samples)
	}
	up := prom.Query(t, `up{job="scraper"}`)
	if len(up) != 1 || up[0].Value != "1" {
		t.Fatalf(`up{job="scraper"} = %+v`, up)
	}
	names := prom.MetricNames(t)
	if !strings.Contains(strings.Join(names, ","), "demo_value") {
		t.Fatalf("metric names %v lack demo_value", names)
	}
	if _, err := prom.QueryErr("rate(demo_value["); err == nil {
		t.Fatal("a bad query must return an error")
	}
}
