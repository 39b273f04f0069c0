//go:build integration

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/moalog/platform-collector/internal/testenv"
)

// The lean build refuses the full build's prometheus receiver by naming
// ./otelcol-full, which validates the same config.
func TestLeanBuildPointsToTheFullBuild(t *testing.T) {
	// Its listen addresses moved off 9090 and 8888, which other programs on
	// a shared machine may hold.
	args := []string{"--config", filepath.Join(testenv.RepoRoot(), ".ci", "full-build.yaml"),
		"--set=exporters::prometheus::endpoint=" + testenv.Addr(testenv.FreePort(t)), "--set=service::telemetry::metrics::level=none"}
	code, out := validate(t, "otelcol", args...)
	assert.Equal(t, 1, code)
	assert.Equal(t, validatePrefix+`receivers::prometheus/kubernetes: the "prometheus" receiver is in the full build only: `+
		"run ./otelcol-full (`make build-full`, README \"Which build\")", strings.TrimSpace(out))

	code, out = validate(t, "otelcol-full", args...)
	assert.Equal(t, 0, code, out)
}

// Every receiver and exporter type that only the full build has gets the
// hint from the lean build, so buildhint's list follows the full build's
// manifest: a component added there without the hint fails here.
func TestEveryFullOnlyTypeHasTheHint(t *testing.T) {
	lean, full := componentTypes(t, "otelcol"), componentTypes(t, "otelcol-full")
	checked := 0
	for _, kind := range []string{"receivers", "exporters"} {
		for _, typ := range full[kind] {
			if slices.Contains(lean[kind], typ) {
				continue
			}
			checked++
			config := filepath.Join(t.TempDir(), "otelcol.yaml")
			require.NoError(t, os.WriteFile(config, []byte(kind+":\n  "+typ+": {}\n"), 0o600))
			code, out := validate(t, "otelcol", "--config", config)
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, kind+"::"+typ+": the \""+typ+"\" "+strings.TrimSuffix(kind, "s")+" is in the full build only: run ./otelcol-full")
		}
	}
	assert.Positive(t, checked, "the full build has no type the lean build lacks")
}

// componentTypes lists the receiver and exporter types `build components`
// prints.
func componentTypes(t *testing.T, build string) map[string][]string {
	out, err := exec.Command(testenv.CollectorBin(t, build), "components").Output()
	require.NoError(t, err)
	var listed struct{ Receivers, Exporters []struct{ Name string } }
	require.NoError(t, yaml.Unmarshal(out, &listed))
	types := map[string][]string{}
	for kind, components := range map[string][]struct{ Name string }{"receivers": listed.Receivers, "exporters": listed.Exporters} {
		for _, c := range components {
			types[kind] = append(types[kind], c.Name)
		}
	}
	return types
}
