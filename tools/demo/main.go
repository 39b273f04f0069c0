// Command demo runs the whole stack on this machine without Docker: the test
// environment's real targets (the moalog metrics contract program, Redis, two
// JVMs with the Jolokia 2.4.2 agent and the test MBeans), the collector with
// the default pipeline pointed at them, and Prometheus with the platform's
// alert rules. It prints where to look and stops everything on Ctrl-C.
//
//	make demo            # or: bash scripts/demo.sh
//
// Ports: Prometheus 127.0.0.1:9091, the collector 127.0.0.1:9090 (as in
// otelcol.yaml); the targets run on free loopback ports.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

func main() {
	collector := flag.String("collector", "otelcol", "the collector binary (make build)")
	config := flag.String("config", "otelcol.yaml", "the collector config; target addresses are overridden")
	promAddr := flag.String("prometheus", "127.0.0.1:9091", "Prometheus listen address")
	flag.Parse()

	env := newEnv()
	code := 0
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fatal); !ok {
					panic(r)
				}
				code = 1
			}
		}()
		run(env, *collector, *config, *promAddr)
	}()
	env.cleanup()
	os.Exit(code)
}

func run(t *env, collectorBin, configPath, promAddr string) {
	root := testenv.RepoRoot()
	if !filepath.IsAbs(collectorBin) {
		collectorBin = filepath.Join(root, collectorBin)
	}
	if !filepath.IsAbs(configPath) {
		configPath = filepath.Join(root, configPath)
	}
	if _, err := os.Stat(collectorBin); err != nil {
		t.Fatalf("collector binary %s: %v (run `make build`)", collectorBin, err)
	}
	receivers := configuredReceivers(t, configPath)

	// moalog-server's /metrics: the contract program, in process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: moalogcontract.New(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	moalogAddr := ln.Addr().String()
	log.Printf("moalog-server stand-in (metrics contract): http://%s/metrics", moalogAddr)

	redis := testenv.StartRedis(t, testenv.RedisOptions{})
	redis.CLI(t, "CONFIG", "SET", "maxmemory", "64mb")
	for i := 0; i < 50; i++ {
		redis.CLI(t, "SET", "demo:key:"+strconv.Itoa(i), strings.Repeat("x", 100), "EX", "3600")
	}
	log.Printf("redis: %s", redis.Addr)

	policy, err := os.ReadFile(filepath.Join(root, "compose", "jolokia", "jolokia-access.xml"))
	if err != nil {
		t.Fatalf("read the Jolokia policy: %v", err)
	}
	rateLimiter := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, Policy: string(policy)})
	fluxpay := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, Policy: string(policy)})
	log.Printf("rate-limiter stand-in (Jolokia 2.4.2): %s", rateLimiter.Endpoint)
	log.Printf("fluxpay-engine stand-in (Jolokia 2.4.2): %s", fluxpay.Endpoint)

	// The default pipeline, with the targets' addresses overridden (yaml: config sources merge over the file).
	overrides := map[string]string{
		"prometheus/moalog":    fmt.Sprintf(`receivers::prometheus/moalog::config::scrape_configs: [{job_name: moalog-server, scrape_interval: 5s, static_configs: [{targets: ["%s"]}]}]`, moalogAddr),
		"jolokia/rate-limiter": fmt.Sprintf(`receivers::jolokia/rate-limiter::endpoint: %s`, rateLimiter.Endpoint),
		"jolokia/fluxpay":      fmt.Sprintf(`receivers::jolokia/fluxpay::endpoint: %s`, fluxpay.Endpoint),
		"redis":                fmt.Sprintf(`receivers::redis::endpoint: %s`, redis.Addr),
	}
	args := []string{"--config", configPath}
	for _, name := range slices.Sorted(mapsKeys(overrides)) {
		if receivers[name] {
			args = append(args, "--config", "yaml:"+overrides[name])
		}
	}
	if receivers["jolokia/fluxpay"] {
		// The stand-in JVM registers the test app's payment MBeans, not fluxpay-engine's.
		args = append(args, "--config", `yaml:receivers::jolokia/fluxpay::metrics: [{name: fluxpay.payments, mbean: "com.moalog.test:type=Payments,name=*", attribute: TotalPayments, type: sum, unit: "{payment}", description: Payments processed, labels: {payment.kind: name}}]`)
	}
	otelcol := testenv.NewProcess(t, "otelcol", collectorBin, args...)
	otelcol.Start(t)
	otelcol.WaitTCP(t, "127.0.0.1:13133", 60*time.Second)
	otelcol.WaitTCP(t, "127.0.0.1:9090", 10*time.Second)

	prom := testenv.StartPrometheus(t, []string{"127.0.0.1:9090"}, testenv.PrometheusOptions{
		Job:            "otelcol",
		HonorLabels:    true,
		ScrapeInterval: 5 * time.Second,
		RuleFiles:      []string{filepath.Join(root, "compose", "prometheus", "rules", "platform-alerts.yml")},
		ListenAddress:  promAddr,
		Retention:      6 * time.Hour,
	})

	fmt.Printf(`
The demo is running. Everything stops on Ctrl-C.

  Prometheus          %s          (graph, /alerts with the platform alerts)
  collector metrics   http://127.0.0.1:9090/metrics
  collector health    http://127.0.0.1:13133/
  collector log       %s

Try in Prometheus: up, jolokia_up, redis_up, jvm_memory_used_bytes, redis_memory_used_bytes,
rate(axum_http_requests_total[1m]), gen_ai_client_operation_duration_seconds_count.
Grafana needs Docker: see compose/README.md.
`, prom.URL, otelcol.LogPath)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case sig := <-stop:
			log.Printf("%s: stopping", sig)
			return
		case <-ticker.C:
			if !otelcol.Running() {
				t.Fatalf("the collector exited:\n%s", otelcol.Log())
			}
		}
	}
}

// configuredReceivers lists the receivers the config file defines.
func configuredReceivers(t *env, path string) map[string]bool {
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

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// env lets the test environment's starters (written for tests) run in a
// program: cleanups run at exit, a fatal error stops the demo.
type env struct {
	testing.TB // never called: every method the starters use is below
	cleanups   []func()
	tmp        string
}

type fatal struct{}

func newEnv() *env {
	dir, err := os.MkdirTemp("", "moalog-demo-")
	if err != nil {
		log.Fatal(err)
	}
	return &env{tmp: dir}
}

func (e *env) Helper()                           {}
func (e *env) Name() string                      { return "demo" }
func (e *env) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *env) Logf(format string, args ...any)   { log.Printf(format, args...) }
func (e *env) Log(args ...any)                   { log.Print(args...) }
func (e *env) Errorf(format string, args ...any) { log.Printf("error: "+format, args...) }
func (e *env) Error(args ...any)                 { log.Print(append([]any{"error: "}, args...)...) }
func (e *env) Fatalf(format string, args ...any) {
	log.Printf("demo: "+format, args...)
	panic(fatal{})
}
func (e *env) Fatal(args ...any) {
	log.Print(append([]any{"demo: "}, args...)...)
	panic(fatal{})
}
func (e *env) TempDir() string {
	dir, err := os.MkdirTemp(e.tmp, "")
	if err != nil {
		e.Fatalf("temp dir: %v", err)
	}
	return dir
}

func (e *env) cleanup() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
	_ = os.RemoveAll(e.tmp)
}
