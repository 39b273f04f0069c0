package testenv

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// CollectorBinary refuses a binary older than the newest source it is built
// from, naming the command that rebuilds it.
func TestCollectorBinaryRefusesAStaleBuild(t *testing.T) {
	newest, err := newestSource(filepath.Join(RepoRoot(), "cmd", "otelcol"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		modTime time.Time // zero: no file
		wantErr string
	}{
		{"missing", time.Time{}, "not found: run `make build` first"},
		{"older than a source", newest.modTime.Add(-time.Second), "is older than " + newest.path},
		{"newer than every source", newest.modTime.Add(time.Second), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "otelcol")
			if !tt.modTime.IsZero() {
				require.NoError(t, os.WriteFile(bin, nil, 0o755))
				require.NoError(t, os.Chtimes(bin, tt.modTime, tt.modTime))
			}
			t.Setenv("OTELCOL_BIN", bin)
			got, err := CollectorBinary("otelcol")
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, bin, got)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			require.ErrorContains(t, err, "make build")
		})
	}
}
