package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/moalog/platform-collector/internal/testenv"
)

// keptDiscovery is the Prometheus service discovery the product keeps when it
// is built with `-tags remove_all_sd,enable_dns_sd` (RESULTS.md, "Leaner
// binary"): file and http are always compiled in (prometheus/plugins/minimum.go),
// kubernetes is imported by the contrib Prometheus receiver itself, dns is
// enabled for the compose story (dns_sd_configs over the compose network's DNS).
var keptDiscovery = map[string]string{
	"file":       "file_sd_configs: [{files: [/etc/otelcol/targets/*.json]}]",
	"http":       "http_sd_configs: [{url: 'http://127.0.0.1:8000/targets'}]",
	"dns":        "dns_sd_configs: [{names: [redis], type: A, port: 6379}]",
	"kubernetes": "kubernetes_sd_configs: [{role: pod}]",
}

// TestKeptServiceDiscovery validates, with the built binary, a Prometheus
// receiver config using each kept discovery mechanism.
func TestKeptServiceDiscovery(t *testing.T) {
	bin := os.Getenv("OTELCOL_BIN")
	if bin == "" {
		bin = filepath.Join(testenv.RepoRoot(), "otelcol")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("collector binary %s not found: run `make build` first (or `make test`, which builds it)", bin)
	}
	for name, sd := range keptDiscovery {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "sd.yaml")
			body := "receivers:\n  prometheus:\n    config:\n      scrape_configs:\n        - job_name: x\n          " + sd +
				"\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    metrics: {receivers: [prometheus], exporters: [debug]}\n"
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "validate", "--config", cfg).CombinedOutput(); err != nil {
				t.Fatalf("%s validate rejects %s service discovery: %v\n%s", bin, name, err, out)
			}
		})
	}
}
