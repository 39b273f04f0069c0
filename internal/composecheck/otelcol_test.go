package composecheck

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/testenv"
)

// address matches host:port, [v6]:port and URLs with a host.
var address = regexp.MustCompile(`^([a-z]+://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.\-]+)(:\d+)?(/\S*)?$`)

// normalize replaces every address with "<address>" so two configs that differ
// only in where they connect or listen compare equal.
func normalize(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[k] = normalize(val, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = normalize(val, key)
		}
		return out
	case string:
		// endpoint and targets hold addresses whatever their value looks
		// like; host only when it is one (or empty).
		if key == "endpoint" || key == "targets" || (key == "host" && (address.MatchString(x) || x == "")) {
			return "<address>"
		}
		return x
	}
	return v
}

// loadYAML reads the YAML file at path, relative to the repository root.
func loadYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), path))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &m), path)
	return m
}

// TestComposeCollectorConfigDiffersOnlyInAddresses: compose/otelcol.yaml is the
// root otelcol.yaml with other addresses, every receiver included.
func TestComposeCollectorConfigDiffersOnlyInAddresses(t *testing.T) {
	root := normalize(loadYAML(t, "otelcol.yaml"), "")
	comp := normalize(loadYAML(t, "compose/otelcol.yaml"), "")
	require.Equal(t, root, comp, "compose/otelcol.yaml must equal otelcol.yaml except for addresses")
}

// TestNormalize: the comparison ignores addresses and nothing else.
func TestNormalize(t *testing.T) {
	a := map[string]any{"endpoint": "127.0.0.1:9090", "x": []any{"localhost:8080"}, "host": "127.0.0.1", "limit_mib": 256}
	b := map[string]any{"endpoint": "0.0.0.0:9090", "x": []any{"localhost:8080"}, "host": "0.0.0.0", "limit_mib": 256}
	require.Equal(t, normalize(a, ""), normalize(b, ""))
	c := map[string]any{"endpoint": "0.0.0.0:9090", "x": []any{"localhost:8080"}, "host": "0.0.0.0", "limit_mib": 512}
	require.NotEqual(t, normalize(a, ""), normalize(c, ""))
	require.Equal(t,
		normalize(map[string]any{"targets": []any{"localhost:8080"}}, ""),
		normalize(map[string]any{"targets": []any{"moalog-server:8080"}}, ""))
	require.Equal(t,
		normalize(map[string]any{"endpoint": "http://localhost:8778/jolokia"}, ""),
		normalize(map[string]any{"endpoint": "http://rate-limiter:8778/jolokia"}, ""))
}

// TestShippedMoalogScrapeIsBounded: every shipped config bounds the moalog
// scrape's body and sample count (issue 17: without body_size_limit a 1 MB
// gzip body inflating to 512 MiB peaked at 1.9 GiB).
func TestShippedMoalogScrapeIsBounded(t *testing.T) {
	for _, path := range []string{"otelcol.yaml", "compose/otelcol.yaml", "bench/config/promscrape.yaml"} {
		cfg := loadYAML(t, path)
		moalog := cfg["receivers"].(map[string]any)["promscrape/moalog"].(map[string]any)
		for _, sc := range moalog["config"].(map[string]any)["scrape_configs"].([]any) {
			scrape := sc.(map[string]any)
			require.Equal(t, "16MB", scrape["body_size_limit"], path)
			require.Equal(t, 5000, scrape["sample_limit"], path)
		}
	}
}

// TestShippedConfigsDropScopeLabels: every shipped collector config serves
// :9090 without the otel_scope_* labels (TestPlatform/dashboards_live checks
// the page itself).
func TestShippedConfigsDropScopeLabels(t *testing.T) {
	for _, path := range []string{"otelcol.yaml", "compose/otelcol.yaml", "bench/config/base.yaml"} {
		cfg := loadYAML(t, path)
		prom, _ := cfg["exporters"].(map[string]any)["prometheus"].(map[string]any)
		require.Equal(t, true, prom["without_scope_info"], "%s: exporters::prometheus::without_scope_info", path)
	}
}
