package e2e

import (
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

// platform is the default pipeline (otelcol.yaml) pointed at real targets on
// loopback: two JVMs (one per Jolokia agent), redis-server and the moalog-server
// metrics contract, every receiver at a 1s interval.
type platform struct {
	rateLimiter, fluxpay *testenv.JVM
	redis                *testenv.Redis
	moalogAddr           string
	collector            *collector
}

const interval = "1s"

func startPlatform(t *testing.T) *platform {
	t.Helper()
	p := &platform{
		rateLimiter: testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2}),
		fluxpay:     testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaCore1}),
		redis:       testenv.StartRedis(t, testenv.RedisOptions{}),
	}
	moalog := httptest.NewServer(moalogcontract.New())
	t.Cleanup(moalog.Close)
	p.moalogAddr = moalog.Listener.Addr().String()

	p.collector = startCollector(t, defaultConfig(),
		"file:"+filepath.Join("testdata", "test-jvm-metrics.yaml"),
		"receivers::prometheus/moalog::config::scrape_configs=[{job_name: moalog-server, scrape_interval: "+interval+", static_configs: [{targets: ["+p.moalogAddr+"]}]}]",
		"receivers::jolokia/rate-limiter::endpoint="+p.rateLimiter.Endpoint,
		"receivers::jolokia/rate-limiter::collection_interval="+interval,
		"receivers::jolokia/fluxpay::endpoint="+p.fluxpay.Endpoint,
		"receivers::jolokia/fluxpay::collection_interval="+interval,
		"receivers::redis::endpoint="+p.redis.Addr,
		"receivers::redis::collection_interval="+interval,
	)
	return p
}

func jvmIdentity(job string, jvm *testenv.JVM) map[string]string {
	return map[string]string{"job": job, "instance": "127.0.0.1:" + strconv.Itoa(jvm.Port)}
}

func with(labels map[string]string, more ...string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}

func positive(v float64) bool { return v > 0 }

func TestPlatform(t *testing.T) {
	p := startPlatform(t)
	c := p.collector
	const settle = 30 * time.Second
	rateLimiter := jvmIdentity("rate-limiter", p.rateLimiter)
	fluxpay := jvmIdentity("fluxpay-engine", p.fluxpay)
	redis := map[string]string{"job": "redis", "instance": p.redis.Addr}

	t.Run("jolokia", func(t *testing.T) {
		for _, jvm := range []map[string]string{rateLimiter, fluxpay} {
			c.waitForSample(t, "jolokia_up", jvm, equals(1), settle)
			c.waitForSample(t, "jvm_memory_used_bytes", with(jvm, "jvm_memory_type", "heap"), positive, settle)
			c.waitForSample(t, "jvm_memory_used_bytes", with(jvm, "jvm_memory_type", "non_heap"), positive, settle)
			c.waitForSample(t, "jvm_thread_count", jvm, positive, settle)
			c.waitForSample(t, "jvm_class_loaded_total", jvm, positive, settle)
			c.waitForSample(t, "jvm_cpu_count", jvm, positive, settle)
		}
		// The user-defined mappings of testdata/test-jvm-metrics.yaml, exact values from the test app.
		c.waitForSample(t, "fluxpay_payments_total", with(fluxpay, "payment_kind", "card"), equals(42), settle)
		c.waitForSample(t, "fluxpay_payments_total", with(fluxpay, "payment_kind", "bank"), equals(7), settle)
		c.waitForSample(t, "moalog_test_pool_used_bytes", with(fluxpay, "pool_name", "main"), equals(300), settle)
	})

	t.Run("redis", func(t *testing.T) {
		p.redis.CLI(t, "SET", "k1", "v")
		p.redis.CLI(t, "SET", "k2", "v")
		p.redis.CLI(t, "GET", "k1")
		c.waitForSample(t, "redis_up", redis, equals(1), settle)
		c.waitForSample(t, "redis_clients_connected", redis, positive, settle)
		c.waitForSample(t, "redis_memory_used_bytes", redis, positive, settle)
		c.waitForSample(t, "redis_keyspace_hits_total", redis, func(v float64) bool { return v >= 1 }, settle)
		c.waitForSample(t, "redis_db_keys", with(redis, "db", "0"), equals(2), settle)
	})

	t.Run("moalog-server", func(t *testing.T) {
		moalog := map[string]string{"job": "moalog-server", "instance": p.moalogAddr}
		c.waitForSample(t, "up", moalog, equals(1), settle)
		c.waitForSample(t, "axum_http_requests_pending", moalog, func(float64) bool { return true }, settle)
	})

	// A target that dies is reported down within an interval or two while the
	// others keep reporting, and comes back without a collector restart.
	t.Run("jvm down and back", func(t *testing.T) {
		p.rateLimiter.Process.Kill()
		c.waitForSample(t, "jolokia_up", rateLimiter, equals(0), 10*time.Second)
		c.waitForSample(t, "jolokia_up", fluxpay, equals(1), 5*time.Second)
		p.rateLimiter.Process.Restart(t)
		p.rateLimiter.WaitReady(t)
		c.waitForSample(t, "jolokia_up", rateLimiter, equals(1), settle)
	})

	t.Run("redis down and back", func(t *testing.T) {
		p.redis.Kill()
		c.waitForSample(t, "redis_up", redis, equals(0), 10*time.Second)
		c.waitForSample(t, "jolokia_up", fluxpay, equals(1), 5*time.Second)
		p.redis.Restart(t)
		p.redis.CLI(t, "SET", "after-restart", "v")
		c.waitForSample(t, "redis_up", redis, equals(1), settle)
		c.waitForSample(t, "redis_db_keys", with(redis, "db", "0"), equals(1), settle)
	})
}
