//go:build integration

package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// discoveryConfigs are the scrape_config service discoveries of the lean
// build's promscrape receiver (each implemented in receiver/promscrapereceiver/discovery.go),
// and whether it accepts them: kubernetes_sd_configs is the full build's.
var discoveryConfigs = map[string]struct {
	sd       string
	accepted bool
}{
	"file":       {"file_sd_configs: [{files: [/etc/otelcol/targets/*.json]}]", true},
	"http":       {"http_sd_configs: [{url: 'http://127.0.0.1:8000/targets'}]", true},
	"dns":        {"dns_sd_configs: [{names: [redis], type: A, port: 6379}]", true},
	"kubernetes": {"kubernetes_sd_configs: [{role: pod}]", false},
}

// TestKeptServiceDiscovery validates, with the built lean binary, a promscrape
// config using each discovery mechanism: the kept ones pass, kubernetes fails
// naming the key and the full build.
func TestKeptServiceDiscovery(t *testing.T) {
	bin := testenv.CollectorBin(t, "otelcol")
	for name, c := range discoveryConfigs {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "sd.yaml")
			body := "receivers:\n  promscrape:\n    config:\n      scrape_configs:\n        - job_name: x\n          " + c.sd +
				"\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    metrics: {receivers: [promscrape], exporters: [debug]}\n"
			require.NoError(t, os.WriteFile(cfg, []byte(body), 0o644))
			out, err := exec.Command(bin, "validate", "--config", cfg).CombinedOutput()
			if c.accepted {
				require.NoError(t, err, "%s validate rejects %s service discovery:\n%s", bin, name, out)
				return
			}
			require.Error(t, err, "%s validate accepts %s service discovery", bin, name)
			require.Contains(t, string(out), `key "kubernetes_sd_configs" is not supported`)
			require.Contains(t, string(out), "./otelcol-full")
		})
	}
}
