package stackcheck

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

func promDir() string { return filepath.Join(testenv.RepoRoot(), "compose", "prometheus") }

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
	files, err := filepath.Glob(filepath.Join(promDir(), "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	promtool(t, append([]string{"check", "rules"}, files...)...)
}

// TestPromtoolTestRules: the alerts' unit tests pass.
func TestPromtoolTestRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(promDir(), "tests", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := promtool(t, append([]string{"test", "rules"}, files...)...)
	require.Contains(t, out, "SUCCESS")
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type ruleTestFile struct {
	Tests []struct {
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestEveryAlertIsTestedAndUsesKnownNames: each alert reads only names from
// internal/dashboards/names.go, and the unit tests check it both firing and
// not firing. The operators' list of alerts is all there.
func TestEveryAlertIsTestedAndUsesKnownNames(t *testing.T) {
	known := map[string]bool{}
	for _, n := range slices.Concat(dashboards.Known, dashboards.AlertOnly, dashboards.CollectorTelemetry) {
		known[n] = true
	}
	firing, quiet := map[string]bool{}, map[string]bool{}
	testFiles, _ := filepath.Glob(filepath.Join(promDir(), "tests", "*.yml"))
	for _, f := range testFiles {
		var tf ruleTestFile
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(raw, &tf))
		for _, tc := range tf.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					quiet[a.Alertname] = true
				}
			}
		}
	}
	var alerts []string
	ruleFiles, _ := filepath.Glob(filepath.Join(promDir(), "rules", "*.yml"))
	for _, f := range ruleFiles {
		var rf ruleFile
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(raw, &rf))
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				names, err := dashboards.MetricNames(r.Expr)
				require.NoError(t, err, r.Alert)
				for _, n := range names {
					require.True(t, known[n], "alert %s reads %s, which names.go does not list", r.Alert, n)
				}
				require.True(t, firing[r.Alert], "alert %s has no firing unit test", r.Alert)
				require.True(t, quiet[r.Alert], "alert %s has no not-firing unit test", r.Alert)
				alerts = append(alerts, r.Alert)
			}
		}
	}
	require.ElementsMatch(t, []string{
		"ServiceDown", "RedisDown", "HighErrorRatio", "HighLatencyP95", "JVMHeapHigh",
		"MySQLSlowQueries", "MySQLConnectionsHigh", "RedisMemoryHigh",
		// database-alerts.yml: the community packs' intents.
		"RedisRestarted", "RedisTooManyConnections", "RedisOutOfSystemMemory", "RedisEvictingKeys",
		"RedisRejectedConnections", "RedisMissingBackup", "RedisPersistenceFailing", "MySQLRestarted",
		"MySQLReplicationLag", "MySQLTooManyOpenFiles", "MySQLHighPreparedStatementsUtilization",
		"MySQLInnodbHistoryLengthTooLong", "MySQLInnodbLogWaits", "MySQLInnodbForceRecoveryEnabled",
		// replication-alerts.yml
		"MySQLReplicaSQLThreadStopped", "MySQLReplicaIOThreadStopped", "RedisReplicaLinkDown",
		// collector-alerts.yml
		"CollectorSheddingData",
	}, alerts)
}

// TestMoalogDashboardLive: a real Prometheus scrapes the moalog contract
// program (as job moalog-server, like the collector labels it); every panel and
// variable of the moalog-server dashboard returns data.
func TestMoalogDashboardLive(t *testing.T) {
	contract := httptest.NewServer(moalogcontract.New())
	defer contract.Close()
	prom := testenv.StartPrometheus(t, []string{strings.TrimPrefix(contract.URL, "http://")},
		testenv.PrometheusOptions{Job: dashboards.JobMoalog, RuleFiles: ruleFiles(t)})
	prom.WaitFor(t, dashboards.HTTPRequests, 30*time.Second)

	// The alert rules evaluate without error on live data; nothing fires
	// (the contract serves 0.2% 5xx and a p95 under 500 ms).
	states := CheckRulesHealthy(t, prom.URL, 30*time.Second)
	require.Len(t, states, alertCount(t))
	for name, state := range states {
		require.NotEqual(t, "firing", state, name)
	}

	report := CheckDashboardsLive(t, prom.URL, filepath.Join(testenv.RepoRoot(), "grafana", "dashboards"),
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
	contract := httptest.NewServer(moalogcontract.New())
	defer contract.Close()
	prom := testenv.StartPrometheus(t, []string{strings.TrimPrefix(contract.URL, "http://")},
		testenv.PrometheusOptions{Job: dashboards.JobMoalog})
	prom.WaitFor(t, dashboards.HTTPRequests, 30*time.Second)

	ft := &fakeT{TB: t}
	report := CheckDashboardsLive(ft, prom.URL, filepath.Join(testenv.RepoRoot(), "grafana", "dashboards"),
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
	report = CheckDashboardsLive(ft, prom.URL, filepath.Join(testenv.RepoRoot(), "grafana", "dashboards"),
		Options{Files: []string{"jvm-services.json"}, Timeout: time.Second, Absent: absent})
	require.Empty(t, ft.errors)
	require.NotEmpty(t, report[0].Excused)
	require.Empty(t, report[0].Missing)
}

// alertCount is the number of alert rules in rules/*.yml.
func alertCount(t *testing.T) int {
	n := 0
	for _, f := range ruleFiles(t) {
		var rf ruleFile
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(raw, &rf))
		for _, g := range rf.Groups {
			n += len(g.Rules)
		}
	}
	return n
}

func ruleFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(promDir(), "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// ruleNames are the names of every rule (alert or recording) in the rule files.
func ruleNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, f := range ruleFiles(t) {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var rf ruleFile
		require.NoError(t, yaml.Unmarshal(raw, &rf), f)
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				names[r.Alert+r.Record] = true
			}
		}
	}
	return names
}

// fakeT records Errorf instead of failing the test.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, strings.TrimSpace(sprintf(format, args...)))
}
func (f *fakeT) Logf(string, ...any) {}
func (f *fakeT) Helper()             {}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
