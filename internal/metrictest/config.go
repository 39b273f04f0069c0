package metrictest

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/scraper/scraperhelper"
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

// Enable turns on every metric of an mdatagen MetricsConfig (a pointer)
// whose key starts with one of prefixes ("" for every metric), so a new
// metric in metadata.yaml is on in the tests without a list to keep up.
func Enable(metrics any, prefixes ...string) {
	v := reflect.ValueOf(metrics).Elem()
	for i := range v.NumField() {
		key := v.Type().Field(i).Tag.Get("mapstructure")
		if slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(key, p) }) {
			v.Field(i).FieldByName("Enabled").SetBool(true)
		}
	}
}

// Toggles lists the keys (as a user writes them under `metrics` or
// `resource_attributes`) that an mdatagen MetricsConfig or
// ResourceAttributesConfig turns on and off.
func Toggles(config any) (on, off []string) {
	v := reflect.ValueOf(config)
	for i := range v.NumField() {
		key := v.Type().Field(i).Tag.Get("mapstructure")
		if v.Field(i).FieldByName("Enabled").Bool() {
			on = append(on, key)
		} else {
			off = append(off, key)
		}
	}
	return on, off
}

// CheckContribDefaults checks the defaults the redis and mysql receivers
// take from their contrib counterparts: endpoint (localhost and the
// server's port) over tcp, a scrape every 10s, TLS off unless configured.
func CheckContribDefaults(t testing.TB, endpoint string, addr confignet.AddrConfig, scrape scraperhelper.ControllerConfig, tls configtls.ClientConfig) {
	t.Helper()
	assert.Equal(t, confignet.AddrConfig{Endpoint: endpoint, Transport: confignet.TransportTypeTCP}, addr)
	assert.Equal(t, 10*time.Second, scrape.CollectionInterval)
	assert.True(t, tls.Insecure, "TLS is off unless configured, as in contrib")
}

// LoadContribKeys unmarshals into cfg (a receiver's Config, which embeds
// its MetricsBuilderConfig) the `metrics` and `resource_attributes`
// sections of a contrib configuration that enables every metric and
// resource attribute named, checks that every metric named is then on, and
// that an unknown metric key is refused (so a key that stops loading fails
// the test).
func LoadContribKeys(t testing.TB, cfg any, metrics, resourceAttributes []string) {
	t.Helper()
	enable := func(keys ...string) map[string]any {
		section := map[string]any{}
		for _, key := range keys {
			section[key] = map[string]any{"enabled": true}
		}
		return section
	}
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"metrics":             enable(metrics...),
		"resource_attributes": enable(resourceAttributes...),
	}).Unmarshal(cfg))
	on, _ := Toggles(reflect.ValueOf(cfg).Elem().FieldByName("Metrics").Interface())
	assert.Subset(t, on, metrics)
	assert.Error(t, confmap.NewFromStringMap(map[string]any{"metrics": enable("no_such_metric")}).Unmarshal(cfg),
		"an unknown key is refused, so the test can fail")
}
