package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/units"
	commonconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/relabel"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v2"
)

// fullBuildHint ends every error about a key this receiver does not have.
const fullBuildHint = "the lean build's promscrape receiver supports only a subset of Prometheus' scrape_config; " +
	"use the contrib `prometheus` receiver of ./otelcol-full (`make build-full`, README \"Which build\") for it"

// Config is the receiver's configuration: a `config:` block in the shape of a
// prometheus.yml, as the contrib prometheus receiver takes it, so a block moves
// between the two receivers (and from a prometheus.yml) unchanged. Unmarshal
// reads it with Prometheus' YAML rules, hence no mapstructure decoding.
type Config struct {
	PromConfig PromConfig `mapstructure:"-"`
}

// PromConfig is the part of a prometheus.yml this receiver reads.
type PromConfig struct {
	ScrapeConfigs []*ScrapeConfig `yaml:"scrape_configs"`
}

// ScrapeConfig is the subset of Prometheus' scrape_config this receiver
// supports, with Prometheus' key names and defaults.
type ScrapeConfig struct {
	JobName        string         `yaml:"job_name"`
	ScrapeInterval model.Duration `yaml:"scrape_interval"`
	ScrapeTimeout  model.Duration `yaml:"scrape_timeout"`
	MetricsPath    string         `yaml:"metrics_path"`
	Scheme         string         `yaml:"scheme"`
	Params         url.Values     `yaml:"params"`
	HonorLabels    bool           `yaml:"honor_labels"`

	BasicAuth     *commonconfig.BasicAuth     `yaml:"basic_auth"`
	Authorization *commonconfig.Authorization `yaml:"authorization"`
	TLSConfig     commonconfig.TLSConfig      `yaml:"tls_config"`
	// FollowRedirects defaults to false, unlike Prometheus: Prometheus'
	// client adds basic_auth and authorization to every request, a
	// redirect's included, so a target answering 30x would hand the
	// credentials to whatever host it names.
	FollowRedirects bool `yaml:"follow_redirects"`

	StaticConfigs []StaticConfig `yaml:"static_configs"`
	FileSDConfigs []FileSDConfig `yaml:"file_sd_configs"`
	HTTPSDConfigs []HTTPSDConfig `yaml:"http_sd_configs"`
	DNSSDConfigs  []DNSSDConfig  `yaml:"dns_sd_configs"`

	RelabelConfigs       []*relabel.Config `yaml:"relabel_configs"`
	MetricRelabelConfigs []*relabel.Config `yaml:"metric_relabel_configs"`

	SampleLimit   uint             `yaml:"sample_limit"`
	BodySizeLimit units.Base2Bytes `yaml:"body_size_limit"`
}

// StaticConfig is one `static_configs` entry (a Prometheus target group).
type StaticConfig struct {
	Targets []string       `yaml:"targets"`
	Labels  model.LabelSet `yaml:"labels"`
}

// FileSDConfig is one `file_sd_configs` entry.
type FileSDConfig struct {
	Files           []string       `yaml:"files"`
	RefreshInterval model.Duration `yaml:"refresh_interval"`
}

// HTTPSDConfig is one `http_sd_configs` entry (no authentication of its own).
type HTTPSDConfig struct {
	URL             string         `yaml:"url"`
	RefreshInterval model.Duration `yaml:"refresh_interval"`
}

// DNSSDConfig is one `dns_sd_configs` entry: A, AAAA or SRV records.
type DNSSDConfig struct {
	Names           []string       `yaml:"names"`
	Type            string         `yaml:"type"`
	Port            int            `yaml:"port"`
	RefreshInterval model.Duration `yaml:"refresh_interval"`
}

// Prometheus' defaults (config.DefaultGlobalConfig, discovery/*.DefaultSDConfig).
const (
	defaultScrapeInterval  = model.Duration(time.Minute)
	defaultScrapeTimeout   = model.Duration(10 * time.Second)
	defaultFileSDRefresh   = model.Duration(5 * time.Minute)
	defaultHTTPSDRefresh   = model.Duration(time.Minute)
	defaultDNSSDRefresh    = model.Duration(30 * time.Second)
	defaultMetricsPath     = "/metrics"
	defaultScheme          = "http"
	defaultDNSSDRecordType = "SRV"
)

// UnmarshalYAML applies Prometheus' defaults before reading the keys.
func (sc *ScrapeConfig) UnmarshalYAML(unmarshal func(any) error) error {
	type plain ScrapeConfig
	*sc = ScrapeConfig{ScrapeInterval: defaultScrapeInterval, MetricsPath: defaultMetricsPath, Scheme: defaultScheme}
	if err := unmarshal((*plain)(sc)); err != nil {
		return err
	}
	if sc.ScrapeTimeout == 0 {
		sc.ScrapeTimeout = min(defaultScrapeTimeout, sc.ScrapeInterval)
	}
	for i := range sc.FileSDConfigs {
		sc.FileSDConfigs[i].RefreshInterval = orDefault(sc.FileSDConfigs[i].RefreshInterval, defaultFileSDRefresh)
	}
	for i := range sc.HTTPSDConfigs {
		sc.HTTPSDConfigs[i].RefreshInterval = orDefault(sc.HTTPSDConfigs[i].RefreshInterval, defaultHTTPSDRefresh)
	}
	for i := range sc.DNSSDConfigs {
		sc.DNSSDConfigs[i].RefreshInterval = orDefault(sc.DNSSDConfigs[i].RefreshInterval, defaultDNSSDRefresh)
		if sc.DNSSDConfigs[i].Type == "" {
			sc.DNSSDConfigs[i].Type = defaultDNSSDRecordType
		}
	}
	return nil
}

func orDefault(d, def model.Duration) model.Duration {
	if d == 0 {
		return def
	}
	return d
}

// supportedScrapeKeys are the scrape_config keys this receiver reads.
var supportedScrapeKeys = []string{
	"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params",
	"basic_auth", "authorization", "tls_config", "follow_redirects", "honor_labels",
	"static_configs", "file_sd_configs", "http_sd_configs", "dns_sd_configs",
	"relabel_configs", "metric_relabel_configs", "sample_limit", "body_size_limit",
}

// Unmarshal reads the `config:` block with Prometheus' YAML rules (durations,
// sizes, relabel regexes) after refusing, by name, every key outside the subset.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := refuseUnknownKeys(conf.ToStringMap()); err != nil {
		return err
	}
	sub, err := conf.Sub("config")
	if err != nil {
		return err
	}
	raw, err := yaml.Marshal(sub.ToStringMap())
	if err != nil {
		return err
	}
	cfg.PromConfig = PromConfig{}
	if err := yaml.UnmarshalStrict(raw, &cfg.PromConfig); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// refuseUnknownKeys names the first key of the receiver block, of `config:`
// or of a scrape config that this receiver does not read.
func refuseUnknownKeys(block map[string]any) error {
	if key := unknownKey(block, "config"); key != "" {
		return fmt.Errorf("key %q is not supported (only `config:` is); %s", key, fullBuildHint)
	}
	config, _ := block["config"].(map[string]any)
	if key := unknownKey(config, "scrape_configs"); key != "" {
		return fmt.Errorf("config: key %q is not supported (only `scrape_configs:` is); %s", key, fullBuildHint)
	}
	scrapeConfigs, _ := config["scrape_configs"].([]any)
	for i, sc := range scrapeConfigs {
		fields, _ := sc.(map[string]any)
		if key := unknownKey(fields, supportedScrapeKeys...); key != "" {
			return fmt.Errorf("config: scrape_configs[%d] (job %v): key %q is not supported; %s", i, fields["job_name"], key, fullBuildHint)
		}
	}
	return nil
}

// unknownKey returns the alphabetically first key of m not in known.
func unknownKey(m map[string]any, known ...string) string {
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) == 0 {
		return ""
	}
	return unknown[0]
}

// Validate checks every scrape config; each error names the job and the key.
func (cfg *Config) Validate() error {
	if len(cfg.PromConfig.ScrapeConfigs) == 0 {
		return errors.New("config: scrape_configs is empty: add at least one job with job_name and static_configs")
	}
	var errs []error
	jobs := map[string]bool{}
	for i, sc := range cfg.PromConfig.ScrapeConfigs {
		if sc == nil {
			errs = append(errs, fmt.Errorf("config: scrape_configs[%d] is empty", i))
			continue
		}
		if jobs[sc.JobName] {
			errs = append(errs, fmt.Errorf("config: scrape_configs[%d]: job_name %q is used twice: job names must be unique", i, sc.JobName))
		}
		jobs[sc.JobName] = true
		if err := sc.validate(); err != nil {
			errs = append(errs, fmt.Errorf("config: scrape_configs[%d] (job %q): %w", i, sc.JobName, err))
		}
	}
	return errors.Join(errs...)
}

func (sc *ScrapeConfig) validate() error {
	var errs []error
	if sc.JobName == "" {
		errs = append(errs, errors.New("job_name is missing"))
	}
	if sc.ScrapeInterval <= 0 {
		errs = append(errs, errors.New("scrape_interval must be positive, e.g. 15s"))
	}
	if sc.ScrapeTimeout > sc.ScrapeInterval {
		errs = append(errs, fmt.Errorf("scrape_timeout %s is longer than scrape_interval %s: lower it", sc.ScrapeTimeout, sc.ScrapeInterval))
	}
	if sc.Scheme != "http" && sc.Scheme != "https" {
		errs = append(errs, fmt.Errorf("scheme %q: use http or https", sc.Scheme))
	}
	client := sc.httpClientConfig()
	if err := client.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("basic_auth/authorization/tls_config: %w", err))
	}
	for i, rc := range sc.RelabelConfigs {
		if err := rc.Validate(model.UTF8Validation); err != nil {
			errs = append(errs, fmt.Errorf("relabel_configs[%d]: %w", i, err))
		}
	}
	for i, rc := range sc.MetricRelabelConfigs {
		if err := rc.Validate(model.UTF8Validation); err != nil {
			errs = append(errs, fmt.Errorf("metric_relabel_configs[%d]: %w", i, err))
		}
	}
	errs = append(errs, sc.validateDiscovery()...)
	return errors.Join(errs...)
}

func (sc *ScrapeConfig) validateDiscovery() []error {
	var errs []error
	for i, fc := range sc.FileSDConfigs {
		if len(fc.Files) == 0 {
			errs = append(errs, fmt.Errorf("file_sd_configs[%d]: files is empty: list the target files (JSON or YAML, globs allowed)", i))
		}
	}
	for i, hc := range sc.HTTPSDConfigs {
		if u, err := url.Parse(hc.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("http_sd_configs[%d]: url %q must be an absolute http(s) URL", i, hc.URL))
		}
	}
	for i, dc := range sc.DNSSDConfigs {
		switch {
		case len(dc.Names) == 0:
			errs = append(errs, fmt.Errorf("dns_sd_configs[%d]: names is empty: list the DNS names to resolve", i))
		case !slices.Contains([]string{"A", "AAAA", "SRV"}, strings.ToUpper(dc.Type)):
			errs = append(errs, fmt.Errorf("dns_sd_configs[%d]: type %q: use A, AAAA or SRV", i, dc.Type))
		case strings.ToUpper(dc.Type) != "SRV" && dc.Port == 0:
			errs = append(errs, fmt.Errorf("dns_sd_configs[%d]: type %s needs port: the port to scrape on every address", i, dc.Type))
		}
	}
	return errs
}

// httpClientConfig is the scrape client's settings in Prometheus' own type.
func (sc *ScrapeConfig) httpClientConfig() commonconfig.HTTPClientConfig {
	return commonconfig.HTTPClientConfig{
		BasicAuth:       sc.BasicAuth,
		Authorization:   sc.Authorization,
		TLSConfig:       sc.TLSConfig,
		FollowRedirects: sc.FollowRedirects,
		EnableHTTP2:     true,
	}
}
