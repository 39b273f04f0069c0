package promscrapereceiver

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	commonconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"go.yaml.in/yaml/v3"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/promscrapereceiver/internal/metadata"
)

const (
	textFormat        = "text/plain; version=0.0.4; charset=utf-8"
	openMetricsFormat = "application/openmetrics-text; version=1.0.0; charset=utf-8"
)

// exposition is a test target whose body and Content-Type the test sets; it
// remembers the Authorization header of every request.
type exposition struct {
	mu          sync.Mutex
	body        string
	contentType string
	auth        []string
}

func (e *exposition) set(body, contentType string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.body, e.contentType = body, contentType
}

func (e *exposition) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.auth = append(e.auth, r.Header.Get("Authorization"))
	w.Header().Set("Content-Type", e.contentType)
	_, _ = w.Write([]byte(e.body))
}

// seen is the Authorization header of each request so far.
func (e *exposition) seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.auth)
}

// testLoop is one target's scrape loop, driven scrape by scrape.
type testLoop struct {
	*loop
	sink *consumertest.MetricsSink
	logs *observer.ObservedLogs
}

func newTestLoop(t *testing.T, sc *ScrapeConfig, address string) *testLoop {
	t.Helper()
	if sc.JobName == "" {
		sc.JobName = "app"
	}
	sc.ScrapeInterval, sc.ScrapeTimeout = model.Duration(time.Minute), model.Duration(5*time.Second)
	sc.MetricsPath, sc.Scheme = "/metrics", "http"
	require.NoError(t, sc.validate())
	r, sink, logs := newTestReceiver(t, &Config{PromConfig: PromConfig{ScrapeConfigs: []*ScrapeConfig{sc}}})
	r.root = context.Background()
	targets := targetsOf(sc, []group{{Targets: []string{address}}})
	require.Len(t, targets, 1)
	client, err := commonconfig.NewClientFromConfig(sc.httpClientConfig(), sc.JobName)
	require.NoError(t, err)
	j := &job{r: r, sc: sc, client: client}
	return &testLoop{loop: newLoop(j, targets[0]), sink: sink, logs: logs}
}

// scrape runs one scrape and returns what it sent.
func (l *testLoop) scrape(t *testing.T) pmetric.Metrics {
	t.Helper()
	before := len(l.sink.AllMetrics())
	l.scrapeOnce(context.Background())
	all := l.sink.AllMetrics()
	require.Len(t, all, before+1)
	return all[before]
}

func serve(t *testing.T, body, contentType string) (*exposition, string) {
	e := &exposition{}
	e.set(body, contentType)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv.Listener.Addr().String()
}

// metricNamed finds the one metric called name.
func metricNamed(t *testing.T, md pmetric.Metrics, name string) pmetric.Metric {
	t.Helper()
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() == name {
					return m
				}
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return pmetric.Metric{}
}

func TestScrapeOpenMetrics(t *testing.T) {
	body, err := os.ReadFile("testdata/openmetrics.txt")
	require.NoError(t, err)
	_, addr := serve(t, string(body), openMetricsFormat)
	l := newTestLoop(t, &ScrapeConfig{}, addr)
	md := l.scrape(t)

	host, port, _ := strings.Cut(addr, ":")
	require.Equal(t, "127.0.0.1", host)
	res := md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()
	assert.Equal(t, map[string]any{"service.name": "app", "service.instance.id": addr, "server.port": port, "url.scheme": "http"}, res,
		"a loopback host is not a server.address, as in the contrib receiver")
	assert.Equal(t, map[string]float64{
		"http_requests_total{route=/a}":         10,
		"pool_used{pool=main}":                  3,
		"mystery":                               7,
		"up":                                    1,
		"scrape_samples_scraped":                12, // _created lines are start timestamps, not samples
		"scrape_samples_post_metric_relabeling": 12,
		"scrape_series_added":                   12,
		"scrape_duration_seconds":               metrictest.Points[float64](md)["scrape_duration_seconds"],
	}, metrictest.Points[float64](md))

	counter := metricNamed(t, md, "http_requests_total")
	assert.True(t, counter.Sum().IsMonotonic())
	assert.Equal(t, pmetric.AggregationTemporalityCumulative, counter.Sum().AggregationTemporality())
	assert.Equal(t, pcommon.Timestamp(1.7646e18), counter.Sum().DataPoints().At(0).StartTimestamp(), "the created timestamp is the start")
	assert.Equal(t, "Requests served.", counter.Description())
	assert.Equal(t, pmetric.MetricTypeGauge, metricNamed(t, md, "mystery").Type(), "unknown is a gauge, as in the contrib receiver")

	hist := metricNamed(t, md, "request_seconds")
	assert.Equal(t, "seconds", hist.Unit())
	dp := hist.Histogram().DataPoints().At(0)
	assert.Equal(t, []float64{0.1, 1}, dp.ExplicitBounds().AsRaw())
	assert.Equal(t, []uint64{3, 2, 1}, dp.BucketCounts().AsRaw())
	assert.Equal(t, uint64(6), dp.Count())
	assert.Equal(t, 4.5, dp.Sum())
	assert.Equal(t, pcommon.Timestamp(1.7646e18), dp.StartTimestamp())

	sum := metricNamed(t, md, "rpc_seconds").Summary().DataPoints().At(0)
	assert.Equal(t, uint64(40), sum.Count())
	assert.Equal(t, 12.5, sum.Sum())
	assert.Equal(t, 2, sum.QuantileValues().Len())
	assert.Equal(t, 0.99, sum.QuantileValues().At(1).Quantile())
	assert.Equal(t, 0.9, sum.QuantileValues().At(1).Value())
	assert.Equal(t, 0, l.logs.Len(), "a healthy target logs nothing")
}

// Without created timestamps a counter starts when first seen and again when it decreases.
func TestCounterStartTimes(t *testing.T) {
	e, addr := serve(t, "# TYPE jobs_total counter\njobs_total 5\n", textFormat)
	l := newTestLoop(t, &ScrapeConfig{}, addr)
	start := func(md pmetric.Metrics) (start, ts pcommon.Timestamp) {
		dp := metricNamed(t, md, "jobs_total").Sum().DataPoints().At(0)
		return dp.StartTimestamp(), dp.Timestamp()
	}
	first, firstTS := start(l.scrape(t))
	assert.Equal(t, firstTS, first, "first seen")
	e.set("# TYPE jobs_total counter\njobs_total 9\n", textFormat)
	second, _ := start(l.scrape(t))
	assert.Equal(t, first, second, "a growing counter keeps its start")
	e.set("# TYPE jobs_total counter\njobs_total 2\n", textFormat)
	third, thirdTS := start(l.scrape(t))
	assert.Equal(t, thirdTS, third, "a reset starts again")
	assert.Greater(t, third, first)
}

func TestSampleLabels(t *testing.T) {
	body := "# TYPE m gauge\nm{job=\"federated\",instance=\"db:9104\",env=\"prod\"} 1\n"
	for _, tc := range []struct {
		name        string
		honorLabels bool
		resource    map[string]any
		point       string
	}{
		{"the target's job/instance win; the sample's are kept as exported_*", false,
			map[string]any{"service.name": "app"}, "m{env=prod,exported_instance=db:9104,exported_job=federated}"},
		{"honor_labels: the sample's job/instance win", true,
			map[string]any{"service.name": "federated", "service.instance.id": "db:9104"}, "m{env=prod}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := serve(t, body, textFormat)
			l := newTestLoop(t, &ScrapeConfig{HonorLabels: tc.honorLabels}, addr)
			md := l.scrape(t)
			assert.Contains(t, metrictest.Points[float64](md), tc.point)
			var resource map[string]any // the attributes of the resource of tc.point
			for _, rm := range md.ResourceMetrics().All() {
				if _, ok := metrictest.Points[float64](single(rm))[tc.point]; ok {
					resource = rm.Resource().Attributes().AsRaw()
				}
			}
			assert.Subset(t, resource, tc.resource)
		})
	}
}

// single wraps one ResourceMetrics in a Metrics.
func single(rm pmetric.ResourceMetrics) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm.CopyTo(md.ResourceMetrics().AppendEmpty())
	return md
}

// A failed scrape sends up=0 and its duration only, and is logged once per outage, naming the fix.
func TestFailedScrapes(t *testing.T) {
	threeSamples := "# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n# TYPE c gauge\nc 3\n"
	for _, tc := range []struct {
		name string
		sc   ScrapeConfig
		body string
		want string
	}{
		{"sample_limit", ScrapeConfig{SampleLimit: 2}, threeSamples,
			"sample_limit 2 exceeded: 3 samples after metric_relabel_configs, the whole scrape is rejected: raise sample_limit or drop series with metric_relabel_configs"},
		{"body_size_limit", ScrapeConfig{BodySizeLimit: 30}, threeSamples,
			"the body is larger than body_size_limit (30 bytes): raise body_size_limit or expose fewer series"},
		{"not an exposition", ScrapeConfig{}, "<html>login</html>\n", "the body is not valid Prometheus text or OpenMetrics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, addr := serve(t, tc.body, textFormat)
			l := newTestLoop(t, &tc.sc, addr)
			for range 3 {
				md := l.scrape(t)
				points := metrictest.Points[float64](md)
				assert.Equal(t, []string{"scrape_duration_seconds", "up"}, sortedKeys(points))
				assert.Equal(t, 0.0, points["up"])
			}
			require.Equal(t, 1, l.logs.Len(), "one log line per outage")
			entry := l.logs.All()[0]
			assert.Equal(t, "target scrape failed; reporting it as down until it recovers", entry.Message)
			assert.Contains(t, entry.ContextMap()["error"], "promscrape job app target http://"+addr+"/metrics: "+tc.want)

			e.set("# TYPE a gauge\na 1\n", textFormat)
			assert.Equal(t, 1.0, metrictest.Points[float64](l.scrape(t))["up"])
			assert.Equal(t, "target is reachable again", l.logs.All()[1].Message)
		})
	}
}

func TestDeadTarget(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	l := newTestLoop(t, &ScrapeConfig{}, addr)
	for range 3 {
		assert.Equal(t, 0.0, metrictest.Points[float64](l.scrape(t))["up"])
	}
	require.Equal(t, 1, l.logs.Len())
	assert.Contains(t, l.logs.All()[0].ContextMap()["error"], "connection refused: check that the target is up and the address is right")
}

// A series the target stops exposing gets one stale point; a dead target leaves only up 0 and the duration.
func TestStaleness(t *testing.T) {
	e, addr := serve(t, "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 1\n", textFormat)
	l := newTestLoop(t, &ScrapeConfig{}, addr)
	assert.Empty(t, metrictest.Stale(l.scrape(t)))
	e.set("# TYPE a gauge\na{x=\"1\"} 1\n", textFormat)
	assert.Equal(t, []string{"a{x=2}"}, metrictest.Stale(l.scrape(t)))
	assert.Empty(t, metrictest.Stale(l.scrape(t)), "once")

	e.set("not an exposition {", textFormat)
	md := l.scrape(t)
	assert.Equal(t, []string{"a{x=1}", "scrape_samples_post_metric_relabeling", "scrape_samples_scraped", "scrape_series_added"}, metrictest.Stale(md))
	assert.Equal(t, []string{"scrape_duration_seconds", "up"}, sortedKeys(metrictest.Points[float64](md)))
}

func TestScrapeSeriesAdded(t *testing.T) {
	e, addr := serve(t, "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 1\n", textFormat)
	l := newTestLoop(t, &ScrapeConfig{}, addr)
	assert.Equal(t, 2.0, metrictest.Points[float64](l.scrape(t))["scrape_series_added"])
	assert.Equal(t, 0.0, metrictest.Points[float64](l.scrape(t))["scrape_series_added"])
	e.set("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"3\"} 1\n", textFormat)
	assert.Equal(t, 1.0, metrictest.Points[float64](l.scrape(t))["scrape_series_added"])
}

func TestMetricRelabelConfigs(t *testing.T) {
	cfg := &Config{}
	require.NoError(t, yamlUnmarshalConfig(cfg, `
config:
  scrape_configs:
    - job_name: app
      metric_relabel_configs:
        - {source_labels: [__name__], regex: "go_.*", action: drop}
        - {source_labels: [pool], target_label: db_pool}
`))
	_, addr := serve(t, "# TYPE go_goroutines gauge\ngo_goroutines 7\n# TYPE pool_used gauge\npool_used{pool=\"main\"} 3\n", textFormat)
	l := newTestLoop(t, cfg.PromConfig.ScrapeConfigs[0], addr)
	points := metrictest.Points[float64](l.scrape(t))
	assert.Equal(t, 3.0, points["pool_used{db_pool=main,pool=main}"])
	assert.NotContains(t, points, "go_goroutines")
	assert.Equal(t, 2.0, points["scrape_samples_scraped"])
	assert.Equal(t, 1.0, points["scrape_samples_post_metric_relabeling"])
}

// newTestReceiver is a receiver of cfg that logs into the returned observer.
func newTestReceiver(t *testing.T, cfg *Config) (*promReceiver, *consumertest.MetricsSink, *observer.ObservedLogs) {
	t.Helper()
	set, logs := metrictest.ObservedSettings(metadata.Type, zap.InfoLevel)
	sink := &consumertest.MetricsSink{}
	r, err := newReceiver(cfg, set, sink)
	require.NoError(t, err)
	return r, sink, logs
}

// startReceiver starts a receiver with one job, app, whose other keys are
// job, the entries of a YAML flow mapping.
func startReceiver(t *testing.T, job string) (*promReceiver, *consumertest.MetricsSink, *observer.ObservedLogs) {
	t.Helper()
	cfg := &Config{}
	require.NoError(t, yamlUnmarshalConfig(cfg, "config: {scrape_configs: [{job_name: app, "+job+"}]}"))
	r, sink, logs := newTestReceiver(t, cfg)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	return r, sink, logs
}

// The receiver's own loop: targets found at Start are scraped at the interval until Shutdown.
func TestReceiverLifecycle(t *testing.T) {
	_, addr := serve(t, "# TYPE a gauge\na 1\n", textFormat)
	r, sink, _ := startReceiver(t, "scrape_interval: 100ms, static_configs: [{targets: ["+addr+"]}]")
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) >= 3 }, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background())) // returns once every loop has exited
	assert.Equal(t, 1.0, metrictest.Points[float64](sink.AllMetrics()[0])["a"])
}

// TestShutdownDuringScrapeIsNotLogged: Shutdown cancels a scrape in flight,
// which says nothing about the target: no failure is logged.
func TestShutdownDuringScrapeIsNotLogged(t *testing.T) {
	var requests atomic.Int32
	stalled := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-r.Context().Done()
	}))
	t.Cleanup(stalled.Close)
	r, _, logs := startReceiver(t, "scrape_interval: 1h, static_configs: [{targets: ["+stalled.Listener.Addr().String()+"]}]")
	require.Eventually(t, func() bool { return requests.Load() > 0 }, 30*time.Second, 10*time.Millisecond, "the first scrape")
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Empty(t, logs.All())
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// yamlUnmarshalConfig reads a receiver block as the collector does.
func yamlUnmarshalConfig(cfg *Config, text string) error {
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(text), &raw); err != nil {
		return err
	}
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		return err
	}
	return cfg.Validate()
}

// A sample's own timestamp is kept (Prometheus' honor_timestamps default).
func TestSampleTimestamp(t *testing.T) {
	_, addr := serve(t, "# TYPE a gauge\na 1 1700000000000\n# TYPE b gauge\nb 2\n", textFormat)
	l := newTestLoop(t, &ScrapeConfig{}, addr)
	md := l.scrape(t)
	assert.Equal(t, pcommon.Timestamp(1_700_000_000_000_000_000), metricNamed(t, md, "a").Gauge().DataPoints().At(0).Timestamp())
	up := metricNamed(t, md, "up").Gauge().DataPoints().At(0).Timestamp()
	assert.Equal(t, up, metricNamed(t, md, "b").Gauge().DataPoints().At(0).Timestamp(), "otherwise the scrape's time")
}

func TestResourceOfNamedHost(t *testing.T) {
	l := newTestLoop(t, &ScrapeConfig{}, "moalog-server:8080")
	assert.Equal(t, map[string]any{
		"service.name": "app", "service.instance.id": "moalog-server:8080",
		"server.address": "moalog-server", "server.port": "8080", "url.scheme": "http",
	}, l.resource().Attributes().AsRaw())
}

// Targets from http_sd are scraped; discovery runs in the background, so a hung
// http_sd URL does not hold Start.
func TestReceiverHTTPSD(t *testing.T) {
	_, addr := serve(t, "# TYPE a gauge\na 1\n", textFormat)
	sd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`[{"targets": ["` + addr + `"], "labels": {"team": "pay"}}]`))
	}))
	t.Cleanup(sd.Close)
	hung := make(chan struct{})
	hangingSD := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hung }))
	t.Cleanup(func() { close(hung); hangingSD.Close() })
	r, sink, _ := startReceiver(t, `scrape_interval: 1h, http_sd_configs: [{url: "`+sd.URL+`"}, {url: "`+hangingSD.URL+`"}]`)
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) > 0 }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, 1.0, metrictest.Points[float64](sink.AllMetrics()[0])["a{team=pay}"])
	require.NoError(t, r.Shutdown(context.Background()))
}
