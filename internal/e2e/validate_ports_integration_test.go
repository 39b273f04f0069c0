//go:build integration

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// What `validate` prints before the converter's own message (collector v0.165).
const validatePrefix = "Error: failed to get config: cannot resolve the configuration: cannot convert the confmap.Conf: "

// listenAddrs are the addresses a portsConfig listens on.
type listenAddrs struct{ exporter, health string }

func freeListenAddrs(t *testing.T) listenAddrs {
	return listenAddrs{testenv.Addr(testenv.FreePort(t)), testenv.Addr(testenv.FreePort(t))}
}

// portsConfig is a pipeline from a redis receiver with no server into
// exporter (a Prometheus exporter's id), with a health check and the
// collector's own metrics on free ports.
func portsConfig(t *testing.T, exporter string, addrs listenAddrs) string {
	return fmt.Sprintf(`
receivers:
  redis: {endpoint: %s, collection_interval: 1s}
exporters:
  %s: {endpoint: %s}
extensions:
  health_check: {endpoint: %s}
service:
  extensions: [health_check]
  telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}}]}}
  pipelines: {metrics: {receivers: [redis], exporters: [%s]}}
`, testenv.Addr(testenv.FreePort(t)), exporter, addrs.exporter, addrs.health, testenv.FreePort(t), exporter)
}

// listenHere holds a free loopback port in this test process, which is not
// the collector's executable, and returns its address.
func listenHere(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", testenv.Addr(testenv.FreePort(t)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	return ln.Addr().String()
}

// heldByThisTest is the message for key's address held by this test process.
func heldByThisTest(t *testing.T, component, key, address string) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	exe, err = filepath.EvalSymlinks(exe)
	require.NoError(t, err)
	return fmt.Sprintf("%s cannot listen on %s (%s): address already in use by pid %d (%s): stop that process or change %s",
		component, address, key, os.Getpid(), exe, key)
}

// validate runs the validate command of a build ("otelcol" or
// "otelcol-full") and returns its exit code and output.
func validate(t *testing.T, build string, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(testenv.CollectorBin(t, build), append([]string{"validate"}, args...)...).CombinedOutput()
	if exitErr, ok := err.(*exec.ExitError); ok {
		return exitErr.ExitCode(), string(out)
	}
	require.NoError(t, err, string(out))
	return 0, string(out)
}

// A listen address another process holds fails validate and a start, naming
// the component, the key, the address and the process.
func TestValidateRefusesAddressInUse(t *testing.T) {
	for _, tc := range []struct {
		name, component, key string
		taken                func(*listenAddrs, string)
	}{
		{"exporter", `exporter "prometheus"`, "exporters::prometheus::endpoint", func(a *listenAddrs, addr string) { a.exporter = addr }},
		{"health check", `extension "health_check"`, "extensions::health_check::endpoint", func(a *listenAddrs, addr string) { a.health = addr }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs := freeListenAddrs(t)
			taken := listenHere(t)
			tc.taken(&addrs, taken)
			config := writeTemp(t, "otelcol.yaml", portsConfig(t, "prometheus", addrs))

			reason := validatePrefix + heldByThisTest(t, tc.component, tc.key, taken)
			code, out := validate(t, "otelcol", "--config", config)
			assert.Equal(t, 1, code)
			assert.Equal(t, reason, strings.TrimSpace(out))

			// A start runs the same check: it ends before any component binds.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			started, err := exec.CommandContext(ctx, testenv.CollectorBin(t, "otelcol"), "--config", config).CombinedOutput()
			require.Error(t, err)
			assert.Equal(t, 1, err.(*exec.ExitError).ExitCode(), string(started))
			lines := strings.Split(strings.TrimSpace(string(started)), "\n")
			assert.Equal(t, reason, lines[len(lines)-1])
		})
	}
}

// The ports a running collector of the same executable holds pass validate:
// a reload frees them before binding them again.
func TestValidatePassesOnTheRunningCollectorsPorts(t *testing.T) {
	config := writeTemp(t, "otelcol.yaml", portsConfig(t, "prometheus", freeListenAddrs(t)))
	telemetry := writeTemp(t, "telemetry.yaml", fmt.Sprintf(
		"service: {telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}}]}}}\n", testenv.FreePort(t)))
	c := testenv.StartOtelcol(t, config, "file:"+telemetry)

	code, out := validate(t, "otelcol", "--config", config, "--config", "file:"+telemetry,
		"--set=exporters::prometheus::endpoint="+c.MetricsAddr, "--set=extensions::health_check::endpoint="+c.HealthAddr)
	assert.Equal(t, 0, code, out)
	status, _ := testenv.HTTPGetText("http://" + c.HealthAddr + "/")
	assert.Equal(t, 200, status, "the collector held the ports while validate ran")
}

// The case of issue 17: the exporter moved to a port another process holds.
// The README's `validate` step refuses the new config; a SIGHUP without it
// stops the collector with exit code 1 and the same reason.
func TestValidateCatchesAReloadThatWouldStopTheCollector(t *testing.T) {
	config := writeTemp(t, "otelcol.yaml", portsConfig(t, "prometheus", freeListenAddrs(t)))
	c := testenv.StartOtelcol(t, config)

	// testenv.StartOtelcol pins exporters::prometheus with --set; the new config
	// exports through another Prometheus exporter, on a taken port.
	taken := listenHere(t)
	movedConfig := portsConfig(t, "prometheus/moved", listenAddrs{taken, testenv.Addr(testenv.FreePort(t))})
	moved := writeTemp(t, "moved.yaml", movedConfig)
	reason := heldByThisTest(t, `exporter "prometheus/moved"`, "exporters::prometheus/moved::endpoint", taken)

	code, out := validate(t, "otelcol", "--config", moved)
	assert.Equal(t, 1, code)
	assert.Equal(t, validatePrefix+reason, strings.TrimSpace(out))

	require.NoError(t, os.WriteFile(config, []byte(movedConfig), 0o600))
	require.NoError(t, c.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return !c.Running() }, 30*time.Second, 50*time.Millisecond, "the failed reload stops the collector")
	assert.Equal(t, 1, c.Process.ExitCode())
	assert.Contains(t, c.Log(), "Config updated, restart service")
	assert.Contains(t, c.Log(), "\nError: failed to setup configuration components: failed to get config: "+
		"cannot resolve the configuration: cannot convert the confmap.Conf: "+reason+"\n")
	assert.NotContains(t, c.Log(), "bind: address already in use", "the converter names the holder before a component binds")
}
