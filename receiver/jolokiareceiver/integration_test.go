package jolokiareceiver

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
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

func (p *recordingProxy) save(t *testing.T, agent testenv.JolokiaAgent, name string) {
	t.Helper()
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
	cfg := createDefaultConfig()
	cfg.Endpoint = proxy.endpoint()
	return proxy, cfg
}

func TestIntegrationTestMBeans(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			proxy, cfg := proxiedJVM(t, agent)
			cfg.Presets = nil
			cfg.Metrics = testMBeanMetrics
			core, logs := observer.New(zap.DebugLevel)
			s := newTestScraper(t, cfg, zap.New(core))

			md := scrapeOnce(t, s)
			if *record {
				proxy.save(t, agent, "receiver-test-mbeans")
			}
			got := onlyResource(t, md)
			if agent == testenv.JolokiaAgent2 {
				// 2.x fails the whole Counters entry on NaN/Infinity: the
				// first scrape has no counters, and the next reads them one by one.
				assert.Equal(t, int64(1), got["jolokia.read.errors{jolokia.read.status=error}"])
				warn := logs.FilterMessage("MBean read failed; logged again only after it has worked").All()
				require.Len(t, warn, 1)
				assert.Contains(t, warn[0].ContextMap()["error"], "jolokia "+proxy.endpoint()+": read com.moalog.test:type=Counters [Big Huge Negative Ratio Inf Unlimited Text Nothing]: status 400: java.lang.NumberFormatException")
				md = scrapeOnce(t, s)
				if *record {
					proxy.save(t, agent, "receiver-test-mbeans-split")
				}
				got = onlyResource(t, md)
				assert.Equal(t, int64(2), got["jolokia.read.errors{jolokia.read.status=error}"], "Ratio and Inf alone")
			} else {
				assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=error}"])
			}
			assert.Equal(t, int64(1), got["jolokia.up{}"])
			assert.Equal(t, int64(1), got["jolokia.read.errors{jolokia.read.status=not_found}"], "type=Missing")
			assert.NotEmpty(t, logs.FilterMessage("MBean not registered").All(), "404s are logged at debug")
			for key, want := range wantTestMBeanPoints {
				assert.Equal(t, want, got[key], key)
			}
			for key := range got {
				if strings.HasPrefix(key, "test.") {
					assert.Contains(t, wantTestMBeanPoints, key, "unexpected point")
				}
			}
			proxy.assertOnlyReads(t)
			assert.Equal(t, map[string]string{"test.payments": "sum {payment}", "test.pool.used": "updowncounter By", "test.quoted": "gauge "},
				pick(metricShapes(md), "test.payments", "test.pool.used", "test.quoted"))
		})
	}
}

func pick(m map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// TestIntegrationJVMPreset checks the jvm preset against both agents: every
// metric, its type, unit and attributes, and values that must hold on any JVM.
func TestIntegrationJVMPreset(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			proxy, cfg := proxiedJVM(t, agent)
			s := newTestScraper(t, cfg, nil)
			md := scrapeOnce(t, s)
			if *record {
				proxy.save(t, agent, "receiver-jvm-preset")
			}
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

// checkJVMPreset asserts what the jvm preset yields on the test JVMs
// (Java 17, -XX:+UseSerialGC, Linux).
func checkJVMPreset(t *testing.T, md pmetric.Metrics) {
	t.Helper()
	got := onlyResource(t, md)
	assert.Equal(t, map[string]string{
		"jvm.memory.used":               "updowncounter By",
		"jvm.memory.committed":          "updowncounter By",
		"jvm.memory.limit":              "updowncounter By",
		"jvm.memory.used_after_last_gc": "updowncounter By",
		"jvm.gc.collections.count":      "sum {collection}",
		"jvm.gc.collections.elapsed":    "sum s",
		"jvm.thread.count":              "updowncounter {thread}",
		"jvm.class.loaded":              "sum {class}",
		"jvm.class.unloaded":            "sum {class}",
		"jvm.class.count":               "updowncounter {class}",
		"jvm.cpu.time":                  "sum s",
		"jvm.cpu.count":                 "updowncounter {cpu}",
		"jvm.cpu.recent_utilization":    "gauge 1",
		"jvm.system.cpu.utilization":    "gauge 1",
		"jvm.system.cpu.load_1m":        "gauge {run_queue_item}",
		"jvm.file_descriptor.count":     "updowncounter {file_descriptor}",
		"jvm.file_descriptor.limit":     "updowncounter {file_descriptor}",
		"jvm.buffer.memory.used":        "updowncounter By",
		"jvm.buffer.memory.limit":       "updowncounter By",
		"jvm.buffer.count":              "updowncounter {buffer}",
		"process.uptime":                "gauge s",
		"jolokia.up":                    "gauge {status}",
		"jolokia.scrape.duration":       "gauge s",
		"jolokia.read.errors":           "gauge {read}",
	}, metricShapes(md))
	// SerialGC pools and collectors.
	for _, key := range []string{
		"jvm.memory.used{jvm.memory.pool.name=Eden Space,jvm.memory.type=heap}",
		"jvm.memory.used{jvm.memory.pool.name=Tenured Gen,jvm.memory.type=heap}",
		"jvm.memory.used{jvm.memory.pool.name=Metaspace,jvm.memory.type=non_heap}",
		"jvm.memory.committed{jvm.memory.pool.name=Eden Space,jvm.memory.type=heap}",
		"jvm.memory.limit{jvm.memory.pool.name=Tenured Gen,jvm.memory.type=heap}",
		"jvm.memory.used_after_last_gc{jvm.memory.pool.name=Eden Space,jvm.memory.type=heap}",
		"jvm.gc.collections.count{jvm.gc.name=Copy}",
		"jvm.gc.collections.count{jvm.gc.name=MarkSweepCompact}",
		"jvm.gc.collections.elapsed{jvm.gc.name=Copy}",
		"jvm.thread.count{jvm.thread.daemon=true}",
		"jvm.thread.count{jvm.thread.daemon=false}",
		"jvm.buffer.count{jvm.buffer.pool.name=direct}",
		"jvm.buffer.memory.used{jvm.buffer.pool.name=mapped}",
		"jvm.class.count{}", "jvm.class.loaded{}", "jvm.class.unloaded{}",
		"jvm.cpu.time{}", "jvm.cpu.count{}", "jvm.file_descriptor.count{}", "jvm.file_descriptor.limit{}", "process.uptime{}",
	} {
		assert.Contains(t, got, key)
	}
	// Metaspace has no limit (-1): no jvm.memory.limit point.
	assert.NotContains(t, got, "jvm.memory.limit{jvm.memory.pool.name=Metaspace,jvm.memory.type=non_heap}")
	assert.Greater(t, got["jvm.class.count{}"], int64(100))
	assert.Greater(t, got["jvm.thread.count{jvm.thread.daemon=true}"], int64(0))
	assert.Greater(t, got["jvm.thread.count{jvm.thread.daemon=false}"], int64(0))
	assert.Greater(t, got["jvm.cpu.count{}"], int64(0))
	assert.Greater(t, got["jvm.cpu.time{}"], 0.0)
	assert.Greater(t, got["process.uptime{}"], 0.0)
	assert.Less(t, got["process.uptime{}"], 600.0, "seconds, not milliseconds")
	assert.Equal(t, int64(64<<20), got["jvm.memory.limit{jvm.memory.pool.name=Tenured Gen,jvm.memory.type=heap}"].(int64)+
		got["jvm.memory.limit{jvm.memory.pool.name=Eden Space,jvm.memory.type=heap}"].(int64)+
		2*got["jvm.memory.limit{jvm.memory.pool.name=Survivor Space,jvm.memory.type=heap}"].(int64), "-Xmx64m")
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
	md := scrapeOnce(t, s)
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
	md = scrapeOnce(t, s)
	assert.Equal(t, map[string]any{id2: int64(0), id1: int64(1)}, up(md))
	assert.Equal(t, int64(42), flattenMetrics(md)[id1]["test.payments{payment.kind=card}"], "the other target keeps reporting")
	warns := logs.FilterMessage("target scrape failed; reporting it as down until it recovers").All()
	require.Len(t, warns, 1)
	assert.Equal(t, "jolokia "+jvm2.Endpoint+": cannot connect: connect: connection refused: check that the JVM runs with the Jolokia agent and that `endpoint` has the right host and port",
		warns[0].ContextMap()["error"])

	jvm2.Process.Restart(t)
	jvm2.WaitReady(t)
	md = scrapeOnce(t, s)
	assert.Equal(t, map[string]any{id2: int64(1), id1: int64(1)}, up(md))
	assert.Equal(t, int64(42), flattenMetrics(md)[id2]["test.payments{payment.kind=card}"])
	assert.Len(t, logs.FilterMessage("target is reachable again").All(), 1)
}

// TestIntegrationUnregisteredMBeanGoesStale: an MBean of a wildcard set
// unregistered while the JVM runs marks exactly its series stale on the next
// scrape; the other matches keep their values.
func TestIntegrationUnregisteredMBeanGoesStale(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) { checkUnregisteredMBeanGoesStale(t, agent) })
	}
}

func checkUnregisteredMBeanGoesStale(t *testing.T, agent testenv.JolokiaAgent) {
	jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, ExtraArgs: []string{"-Dmoalog.control=true"}})
	cfg := createDefaultConfig()
	cfg.Metrics = testMBeanMetrics
	cfg.Targets = []Target{{Endpoint: jvm.Endpoint}}
	s := newTestScraper(t, cfg, nil)
	before := onlyResource(t, scrapeOnce(t, s))
	require.Equal(t, int64(7), before["test.payments{payment.kind=bank}"])

	status, body, err := jvm.Post(`{"type":"exec","mbean":"com.moalog.test:type=Control","operation":"unregister","arguments":["com.moalog.test:type=Payments,name=bank"]}`)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `"status":200`)

	md := scrapeOnce(t, s)
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
}

// TestIntegrationAuth: wrong credentials give a clear error that never
// contains the password.
func TestIntegrationAuth(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, User: "monitor", Password: "hunter2"})
			cfg := createDefaultConfig()
			cfg.Endpoint = jvm.Endpoint
			cfg.Presets = nil
			cfg.Metrics = []MetricConfig{testMBeanMetrics[0]}
			cfg.Username, cfg.Password = "monitor", "wrong-secret"
			core, logs := observer.New(zap.DebugLevel)
			got := onlyResource(t, scrapeOnce(t, newTestScraper(t, cfg, zap.New(core))))
			assert.Equal(t, int64(0), got["jolokia.up{}"])
			require.Equal(t, 1, logs.Len())
			assert.Equal(t, "jolokia "+jvm.Endpoint+": HTTP 401 Unauthorized: set `username` and `password` to the agent's credentials", logs.All()[0].ContextMap()["error"])
			assert.NotContains(t, fmt.Sprint(logs.All()[0].ContextMap()), "wrong-secret")

			cfg.Password = "hunter2"
			got = onlyResource(t, scrapeOnce(t, newTestScraper(t, cfg, nil)))
			assert.Equal(t, int64(1), got["jolokia.up{}"])
			assert.Equal(t, int64(42), got["test.payments{payment.kind=card}"])
		})
	}
}

// TestIntegrationCommonsPool2Preset: the commons-pool2 preset against a real
// GenericObjectPool in a known state (internal/testenv/java/pool/CommonsPool2App.java).
func TestIntegrationCommonsPool2Preset(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, CommonsPool2: true})
			cfg := createDefaultConfig()
			cfg.Endpoint = jvm.Endpoint
			cfg.Presets = []string{"commons-pool2"}
			got := onlyResource(t, scrapeOnce(t, newTestScraper(t, cfg, nil)))
			assert.Equal(t, wantCommonsPool2Points, withoutPrefix(got, "jolokia."))
			assert.Equal(t, int64(1), got["jolokia.up{}"])
			assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=error}"])
			assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=not_found}"])
		})
	}
}

// wantCommonsPool2Points is the commons-pool2 preset on the test pool: 5
// created, 4 borrowed, 1 returned, max 8 (internal/testenv/java/pool/CommonsPool2App.java).
var wantCommonsPool2Points = func() points {
	const pool = "db.client.connection.pool.name=redis-pool"
	return points{
		"db.client.connection.count{" + pool + ",db.client.connection.state=used}": int64(3),
		"db.client.connection.count{" + pool + ",db.client.connection.state=idle}": int64(2),
		"db.client.connection.max{" + pool + "}":                                   int64(8),
		"db.client.connection.idle.max{" + pool + "}":                              int64(8),
		"db.client.connection.idle.min{" + pool + "}":                              int64(0),
		"db.client.connection.pending_requests{" + pool + "}":                      int64(0),
		"commons_pool2.objects.created{" + pool + "}":                              int64(5),
		"commons_pool2.objects.destroyed{" + pool + "}":                            int64(0),
		"commons_pool2.objects.borrowed{" + pool + "}":                             int64(4),
		"commons_pool2.objects.returned{" + pool + "}":                             int64(1),
		"commons_pool2.borrow.wait.mean{" + pool + "}":                             0.0,
		"commons_pool2.borrow.wait.max{" + pool + "}":                              0.0,
	}
}()
