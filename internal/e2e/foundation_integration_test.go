//go:build integration

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/moalog/platform-collector/internal/faultproxy"
	"github.com/moalog/platform-collector/internal/testenv"
)

// The default pipeline must start and keep serving when none of its targets exist.
func TestDefaultConfigRunsWithoutTargets(t *testing.T) {
	// moalog-server's address closes every connection it accepts, and counts them.
	moalog, err := faultproxy.StartTCP(testenv.Addr(testenv.FreePort(t)))
	require.NoError(t, err)
	t.Cleanup(moalog.Close)
	moalog.SetMode(faultproxy.Refuse)
	c := testenv.StartOtelcol(t, testenv.DefaultConfig(),
		"receivers::promscrape/moalog::config::scrape_configs=[{job_name: moalog-server, scrape_interval: 1s, static_configs: [{targets: ["+moalog.Addr+"]}]}]")
	// The promscrape receiver reports the missing moalog-server as down.
	c.WaitForSample(t, "up", map[string]string{"job": "moalog-server", "instance": moalog.Addr}, equals(0), 20*time.Second)
	downAt := time.Now()
	// Two more failed scrapes later, the collector still runs.
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.GreaterOrEqual(ct, len(faultproxy.GroupScrapes(moalog.Arrivals(), downAt, time.Now())), 2, "scrapes of moalog-server since it was down")
	}, 20*time.Second, 50*time.Millisecond)
	assert.True(t, c.Running(), "collector must keep running with every target down")
	status, _ := testenv.HTTPGetText("http://" + c.HealthAddr + "/")
	assert.Equal(t, 200, status)
}

func TestValidateDefaultConfig(t *testing.T) {
	out, err := exec.Command(testenv.CollectorBin(t, "otelcol"), "validate", "--config", testenv.DefaultConfig()).CombinedOutput()
	require.NoError(t, err, string(out))
}

// Every component the README promises is in the binary, and nothing else.
func TestComponentsListed(t *testing.T) {
	out, err := exec.Command(testenv.CollectorBin(t, "otelcol"), "components").Output()
	require.NoError(t, err, string(out))
	var listed map[string]yaml.Node // a list of components by kind, and the build info
	require.NoError(t, yaml.Unmarshal(out, &listed))
	want := map[string][]string{
		"receivers":  {"otlp", "promscrape", "jolokia", "redis", "mysql"},
		"processors": {"batch", "memory_limiter", "resource"},
		"exporters":  {"prometheus", "otlp_grpc", "otlp_http", "debug"},
		"extensions": {"health_check", "pprof", "zpages", "memory_guard"},
		"providers":  {"env", "file", "yaml"}, // no http: nothing fetches config over HTTP (issue 17)
		"connectors": nil,
	}
	for kind, components := range want {
		var named []struct{ Name, Scheme string } // providers have a scheme, the others a name
		node := listed[kind]
		require.NoError(t, node.Decode(&named), kind)
		var names []string
		for _, c := range named {
			names = append(names, c.Name+c.Scheme)
		}
		assert.ElementsMatch(t, components, names, kind)
	}
}

// A pipeline change takes effect on SIGHUP, without a restart.
func TestReloadOnSIGHUP(t *testing.T) {
	down1 := testenv.Addr(testenv.FreePort(t))
	down2 := testenv.Addr(testenv.FreePort(t))
	config := writeTemp(t, "otelcol.yaml", scrapeConfig("promscrape", "before-reload", down1))
	c := testenv.StartOtelcol(t, config)
	c.WaitForSample(t, "up", map[string]string{"job": "before-reload"}, equals(0), 20*time.Second)
	pid := c.Pid()

	require.NoError(t, os.WriteFile(config, []byte(scrapeConfig("promscrape", "after-reload", down2)), 0o600))
	require.NoError(t, c.Signal(syscall.SIGHUP))
	c.WaitForSample(t, "up", map[string]string{"job": "after-reload", "instance": down2}, equals(0), 20*time.Second)
	assert.True(t, c.Running())
	assert.Equal(t, pid, c.Pid(), "reload must not restart the process")
	assert.Contains(t, c.Log(), `"signal": "hangup"`)
}

// Staleness holds across a SIGHUP reload, which rebuilds the receivers (and
// their staleness trackers) and the Prometheus exporter: a target killed after
// the reload still leaves only its up 0 on :9090, and comes back whole.
func TestStalenessAcrossSIGHUP(t *testing.T) {
	redis := testenv.StartRedis(t, testenv.RedisOptions{})
	redis.CLI(t, "SET", "k", "v")
	config := writeTemp(t, "otelcol.yaml", receiverConfig("redis", "{endpoint: "+redis.Addr+", collection_interval: 1s}"))
	c := testenv.StartOtelcol(t, config)
	id := map[string]string{"job": "redis", "instance": redis.Addr}
	c.WaitForSample(t, "redis_db_keys", with(id, "db", "0"), equals(1), 20*time.Second)
	before := testenv.SeriesOf(c.Families(t), id)

	require.NoError(t, c.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool {
		return strings.Count(c.Log(), "Everything is ready") == 2
	}, 20*time.Second, 50*time.Millisecond, "the reloaded pipelines start")
	c.WaitForSample(t, "redis_db_keys", with(id, "db", "0"), equals(1), 20*time.Second)

	redis.Kill()
	took := c.WaitOnlyDown(t, "redis_up", id, 10*time.Second)
	t.Logf("after the reload, kill to series gone: %s", took.Round(time.Millisecond))
	assert.Less(t, took, 3*time.Second, "within two 1s intervals, and a second for a loaded machine")
	redis.Restart(t)
	redis.CLI(t, "SET", "k", "v")
	c.WaitForSeries(t, id, before, 20*time.Second)
}

// writeTemp writes content to a file of that name in a directory that goes
// when the test ends, and returns its path.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// scrapeConfig is a pipeline of one Prometheus scrape receiver of
// receiverType (promscrape or, in the full build, prometheus) scraping target
// every second, into the Prometheus exporter.
func scrapeConfig(receiverType, job, target string) string {
	return receiverConfig(receiverType, "{config: {scrape_configs: [{job_name: "+job+", scrape_interval: 1s, static_configs: [{targets: ["+target+"]}]}]}}")
}

// receiverConfig is a collector config whose one receiver (its name and
// settings as a YAML flow mapping) feeds the Prometheus exporter.
func receiverConfig(receiver, settings string) string {
	return strings.NewReplacer("RECEIVER", receiver, "SETTINGS", settings).Replace(`
receivers:
  RECEIVER: SETTINGS
exporters:
  prometheus:
    endpoint: 127.0.0.1:9090
extensions:
  health_check:
    endpoint: 127.0.0.1:13133
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: 8888}}}}]
  pipelines:
    metrics: {receivers: [RECEIVER], exporters: [prometheus]}
`)
}
