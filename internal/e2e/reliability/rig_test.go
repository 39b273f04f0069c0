//go:build integration

package reliability

// The rig of the reliability tests (issue #9): the built collector running the
// shipped otelcol.yaml against real targets that sit behind fault proxies
// (internal/faultproxy). The proxies timestamp every request, so each target's
// scrape interval is measured from the target side, and they inject the
// faults. See docs/RELIABILITY.md.

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/faultproxy"
	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

// The test credentials: distinctive strings that must never show up in the
// collector's logs, errors, zpages or print-config output.
const (
	relJolokiaUser     = "rel-monitor"
	relJolokiaPassword = "Jolokia-S3cret-rel9"
	relRedisPassword   = "Redis-S3cret-rel9"
	relRedisPassword2  = "Redis-Rotated-rel9" // the server's password during the wrong-credentials fault
	relMySQLUser       = "rel_monitor"
	relMySQLPassword   = "MySQL-S3cret-rel9"
	relMySQLPassword2  = "MySQL-Rotated-rel9"
)

// relInterval is every receiver's collection interval in the rig.
const relInterval = time.Second

type relRig struct {
	// rateLimiter, ledger, redis and mariadb take the faults; fluxpay,
	// redisWitness and mariadbWitness never fail.
	rateLimiter, ledger, fluxpay *testenv.JVM
	redis, redisWitness          *testenv.Redis
	mariadb, mariadbWitness      *testenv.MariaDB
	// A proxy in front of each target, an HTTPS proxy with an untrusted
	// certificate in front of fluxpay, and one in front of the witness
	// redis's TLS port, whose certificate the collector does not trust.
	rlProxy, ledgerProxy, fpProxy, tlsProxy             *faultproxy.HTTP
	redisProxy, mysqlProxy                              *faultproxy.TCP
	redisWitnessProxy, mysqlWitnessProxy, tlsRedisProxy *faultproxy.TCP
	moalogAddr                                          string
	pprofAddr, zpagesAddr                               string
	configLayer                                         string
	c                                                   *testenv.Collector
	// gigantic lets one gigantic fault run at a time: two 256 MiB streams
	// at once starved the collector of CPU on 2 shared cores (every witness
	// lost its interval for seconds).
	gigantic sync.Mutex
}

// promID is a target's identity on :9090, as the exporter labels it.
func promID(job, instance string) map[string]string {
	return map[string]string{"job": job, "instance": instance}
}

// startRelRig starts the targets, their proxies, and the collector with
// the shipped otelcol.yaml plus r.layer(), and waits until every target that
// can be up is.
func startRelRig(t *testing.T) *relRig {
	t.Helper()
	r := startRelTargets(t)
	r.startProxies(t)
	r.pprofAddr = testenv.Addr(testenv.FreePort(t))
	r.zpagesAddr = testenv.Addr(testenv.FreePort(t))
	r.configLayer = filepath.Join(t.TempDir(), "reliability.yaml")
	require.NoError(t, os.WriteFile(r.configLayer, []byte(r.layer()), 0o600))

	// The shipped config reads the credentials from the environment.
	t.Setenv("JOLOKIA_USER", relJolokiaUser)
	t.Setenv("JOLOKIA_PASSWORD", relJolokiaPassword)
	t.Setenv("REDIS_PASSWORD", relRedisPassword)
	t.Setenv("MYSQL_USER", relMySQLUser)
	t.Setenv("MYSQL_PASSWORD", relMySQLPassword)
	r.c = testenv.StartOtelcol(t, testenv.DefaultConfig(),
		"file:"+filepath.Join(testenv.RepoRoot(), "internal", "e2e", "testdata", "test-jvm-metrics.yaml"),
		"file:"+r.configLayer)
	r.waitAllUp(t, 40*time.Second)
	return r
}

// startRelTargets starts three JVMs (with credentials and the shipped
// read-only policy; the rate-limiter with the Jolokia 2.4.2 agent, ledger
// and fluxpay with the 1.7.1 core), two redis-servers with a password (the
// witness with a TLS port too), two mariadbds with a least-privilege monitor
// user, and the moalog contract.
func startRelTargets(t *testing.T) *relRig {
	policy, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "compose", "jolokia", "jolokia-access.xml"))
	require.NoError(t, err, "the shipped Jolokia policy")
	jvm := func(agent testenv.JolokiaAgent) *testenv.JVM {
		return testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, User: relJolokiaUser, Password: relJolokiaPassword, Policy: string(policy)})
	}
	r := &relRig{rateLimiter: jvm(testenv.JolokiaAgent2), ledger: jvm(testenv.JolokiaCore1), fluxpay: jvm(testenv.JolokiaCore1)}
	r.redis = testenv.StartRedis(t, testenv.RedisOptions{Password: relRedisPassword})
	r.redisWitness = testenv.StartRedis(t, testenv.RedisOptions{Password: relRedisPassword, TLS: true})
	r.mariadb = testenv.StartMariaDB(t, testenv.MariaDBOptions{})
	r.mariadb.CreateMonitorUser(t, relMySQLUser, relMySQLPassword)
	r.mariadbWitness = testenv.StartMariaDB(t, testenv.MariaDBOptions{})
	r.mariadbWitness.CreateMonitorUser(t, relMySQLUser, relMySQLPassword)
	moalog := httptest.NewServer(moalogcontract.New())
	t.Cleanup(moalog.Close)
	r.moalogAddr = moalog.Listener.Addr().String()
	return r
}

func (r *relRig) startProxies(t *testing.T) {
	r.rlProxy = startProxy(t, faultproxy.StartHTTP, r.rateLimiter.Endpoint)
	r.rlProxy.SetDelay(4 * time.Second) // for the Delay fault: beyond the rate-limiter's 3s timeout
	r.ledgerProxy = startProxy(t, faultproxy.StartHTTP, r.ledger.Endpoint)
	r.fpProxy = startProxy(t, faultproxy.StartHTTP, r.fluxpay.Endpoint)
	r.tlsProxy = startProxy(t, faultproxy.StartHTTPS, r.fluxpay.Endpoint)
	r.redisProxy = startProxy(t, faultproxy.StartTCP, r.redis.Addr)
	r.redisWitnessProxy = startProxy(t, faultproxy.StartTCP, r.redisWitness.Addr)
	r.tlsRedisProxy = startProxy(t, faultproxy.StartTCP, r.redisWitness.TLSAddr)
	r.mysqlProxy = startProxy(t, faultproxy.StartTCP, r.mariadb.Addr)
	r.mysqlWitnessProxy = startProxy(t, faultproxy.StartTCP, r.mariadbWitness.Addr)
	r.mysqlProxy.ServerFirst = true
	// A greeting packet that announces 74 bytes and stops after 9; a packet
	// header announcing the largest packet (16 MiB - 1) for Gigantic.
	r.mysqlProxy.Prefix = []byte("\x4a\x00\x00\x00\x0a5.5.5-10")
	r.mysqlProxy.GiganticPrefix = []byte("\xff\xff\xff\x00\x0a")
}

// startProxy starts a proxy to upstream that closes at the test's end.
func startProxy[P interface{ Close() }](t *testing.T, start func(string) (P, error), upstream string) P {
	p, err := start(upstream)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// layer is the config layer over the shipped otelcol.yaml: the shipped
// receivers pointed at the proxies at 1s, the ledger JVM, the witness redis
// and mysql, two receivers that can never succeed (untrusted TLS), pprof and
// zpages.
func (r *relRig) layer() string {
	return fmt.Sprintf(`receivers:
  promscrape/moalog:
    config: {scrape_configs: [{job_name: moalog-server, scrape_interval: 1s, static_configs: [{targets: [%s]}]}]}
  # A short timeout keeps the delay and black-hole faults quick; the
  # witnesses keep the shipped 5s.
  jolokia/rate-limiter: {endpoint: %s, collection_interval: 1s, timeout: 3s}
  jolokia/fluxpay: {endpoint: %s, collection_interval: 1s}
  redis: {endpoint: %s, collection_interval: 1s, timeout: 3s}
  mysql: {endpoint: %s, collection_interval: 1s, timeout: 3s}
  jolokia/ledger:
    endpoint: %s
    service_name: ledger
    collection_interval: 1s
    timeout: 3s
    username: ${env:JOLOKIA_USER:-}
    password: ${env:JOLOKIA_PASSWORD:-}
    presets: [jvm]
  redis/witness:
    endpoint: %s
    password: ${env:REDIS_PASSWORD:-}
    collection_interval: 1s
    timeout: 5s # as the shipped redis receiver
  mysql/witness:
    endpoint: %s
    username: ${env:MYSQL_USER:-}
    password: ${env:MYSQL_PASSWORD:-}
    collection_interval: 1s
  jolokia/untrusted-tls:
    endpoint: %s
    service_name: untrusted-tls
    collection_interval: 1s
    username: ${env:JOLOKIA_USER:-}
    password: ${env:JOLOKIA_PASSWORD:-}
    presets: [jvm]
  redis/untrusted-tls:
    endpoint: %s
    password: ${env:REDIS_PASSWORD:-}
    collection_interval: 1s
    timeout: 3s
    tls:
      insecure: false
extensions:
  pprof:
    endpoint: %s
  zpages:
    endpoint: %s
service:
  extensions: [health_check, pprof, zpages]
  pipelines:
    metrics:
      receivers: [promscrape/moalog, jolokia/rate-limiter, jolokia/ledger, jolokia/fluxpay, redis, mysql, redis/witness, mysql/witness, jolokia/untrusted-tls, redis/untrusted-tls]
`, r.moalogAddr, r.rlProxy.URL, r.fpProxy.URL, r.redisProxy.Addr, r.mysqlProxy.Addr,
		r.ledgerProxy.URL, r.redisWitnessProxy.Addr, r.mysqlWitnessProxy.Addr, r.tlsProxy.URL, r.tlsRedisProxy.Addr, r.pprofAddr, r.zpagesAddr)
}

// waitUp polls /metrics until the up sample equals want and returns when it
// was seen; it fails the test after timeout.
func (r *relRig) waitUp(t *testing.T, name string, labels map[string]string, want float64, timeout time.Duration) time.Time {
	t.Helper()
	seen := make(chan time.Time, 1)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		require.True(ct, r.c.Running(), "the collector exited")
		families, err := r.c.Scrape()
		require.NoError(ct, err)
		value, ok := testenv.TargetValue(families, name, labels)
		require.True(ct, ok, "no %s%v on /metrics", name, labels)
		require.Equal(ct, want, value, "%s%v", name, labels)
		seen <- time.Now()
	}, timeout, 100*time.Millisecond)
	return <-seen
}

// waitAllUp waits until every target that can be up, the faulty ones and
// the witnesses, is.
func (r *relRig) waitAllUp(t *testing.T, timeout time.Duration) {
	t.Helper()
	for _, lane := range relFaultLanes(r) {
		r.waitUp(t, lane.up, lane.id, 1, timeout)
	}
	for _, w := range r.witnesses() {
		r.waitUp(t, w.up, w.id, 1, timeout)
	}
}

// waitScrapes waits until arrivals (a proxy's, see faultproxy.Arrivals) hold
// n scrapes after since, and returns when the nth arrived.
func (r *relRig) waitScrapes(t *testing.T, what string, arrivals func() []time.Time, since time.Time, n int, timeout time.Duration) time.Time {
	t.Helper()
	var scrapes []time.Time
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		require.True(ct, r.c.Running(), "the collector exited")
		scrapes = faultproxy.GroupScrapes(arrivals(), since, time.Now())
		assert.GreaterOrEqual(ct, len(scrapes), n, "scrapes of %s since %s", what, since.Format(time.StampMilli))
	}, timeout, 50*time.Millisecond)
	return scrapes[n-1]
}

// gapStats summarizes the intervals between consecutive request times within [from, to].
type gapStats struct {
	n                int
	median, max, p99 time.Duration
	jitter           time.Duration // max |gap - interval|
}

func intervalStats(times []time.Time, from, to time.Time, interval time.Duration) gapStats {
	in := faultproxy.GroupScrapes(times, from, to)
	s := gapStats{}
	if len(in) < 2 {
		return s
	}
	var gaps []time.Duration
	for i := 1; i < len(in); i++ {
		g := in[i].Sub(in[i-1])
		gaps = append(gaps, g)
		s.jitter = max(s.jitter, (g - interval).Abs())
	}
	slices.Sort(gaps)
	s.n = len(gaps)
	s.median = gaps[len(gaps)/2]
	s.max = gaps[len(gaps)-1]
	s.p99 = gaps[int(math.Ceil(0.99*float64(len(gaps))))-1]
	return s
}

func (s gapStats) String() string {
	return fmt.Sprintf("%d intervals, median %s, p99 %s, max %s, jitter ±%s",
		s.n, s.median.Round(time.Millisecond), s.p99.Round(time.Millisecond), s.max.Round(time.Millisecond), s.jitter.Round(time.Millisecond))
}

// redisScrapes keeps the client writes that carry an INFO command.
func redisScrapes(req faultproxy.Request) bool {
	return strings.Contains(strings.ToUpper(string(req.Body)), "\r\nINFO\r\n")
}

// respCommands lists the command names in a client write, up to a command
// the write cuts off.
func respCommands(b []byte) []string {
	var out []string
	r := bufio.NewReader(bytes.NewReader(b))
	for {
		args, err := testenv.ReadRESPCommand(r)
		if err != nil {
			return out
		}
		out = append(out, strings.ToUpper(args[0]))
	}
}

// pprofGoroutines reads the goroutine count from the pprof extension.
func pprofGoroutines(t require.TestingT, addr string) int {
	status, body := testenv.HTTPGetText("http://" + addr + "/debug/pprof/goroutine?debug=1")
	require.Equal(t, http.StatusOK, status, "pprof goroutine: %s", body)
	var n int // the page starts "goroutine profile: total N"
	_, err := fmt.Sscanf(body, "goroutine profile: total %d", &n)
	require.NoError(t, err, "pprof goroutine: no total in %.200s", body)
	return n
}

// linesWith returns the log lines holding every one of subs.
func linesWith(log string, subs ...string) []string {
	return slices.DeleteFunc(strings.Split(log, "\n"), func(line string) bool {
		return slices.ContainsFunc(subs, func(sub string) bool { return !strings.Contains(line, sub) })
	})
}

// linearSlope fits y = a + b*x by least squares and returns b.
func linearSlope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}
