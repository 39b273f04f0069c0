//go:build integration

package stackcheck

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// composeTargets are the demo services the collector in compose/otelcol.yaml
// scrapes, by compose service name: job (service.name) -> instance.
var composeTargets = map[string]string{
	"moalog-server":  "moalog-server:8080",
	"rate-limiter":   "rate-limiter:8778",
	"fluxpay-engine": "fluxpay-engine:8778",
	"redis":          "redis:6379",
	"mysql":          "mysql:3306",
}

// TestComposeStack checks the compose stack (docker-compose.yaml +
// docker-compose.demo.yaml) running in containers, through the Prometheus of
// the stack at PROMETHEUS_URL: every scrape target up, the collector's series
// from every demo service by its compose name, every dashboard query with
// data, every alert rule evaluated. scripts/compose-test.sh (make
// compose-test) starts the stack and runs it.
func TestComposeStack(t *testing.T) {
	promURL := os.Getenv("PROMETHEUS_URL")
	if promURL == "" {
		t.Skip("PROMETHEUS_URL is not set: run make compose-test")
	}
	prom := &testenv.Prometheus{URL: promURL}

	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		health, err := targetHealth(prom)
		require.NoError(ct, err)
		assert.Equal(ct, map[string]string{"otelcol": "up", "otelcol-telemetry": "up", "prometheus": "up"}, health)
	}, 3*time.Minute, 2*time.Second, "every scrape target of compose/prometheus/prometheus.yml up")

	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		for job, instance := range composeTargets {
			samples, err := prom.QueryErr(fmt.Sprintf(`count({job=%q, instance=%q})`, job, instance))
			require.NoError(ct, err)
			assert.Len(ct, samples, 1, "no series of %s from %s", job, instance)
		}
	}, 3*time.Minute, 2*time.Second, "the collector's series of every demo service, reached by its compose name")

	report := CheckDashboardsLive(t, promURL, dashboardsDir(), Options{
		Timeout: 3 * time.Minute,
		Absent:  MariaDBAbsent,
	})
	t.Logf("live dashboard check:%s", report)

	states := CheckRulesHealthy(t, promURL, 2*time.Minute)
	for _, r := range rules(t) {
		assert.Contains(t, states, r.Alert+r.Record, "a rule of compose/prometheus/rules/ that the containerised Prometheus did not evaluate")
	}
	t.Logf("alerts: %v", states)
}

// targetHealth is each active target's health in prom, by job.
func targetHealth(prom *testenv.Prometheus) (map[string]string, error) {
	var body struct {
		Data struct {
			ActiveTargets []struct {
				Labels    map[string]string `json:"labels"`
				Health    string            `json:"health"`
				LastError string            `json:"lastError"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := prom.GetJSON("/api/v1/targets?state=active", &body); err != nil {
		return nil, err
	}
	health := map[string]string{}
	for _, target := range body.Data.ActiveTargets {
		health[target.Labels["job"]] = target.Health + target.LastError
	}
	return health, nil
}
