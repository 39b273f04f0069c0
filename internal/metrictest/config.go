package metrictest

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// UnmarshalConfig reads the section id of the package's testdata/config.yaml
// into cfg, which holds the factory's defaults, as the collector does. The
// file and the section must exist; Unmarshal's error is returned, since some
// sections are there to be refused.
func UnmarshalConfig(t testing.TB, id string, cfg any) error {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(id)
	require.NoError(t, err)
	return sub.Unmarshal(cfg)
}

// LoadConfig is UnmarshalConfig of a section that must load and pass the
// collector's validation.
func LoadConfig[C any](t testing.TB, id string, cfg C) C {
	t.Helper()
	require.NoError(t, UnmarshalConfig(t, id, cfg))
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}
