package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/listencheck"
	"github.com/moalog/platform-collector/internal/testenv"
)

// containerConfigs are the shipped collector configs that run inside the
// compose network, where Prometheus (another container) scrapes the collector:
// they bind 0.0.0.0 inside the container. The host side is checked by
// TestComposePublishesCollectorOnLoopback. The scale-out replica runs in a pod
// or container too: the kubelet probes its health check on the pod's address;
// it publishes no port (examples/scale-out).
var containerConfigs = map[string]bool{"compose/otelcol.yaml": true, "examples/scale-out/replica.yaml": true}

// TestShippedConfigsBindLoopback parses every collector config in the
// repository (outside testdata) and checks that each address the collector
// itself listens on (found as validate finds them, internal/listencheck: the
// components the service uses, keys left out at their defaults, and the
// self-telemetry readers) binds to loopback, except in containerConfigs.
func TestShippedConfigsBindLoopback(t *testing.T) {
	root := testenv.RepoRoot()
	checked := 0
	for _, rel := range yamlFiles(t, root) {
		raw, err := os.ReadFile(filepath.Join(root, rel))
		require.NoError(t, err)
		var cfg map[string]any
		if yaml.Unmarshal(raw, &cfg) != nil {
			continue
		}
		_, hasService := cfg["service"].(map[string]any)
		_, hasReceivers := cfg["receivers"]
		_, hasExporters := cfg["exporters"]
		if !hasService || !hasReceivers && !hasExporters {
			continue // not a collector config
		}
		checked++
		for _, l := range listencheck.Listeners(confmap.NewFromStringMap(cfg)) {
			host := listenHost(l.Address)
			switch {
			case host == "127.0.0.1" || host == "localhost" || host == "::1":
			case containerConfigs[rel] && host == "0.0.0.0":
			default:
				t.Errorf("%s: %s = %q binds beyond loopback (use 127.0.0.1, or add the file to containerConfigs with the reason)", rel, l.Key, l.Address)
			}
		}
	}
	require.GreaterOrEqual(t, checked, 2, "collector configs found; expected at least otelcol.yaml and compose/otelcol.yaml")
}

// yamlFiles lists the YAML files below root, relative to it, leaving out
// testdata, .git and .cache (downloads, build state). A walk rather
// than git ls-files: the unit tier runs with only the Go toolchain on PATH.
func yamlFiles(t *testing.T, root string) []string {
	var rels []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "testdata" || d.Name() == ".git" || d.Name() == ".cache") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			rel, err := filepath.Rel(root, path)
			rels = append(rels, rel)
			return err
		}
		return nil
	})
	require.NoError(t, err, "listing the YAML files below %s", root)
	return rels
}

// listenHost is the host of "host:port", or the value itself.
func listenHost(v string) string {
	if i := strings.LastIndex(v, ":"); i >= 0 && !strings.HasSuffix(v, "]") {
		return strings.Trim(v[:i], "[]")
	}
	return strings.Trim(v, "[]")
}

// TestComposePublishesCollectorOnLoopback: inside the compose network the
// collector binds 0.0.0.0 (Prometheus scrapes otelcol:9090 over that
// network), so the host side must not publish :9090 and :13133 on every
// interface of the host: "9090:9090" does, "127.0.0.1:9090:9090" does not.
func TestComposePublishesCollectorOnLoopback(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "compose", "docker-compose.yaml"))
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Ports []any `yaml:"ports"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	svc, ok := compose.Services["otelcol"]
	require.True(t, ok, "compose/docker-compose.yaml has no otelcol service")
	for _, p := range svc.Ports {
		var hostIP string
		switch v := p.(type) {
		case string:
			parts := strings.Split(v, ":")
			if len(parts) == 3 {
				hostIP = parts[0]
			}
		case map[string]any:
			hostIP, _ = v["host_ip"].(string)
		}
		assert.Contains(t, []string{"127.0.0.1", "::1"}, hostIP, "compose publishes the collector's port %v on every host interface: write \"127.0.0.1:%v\"", p, p)
	}
}
