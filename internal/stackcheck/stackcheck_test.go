package stackcheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/testenv"
)

func promDir() string { return filepath.Join(testenv.RepoRoot(), "compose", "prometheus") }

func dashboardsDir() string { return filepath.Join(testenv.RepoRoot(), "grafana", "dashboards") }

// rule is an alerting or recording rule of a Prometheus rule file.
type rule struct {
	Alert  string `yaml:"alert"`
	Record string `yaml:"record"`
	Expr   string `yaml:"expr"`
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
	known := slices.Concat(dashboards.Known, dashboards.AlertOnly, dashboards.CollectorTelemetry)
	firing, quiet := map[string]bool{}, map[string]bool{}
	testFiles, _ := filepath.Glob(filepath.Join(promDir(), "tests", "*.yml"))
	for _, f := range testFiles {
		var tf ruleTestFile
		readYAML(t, f, &tf)
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
	for _, r := range rules(t) {
		names, err := dashboards.MetricNames(r.Expr)
		require.NoError(t, err, r.Alert)
		for _, n := range names {
			require.Contains(t, known, n, "alert %s reads %s, which names.go does not list", r.Alert, n)
		}
		require.True(t, firing[r.Alert], "alert %s has no firing unit test", r.Alert)
		require.True(t, quiet[r.Alert], "alert %s has no not-firing unit test", r.Alert)
		alerts = append(alerts, r.Alert)
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

func ruleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(promDir(), "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// rules lists the rules of every file in compose/prometheus/rules.
func rules(t *testing.T) []rule {
	var all []rule
	for _, f := range ruleFiles(t) {
		var file struct {
			Groups []struct {
				Rules []rule `yaml:"rules"`
			} `yaml:"groups"`
		}
		readYAML(t, f, &file)
		for _, g := range file.Groups {
			all = append(all, g.Rules...)
		}
	}
	return all
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, into), path)
}
