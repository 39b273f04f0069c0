//go:build integration

package e2e

import (
	"testing"

	"github.com/moalog/platform-collector/internal/testenv"
)

// binary is the collector under test: $OTELCOL_BIN (set by `make test`) or ./otelcol.
func binary(t *testing.T) string { return testenv.CollectorBin(t, "otelcol") }

// fullBinary is the full build: $OTELCOL_FULL_BIN (set by `make test`) or ./otelcol-full.
func fullBinary(t *testing.T) string { return testenv.CollectorBin(t, "otelcol-full") }

func equals(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
