package jolokiareceiver

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/moalog/platform-collector/internal/serieslimit"
)

const (
	// defaultMaxResponseBytes is ~45 times the answer of 1,000 MBeans
	// (testdata/recorded/*/bench-1000.json, 92 KB); a decode takes at most
	// about 13 times it (countValues).
	defaultMaxResponseBytes = 4 << 20
	defaultMaxConcurrency   = 8
)

// Config is the configuration of one jolokia receiver: one target (endpoint)
// or many (targets) sharing one set of metric definitions.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	// Target is the single target given by `endpoint`; its other fields
	// (service_name, resource_attributes, username, password) are also the
	// defaults for every entry of `targets`.
	Target  `mapstructure:",squash"`
	Targets []Target `mapstructure:"targets"`

	TLS      configtls.ClientConfig         `mapstructure:"tls"`
	Headers  map[string]configopaque.String `mapstructure:"headers"`
	ProxyURL string                         `mapstructure:"proxy_url"`
	// MaxResponseBytes refuses bigger response bodies.
	MaxResponseBytes int64 `mapstructure:"max_response_bytes"`
	// MaxConcurrency bounds how many targets are scraped at the same time.
	MaxConcurrency int `mapstructure:"max_concurrency"`
	// MaxSeries bounds the series of one scrape of one target (0: no limit).
	MaxSeries int `mapstructure:"max_series"`

	// Presets are names of embedded metric sets (presets/<name>.yaml).
	Presets []string       `mapstructure:"presets"`
	Metrics []MetricConfig `mapstructure:"metrics"`
	// JMXExporter is a jmx_exporter config (rules, includeObjectNames, ...)
	// pasted as it is; see jmxrules.go.
	JMXExporter *JMXExporterConfig `mapstructure:"jmx_exporter"`

	// Shard makes this receiver scrape only its share of the targets when
	// several collector replicas split one fleet.
	Shard ShardConfig `mapstructure:"shard"`

	_ struct{}
}

// Target is one Jolokia agent.
type Target struct {
	Endpoint           string              `mapstructure:"endpoint"`
	ServiceName        string              `mapstructure:"service_name"`
	ResourceAttributes map[string]string   `mapstructure:"resource_attributes"`
	Username           string              `mapstructure:"username"`
	Password           configopaque.String `mapstructure:"password"`
	// ProxyTarget makes the agent at Endpoint forward every read to a JVM
	// that has only remote JMX (Jolokia proxy mode). Not inherited by `targets`.
	ProxyTarget *ProxyTarget `mapstructure:"proxy_target"`
}

// Metric types.
const (
	typeGauge         = "gauge"
	typeSum           = "sum"
	typeUpDownCounter = "updowncounter"
)

// MetricConfig maps one MBean attribute (or a value inside it) to one metric.
// Presets use the same format.
type MetricConfig struct {
	Name        string `mapstructure:"name"`
	MBean       string `mapstructure:"mbean"`
	Attribute   string `mapstructure:"attribute"`
	Path        string `mapstructure:"path"`
	Type        string `mapstructure:"type"`
	Unit        string `mapstructure:"unit"`
	Description string `mapstructure:"description"`
	// Scale multiplies the raw value; 0 means 1.
	Scale float64 `mapstructure:"scale"`
	// Labels: metric attribute <- ObjectName key property.
	Labels map[string]string `mapstructure:"labels"`
	// LabelRegex keeps only the capture group of a key label's value when it
	// matches (e.g. "Pool (payments-db)" -> "payments-db").
	LabelRegex map[string]string `mapstructure:"label_regex"`
	// StaticLabels: metric attribute <- constant value.
	StaticLabels map[string]string `mapstructure:"static_labels"`
	// PathLabels name the path segments matched by "*", in order.
	PathLabels []string `mapstructure:"path_labels"`
	// LabelsFromAttributes: metric attribute <- another attribute of the same
	// MBean, optionally mapped (e.g. Type HEAP -> heap).
	LabelsFromAttributes map[string]AttributeLabel `mapstructure:"labels_from_attributes"`
	// MinusAttribute subtracts another numeric attribute of the same MBean
	// (e.g. ThreadCount minus DaemonThreadCount).
	MinusAttribute string `mapstructure:"minus_attribute"`
	// DropNegative drops negative values (-1 "unlimited" limits, -1 "unavailable" loads).
	DropNegative bool `mapstructure:"drop_negative"`
}

// AttributeLabel takes a metric attribute's value from an MBean attribute.
type AttributeLabel struct {
	Attribute string            `mapstructure:"attribute"`
	Map       map[string]string `mapstructure:"map"`
}

func createDefaultConfig() *Config {
	cc := scraperhelper.NewDefaultControllerConfig()
	cc.CollectionInterval = defaultCollectionInterval
	cc.Timeout = defaultTimeout
	return &Config{
		ControllerConfig: cc,
		MaxResponseBytes: defaultMaxResponseBytes,
		MaxConcurrency:   defaultMaxConcurrency,
		MaxSeries:        serieslimit.Default,
		Presets:          []string{"jvm"},
	}
}

// Validate checks everything that can be checked without a target.
func (cfg *Config) Validate() error {
	var errs []error
	switch {
	case cfg.Endpoint == "" && len(cfg.Targets) == 0:
		errs = append(errs, errors.New("`endpoint` or `targets` is required: set `endpoint: http://<host>:8778/jolokia`"))
	case cfg.Endpoint != "" && len(cfg.Targets) > 0:
		errs = append(errs, errors.New("`endpoint` and `targets` are mutually exclusive: move the endpoint into `targets`"))
	}
	seen := map[string]bool{}
	for i, t := range cfg.targets() {
		key := "endpoint"
		if len(cfg.Targets) > 0 {
			key = fmt.Sprintf("targets[%d].endpoint", i)
		}
		if err := validateEndpoint(t.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("`%s`: %w", key, err))
		}
		id := t.Endpoint
		if t.ProxyTarget != nil {
			prefix := "proxy_target"
			if len(cfg.Targets) > 0 {
				prefix = fmt.Sprintf("targets[%d].proxy_target", i)
			}
			if err := t.ProxyTarget.validate(); err != nil {
				errs = append(errs, fmt.Errorf("`%s`: %w", prefix, err))
			}
			id += " " + t.ProxyTarget.URL
		}
		if seen[id] {
			errs = append(errs, fmt.Errorf("`%s`: %s is listed twice", key, id))
		}
		seen[id] = true
	}
	if len(cfg.Targets) > 0 && cfg.ProxyTarget != nil {
		errs = append(errs, errors.New("`proxy_target` goes into each entry of `targets`, next to its `endpoint`"))
	}
	if cfg.MaxResponseBytes <= 0 {
		errs = append(errs, fmt.Errorf("`max_response_bytes` must be positive, got %d", cfg.MaxResponseBytes))
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("`timeout` must be positive, got %v: a target that never answers would hold up every scrape", cfg.Timeout))
	}
	if err := cfg.Shard.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := serieslimit.Validate(cfg.MaxSeries); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxConcurrency <= 0 {
		errs = append(errs, fmt.Errorf("`max_concurrency` must be positive, got %d", cfg.MaxConcurrency))
	}
	if cfg.ProxyURL != "" {
		if _, err := url.ParseRequestURI(cfg.ProxyURL); err != nil {
			errs = append(errs, fmt.Errorf("`proxy_url`: %w", err))
		}
	}
	if _, err := cfg.compile(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func validateEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q must start with http:// or https:// (e.g. http://localhost:8778/jolokia)", endpoint)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", endpoint)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries credentials: use `username` and `password` instead", redactURL(u))
	}
	return nil
}

func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// targets returns every target with the top-level defaults filled in.
func (cfg *Config) targets() []Target {
	if len(cfg.Targets) == 0 {
		if cfg.Endpoint == "" {
			return nil
		}
		return []Target{cfg.Target}
	}
	out := make([]Target, len(cfg.Targets))
	for i, t := range cfg.Targets {
		if t.ServiceName == "" {
			t.ServiceName = cfg.ServiceName
		}
		if t.Username == "" {
			t.Username, t.Password = cfg.Username, cfg.Password
		}
		if len(cfg.ResourceAttributes) > 0 {
			merged := make(map[string]string, len(cfg.ResourceAttributes)+len(t.ResourceAttributes))
			for k, v := range cfg.ResourceAttributes {
				merged[k] = v
			}
			for k, v := range t.ResourceAttributes {
				merged[k] = v
			}
			t.ResourceAttributes = merged
		}
		out[i] = t
	}
	return out
}

// metricDefinitions returns the presets' metrics followed by the user's, each
// with the config key it came from for error messages.
func (cfg *Config) metricDefinitions() ([]metricDef, error) {
	var defs []metricDef
	for _, name := range cfg.Presets {
		p, err := loadPreset(name)
		if err != nil {
			return nil, err
		}
		for i, m := range p {
			defs = append(defs, metricDef{MetricConfig: m, origin: fmt.Sprintf("preset %q metrics[%d]", name, i)})
		}
	}
	for i, m := range cfg.Metrics {
		defs = append(defs, metricDef{MetricConfig: m, origin: fmt.Sprintf("metrics[%d]", i)})
	}
	return defs, nil
}

type metricDef struct {
	MetricConfig
	origin string
}

// validate checks one definition alone; compilePlan checks them together.
func (m *MetricConfig) validate() error {
	var errs []error
	if m.Name == "" {
		errs = append(errs, errors.New("`name` is required"))
	}
	if m.MBean == "" {
		errs = append(errs, errors.New("`mbean` is required"))
	} else if _, err := parseObjectName(m.MBean); err != nil {
		errs = append(errs, fmt.Errorf("`mbean` %q is not a valid ObjectName: %w", m.MBean, err))
	}
	for label, expr := range m.LabelRegex {
		if _, ok := m.Labels[label]; !ok {
			errs = append(errs, fmt.Errorf("`label_regex.%s`: %q is not one of `labels`", label, label))
			continue
		}
		re, err := regexp.Compile(expr)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("`label_regex.%s`: %w", label, err))
		case re.NumSubexp() != 1:
			errs = append(errs, fmt.Errorf("`label_regex.%s` %q must have exactly one capture group (the part to keep)", label, expr))
		}
	}
	if m.Attribute == "" {
		errs = append(errs, errors.New("`attribute` is required"))
	} else if strings.ContainsAny(m.Attribute, "*/") {
		errs = append(errs, fmt.Errorf("`attribute` %q must be one attribute name, without \"*\" or \"/\" (use `path` to go inside it)", m.Attribute))
	}
	switch m.Type {
	case "", typeGauge, typeSum, typeUpDownCounter:
	default:
		errs = append(errs, fmt.Errorf("`type` %q is unknown: use gauge, sum or updowncounter", m.Type))
	}
	if math.IsNaN(m.Scale) || math.IsInf(m.Scale, 0) {
		errs = append(errs, fmt.Errorf("`scale` %v must be a finite number", m.Scale))
	}
	wildcards := 0
	for _, seg := range splitPath(m.Path) {
		if seg == "*" {
			wildcards++
		}
	}
	if len(m.PathLabels) > wildcards {
		errs = append(errs, fmt.Errorf("`path_labels` names %d segments but `path` %q has %d \"*\"", len(m.PathLabels), m.Path, wildcards))
	}
	for label, from := range m.LabelsFromAttributes {
		if from.Attribute == "" {
			errs = append(errs, fmt.Errorf("`labels_from_attributes.%s.attribute` is required", label))
		}
	}
	return errors.Join(errs...)
}

func (m *MetricConfig) metricType() string {
	if m.Type == "" {
		return typeGauge
	}
	return m.Type
}

func (m *MetricConfig) scale() float64 {
	if m.Scale == 0 {
		return 1
	}
	return m.Scale
}
