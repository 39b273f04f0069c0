package jolokiareceiver

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"

	"github.com/moalog/platform-collector/internal/metrictest"
)

func TestLoadConfig(t *testing.T) {
	def := metrictest.LoadConfig(t, "jolokia", createDefaultConfig())
	assert.Equal(t, 15*time.Second, def.CollectionInterval)
	assert.Equal(t, 5*time.Second, def.Timeout)
	assert.Equal(t, int64(4<<20), def.MaxResponseBytes)
	assert.Equal(t, []string{"jvm"}, def.Presets)

	fp := metrictest.LoadConfig(t, "jolokia/fluxpay", createDefaultConfig())
	require.NoError(t, confmap.Validate(fp))
	assert.Equal(t, "http://fluxpay-engine:8778/jolokia", fp.Endpoint)
	assert.Equal(t, "monitor", fp.Username)
	assert.Equal(t, "s3cret", string(fp.Password))
	assert.True(t, fp.TLS.InsecureSkipVerify)
	assert.Equal(t, "payments", string(fp.Headers["X-Team"]))
	assert.Equal(t, int64(1048576), fp.MaxResponseBytes)
	assert.Equal(t, "fluxpay-engine", fp.ServiceName)
	assert.Equal(t, map[string]string{"deployment.environment.name": "prod"}, fp.ResourceAttributes)
	require.Len(t, fp.Metrics, 3)
	assert.Equal(t, MetricConfig{Name: "fluxpay.payments", MBean: "com.fluxpay:type=Payments,name=*", Attribute: "TotalPayments",
		Type: "sum", Unit: "{payment}", Description: "Payments processed", Labels: map[string]string{"payment.kind": "name"}}, fp.Metrics[0])
	assert.Equal(t, 0.001, fp.Metrics[2].Scale)

	every := configFor("http://localhost:8778/jolokia")
	every.Presets = presetNames()
	assert.Equal(t, []string{"commons-pool2", "hikaricp", "jvm", "kafka-client", "micrometer-jmx", "r2dbc-pool", "tomcat"}, every.Presets)
	require.NoError(t, confmap.Validate(every), "every preset together")

	fleet := metrictest.LoadConfig(t, "jolokia/fleet", createDefaultConfig())
	require.NoError(t, confmap.Validate(fleet))
	assert.Empty(t, fleet.Presets, "presets: [] turns presets off")
	targets := fleet.targets()
	require.Len(t, targets, 2)
	assert.Equal(t, Target{Endpoint: "http://10.0.0.5:8778/jolokia", ServiceName: "rate-limiter", Username: "fleet", Password: "fleetpw"}, targets[0])
	assert.Equal(t, Target{Endpoint: "http://10.0.0.6:8778/jolokia", ServiceName: "rate-limiter", Username: "other", Password: "otherpw"}, targets[1])
}

func TestValidateErrors(t *testing.T) {
	for name, tt := range map[string]struct {
		mod  func(c *Config)
		errs []string // every one must appear in the message
	}{
		"no endpoint": {func(c *Config) { c.Endpoint = "" },
			[]string{"`endpoint` or `targets` is required: set `endpoint: http://<host>:8778/jolokia`"}},
		"both endpoint and targets": {func(c *Config) { c.Targets = []Target{{Endpoint: "http://b:8778/jolokia"}} },
			[]string{"`endpoint` and `targets` are mutually exclusive: move the endpoint into `targets`"}},
		"endpoint without scheme": {func(c *Config) { c.Endpoint = "localhost:8778/jolokia" },
			[]string{"`endpoint`: \"localhost:8778/jolokia\" must start with http:// or https:// (e.g. http://localhost:8778/jolokia)"}},
		"credentials in the URL": {func(c *Config) { c.Endpoint = "http://u:secret@h:8778/jolokia" },
			[]string{"`endpoint`: \"http://h:8778/jolokia\" carries credentials: use `username` and `password` instead"}},
		"duplicate target": {func(c *Config) {
			c.Endpoint = ""
			c.Targets = []Target{{Endpoint: "http://a:8778/jolokia"}, {Endpoint: "http://a:8778/jolokia"}}
		}, []string{"`targets[1].endpoint`: http://a:8778/jolokia is listed twice"}},
		"unknown preset": {func(c *Config) { c.Presets = []string{"jvm", "websphere"} },
			[]string{"`presets`: unknown preset \"websphere\" (known: commons-pool2, hikaricp, jvm, kafka-client, micrometer-jmx, r2dbc-pool, tomcat)"}},
		"bad ObjectName": {func(c *Config) {
			c.Metrics = []MetricConfig{{Name: "app.x", MBean: "com.app:type", Attribute: "Count"}}
		}, []string{"metrics[0] (app.x): `mbean` \"com.app:type\" is not a valid ObjectName: key property \"type\" has no \"=\""}},
		"unknown type": {func(c *Config) {
			c.Metrics = []MetricConfig{{Name: "app.x", MBean: "com.app:type=X", Attribute: "Count", Type: "counter"}}
		}, []string{"metrics[0] (app.x): `type` \"counter\" is unknown: use gauge, sum or updowncounter"}},
		"missing keys": {func(c *Config) { c.Metrics = []MetricConfig{{}} },
			[]string{"metrics[0] (): `name` is required", "`mbean` is required", "`attribute` is required"}},
		"same name, other unit": {func(c *Config) {
			c.Metrics = []MetricConfig{
				{Name: "app.x", MBean: "com.app:type=X", Attribute: "Count", Unit: "ms"},
				{Name: "app.x", MBean: "com.app:type=Y", Attribute: "Count", Unit: "s"},
			}
		}, []string{"metrics[1]: metric \"app.x\" is defined twice with different `type`/`unit` (gauge \"ms\" and gauge \"s\"): give one of them another `name`"}},
		"clash with the preset": {func(c *Config) {
			c.Metrics = []MetricConfig{{Name: "jvm.memory.used", MBean: "com.app:type=X", Attribute: "Used", Unit: "MiB"}}
		}, []string{"metrics[0]: metric \"jvm.memory.used\" is defined twice with different `type`/`unit` (updowncounter \"By\" and gauge \"MiB\")"}},
		"path labels without wildcards": {func(c *Config) {
			c.Metrics = []MetricConfig{{Name: "app.x", MBean: "com.app:type=X", Attribute: "ByRegion", Path: "eu/value", PathLabels: []string{"region"}}}
		}, []string{"`path_labels` names 1 segments but `path` \"eu/value\" has 0 \"*\""}},
		"attribute with a slash": {func(c *Config) {
			c.Metrics = []MetricConfig{{Name: "app.x", MBean: "com.app:type=X", Attribute: "Usage/used"}}
		}, []string{"`attribute` \"Usage/used\" must be one attribute name, without \"*\" or \"/\" (use `path` to go inside it)"}},
		"timeout": {func(c *Config) { c.Timeout = 0 },
			[]string{"`timeout` must be positive, got 0s: a target that never answers would hold up every scrape"}},
		"max_response_bytes": {func(c *Config) { c.MaxResponseBytes = 0 },
			[]string{"`max_response_bytes` must be positive, got 0"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := configFor("http://localhost:8778/jolokia")
			tt.mod(cfg)
			for _, want := range tt.errs {
				assert.ErrorContains(t, confmap.Validate(cfg), want)
			}
		})
	}
}

func TestPasswordNeverPrinted(t *testing.T) {
	cfg := configFor("http://localhost:8778/jolokia")
	cfg.Password = "hunter2"
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	assert.NotContains(t, fmt.Sprint(conf.ToStringMap()), "hunter2")
}

func TestLabelRegexValidate(t *testing.T) {
	base := MetricConfig{Name: "pool.active", MBean: "com.zaxxer.hikari:type=Pool (*)", Attribute: "ActiveConnections",
		Labels: map[string]string{"pool": "type"}}
	for expr, want := range map[string]string{
		`^Pool \((.*)\)$`:   "",
		`^Pool \(.*\)$`:     "`label_regex.pool` \"^Pool \\\\(.*\\\\)$\" must have exactly one capture group (the part to keep)",
		`^(Pool) \((.*)\)$`: "must have exactly one capture group",
		`^Pool \((.*$`:      "`label_regex.pool`: error parsing regexp",
	} {
		m := base
		m.LabelRegex = map[string]string{"pool": expr}
		err := m.validate()
		if want == "" {
			assert.NoError(t, err, expr)
		} else {
			assert.ErrorContains(t, err, want, expr)
		}
	}
	m := base
	m.LabelRegex = map[string]string{"name": `(.*)`}
	assert.ErrorContains(t, m.validate(), "`label_regex.name`: \"name\" is not one of `labels`")
}

// TestLoadFleetConfig loads the README's sharding and proxy example the way
// the collector does: ${env:SHARD_INDEX} becomes the shard index.
func TestLoadFleetConfig(t *testing.T) {
	t.Setenv("SHARD_INDEX", "2")
	t.Setenv("JOLOKIA_PASSWORD", "agent-pw")
	t.Setenv("JMX_PASSWORD", "jmx-pw")
	fleet := func() *Config {
		return resolveReceiver(t, "file:"+filepath.Join("testdata", "fleet.yaml"), "jolokia/fleet", fileprovider.NewFactory())
	}
	cfg := fleet()
	require.NoError(t, cfg.Validate())
	assert.Equal(t, ShardConfig{Count: 3, Index: 2}, cfg.Shard)
	require.Len(t, cfg.Targets, 3)
	assert.Equal(t, &ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://billing-1:9010/jmxrmi", Username: "jmxmon", Password: "jmx-pw"},
		cfg.Targets[2].ProxyTarget)
	assert.Nil(t, cfg.Targets[0].ProxyTarget)

	t.Setenv("SHARD_INDEX", "3")
	assert.ErrorContains(t, fleet().Validate(), "`shard.index` must be in 0..2 for `shard.count` 3, got 3")
}

// resolveReceiver resolves uri as the collector does (the env provider and
// default scheme besides provider) and decodes receivers::<id> over the
// receiver's defaults.
func resolveReceiver(t *testing.T, uri, id string, provider confmap.ProviderFactory) *Config {
	t.Helper()
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{uri},
		ProviderFactories: []confmap.ProviderFactory{provider, envprovider.NewFactory()},
		DefaultScheme:     "env",
	})
	require.NoError(t, err)
	conf, err := resolver.Resolve(context.Background())
	require.NoError(t, err)
	sub, err := conf.Sub("receivers::" + id)
	require.NoError(t, err)
	cfg := createDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}
