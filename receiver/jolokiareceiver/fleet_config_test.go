package jolokiareceiver

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
)

// TestLoadFleetConfig loads the README's sharding and proxy example the way
// the collector does: ${env:SHARD_INDEX} becomes the shard index.
func TestLoadFleetConfig(t *testing.T) {
	t.Setenv("SHARD_INDEX", "2")
	t.Setenv("JOLOKIA_PASSWORD", "agent-pw")
	t.Setenv("JMX_PASSWORD", "jmx-pw")
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + filepath.Join("testdata", "fleet.yaml")},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
	})
	require.NoError(t, err)
	conf, err := resolver.Resolve(context.Background())
	require.NoError(t, err)
	sub, err := conf.Sub("receivers::jolokia/fleet")
	require.NoError(t, err)
	cfg := createDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, cfg.Validate())
	assert.Equal(t, ShardConfig{Count: 3, Index: 2}, cfg.Shard)
	require.Len(t, cfg.Targets, 3)
	assert.Equal(t, &ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://billing-1:9010/jmxrmi", Username: "jmxmon", Password: "jmx-pw"},
		cfg.Targets[2].ProxyTarget)
	assert.Nil(t, cfg.Targets[0].ProxyTarget)

	t.Setenv("SHARD_INDEX", "3")
	conf, err = resolver.Resolve(context.Background())
	require.NoError(t, err)
	sub, err = conf.Sub("receivers::jolokia/fleet")
	require.NoError(t, err)
	cfg = createDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	assert.ErrorContains(t, cfg.Validate(), "`shard.index` must be in 0..2 for `shard.count` 3, got 3")
}
