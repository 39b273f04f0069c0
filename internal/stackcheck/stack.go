package stackcheck

import (
	"cmp"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	// Collector is the collector binary; default testenv.CollectorBinary("otelcol").
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
	Prometheus    *testenv.Prometheus
	Collector     *testenv.Collector
	MoalogMetrics string // the contract program's http://host:port/metrics
	Redis         *testenv.Redis
	MariaDB       *testenv.MariaDB
	RateLimiter   *testenv.JVM
	Fluxpay       *testenv.JVM
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
	require.NoError(t, s.serveMoalog(t, s.moalogAddr))
}

func (s *Stack) serveMoalog(owner testenv.Owner, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for the moalog stand-in on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: moalogcontract.New(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	owner.Cleanup(func() { _ = srv.Close() })
	s.moalog, s.moalogAddr = srv, ln.Addr().String()
	return nil
}

// StartStack starts the test environment's real targets (the moalog metrics
// contract program, Redis, MariaDB, two JVMs with the Jolokia 2.4.2 agent and
// compose's read-only access policy), the collector with the config pointed at them
// (yaml: config sources merged over the file), and Prometheus scraping the
// collector with honor_labels and the platform's alert rules. Everything stops
// at t's cleanup.
func StartStack(t testing.TB, opts StackOptions) *Stack {
	t.Helper()
	s, err := NewStack(t, opts)
	require.NoError(t, err)
	return s
}

// NewStack is StartStack for owner (make demo).
func NewStack(owner testenv.Owner, opts StackOptions) (*Stack, error) {
	opts.Config = cmp.Or(opts.Config, testenv.DefaultConfig())
	receivers, err := configuredReceivers(opts.Config)
	if err != nil {
		return nil, err
	}
	s := &Stack{}
	// moalog-server's /metrics: the contract program, in process.
	if err := s.serveMoalog(owner, "127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.MoalogMetrics = "http://" + s.moalogAddr + "/metrics"
	if err := s.startTargets(owner, opts); err != nil {
		return nil, err
	}
	overrides := s.targetOverrides(receivers, opts)
	s.Collector, err = testenv.NewCollector(owner, testenv.CollectorOptions{
		Binary:     opts.Collector,
		Config:     opts.Config,
		Sets:       append(overrides, opts.ExtraConfigs...),
		FixedPorts: opts.FixedPorts,
	})
	if err != nil {
		return nil, err
	}
	ruleFiles, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "compose", "prometheus", "rules", "*.yml"))
	if err != nil || len(ruleFiles) == 0 {
		return nil, fmt.Errorf("the alert rules under compose/prometheus/rules: none found (%v)", err)
	}
	promAddr := ""
	if opts.FixedPorts {
		promAddr = opts.PrometheusAddr
	}
	s.Prometheus, err = testenv.NewPrometheus(owner, []string{s.Collector.MetricsAddr}, testenv.PrometheusOptions{
		Job:            "otelcol",
		HonorLabels:    true,
		ScrapeInterval: cmp.Or(opts.PrometheusScrapeInterval, time.Second),
		RuleFiles:      append(ruleFiles, opts.RuleFiles...),
		ListenAddress:  promAddr,
		Retention:      opts.Retention,
	})
	return s, err
}

// startTargets starts Redis, MariaDB and the two JVMs with a little traffic
// each, so that every dashboard panel has data.
func (s *Stack) startTargets(owner testenv.Owner, opts StackOptions) error {
	var err error
	if s.Redis, err = testenv.NewRedis(owner, testenv.RedisOptions{}); err != nil {
		return err
	}
	commands := [][]string{{"CONFIG", "SET", "maxmemory", "64mb"}}
	for i := 0; i < 50; i++ {
		commands = append(commands, []string{"SET", "demo:key:" + strconv.Itoa(i), strings.Repeat("x", 100), "EX", "3600"})
	}
	commands = append(commands, []string{"GET", "demo:key:1"}, []string{"GET", "demo:missing"})
	for _, c := range commands {
		if _, err := s.Redis.Do(c...); err != nil {
			return err
		}
	}

	// MySQL: MariaDB with the monitoring user and a little traffic, slow queries included.
	if s.MariaDB, err = testenv.NewMariaDB(owner, testenv.MariaDBOptions{Args: []string{"--long-query-time=0.05", "--slow-query-log=1"}}); err != nil {
		return err
	}
	if err := s.MariaDB.ExecAll(append(testenv.MonitorUserStatements(monitorUser, monitorPassword),
		"CREATE DATABASE IF NOT EXISTS retrospect",
		"CREATE TABLE retrospect.retrospects (id INT PRIMARY KEY AUTO_INCREMENT, title VARCHAR(100))",
		"INSERT INTO retrospect.retrospects (title) VALUES ('a'), ('b'), ('c')",
		"SELECT COUNT(*) FROM retrospect.retrospects",
		"SELECT SLEEP(0.1)",
	)...); err != nil {
		return err
	}

	policy, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "compose", "jolokia", "jolokia-access.xml"))
	if err != nil {
		return fmt.Errorf("read the Jolokia policy: %w", err)
	}
	if s.RateLimiter, err = testenv.NewJVM(owner, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, Policy: string(policy)}); err != nil {
		return err
	}
	s.Fluxpay, err = testenv.NewJVM(owner, testenv.JVMOptions{Agent: opts.FluxpayAgent, Policy: string(policy)})
	return err
}

// targetOverrides are the config sources that point the config's receivers
// at the started targets (and set their interval); it records those
// receivers in s.Receivers.
func (s *Stack) targetOverrides(receivers map[string]any, opts StackOptions) []string {
	overrides := map[string][]string{
		"promscrape/moalog":    {fmt.Sprintf(`receivers::promscrape/moalog::config::scrape_configs: [{job_name: moalog-server, scrape_interval: %s, static_configs: [{targets: ["%s"]}]}]`, cmp.Or(opts.CollectionInterval, 5*time.Second), s.moalogAddr)},
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
	var sources []string
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if _, ok := receivers[name]; !ok {
			continue
		}
		s.Receivers = append(s.Receivers, name)
		for _, o := range overrides[name] {
			sources = append(sources, "yaml:"+o)
		}
		if opts.CollectionInterval > 0 && name != "promscrape/moalog" {
			sources = append(sources, fmt.Sprintf("yaml:receivers::%s::collection_interval: %s", name, opts.CollectionInterval))
		}
	}
	return sources
}

// configuredReceivers are the receivers the config file defines, by name.
func configuredReceivers(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Receivers map[string]any `yaml:"receivers"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return cfg.Receivers, nil
}
