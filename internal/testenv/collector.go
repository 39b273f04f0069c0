package testenv

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CollectorOptions configures NewCollector.
type CollectorOptions struct {
	// Binary is the collector to run; default CollectorBinary("otelcol").
	Binary string
	// Config is the config file.
	Config string
	// Sets are --set overrides ("receivers::redis::endpoint=..."); an entry
	// starting with "file:" or "yaml:" is one more config source layered over
	// Config (lists cannot be patched with --set).
	Sets []string
	// FixedPorts keeps the config's own listen addresses (the demo's
	// 127.0.0.1:9090). Otherwise the Prometheus exporter, the health check and
	// the self-telemetry move to free loopback ports.
	FixedPorts bool
	// Env are extra environment variables ("SHARD_INDEX=1") the config expands.
	Env []string
}

// Collector is a running collector: its process (Running, Log, Pid,
// Signal, Stop) and where it listens.
type Collector struct {
	*Process
	// MetricsAddr is the Prometheus exporter's host:port (/metrics).
	MetricsAddr string
	// HealthAddr is the health_check extension's host:port.
	HealthAddr string
	// TelemetryAddr serves the collector's own metrics (/metrics); empty
	// with FixedPorts.
	TelemetryAddr string
}

// The listen addresses of otelcol.yaml, kept with FixedPorts.
const (
	defaultMetricsAddr = "127.0.0.1:9090"
	defaultHealthAddr  = "127.0.0.1:13133"
)

// NewCollector runs the collector with opts and waits until its health check
// answers 200. A start that fails because a free port was taken in between
// runs again on new ports, up to 10 times: beside a fleet of 10,000 targets
// the fleet's connections took a port 3 times in a row.
func NewCollector(owner Owner, opts CollectorOptions) (*Collector, error) {
	if opts.Binary == "" {
		bin, err := CollectorBinary("otelcol")
		if err != nil {
			return nil, err
		}
		opts.Binary = bin
	}
	return startOnFreePorts(10, func() (*Collector, error) { return launchCollector(owner, opts) })
}

// StartCollector is NewCollector for a test: it fails the test with the
// collector's log and stops the collector at the test's cleanup.
func StartCollector(t testing.TB, opts CollectorOptions) *Collector {
	t.Helper()
	c := mustStart(t, func() (*Collector, error) { return NewCollector(t, opts) })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- collector log ---\n%s", Tail(c.Log(), 20000))
		}
	})
	return c
}

func launchCollector(owner Owner, opts CollectorOptions) (*Collector, error) {
	c := &Collector{MetricsAddr: defaultMetricsAddr, HealthAddr: defaultHealthAddr}
	args := []string{"--config", opts.Config}
	if !opts.FixedPorts {
		s := &setup{}
		c.MetricsAddr, c.HealthAddr, c.TelemetryAddr = Addr(s.port()), Addr(s.port()), Addr(s.port())
		if s.err != nil {
			return nil, s.err
		}
		args = append(args, portOverrides(c.MetricsAddr, c.HealthAddr, c.TelemetryAddr)...)
	}
	for _, s := range opts.Sets {
		if strings.HasPrefix(s, "file:") || strings.HasPrefix(s, "yaml:") {
			args = append(args, "--config="+s)
		} else {
			args = append(args, "--set="+s)
		}
	}
	p, err := newProcess(owner, "otelcol", opts.Binary, args...)
	if err != nil {
		return nil, err
	}
	p.Env = opts.Env
	c.Process = p
	if err := p.launch(owner); err != nil {
		return nil, err
	}
	if err := p.waitHTTP("http://"+c.HealthAddr+"/", 60*time.Second); err != nil {
		p.Stop()
		return nil, err
	}
	return c, nil
}

// portOverrides moves the exporter, the health check and the self-telemetry
// reader to the given loopback addresses.
func portOverrides(metrics, health, telemetry string) []string {
	telemetryPort := telemetry[strings.LastIndexByte(telemetry, ':')+1:]
	return []string{
		"--set=exporters::prometheus::endpoint=" + metrics,
		"--set=extensions::health_check::endpoint=" + health,
		// The readers list cannot be patched with --set: a config source replaces it.
		"--config=yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: " + telemetryPort + "}}}}]",
	}
}

// Telemetry views the collector's own metrics (TelemetryAddr) as the
// /metrics of a Collector, to scrape and wait on them like the exporter's.
func (c *Collector) Telemetry() *Collector {
	return &Collector{Process: c.Process, MetricsAddr: c.TelemetryAddr}
}

// MetricsURL is http://MetricsAddr/metrics.
func (c *Collector) MetricsURL() string { return "http://" + c.MetricsAddr + "/metrics" }

// StartOtelcol starts the lean build (CollectorBin "otelcol") with config
// plus --set overrides (or "file:" config layers), its own endpoints on free
// ports.
func StartOtelcol(t testing.TB, config string, sets ...string) *Collector {
	t.Helper()
	return StartCollector(t, CollectorOptions{Config: config, Sets: sets}) // the lean build is the default Binary
}

// DefaultConfig is the shipped otelcol.yaml, the config the README runs.
func DefaultConfig() string { return filepath.Join(RepoRoot(), "otelcol.yaml") }

// CollectorBinary is the collector a test runs: $OTELCOL_BIN for "otelcol",
// $OTELCOL_FULL_BIN for "otelcol-full" (make test sets both), else that file
// in the repository. It refuses a binary older than a source it is built
// from: a test of stale code would pass or fail for the wrong reason. It
// does not rebuild: make test builds once before the test packages run in
// parallel, and two test binaries building one file would race.
func CollectorBinary(name string) (string, error) {
	env := map[string]string{"otelcol": "OTELCOL_BIN", "otelcol-full": "OTELCOL_FULL_BIN"}[name]
	target := map[string]string{"otelcol": "build", "otelcol-full": "build-full"}[name]
	bin := cmp.Or(os.Getenv(env), filepath.Join(RepoRoot(), name))
	built, err := os.Stat(bin)
	if err != nil {
		return "", fmt.Errorf("collector binary %s not found: run `make %s` first", bin, target)
	}
	newest, err := newestSource(filepath.Join(RepoRoot(), "cmd", name))
	if err != nil {
		return "", err
	}
	if newest.modTime.After(built.ModTime()) {
		return "", fmt.Errorf("collector binary %s (built %s) is older than %s (changed %s): run `make %s`",
			bin, built.ModTime().Format(time.RFC3339), newest.path, newest.modTime.Format(time.RFC3339), target)
	}
	return bin, nil
}

// CollectorBin is CollectorBinary for a test.
func CollectorBin(t testing.TB, name string) string {
	t.Helper()
	v, err := CollectorBinary(name)
	require.NoError(t, err)
	return v
}
