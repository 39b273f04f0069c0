package dashboards

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func repoPath(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// TestGeneratedFilesAreCommitted: grafana/dashboards/ holds exactly what
// `go run ./tools/dashboards` writes, byte for byte, and generating twice gives the same bytes.
func TestGeneratedFilesAreCommitted(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	again, err := All()
	require.NoError(t, err)
	var files []string
	for i, d := range all {
		b, err := Render(d.Dashboard)
		require.NoError(t, err)
		b2, err := Render(again[i].Dashboard)
		require.NoError(t, err)
		require.Equal(t, string(b), string(b2), "%s: output is not deterministic", d.File)
		committed, err := os.ReadFile(repoPath("grafana", "dashboards", d.File))
		require.NoError(t, err, "run `go run ./tools/dashboards`")
		require.Equal(t, string(b), string(committed), "%s differs from the generator: run `go run ./tools/dashboards`", d.File)
		files = append(files, d.File)
	}
	entries, err := os.ReadDir(repoPath("grafana", "dashboards"))
	require.NoError(t, err)
	for _, e := range entries {
		require.True(t, slices.Contains(files, e.Name()), "%s in grafana/dashboards is not generated", e.Name())
	}
	require.Len(t, files, 4)
}

// loadCommitted loads every committed dashboard through the SDK's strict path.
func loadCommitted(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	paths, err := filepath.Glob(repoPath("grafana", "dashboards", "*.json"))
	require.NoError(t, err)
	require.Len(t, paths, 4)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.Base(p)] = raw
	}
	return out
}

// TestStrictUnmarshalAndValidate: every file passes UnmarshalJSONStrict and Validate.
func TestStrictUnmarshalAndValidate(t *testing.T) {
	for name, raw := range loadCommitted(t) {
		d, err := Load(raw)
		require.NoError(t, err, name)
		require.NotNil(t, d.Uid, name)
		require.NotEmpty(t, d.Panels, name)
	}
}

// TestIsError: the SDK's typed-nil BuildErrors is not an error; a real one is.
func TestIsError(t *testing.T) {
	require.False(t, isError(nil))
	var typedNil *os.PathError
	require.False(t, isError(typedNil))
	require.True(t, isError(os.ErrNotExist))
	_, err := Load([]byte(`{"title":"x","panels":[],"unknownField":1}`))
	require.Error(t, err, "strict unmarshal must refuse unknown fields")

	// An unknown field deep inside a panel's target is refused too.
	raw := loadCommitted(t)["moalog-server.json"]
	bad := strings.Replace(string(raw), `"legendFormat"`, `"legendFormatt"`, 1)
	require.NotEqual(t, string(raw), bad)
	_, err = Load([]byte(bad))
	require.Error(t, err)
}

// TestEveryQueryParsesAndUsesKnownNames: every panel has queries, every
// expression parses with the PromQL parser (v0.315.1), every metric name it
// reads is listed in names.go, every panel has a unit, every target a legend.
func TestEveryQueryParsesAndUsesKnownNames(t *testing.T) {
	used := map[string]bool{}
	for name, raw := range loadCommitted(t) {
		d, err := Load(raw)
		require.NoError(t, err)
		panels, err := Queries(d)
		require.NoError(t, err, name)
		for _, p := range panels {
			require.NotEmpty(t, p.Title, name)
			require.NotEmpty(t, p.Exprs, "%s: panel %q has no query", name, p.Title)
			for _, e := range p.Exprs {
				names, err := MetricNames(e)
				require.NoError(t, err, "%s: panel %q: %s", name, p.Title, e)
				require.NotEmpty(t, names, "%s: panel %q reads no metric: %s", name, p.Title, e)
				for _, n := range names {
					require.Contains(t, Known, n, "%s: panel %q uses %s, not in names.go", name, p.Title, n)
					used[n] = true
				}
			}
		}
		vars, err := Variables(d)
		require.NoError(t, err, name)
		for _, v := range vars {
			names, err := MetricNames(v.Selector)
			require.NoError(t, err, "%s: variable %s", name, v.Name)
			require.Len(t, names, 1)
			require.Contains(t, Known, names[0], "%s: variable %s uses %s", name, v.Name, names[0])
		}
		for _, p := range d.Panels {
			if p.Panel == nil {
				continue
			}
			require.NotNil(t, p.Panel.FieldConfig, "%s: %v", name, p.Panel.Title)
			require.NotNil(t, p.Panel.FieldConfig.Defaults.Unit, "%s: panel %q has no unit", name, *p.Panel.Title)
		}
	}
	for _, n := range Known {
		require.True(t, used[n], "names.go lists %s but no panel uses it", n)
	}
}

func TestSubstitute(t *testing.T) {
	require.Equal(t, `rate(x{job=~".*",instance=~".*"}[1m])`, Substitute(`rate(x{job=~"$job",instance=~"$instance"}[$__rate_interval])`))
	require.Equal(t, `increase(x[5m])`, Substitute(`increase(x[$__range])`))
}
