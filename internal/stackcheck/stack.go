package stackcheck

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

// The MySQL monitoring user StartStack creates.
const (
	monitorUser     = "monitor"
	monitorPassword = "demo-monitor"
)

// StackOptions configures StartStack.
type StackOptions struct {
	// Collector is the collector binary (e.g. $OTELCOL_BIN). Required.
	Collector string
	// Config is the collector config; default the repository's otelcol.yaml.
	// Its receivers' target addresses are overridden with the started targets'.
	Config string
	// FixedPorts keeps the config's own listen addresses (127.0.0.1:9090,
	// :13133, :8888) and serves Prometheus on PrometheusAddr: the demo.
	// Otherwise every listener gets a free loopback port: tests.
	FixedPorts bool
	// PrometheusAddr is Prometheus' listen address with FixedPorts.
	PrometheusAddr string
	// CollectionInterval overrides every started receiver's interval (e.g. 2s in tests).
	CollectionInterval time.Duration
	// PrometheusScrapeInterval is how often Prometheus scrapes the collector (default 1s).
	PrometheusScrapeInterval time.Duration
	// Retention of Prometheus' storage (default 1h).
	Retention time.Duration
	// FluxpayAgent is the Jolokia agent of the fluxpay-engine stand-in (default
	// the 2.4.2 JVM agent, like the rate limiter's), so a test can cover both.
	FluxpayAgent testenv.JolokiaAgent
	// RuleFiles are rule files Prometheus loads besides compose's rules/*.yml,
	// e.g. the opt-in exporter-compat rules.
	RuleFiles []string
	// ExtraConfigs are config sources layered over everything else, e.g.
	// "file:testdata/more-metrics.yaml", the way a user adds their own.
	ExtraConfigs []string
}

// Stack is the running demo/test stack.
type Stack struct {
	Prometheus       *testenv.Prometheus
	Collector        *testenv.Process
	CollectorMetrics string // http://host:port/metrics
	CollectorHealth  string // http://host:port/
	MoalogMetrics    string // the contract program's http://host:port/metrics
	Redis            *testenv.Redis
	MariaDB          *testenv.MariaDB
	RateLimiter      *testenv.JVM
	Fluxpay          *testenv.JVM
	// Receivers are the config's receivers that StartStack pointed at a
	// started target; the others keep the config's addresses.
	Receivers  []string
	moalog     *http.Server
	moalogAddr string
}

// StopMoalog stops the moalog-server stand-in at once, as if it died.
func (s *Stack) StopMoalog() { _ = s.moalog.Close() }

// StartMoalog serves the moalog-server stand-in again on its address.
func (s *Stack) StartMoalog(t testing.TB) {
	t.Helper()
	s.serveMoalog(t, s.moalogAddr)
}

func (s *Stack) serveMoalog(t testing.TB, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen for the moalog stand-in on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: moalogcontract.New(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.moalog, s.moalogAddr = srv, ln.Addr().String()
}

// StartStack starts the test environment's real targets (the moalog metrics
// contract program, Redis, MariaDB, two JVMs with the Jolokia 2.4.2 agent and
// compose's read-only access policy), the collector with the config pointed at them
// (yaml: config sources merged over the file), and Prometheus scraping the
// collector with honor_labels and the platform's alert rules. Everything stops
// at t's cleanup.
func StartStack(t testing.TB, opts StackOptions) *Stack {
	t.Helper()
	root := testenv.RepoRoot()
	if opts.Collector == "" {
		t.Fatalf("StartStack: no collector binary: build it with `make build` and set OTELCOL_BIN")
	}
	if _, err := os.Stat(opts.Collector); err != nil {
		t.Fatalf("collector binary %s: %v (run `make build`)", opts.Collector, err)
	}
	if opts.Config == "" {
		opts.Config = filepath.Join(root, "otelcol.yaml")
	}
	receivers := configuredReceivers(t, opts.Config)
	s := &Stack{}

	// moalog-server's /metrics: the contract program, in process.
	s.serveMoalog(t, "127.0.0.1:0")
	moalogAddr := s.moalogAddr
	s.MoalogMetrics = "http://" + moalogAddr + "/metrics"

	s.Redis = testenv.StartRedis(t, testenv.RedisOptions{})
	s.Redis.CLI(t, "CONFIG", "SET", "maxmemory", "64mb")
	for i := 0; i < 50; i++ {
		s.Redis.CLI(t, "SET", "demo:key:"+strconv.Itoa(i), strings.Repeat("x", 100), "EX", "3600")
	}
	s.Redis.CLI(t, "GET", "demo:key:1")
	s.Redis.CLI(t, "GET", "demo:missing")

	// MySQL: MariaDB with the monitoring user and a little traffic, slow queries included.
	s.MariaDB = testenv.StartMariaDB(t, testenv.MariaDBOptions{Args: []string{"--long-query-time=0.05", "--slow-query-log=1"}})
	s.MariaDB.CreateMonitorUser(t, monitorUser, monitorPassword)
	s.MariaDB.Exec(t,
		"CREATE DATABASE IF NOT EXISTS retrospect",
		"CREATE TABLE retrospect.retrospects (id INT PRIMARY KEY AUTO_INCREMENT, title VARCHAR(100))",
		"INSERT INTO retrospect.retrospects (title) VALUES ('a'), ('b'), ('c')",
		"SELECT COUNT(*) FROM retrospect.retrospects",
		"SELECT SLEEP(0.1)",
	)

	policy, err := os.ReadFile(filepath.Join(root, "compose", "jolokia", "jolokia-access.xml"))
	if err != nil {
		t.Fatalf("read the Jolokia policy: %v", err)
	}
	s.RateLimiter = testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, Policy: string(policy)})
	s.Fluxpay = testenv.StartJVM(t, testenv.JVMOptions{Agent: opts.FluxpayAgent, Policy: string(policy)})

	// Override the targets' addresses of the receivers the config has.
	overrides := map[string][]string{
		"promscrape/moalog":    {fmt.Sprintf(`receivers::promscrape/moalog::config::scrape_configs: [{job_name: moalog-server, scrape_interval: %s, static_configs: [{targets: ["%s"]}]}]`, durationOr(opts.CollectionInterval, 5*time.Second), moalogAddr)},
		"jolokia/rate-limiter": {`receivers::jolokia/rate-limiter::endpoint: ` + s.RateLimiter.Endpoint},
		"jolokia/fluxpay": {
			`receivers::jolokia/fluxpay::endpoint: ` + s.Fluxpay.Endpoint,
			// The stand-in JVM registers the test app's payment MBeans, not fluxpay-engine's.
			`receivers::jolokia/fluxpay::metrics: [{name: fluxpay.payments, mbean: "com.moalog.test:type=Payments,name=*", attribute: TotalPayments, type: sum, unit: "{payment}", description: Payments processed, labels: {payment.kind: name}}]`,
		},
		"redis": {`receivers::redis::endpoint: ` + s.Redis.Addr},
		"mysql": {
			`receivers::mysql::endpoint: ` + s.MariaDB.Addr,
			`receivers::mysql::username: ` + monitorUser,
			`receivers::mysql::password: ` + monitorPassword,
		},
	}
	args := []string{"--config", opts.Config}
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !receivers[name] {
			continue
		}
		s.Receivers = append(s.Receivers, name)
		for _, o := range overrides[name] {
			args = append(args, "--config", "yaml:"+o)
		}
		if opts.CollectionInterval > 0 && name != "promscrape/moalog" {
			args = append(args, "--config", fmt.Sprintf("yaml:receivers::%s::collection_interval: %s", name, opts.CollectionInterval))
		}
	}
	metricsAddr, healthAddr := "127.0.0.1:9090", "127.0.0.1:13133"
	if !opts.FixedPorts {
		metricsAddr, healthAddr = testenv.Addr(testenv.FreePort(t)), testenv.Addr(testenv.FreePort(t))
		args = append(args,
			"--config", "yaml:exporters::prometheus::endpoint: "+metricsAddr,
			"--config", "yaml:extensions::health_check::endpoint: "+healthAddr,
			"--config", fmt.Sprintf("yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: %d}}}}]", testenv.FreePort(t)),
		)
	}
	for _, extra := range opts.ExtraConfigs {
		args = append(args, "--config", extra)
	}
	s.Collector = testenv.NewProcess(t, "otelcol", opts.Collector, args...)
	s.Collector.Start(t)
	s.Collector.WaitTCP(t, healthAddr, 60*time.Second)
	s.Collector.WaitTCP(t, metricsAddr, 10*time.Second)
	s.CollectorMetrics = "http://" + metricsAddr + "/metrics"
	s.CollectorHealth = "http://" + healthAddr + "/"

	ruleFiles, err := filepath.Glob(filepath.Join(root, "compose", "prometheus", "rules", "*.yml"))
	if err != nil || len(ruleFiles) == 0 {
		t.Fatalf("the alert rules under compose/prometheus/rules: %v", err)
	}
	promAddr := ""
	if opts.FixedPorts {
		promAddr = opts.PrometheusAddr
	}
	s.Prometheus = testenv.StartPrometheus(t, []string{metricsAddr}, testenv.PrometheusOptions{
		Job:            "otelcol",
		HonorLabels:    true,
		ScrapeInterval: durationOr(opts.PrometheusScrapeInterval, time.Second),
		RuleFiles:      append(ruleFiles, opts.RuleFiles...),
		ListenAddress:  promAddr,
		Retention:      opts.Retention,
	})
	return s
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// configuredReceivers lists the receivers the config file defines.
func configuredReceivers(t testing.TB, path string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var cfg struct {
		Receivers map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	out := map[string]bool{}
	for name := range cfg.Receivers {
		out[name] = true
	}
	return out
}
