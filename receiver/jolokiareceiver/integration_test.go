//go:build integration

package jolokiareceiver

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

var record = flag.Bool("record", false, "record the receiver's own bulk reads into testdata/recorded/<agent>/receiver-*.json")

// recordingProxy forwards to a Jolokia agent and keeps every request body,
// to prove the receiver only ever sends read, search, list and version.
type recordingProxy struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	last   []byte // last response body
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	p := &recordingProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	rp.ModifyResponse = func(resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.last = b
		p.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies = append(p.bodies, b)
		p.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *recordingProxy) endpoint() string { return p.URL + "/jolokia" }

// assertOnlyReads checks every request the receiver sent.
func (p *recordingProxy) assertOnlyReads(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NotEmpty(t, p.bodies)
	for _, b := range p.bodies {
		var reqs []map[string]any
		require.NoError(t, json.Unmarshal(b, &reqs), "every request is a bulk list: %s", b)
		for _, r := range reqs {
			assert.Contains(t, []any{"read", "search", "list", "version"}, r["type"], "request %v", r)
		}
	}
}

func (p *recordingProxy) requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.bodies)
}

// save writes the last request and its answer as a fixture, with -record.
func (p *recordingProxy) save(t *testing.T, agent testenv.JolokiaAgent, name string) {
	t.Helper()
	if !*record {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	dir := filepath.Join("testdata", "recorded", agent.String())
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".request.json"), append(p.bodies[len(p.bodies)-1], '\n'), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), append(p.last, '\n'), 0o644))
}

// proxiedJVM starts a test JVM with agent and returns the recording proxy in
// front of it and a default config pointing at the proxy.
func proxiedJVM(t *testing.T, agent testenv.JolokiaAgent) (*recordingProxy, *Config) {
	t.Helper()
	jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent})
	proxy := newRecordingProxy(t, jvm.Endpoint)
	return proxy, configFor(proxy.endpoint())
}

func TestIntegrationTestMBeans(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			proxy, cfg := proxiedJVM(t, agent)
			cfg.Presets = nil
			cfg.Metrics = testMBeanMetrics
			core, logs := observer.New(zap.DebugLevel)
			s := newTestScraper(t, cfg, zap.New(core))

			md := scrapeOnce(s)
			proxy.save(t, agent, "receiver-test-mbeans")
			got := onlyResource(t, md)
			if agent == testenv.JolokiaAgent2 {
				// 2.x fails the whole Counters entry on NaN/Infinity: the
				// first scrape has no counters, and the next reads them one by one.
				assert.Equal(t, int64(1), got["jolokia.read.errors{jolokia.read.status=error}"])
				warn := logs.FilterMessage("MBean read failed; logged again only after it has worked").All()
				require.Len(t, warn, 1)
				assert.Contains(t, warn[0].ContextMap()["error"], "jolokia "+proxy.endpoint()+": read com.moalog.test:type=Counters [Big Huge Negative Ratio Inf Unlimited Text Nothing]: status 400: java.lang.NumberFormatException")
				md = scrapeOnce(s)
				proxy.save(t, agent, "receiver-test-mbeans-split")
				got = onlyResource(t, md)
				assert.Equal(t, int64(2), got["jolokia.read.errors{jolokia.read.status=error}"], "Ratio and Inf alone")
			} else {
				assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=error}"])
			}
			assert.Equal(t, int64(1), got["jolokia.up{}"])
			assert.Equal(t, int64(1), got["jolokia.read.errors{jolokia.read.status=not_found}"], "type=Missing")
			assert.NotEmpty(t, logs.FilterMessage("MBean not registered").All(), "404s are logged at debug")
			assert.Equal(t, wantTestMBeanPoints, prefixed(got, "test.", true))
			proxy.assertOnlyReads(t)
			assert.Subset(t, metricShapes(md), map[string]string{"test.payments": "sum {payment}", "test.pool.used": "updowncounter By", "test.quoted": "gauge "})
		})
	}
}

// TestIntegrationJVMPreset checks the jvm preset against both agents: every
// metric, its type, unit and attributes, and values that must hold on any JVM.
func TestIntegrationJVMPreset(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			proxy, cfg := proxiedJVM(t, agent)
			md := scrapeOnce(newTestScraper(t, cfg, nil))
			proxy.save(t, agent, "receiver-jvm-preset")
			got := onlyResource(t, md)
			assert.Equal(t, int64(1), got["jolokia.up{}"])
			assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=error}"])
			assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=not_found}"])
			checkJVMPreset(t, md)
			assert.Equal(t, 1, proxy.requests(), "one bulk request per scrape")
			proxy.assertOnlyReads(t)
		})
	}
}

// TestIntegrationKillRestart: one receiver, two JVMs (one per agent). Killing
// one makes its jolokia.up 0 on the next scrape while the other keeps
// reporting; restarting it brings it back without recreating the receiver.
func TestIntegrationKillRestart(t *testing.T) {
	jvm2 := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, User: "monitor", Password: "hunter2"})
	jvm1 := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaCore1})
	cfg := createDefaultConfig()
	cfg.Timeout = 2 * time.Second
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.Metrics = []MetricConfig{testMBeanMetrics[0]}
	cfg.Targets = []Target{
		{Endpoint: jvm2.Endpoint, ServiceName: "rate-limiter"},
		{Endpoint: jvm1.Endpoint, ServiceName: "fluxpay-engine", Username: "nobody"},
	}
	core, logs := observer.New(zap.InfoLevel)
	s := newTestScraper(t, cfg, zap.New(core))
	id2, id1 := instanceID(jvm2.Endpoint), instanceID(jvm1.Endpoint)

	up := func(md pmetric.Metrics) map[string]any {
		all := flattenMetrics(md)
		return map[string]any{id2: all[id2]["jolokia.up{}"], id1: all[id1]["jolokia.up{}"]}
	}
	md := scrapeOnce(s)
	assert.Equal(t, map[string]any{id2: int64(1), id1: int64(1)}, up(md))
	assert.Equal(t, int64(42), flattenMetrics(md)[id1]["test.payments{payment.kind=card}"])
	names := map[string]string{}
	for _, rm := range md.ResourceMetrics().All() {
		n, _ := rm.Resource().Attributes().Get("service.name")
		i, _ := rm.Resource().Attributes().Get("service.instance.id")
		names[i.Str()] = n.Str()
	}
	assert.Equal(t, map[string]string{id2: "rate-limiter", id1: "fluxpay-engine"}, names)

	jvm2.Process.Kill()
	md = scrapeOnce(s)
	assert.Equal(t, map[string]any{id2: int64(0), id1: int64(1)}, up(md))
	assert.Equal(t, int64(42), flattenMetrics(md)[id1]["test.payments{payment.kind=card}"], "the other target keeps reporting")
	warns := logs.FilterMessage("target scrape failed; reporting it as down until it recovers").All()
	require.Len(t, warns, 1)
	assert.Equal(t, "jolokia "+jvm2.Endpoint+": cannot connect: connect: connection refused: check that the JVM runs with the Jolokia agent and that `endpoint` has the right host and port",
		warns[0].ContextMap()["error"])

	jvm2.Process.Restart(t)
	jvm2.WaitReady(t)
	md = scrapeOnce(s)
	assert.Equal(t, map[string]any{id2: int64(1), id1: int64(1)}, up(md))
	assert.Equal(t, int64(42), flattenMetrics(md)[id2]["test.payments{payment.kind=card}"])
	assert.Len(t, logs.FilterMessage("target is reachable again").All(), 1)
}

// TestIntegrationUnregisteredMBeanGoesStale: an MBean of a wildcard set
// unregistered while the JVM runs marks exactly its series stale on the next
// scrape; the other matches keep their values.
func TestIntegrationUnregisteredMBeanGoesStale(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, ExtraArgs: []string{"-Dmoalog.control=true"}})
			cfg := createDefaultConfig()
			cfg.Metrics = testMBeanMetrics
			cfg.Targets = []Target{{Endpoint: jvm.Endpoint}}
			s := newTestScraper(t, cfg, nil)
			before := onlyResource(t, scrapeOnce(s))
			require.Equal(t, int64(7), before["test.payments{payment.kind=bank}"])

			status, body, err := jvm.Post(`{"type":"exec","mbean":"com.moalog.test:type=Control","operation":"unregister","arguments":["com.moalog.test:type=Payments,name=bank"]}`)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, string(body), `"status":200`)

			md := scrapeOnce(s)
			assert.Equal(t, []string{"test.payment.amount{payment.kind=bank}", "test.payment.enabled{payment.kind=bank}", "test.payments{payment.kind=bank}"},
				metrictest.Stale(md))
			after := onlyResource(t, md)
			for key, value := range before {
				switch {
				case strings.Contains(key, "payment.kind=bank"):
					assert.NotContains(t, after, key)
				case strings.HasPrefix(key, "test."):
					assert.Equal(t, value, after[key], key)
				default:
					assert.Contains(t, after, key) // the JVM preset's values move
				}
			}
		})
	}
}

// TestIntegrationAuth: wrong credentials give a clear error that never
// contains the password.
func TestIntegrationAuth(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, User: "monitor", Password: "hunter2"})
			cfg := configFor(jvm.Endpoint)
			cfg.Presets = nil
			cfg.Metrics = []MetricConfig{testMBeanMetrics[0]}
			cfg.Username, cfg.Password = "monitor", "wrong-secret"
			core, logs := observer.New(zap.DebugLevel)
			got := onlyResource(t, scrapeOnce(newTestScraper(t, cfg, zap.New(core))))
			assert.Equal(t, int64(0), got["jolokia.up{}"])
			require.Equal(t, 1, logs.Len())
			assert.Equal(t, "jolokia "+jvm.Endpoint+": HTTP 401 Unauthorized: set `username` and `password` to the agent's credentials", logs.All()[0].ContextMap()["error"])
			assert.NotContains(t, fmt.Sprint(logs.All()[0].ContextMap()), "wrong-secret")

			cfg.Password = "hunter2"
			got = onlyResource(t, scrapeOnce(newTestScraper(t, cfg, nil)))
			assert.Equal(t, int64(1), got["jolokia.up{}"])
			assert.Equal(t, int64(42), got["test.payments{payment.kind=card}"])
		})
	}
}

// TestIntegrationProxyMode: a JVM with only remote JMX over RMI (JMX
// authentication on) is scraped through each real agent's JSR-160 proxy,
// next to the agent's own JVM; the proxied target is its own resource
// (service.instance.id = the JMX host:port) with the JMX JVM's values.
// Failures of the proxy hop take only that target down, with a message that
// names the fix, and the JMX password is never logged.
func TestIntegrationProxyMode(t *testing.T) {
	const user, password = "jmxmon", "jmx-s3cret"
	// Only the JMX JVM registers com.moalog.bench items: they prove whose MBeans were read.
	jmx := testenv.StartJMXJVM(t, testenv.JMXOptions{User: user, Password: password, ExtraArgs: []string{"-Dmoalog.benchItems=3"}})
	refused := "service:jmx:rmi:///jndi/rmi://" + testenv.Addr(testenv.FreePort(t)) + "/jmxrmi"
	metrics := append([]MetricConfig{{Name: "test.bench.count", MBean: "com.moalog.bench:type=Item,name=*", Attribute: "Count",
		Type: "sum", Labels: map[string]string{"item": "name"}}}, testMBeanMetrics...)
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, JSR160Proxy: true,
				ProxyAllowedTargets: []string{regexp.QuoteMeta(jmx.ServiceURL), regexp.QuoteMeta(refused)}})
			cfg := createDefaultConfig()
			cfg.Presets = nil
			cfg.Metrics = metrics
			cfg.Targets = []Target{
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: jmx.ServiceURL, Username: user, Password: password}},
				{Endpoint: jvm.Endpoint},
			}
			core, logs := observer.New(zap.DebugLevel)
			s := newTestScraper(t, cfg, zap.New(core))
			all := flattenMetrics(scrapeOnce(s))
			if agent == testenv.JolokiaAgent2 {
				all = flattenMetrics(scrapeOnce(s)) // the NaN entry is split after the first scrape
			}
			proxied, direct := all[jmxInstanceID(jmx.ServiceURL)], all[instanceID(jvm.Endpoint)]
			require.NotNil(t, proxied, "resources: %v", sortedKeys(all))
			require.NotNil(t, direct)
			assert.Equal(t, "127.0.0.1:"+strconv.Itoa(jmx.Port), jmxInstanceID(jmx.ServiceURL))
			assert.Equal(t, int64(1), proxied["jolokia.up{}"])
			assert.Subset(t, proxied, wantTestMBeanPoints, "proxied")
			assert.Subset(t, direct, wantTestMBeanPoints, "direct")
			assert.Equal(t, int64(1000), proxied["test.bench.count{item=1}"], "the JMX JVM's own MBeans")
			assert.Equal(t, int64(2000), proxied["test.bench.count{item=2}"])
			assert.NotContains(t, direct, "test.bench.count{item=1}", "the agent's JVM has no bench items")
			assert.Equal(t, int64(1), proxied["jolokia.read.errors{jolokia.read.status=not_found}"], "type=Missing")

			// The proxy hop fails: wrong JMX password, nothing listening, outside the allowlist.
			outside := strings.Replace(jmx.ServiceURL, "127.0.0.1", "localhost", 1)
			cfg.Targets = []Target{
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: jmx.ServiceURL, Username: user, Password: "wrong-pw"}},
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: refused}},
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: outside, Username: user, Password: password}},
				{Endpoint: jvm.Endpoint},
			}
			s = newTestScraper(t, cfg, zap.New(core))
			all = flattenMetrics(scrapeOnce(s))
			assert.Equal(t, int64(1), all[instanceID(jvm.Endpoint)]["jolokia.up{}"], "the agent's own JVM stays up")
			text := loggedErrors(logs)
			for _, want := range []string{
				"jolokia " + jvm.Endpoint + " -> " + jmx.ServiceURL + ": proxy read of " + jmx.ServiceURL + " failed: status 403",
				"check `proxy_target` `username` and `password`",
				"jolokia " + jvm.Endpoint + " -> " + refused + ": proxy read of " + refused + " failed: status 500",
				"check that the JVM's remote JMX listens there",
				"jolokia " + jvm.Endpoint + " -> " + outside + ": proxy read of " + outside + " failed: status 403",
				"add it to the agent's jsr160ProxyAllowedTargets",
			} {
				assert.Contains(t, text, want)
			}
			// 127.0.0.1 and localhost name the same JMX port: both resources are
			// 127.0.0.1:PORT / localhost:PORT, each down.
			assert.Equal(t, int64(0), all[jmxInstanceID(refused)]["jolokia.up{}"])
			assert.Equal(t, int64(0), all[jmxInstanceID(outside)]["jolokia.up{}"])
			for _, e := range logs.All() {
				assert.NotContains(t, e.Message+fmt.Sprint(e.ContextMap()), password, "the JMX password is never logged")
			}
		})
	}
	// A 1.x agent without the JSR-160 dispatcher ignores "target" and would
	// answer from its own JVM: the proxied target is down, not misreported.
	t.Run("jolokia-1.7.1-core-without-proxy-support", func(t *testing.T) {
		jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaCore1})
		cfg := createDefaultConfig()
		cfg.Presets = nil
		cfg.Metrics = metrics
		cfg.Targets = []Target{{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: jmx.ServiceURL, Username: user, Password: password}}}
		core, logs := observer.New(zap.DebugLevel)
		s := newTestScraper(t, cfg, zap.New(core))
		got := onlyResource(t, scrapeOnce(s))
		assert.Equal(t, int64(0), got["jolokia.up{}"])
		assert.NotContains(t, got, "test.payments{payment.kind=card}", "no values from the agent's own JVM")
		assert.Contains(t, loggedErrors(logs), "the agent did not forward the read to "+jmx.ServiceURL)
	})
}

// loggedErrors is the error field of every log entry, one a line.
func loggedErrors(logs *observer.ObservedLogs) string {
	var errs []string
	for _, e := range logs.All() {
		errs = append(errs, fmt.Sprint(e.ContextMap()["error"]))
	}
	return strings.Join(errs, "\n")
}

// TestIntegrationShardedReplicas: 3 replicas, each with shard {count: 3,
// index: I} and the same 30 targets (simulated agents answering a recorded
// 2.4.2 response), each exporting through its own Prometheus exporter: the
// three /metrics pages together hold exactly the series of one unsharded
// receiver's page, none twice.
func TestIntegrationShardedReplicas(t *testing.T) {
	dir := filepath.Join("testdata", "recorded", agent2)
	fleet := testenv.StartJolokiaFleet(t, 30, filepath.Join(dir, "receiver-jvm-preset.json"), "")
	scrapeSeries := func(shard ShardConfig) []string {
		cfg := createDefaultConfig()
		for _, e := range fleet.Endpoints {
			cfg.Targets = append(cfg.Targets, Target{Endpoint: e})
		}
		cfg.Shard = shard
		return prometheusSeries(t, scrapeOnce(newTestScraper(t, cfg, nil)))
	}
	all := scrapeSeries(ShardConfig{})
	require.NotEmpty(t, all)
	perInstance := map[string]bool{}
	owner := map[string]int{} // series -> the shard that exports it
	for index := range 3 {
		series := scrapeSeries(ShardConfig{Count: 3, Index: index})
		require.NotEmpty(t, series, "shard %d has targets", index)
		for _, s := range series {
			if prev, dup := owner[s]; dup {
				t.Errorf("series %s is exported by shards %d and %d", s, prev, index)
			}
			owner[s] = index
			if strings.HasPrefix(s, "jolokia_up") {
				perInstance[s] = true
			}
		}
	}
	assert.Equal(t, all, slices.Sorted(maps.Keys(owner)), "3 shards together export exactly what one unsharded receiver exports")
	assert.Len(t, perInstance, 30, "30 targets, each up once: %v", all[:5])
}

// TestIntegrationAppPresets runs each library preset against the real
// libraries (internal/testenv/java/apps/, commons-pool2) in a JVM behind each
// agent, HikariCP pooling real connections to the test MariaDB. With -record
// it saves each preset's bulk read and answer as testdata/recorded/<agent>/preset-<name>.json.
func TestIntegrationAppPresets(t *testing.T) {
	db := testenv.StartMariaDB(t, testenv.MariaDBOptions{})
	db.CreateUser(t, "fluxpay", "fluxpay-pw")
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, CommonsPool2: true, Apps: testenv.JavaApps,
				JDBC: &testenv.JDBC{URL: "jdbc:mariadb://" + db.Addr + "/", User: "fluxpay", Password: "fluxpay-pw"}})
			assert.Equal(t, "4", db.QueryValue(t, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'fluxpay'"),
				"HikariCP holds 4 real MariaDB connections")
			connector := "http-nio-127.0.0.1-" + strconv.Itoa(jvm.TomcatPort)
			for _, p := range appPresets {
				t.Run(p.name, func(t *testing.T) {
					proxy := newRecordingProxy(t, jvm.Endpoint)
					cfg := configFor(proxy.endpoint())
					cfg.Presets = []string{p.name}
					md := scrapeOnce(newTestScraper(t, cfg, nil))
					proxy.save(t, agent, "preset-"+p.name)
					checkAppPreset(t, p.name, p.want, p.measured, connector, md)
					assert.Equal(t, 1, proxy.requests(), "one bulk read")
					proxy.assertOnlyReads(t)
				})
			}
		})
	}
}

// prometheusSeries runs md through a real Prometheus exporter and returns its
// series as name map[label:value ...], sorted, without jolokia_scrape_duration
// (a measured time, different at every scrape).
func prometheusSeries(t *testing.T, md pmetric.Metrics) []string {
	t.Helper()
	var out []string
	for name, f := range exporterFamilies(t, md) {
		if strings.HasPrefix(name, "jolokia_scrape_duration") {
			continue
		}
		for _, m := range f.GetMetric() {
			out = append(out, fmt.Sprintf("%s%v", name, testenv.LabelMap(m)))
		}
	}
	slices.Sort(out)
	return out
}
