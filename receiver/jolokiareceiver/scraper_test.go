package jolokiareceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

// recordedAgent serves the recorded 2.x answer to the jvm preset's bulk read.
func recordedAgent(t *testing.T) *httptest.Server {
	t.Helper()
	req, resp := readRecorded(t, agent2, "receiver-jvm-preset")
	return agentAnswering(t, req, resp)
}

// agentAnswering answers the bulk read req, sent with the test's credentials
// (monitor, hunter2), with resp.
func agentAnswering(t *testing.T, req, resp []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		if r.Method != http.MethodPost || !bytes.Equal(bytes.TrimSpace(body.Bytes()), req) {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		if u, p, _ := r.BasicAuth(); u != "monitor" || p != "hunter2" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestScrapeResourceIdentity(t *testing.T) {
	good := recordedAgent(t)
	cfg := configFor(good.URL + "/jolokia")
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.ResourceAttributes = map[string]string{"deployment.environment.name": "test"}
	s := newTestScraper(t, cfg, nil)
	md := scrapeOnce(s)
	require.Equal(t, 1, md.ResourceMetrics().Len())
	attrs := md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()
	assert.Equal(t, map[string]any{
		"service.name":                "test", // the receiver's name, jolokia/test
		"service.instance.id":         strings.TrimPrefix(good.URL, "http://"),
		"deployment.environment.name": "test",
	}, attrs)
	assert.Equal(t, metadata.ScopeName, md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().Name())

	// Sums start when the target was first seen up and keep that start.
	classesLoadedSince := func(md pmetric.Metrics) pcommon.Timestamp {
		for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
			if m.Name() == "jvm.class.loaded" {
				return m.Sum().DataPoints().At(0).StartTimestamp()
			}
		}
		return 0
	}
	start := classesLoadedSince(md)
	require.NotZero(t, start)
	assert.Equal(t, start, classesLoadedSince(scrapeOnce(s)))
}

// TestInstanceID: a target's service.instance.id is its agent's host:port,
// or for a proxied target the JMX service URL's host:port (jmxInstanceID).
func TestInstanceID(t *testing.T) {
	for in, want := range map[string]string{
		"http://10.0.0.5:8778/jolokia":   "10.0.0.5:8778",
		"http://fluxpay-engine/jolokia":  "fluxpay-engine:80",
		"https://fluxpay-engine/jolokia": "fluxpay-engine:443",
		"http://[::1]:8778/jolokia":      "[::1]:8778",

		"service:jmx:rmi:///jndi/rmi://app-7:9010/jmxrmi":                 "app-7:9010",
		"service:jmx:rmi://10.1.2.3:9011/jndi/rmi://10.1.2.3:9010/jmxrmi": "10.1.2.3:9010",
		"service:jmx:jmxmp://host:5555":                                   "host:5555",
		"service:jmx:rmi:///jndi/jmxrmi":                                  "service:jmx:rmi:///jndi/jmxrmi",
	} {
		id := instanceID
		if strings.HasPrefix(in, "service:jmx:") {
			id = jmxInstanceID
		}
		assert.Equal(t, want, id(in), in)
	}
}

// TestFactory runs the receiver as the collector does: factory, controller,
// consumer; and checks it stops cleanly.
func TestFactory(t *testing.T) {
	good := recordedAgent(t)
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Endpoint = good.URL + "/jolokia"
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.CollectionInterval = 50 * time.Millisecond
	cfg.InitialDelay = 0
	sink := new(consumertest.MetricsSink)
	r, _ := startReceiver(t, cfg, sink)
	require.Eventually(t, func() bool { return sink.DataPointCount() > 0 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	batches := sink.AllMetrics()
	got := flattenMetrics(batches[0])
	assert.Equal(t, int64(1), got[strings.TrimPrefix(good.URL, "http://")]["jolokia.up{}"])
	assert.Equal(t, "jolokia", f.Type().String())

	// Shutdown's last batch: one stale marker for every series of the last scrape, nothing else.
	require.GreaterOrEqual(t, len(batches), 2, "a scrape, then the stale markers")
	lastScrape, atShutdown := batches[len(batches)-2], batches[len(batches)-1]
	assert.Empty(t, flattenMetrics(atShutdown)[strings.TrimPrefix(good.URL, "http://")])
	assert.Equal(t, pointKeys(flattenMetrics(lastScrape)), pointKeys(flattenPoints(atShutdown, true)))
}

// pointKeys lists each instance's point keys.
func pointKeys(flat map[string]points) map[string][]string {
	out := map[string][]string{}
	for instance, ps := range flat {
		out[instance] = slices.Sorted(maps.Keys(ps))
	}
	return out
}

// TestReceiverDeliversEachTargetOnItsOwn: a target that never answers does
// not hold back the metrics of the other target of the same receiver.
func TestReceiverDeliversEachTargetOnItsOwn(t *testing.T) {
	good := recordedAgent(t)
	stalled := "http://" + testenv.ServeTCP(t, nil) + "/jolokia" // accepts, never answers
	cfg := createDefaultConfig()
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.Targets = []Target{{Endpoint: stalled}, {Endpoint: good.URL + "/jolokia"}}
	cfg.CollectionInterval = 100 * time.Millisecond
	cfg.InitialDelay = 0
	cfg.Timeout = 3 * time.Second
	sink := new(consumertest.MetricsSink)
	r, _ := startReceiver(t, cfg, sink)
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()

	isHealthy := func(md pmetric.Metrics) bool { return flattenMetrics(md)[instanceID(good.URL)] != nil }
	require.Eventually(t, func() bool {
		return len(slices.DeleteFunc(sink.AllMetrics(), func(md pmetric.Metrics) bool { return !isHealthy(md) })) >= 3
	}, 2*time.Second, 20*time.Millisecond, "three scrapes of the healthy target while the other one hangs")
}

// TestConversionPanicIsTargetDown: a panic in the conversion of one
// target's answer makes that target down with the panic as its reason and
// its stack logged once, while the other target of the receiver keeps its
// data. The panic: a label_regex without a capture group (Validate refuses
// it; forced into the compiled plan here, as a bug in the plan would) meets a
// collector name that only the hostile target's JVM has.
func TestConversionPanicIsTargetDown(t *testing.T) {
	good := recordedAgent(t)
	req, resp := readRecorded(t, agent2, "receiver-jvm-preset")
	hostile := agentAnswering(t, req, bytes.ReplaceAll(resp, []byte("name=Copy,"), []byte("name=Hostile,")))
	cfg := createDefaultConfig()
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.Targets = []Target{{Endpoint: good.URL + "/jolokia"}, {Endpoint: hostile.URL + "/jolokia"}}
	core, logs := observer.New(zap.WarnLevel)
	s := newTestScraper(t, cfg, zap.New(core))
	forced := 0
	for i := range s.plan.requests {
		for j := range s.plan.requests[i].extracts {
			for k, kl := range s.plan.requests[i].extracts[j].keyLabels {
				if kl.label == "jvm.gc.name" {
					s.plan.requests[i].extracts[j].keyLabels[k].re = regexp.MustCompile("Hostile")
					forced++
				}
			}
		}
	}
	require.Equal(t, 2, forced, "jvm.gc.collections.count and .elapsed")

	for range 2 {
		all := flattenMetrics(scrapeOnce(s))
		healthy, down := all[instanceID(good.URL)], all[instanceID(hostile.URL)]
		assert.Equal(t, int64(1), healthy["jolokia.up{}"])
		assert.Equal(t, int64(0), healthy["jvm.gc.collections.count{jvm.gc.name=Copy}"])
		assert.Equal(t, int64(0), down["jolokia.up{}"])
		assert.Len(t, down, 2, "jolokia.up and jolokia.scrape.duration only: %v", down)
	}
	failed := logs.FilterMessage("target scrape failed; reporting it as down until it recovers").All()
	require.Len(t, failed, 1)
	assert.Equal(t, hostile.URL+"/jolokia", failed[0].ContextMap()["target"])
	assert.Contains(t, failed[0].ContextMap()["error"], "the client panicked on the target's reply (runtime error: index out of range [1] with length 1)")
	stacks := logs.FilterMessage("recovered a panic while scraping a target; the target is reported down and the collector keeps running").All()
	require.Len(t, stacks, 1, "the stack once, not once per scrape")
	assert.Contains(t, stacks[0].ContextMap()["stack"], "(*converter).point")
}

// TestEntryErrorLoggedOnceWhileItFails: an MBean read whose error text
// changes at every scrape (a counter, a timestamp) is logged once until it
// works again.
func TestEntryErrorLoggedOnceWhileItFails(t *testing.T) {
	req, resp := readRecorded(t, agent2, "receiver-jvm-preset")
	var entries []json.RawMessage
	require.NoError(t, json.Unmarshal(resp, &entries))
	var scrapes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		require.Equal(t, req, bytes.TrimSpace(body.Bytes()))
		n := scrapes.Add(1)
		answer := slices.Clone(entries)
		if n <= 3 { // the last read (Runtime Uptime) has one attribute: never split
			answer[len(answer)-1] = json.RawMessage(fmt.Sprintf(`{"status":500,"error_type":"java.lang.IllegalStateException","error":"pool busy, %d waiters"}`, n))
		}
		_ = json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(srv.Close)
	cfg := configFor(srv.URL + "/jolokia")
	core, logs := observer.New(zap.InfoLevel)
	s := newTestScraper(t, cfg, zap.New(core))
	for range 3 {
		scrapeOnce(s)
	}
	assert.Equal(t, 1, logs.FilterMessage("MBean read failed; logged again only after it has worked").Len())
	scrapeOnce(s)
	assert.Equal(t, 1, logs.FilterMessage("MBean read works again").Len())
}

// TestMaxSeries: a scrape over `max_series` is dropped, the target is down
// with the metrics that exploded named, and the series of its last good
// scrape go stale.
func TestMaxSeries(t *testing.T) {
	good := recordedAgent(t)
	cfg := configFor(good.URL + "/jolokia")
	cfg.Username, cfg.Password = "monitor", "hunter2"
	core, logs := observer.New(zap.WarnLevel)
	s := newTestScraper(t, cfg, zap.New(core))
	before := scrapeOnce(s)
	series := before.DataPointCount()
	// The limit counts what the bulk read converted: all but jolokia.up,
	// jolokia.scrape.duration and the two jolokia.read.errors.
	cfg.MaxSeries = series - 5

	md := scrapeOnce(s)
	got := onlyResource(t, md)
	assert.Equal(t, int64(0), got["jolokia.up{}"])
	assert.Len(t, got, 2, "jolokia.up and jolokia.scrape.duration only: %v", got)
	stale := metrictest.Stale(md)
	assert.Len(t, stale, series-2, "every series but jolokia.up and jolokia.scrape.duration goes stale: %v", stale)
	require.Equal(t, 1, logs.Len())
	assert.Contains(t, logs.All()[0].ContextMap()["error"],
		fmt.Sprintf("jolokia %s/jolokia: the scrape produced ", good.URL))
	assert.Contains(t, logs.All()[0].ContextMap()["error"], fmt.Sprintf("series, over `max_series` (%d), most from jvm.", series-5))
}

// The pipeline refuses the scrape that marks a dead target's series stale
// (the memory_limiter does while memory is high): the next scrape of that
// target sends the stale points again.
func TestRefusedStalePointsAreSentAgain(t *testing.T) {
	agent := recordedAgent(t)
	cfg := configFor(agent.URL + "/jolokia")
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.CollectionInterval = 50 * time.Millisecond
	cfg.InitialDelay = 0
	sink := new(metrictest.RefusingSink)
	r, _ := startReceiver(t, cfg, sink)
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()
	next := sink.AfterRefusedStale(t, agent.Close)
	assert.Contains(t, metrictest.Stale(next), "process.uptime", "sent again after the refusal")
}
