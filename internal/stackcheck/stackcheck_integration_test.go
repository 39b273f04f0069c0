//go:build integration

package stackcheck

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

func promtool(t *testing.T, args ...string) string {
	t.Helper()
	bin := testenv.Binary(t, "promtool")
	out, err := testenv.Run(bin, args...)
	require.NoError(t, err, out)
	return out
}

// TestPromtoolCheckConfig: compose/prometheus/prometheus.yml is valid and finds its rule files.
func TestPromtoolCheckConfig(t *testing.T) {
	out := promtool(t, "check", "config", filepath.Join(promDir(), "prometheus.yml"))
	require.Contains(t, out, fmt.Sprintf("SUCCESS: %d rule files found", len(ruleFiles(t))))
}

// TestPromtoolCheckRules: every rule file is valid.
func TestPromtoolCheckRules(t *testing.T) {
	promtool(t, append([]string{"check", "rules"}, ruleFiles(t)...)...)
}

// TestPromtoolTestRules: the alerts' unit tests pass.
func TestPromtoolTestRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(promDir(), "tests", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := promtool(t, append([]string{"test", "rules"}, files...)...)
	require.Contains(t, out, "SUCCESS")
}

// TestMoalogDashboardLive: a real Prometheus scrapes the moalog contract
// program (as job moalog-server, like the collector labels it); every panel and
// variable of the moalog-server dashboard returns data.
func TestMoalogDashboardLive(t *testing.T) {
	prom := scrapeContract(t, ruleFiles(t))

	// The alert rules evaluate without error on live data; nothing fires
	// (the contract serves 0.2% 5xx and a p95 under 500 ms).
	states := CheckRulesHealthy(t, prom.URL, 30*time.Second)
	require.Len(t, states, len(rules(t)))
	for name, state := range states {
		require.NotEqual(t, "firing", state, name)
	}

	report := CheckDashboardsLive(t, prom.URL, dashboardsDir(),
		Options{Files: []string{"moalog-server.json"}})
	t.Logf("live dashboard check:%s", report)
	require.Len(t, report, 1)
	require.NotEmpty(t, report[0].Panels)
	for _, p := range report[0].Panels {
		require.Positive(t, p.Series, p.Title)
	}
}

// TestCheckDashboardsLiveReportsEmptyPanels: against a Prometheus with no
// JVM data, the JVM dashboard's panels are reported, not silently passed.
func TestCheckDashboardsLiveReportsEmptyPanels(t *testing.T) {
	prom := scrapeContract(t, nil)

	ft := &fakeT{TB: t}
	report := CheckDashboardsLive(ft, prom.URL, dashboardsDir(),
		Options{Files: []string{"jvm-services.json"}, Timeout: time.Second})
	require.NotEmpty(t, ft.errors, "an empty dashboard must fail the check")
	require.Contains(t, strings.Join(ft.errors, "\n"), "metric jvm_memory_used_bytes is not in Prometheus")
	require.Len(t, report, 1)

	// Names declared absent (with a reason) are reported, not failed.
	absent := map[string]string{}
	for _, n := range dashboards.Known {
		absent[n] = "not in this test"
	}
	ft = &fakeT{TB: t}
	report = CheckDashboardsLive(ft, prom.URL, dashboardsDir(),
		Options{Files: []string{"jvm-services.json"}, Timeout: time.Second, Absent: absent})
	require.Empty(t, ft.errors)
	require.NotEmpty(t, report[0].Excused)
	require.Empty(t, report[0].Missing)
}

// scrapeContract starts a real Prometheus that scrapes the moalog contract
// program as job moalog-server, loading ruleFiles, and waits for its first sample.
func scrapeContract(t *testing.T, ruleFiles []string) *testenv.Prometheus {
	t.Helper()
	contract := httptest.NewServer(moalogcontract.New())
	t.Cleanup(contract.Close)
	prom := testenv.StartPrometheus(t, []string{strings.TrimPrefix(contract.URL, "http://")},
		testenv.PrometheusOptions{Job: dashboards.JobMoalog, RuleFiles: ruleFiles})
	prom.WaitFor(t, dashboards.HTTPRequests, 30*time.Second)
	return prom
}

// fakeT records Errorf instead of failing the test.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, strings.TrimSpace(fmt.Sprintf(format, args...)))
}
func (f *fakeT) Logf(string, ...any) {}
func (f *fakeT) Helper()             {}
