package composecheck

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/testenv"
)

// resolvePassword resolves `password: ${env:REDIS_PASSWORD}` the way the
// collector does (the providers of builder-config.yaml) with the variable set
// to value.
func resolvePassword(t *testing.T, value string) (any, error) {
	t.Setenv("REDIS_PASSWORD", value)
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte("password: ${env:REDIS_PASSWORD}\n"), 0o600))
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs: []string{"file:" + path},
		ProviderFactories: []confmap.ProviderFactory{
			envprovider.NewFactory(), fileprovider.NewFactory(), yamlprovider.NewFactory(),
		},
		DefaultScheme: "env",
	})
	require.NoError(t, err)
	conf, err := resolver.Resolve(context.Background())
	if err != nil {
		return nil, err
	}
	return conf.Get("password"), nil
}

// TestNoHTTPConfigProvider: builder-config.yaml builds the collector with the
// env, file and yaml providers only (the ones resolvePassword uses).
func TestNoHTTPConfigProvider(t *testing.T) {
	var manifest struct {
		Providers []struct {
			GoMod string `yaml:"gomod"`
		} `yaml:"providers"`
	}
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "builder-config.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, &manifest))
	var providers []string
	for _, p := range manifest.Providers {
		providers = append(providers, p.GoMod)
	}
	assert.Equal(t, []string{
		"go.opentelemetry.io/collector/confmap/provider/envprovider v1.71.0",
		"go.opentelemetry.io/collector/confmap/provider/fileprovider v1.71.0",
		"go.opentelemetry.io/collector/confmap/provider/yamlprovider v1.71.0",
	}, providers)
}

// TestEnvValuesAreExpandedAgain is the README's "Configuration values"
// section: what the collector makes of an environment value with `$` in it.
func TestEnvValuesAreExpandedAgain(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secret, []byte("from-a-file"), 0o600))
	tests := []struct {
		env  string
		want any
		err  string
	}{
		{env: "plain-pass", want: "plain-pass"},
		{env: "p@$$w0rd", want: "p@$w0rd"},                                      // $$ is an escaped $, even inside the value
		{env: "p@$$$$w0rd", want: "p@$$w0rd"},                                   // so double every $ to keep it
		{env: "p@$w0rd", want: "p@$w0rd"},                                       // a lone $ not followed by { stays
		{env: "${file:" + secret + "}", want: "from-a-file"},                    // a reference inside the value is resolved
		{env: "${env:I17_SURELY_UNSET}", want: nil},                             // an unset variable: no password at all
		{env: "${http://127.0.0.1:1/x}", err: `scheme "http" is not supported`}, // no http provider: no request
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			got, err := resolvePassword(t, tt.env)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
