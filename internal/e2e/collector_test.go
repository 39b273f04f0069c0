package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/stackcheck"
	"github.com/moalog/platform-collector/internal/testenv"
)

// collector is the built ./otelcol binary running one config, with its own
// endpoints moved to free loopback ports so tests never collide.
type collector struct {
	cmd         *exec.Cmd // nil for a collector started by stackcheck.StartStack
	metricsAddr string
	healthAddr  string
	log         fmt.Stringer
	alive       func() bool
}

// binary is the collector under test: $OTELCOL_BIN (set by `make test`) or ./otelcol.
func binary(t *testing.T) string { return builtBinary(t, "OTELCOL_BIN", "otelcol", "build") }

// builtBinary is $env or ./name in the repository, which `make target` builds.
func builtBinary(t *testing.T, env, name, target string) string {
	t.Helper()
	bin := os.Getenv(env)
	if bin == "" {
		bin = filepath.Join(testenv.RepoRoot(), name)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("collector binary %s not found: run `make %s` first (or `make test`, which builds it)", bin, target)
	}
	return bin
}

// startCollector runs the binary with configPath plus --set overrides, moving the
// Prometheus exporter, health check and self-telemetry to free ports.
func startCollector(t *testing.T, configPath string, sets ...string) *collector {
	t.Helper()
	// The ports come from FreePort, which lets them go before the collector
	// binds them: another server of a parallel test can take one in between.
	// A collector that fails for that reason is started again on new ports.
	return startOnFreePorts(t, 3, func() (*collector, error) { return launchCollector(t, configPath, sets...) })
}

// startOnFreePorts calls start until it does not fail because a port it was
// given was taken in between, at most attempts times.
func startOnFreePorts[T any](t *testing.T, attempts int, start func() (T, error)) T {
	t.Helper()
	for attempt := 1; ; attempt++ {
		started, err := start()
		if err == nil {
			return started
		}
		if attempt == attempts || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
		t.Logf("start %d: a port was taken in between, starting again on new ports", attempt)
	}
}

// launchCollector runs the binary on free ports and waits until it is healthy.
func launchCollector(t *testing.T, configPath string, sets ...string) (*collector, error) {
	t.Helper()
	log := &syncBuffer{}
	exited := make(chan struct{})
	c := &collector{
		metricsAddr: testenv.Addr(testenv.FreePort(t)),
		healthAddr:  testenv.Addr(testenv.FreePort(t)),
		log:         log,
		alive:       func() bool { return !isClosed(exited) },
	}
	args := []string{"--config", configPath,
		"--set=exporters::prometheus::endpoint=" + c.metricsAddr,
		"--set=extensions::health_check::endpoint=" + c.healthAddr,
		// Lists cannot be patched with --set; a second config source replaces the readers list.
		fmt.Sprintf("--config=yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}}]", testenv.FreePort(t)),
	}
	for _, s := range sets {
		if strings.HasPrefix(s, "file:") {
			args = append(args, "--config="+s) // an extra config layer
		} else {
			args = append(args, "--set="+s)
		}
	}
	c.cmd = exec.Command(binary(t), args...)
	c.cmd.Stdout = log
	c.cmd.Stderr = log
	if err := testenv.StartChild(c.cmd); err != nil {
		return nil, fmt.Errorf("start collector: %w", err)
	}
	go func() { _ = c.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stop(c.cmd, exited)
		if t.Failed() {
			t.Logf("--- collector log ---\n%s", c.log.String())
		}
	})
	return c, c.healthy(30 * time.Second)
}

// attachCollector views the collector of a stackcheck.StartStack stack with
// the same helpers; the stack stops it.
func attachCollector(t *testing.T, s *stackcheck.Stack) *collector {
	t.Helper()
	metrics, err := url.Parse(s.CollectorMetrics)
	require.NoError(t, err)
	health, err := url.Parse(s.CollectorHealth)
	require.NoError(t, err)
	return &collector{
		metricsAddr: metrics.Host,
		healthAddr:  health.Host,
		log:         stringerFunc(s.Collector.Log),
		alive:       s.Collector.Running,
	}
}

type stringerFunc func() string

func (f stringerFunc) String() string { return f() }

func stop(cmd *exec.Cmd, exited chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (c *collector) running() bool { return c.alive() }

func (c *collector) healthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !c.running() {
			return fmt.Errorf("collector exited during start-up:\n%s", c.log.String())
		}
		if status, _ := httpGet("http://" + c.healthAddr + "/"); status == http.StatusOK {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("collector not healthy on %s after %s:\n%s", c.healthAddr, timeout, c.log.String())
}

// families scrapes the collector's Prometheus endpoint once.
func (c *collector) families(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	families, err := c.scrape()
	if err != nil {
		t.Fatal(err)
	}
	return families
}

func (c *collector) scrape() (map[string]*dto.MetricFamily, error) {
	status, body := httpGet("http://" + c.metricsAddr + "/metrics")
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: status %d: %s", c.metricsAddr, status, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse /metrics: %w\n%s", err, body)
	}
	return families, nil
}

// waitForSample polls /metrics until a sample of name whose labels include
// want has the value accept()s, and returns that value.
func (c *collector) waitForSample(t *testing.T, name string, want map[string]string, accept func(float64) bool, timeout time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var seen []string
	var scrapeErr error
	for time.Now().Before(deadline) {
		seen = seen[:0]
		// The endpoint is briefly closed while a SIGHUP reload restarts the pipelines.
		families, err := c.scrape()
		scrapeErr = err
		if family, ok := families[name]; ok {
			for _, m := range family.GetMetric() {
				v := sampleValue(m)
				seen = append(seen, fmt.Sprintf("%v=%g", labelMap(m), v))
				if hasLabels(m, want) && accept(v) {
					return v
				}
			}
		}
		if !c.running() {
			t.Fatalf("collector exited:\n%s", c.log.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no sample %s%v with an accepted value after %s; last seen: %v (last scrape error: %v)", name, want, timeout, seen, scrapeErr)
	return 0
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	case m.Summary != nil:
		return float64(m.GetSummary().GetSampleCount())
	}
	return 0
}

func labelMap(m *dto.Metric) map[string]string {
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	return labels
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := labelMap(m)
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func equals(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

func httpGet(url string) (int, string) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// syncBuffer collects the collector's log; the process writes while tests read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// seriesOf lists the series of families whose labels include target (its job
// and instance) as "name{labels}", sorted. target_info, which describes the
// target's resource, is left out.
func seriesOf(families map[string]*dto.MetricFamily, target map[string]string) []string {
	var out []string
	for name, family := range families {
		if name == "target_info" {
			continue
		}
		for _, m := range family.GetMetric() {
			if hasLabels(m, target) {
				out = append(out, fmt.Sprintf("%s%v", name, labelMap(m)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// waitForSeries polls /metrics until target's series are want (a target
// back after a restart has its full set again).
func (c *collector) waitForSeries(t *testing.T, target map[string]string, want []string, timeout time.Duration) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		families, err := c.scrape()
		require.NoError(ct, err)
		assert.Equal(ct, want, seriesOf(families, target))
	}, timeout, 250*time.Millisecond, "the full set of %v", target)
}

// scrapeOwn tells the series a scrape reports about itself, which a failed
// scrape keeps beside up 0: the Jolokia receiver's duration, the prometheus
// receiver's scrape_* series.
func scrapeOwn(name string) bool {
	return name == "jolokia_scrape_duration_seconds" || strings.HasPrefix(name, "scrape_")
}

// waitOnlyDown polls /metrics until the only series of target are up (at 0)
// and the scrape's own, and returns how long that took. up at 0 beside other
// series of the target must not last: the receiver marks them stale in the
// same batch. (One /metrics answer rendered while the exporter applies that
// batch may mix both: its map is not read as a snapshot. Two in a row fail.)
func (c *collector) waitOnlyDown(t *testing.T, up string, target map[string]string, timeout time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	var last []string
	mixed := 0
	for time.Since(began) < timeout {
		families, err := c.scrape()
		require.NoError(t, err)
		last = seriesOf(families, target)
		upValue, hasUp := targetValue(families, up, target)
		alone := hasUp
		for name := range families {
			if name != up && name != "target_info" && !scrapeOwn(name) && slices.ContainsFunc(families[name].GetMetric(), func(m *dto.Metric) bool { return hasLabels(m, target) }) {
				alone = false
			}
		}
		if hasUp && upValue == 0 && !alone {
			mixed++
			require.Less(t, mixed, 2, "%s is 0 while other series of %v remain: %v", up, target, last)
			continue
		}
		mixed = 0
		if alone && upValue == 0 {
			return time.Since(began)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%v: not only %s 0 and the scrape's own series after %s: %v", target, up, timeout, last)
	return 0
}

// targetValue is the value of target's sample of name, if families has one.
func targetValue(families map[string]*dto.MetricFamily, name string, target map[string]string) (float64, bool) {
	for _, m := range families[name].GetMetric() {
		if hasLabels(m, target) {
			return sampleValue(m), true
		}
	}
	return 0, false
}
