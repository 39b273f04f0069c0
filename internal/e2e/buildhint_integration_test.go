//go:build integration

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

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
