// Command demo runs the whole stack on this machine without Docker
// (stackcheck.StartStack): the test environment's real targets (the moalog
// metrics contract program, Redis, MariaDB, two JVMs with the Jolokia 2.4.2 agent and
// the test MBeans), the collector with the default pipeline pointed at them,
// and Prometheus with the platform's alert rules. It prints where to look and
// stops everything on Ctrl-C.
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
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/moalog/platform-collector/internal/stackcheck"
	"github.com/moalog/platform-collector/internal/testenv"
)

func main() {
	opts := stackcheck.StackOptions{FixedPorts: true, PrometheusScrapeInterval: 5 * time.Second, Retention: 6 * time.Hour}
	flag.StringVar(&opts.Collector, "collector", "otelcol", "the collector binary (make build)")
	flag.StringVar(&opts.Config, "config", "otelcol.yaml", "the collector config; target addresses are overridden")
	flag.StringVar(&opts.PrometheusAddr, "prometheus", "127.0.0.1:9091", "Prometheus listen address")
	flag.Parse()
	// Relative paths name files in the repository, wherever the demo runs from.
	for _, path := range []*string{&opts.Collector, &opts.Config} {
		if !filepath.IsAbs(*path) {
			*path = filepath.Join(testenv.RepoRoot(), *path)
		}
	}

	env := &testenv.Env{}
	err := run(env, opts)
	env.Close()
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
}

func run(env *testenv.Env, opts stackcheck.StackOptions) error {
	s, err := stackcheck.NewStack(env, opts)
	if err != nil {
		return err
	}

	fmt.Printf(`
The demo is running. Everything stops on Ctrl-C.

  Prometheus          %s          (graph; /alerts lists the platform alerts)
  collector metrics   %s
  collector health    http://%s/
  collector log       %s

Targets (receivers pointed at them: %s):
  moalog-server stand-in (metrics contract)  %s
  rate-limiter stand-in (Jolokia 2.4.2)      %s
  fluxpay-engine stand-in (Jolokia 2.4.2)    %s
  redis                                      %s
  mysql (MariaDB, user monitor)              %s

Try in Prometheus: up, jolokia_up, redis_up, jvm_memory_used_bytes, redis_memory_used_bytes,
rate(axum_http_requests_total[1m]), gen_ai_client_operation_duration_seconds_count, mysql_threads.
Grafana needs Docker: see compose/README.md.
`, s.Prometheus.URL, s.Collector.MetricsURL(), s.Collector.HealthAddr, s.Collector.LogPath,
		strings.Join(s.Receivers, ", "), s.MoalogMetrics, s.RateLimiter.Endpoint, s.Fluxpay.Endpoint, s.Redis.Addr, s.MariaDB.Addr)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case sig := <-stop:
			log.Printf("%s: stopping", sig)
			return nil
		case <-ticker.C:
			if !s.Collector.Running() {
				return fmt.Errorf("the collector exited:\n%s", s.Collector.Log())
			}
		}
	}
}
