package jolokiareceiver

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

// TestShutdownCancelsScrapeInFlight: Shutdown does not wait out the scrape
// timeout of a target that never answers, and the canceled scrape is neither
// delivered nor logged as a failed target (doc.go, "Cancellation").
func TestShutdownCancelsScrapeInFlight(t *testing.T) {
	requested := make(chan struct{}, 1)
	stalled := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		requested <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(stalled.Close)

	cfg := configFor(stalled.URL + "/jolokia")
	cfg.InitialDelay = 0
	cfg.Timeout = time.Hour // only a cancel can end this scrape within the test's deadline
	sink := new(consumertest.MetricsSink)
	r, logs := startReceiver(t, cfg, sink)
	select {
	case <-requested:
	case <-time.After(30 * time.Second):
		require.Fail(t, "the receiver never sent its first scrape")
	}

	done := make(chan error, 1)
	go func() { done <- r.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		require.Fail(t, "Shutdown waited for the scrape in flight instead of canceling it")
	}
	assert.Empty(t, sink.AllMetrics(), "a scrape canceled by Shutdown is not delivered")
	assert.Empty(t, logs.All(), "a scrape canceled by Shutdown is not a target failure")
}

// deadTarget closes every connection at once or, once hang is set, holds it
// open without answering (a black-holed JVM), counted in held.
func deadTarget(t *testing.T, tries, held *atomic.Int64, hang *atomic.Bool) string {
	return "http://" + testenv.ServeTCP(t, func(c net.Conn) {
		tries.Add(1)
		if !hang.Load() {
			_ = c.Close()
			return
		}
		held.Add(1)
		defer held.Add(-1)
		_, _ = io.Copy(io.Discard, c) // until the receiver gives up on it
	}) + "/jolokia"
}

// TestDeadTargetsDoNotStarveLiveOnes: 40 dead targets next to a live one,
// max_concurrency 8. Failing fast, the dead ones are retried with back-off;
// holding every connection open, they fill the 8 slots of down targets and
// the live target is still scraped at every interval (before, all took turns
// in the same 8 slots: gaps of 35 s at the shipped 15 s interval).
func TestDeadTargetsDoNotStarveLiveOnes(t *testing.T) {
	good := recordedAgent(t)
	var liveScrapes atomic.Int64
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		liveScrapes.Add(1)
		good.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)

	const dead = 40
	var deadTries, held atomic.Int64
	var hang atomic.Bool
	cfg := createDefaultConfig()
	cfg.Username, cfg.Password = "monitor", "hunter2"
	for range dead {
		cfg.Targets = append(cfg.Targets, Target{Endpoint: deadTarget(t, &deadTries, &held, &hang)})
	}
	cfg.Targets = append(cfg.Targets, Target{Endpoint: counting.URL + "/jolokia"})
	cfg.CollectionInterval = 100 * time.Millisecond
	cfg.Timeout = time.Hour // a held connection is never given up within the test
	cfg.InitialDelay = 0
	require.Equal(t, 8, cfg.MaxConcurrency)
	r, _ := startReceiver(t, cfg, new(consumertest.MetricsSink))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })

	// One live scrape per interval; without back-off, 40 dead tries per interval.
	const intervals = 12
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.GreaterOrEqual(c, liveScrapes.Load(), int64(intervals))
	}, 30*time.Second, 10*time.Millisecond)
	assert.Less(t, deadTries.Load(), int64(0.75*dead*intervals), "dead targets are retried with back-off")

	hang.Store(true)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, int64(8), held.Load(), "the dead targets fill the 8 slots of down targets")
	}, 30*time.Second, 10*time.Millisecond)
	before := liveScrapes.Load()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.GreaterOrEqual(c, liveScrapes.Load(), before+5, "the live target is scraped while they hold their slots")
	}, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(8), held.Load(), "never more dead targets at once than max_concurrency")
}

// TestAcceptedPointsCountedBeforeHandOff: the pipeline owns a batch once
// ConsumeMetrics has it (the batch processor moves its contents away in
// another goroutine), so the receiver counts the points it accepted before
// handing the batch over, as promscrape does.
func TestAcceptedPointsCountedBeforeHandOff(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	movesAway, err := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
		md.ResourceMetrics().RemoveIf(func(pmetric.ResourceMetrics) bool { return true })
		return nil
	})
	require.NoError(t, err)
	r, err := newReceiver(configFor("http://127.0.0.1:1/jolokia"), set, movesAway)
	require.NoError(t, err)

	require.NoError(t, r.consume(context.Background(), metrictest.Target{}.Scrape("jvm.threads.count")))

	accepted, err := tel.GetMetric("otelcol_receiver_accepted_metric_points")
	require.NoError(t, err)
	assert.Equal(t, int64(1), accepted.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
}
