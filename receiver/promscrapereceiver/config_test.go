package promscrapereceiver

import (
	"testing"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v2"

	"github.com/moalog/platform-collector/internal/metrictest"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	cfg := createDefaultConfig().(*Config)
	return cfg, metrictest.UnmarshalConfig(t, name, cfg)
}

func TestConfigPrometheusDefaults(t *testing.T) {
	cfg, err := loadConfig(t, "promscrape/moalog")
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Len(t, cfg.PromConfig.ScrapeConfigs, 1)
	sc := cfg.PromConfig.ScrapeConfigs[0]
	assert.Equal(t, "moalog-server", sc.JobName)
	assert.Equal(t, model.Duration(15*time.Second), sc.ScrapeInterval)
	assert.Equal(t, model.Duration(10*time.Second), sc.ScrapeTimeout, "Prometheus' default timeout")
	assert.Equal(t, "/metrics", sc.MetricsPath)
	assert.Equal(t, "http", sc.Scheme)
	assert.False(t, sc.FollowRedirects, "unlike Prometheus: credentials never follow a redirect")
	assert.Equal(t, []StaticConfig{{Targets: []string{"localhost:8080"}}}, sc.StaticConfigs)
}

func TestConfigEveryKey(t *testing.T) {
	cfg, err := loadConfig(t, "promscrape/all")
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	apps, bearer := cfg.PromConfig.ScrapeConfigs[0], cfg.PromConfig.ScrapeConfigs[1]
	assert.Equal(t, model.Duration(5*time.Second), apps.ScrapeTimeout)
	assert.Equal(t, "https", apps.Scheme)
	assert.Equal(t, []string{"prometheus"}, apps.Params["format"])
	assert.True(t, apps.HonorLabels)
	assert.Equal(t, "monitor", apps.BasicAuth.Username)
	assert.Equal(t, "/etc/ssl/ca.pem", apps.TLSConfig.CAFile)
	assert.True(t, apps.FollowRedirects)
	assert.Equal(t, model.LabelSet{"env": "prod"}, apps.StaticConfigs[0].Labels)
	assert.Equal(t, model.Duration(5*time.Minute), apps.FileSDConfigs[0].RefreshInterval)
	assert.Equal(t, model.Duration(2*time.Minute), apps.HTTPSDConfigs[0].RefreshInterval)
	assert.Equal(t, DNSSDConfig{Names: []string{"_metrics._tcp.apps"}, Type: "SRV", RefreshInterval: model.Duration(30 * time.Second)}, apps.DNSSDConfigs[0])
	assert.Equal(t, "host", apps.RelabelConfigs[0].TargetLabel)
	assert.Equal(t, "drop", string(apps.MetricRelabelConfigs[0].Action))
	assert.Equal(t, uint(5000), apps.SampleLimit)
	assert.Equal(t, 10*units.MiB, apps.BodySizeLimit)
	assert.Equal(t, "Bearer", bearer.Authorization.Type, "Prometheus' default authorization type")
	// Secrets never print.
	printed, err := yaml.Marshal(cfg.PromConfig)
	require.NoError(t, err)
	assert.NotContains(t, string(printed), "s3cret")
	assert.NotContains(t, string(printed), "t0ken")
}

func TestConfigRefusesKeysOutsideTheSubset(t *testing.T) {
	for name, want := range map[string]string{
		"promscrape/kubernetes": `config: scrape_configs[0] (job pods): key "kubernetes_sd_configs" is not supported; ` + fullBuildHint,
		"promscrape/global":     `config: key "global" is not supported (only ` + "`scrape_configs:`" + ` is); ` + fullBuildHint,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			require.ErrorContains(t, err, want)
		})
	}
}

func TestConfigValidateNamesJobAndKey(t *testing.T) {
	cfg, err := loadConfig(t, "promscrape/bad")
	require.NoError(t, err)
	err = cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{
		`config: scrape_configs[0] (job "bad"): scrape_timeout 20s is longer than scrape_interval 10s: lower it`,
		`scheme "ftp": use http or https`,
		`relabel_configs[0]: relabel configuration for replace action requires 'target_label' value`,
		`file_sd_configs[0]: files is empty`,
		`http_sd_configs[0]: url "/targets" must be an absolute http(s) URL`,
		`dns_sd_configs[0]: type A needs port`,
		`dns_sd_configs[1]: names is empty`,
		`config: scrape_configs[1]: job_name "bad" is used twice`,
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.EqualError(t, (&Config{}).Validate(), "config: scrape_configs is empty: add at least one job with job_name and static_configs")
}
