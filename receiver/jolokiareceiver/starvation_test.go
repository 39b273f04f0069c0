package jolokiareceiver

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

// blackHole accepts connections, counts them and never answers.
func blackHole(t *testing.T, accepted *atomic.Int64) string {
	return "http://" + testenv.ServeTCP(t, func(net.Conn) { accepted.Add(1) }) + "/jolokia"
}

// TestDeadTargetsDoNotStarveLiveOnes: 40 black-holed targets next to a live
// one, max_concurrency 8, every scrape of a dead target holding its slot
// for the whole timeout. Before, the live target waited behind them (gaps of
// 35 s and 25 s at the shipped 15 s interval and 5 s timeout). Here, at a
// 1 s interval and timeout scaled down alike, the live target is scraped
// at every interval, and the dead ones are retried with back-off.
func TestDeadTargetsDoNotStarveLiveOnes(t *testing.T) {
	good := recordedAgent(t)
	var liveMu sync.Mutex
	var liveScrapes []time.Time
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		liveMu.Lock()
		liveScrapes = append(liveScrapes, time.Now())
		liveMu.Unlock()
		good.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(counting.Close)

	const interval, dead = time.Second, 40
	var deadTries atomic.Int64
	cfg := createDefaultConfig()
	cfg.Username, cfg.Password = "monitor", "hunter2"
	for range dead {
		cfg.Targets = append(cfg.Targets, Target{Endpoint: blackHole(t, &deadTries)})
	}
	cfg.Targets = append(cfg.Targets, Target{Endpoint: counting.URL + "/jolokia"})
	cfg.CollectionInterval = interval
	cfg.Timeout = interval / 3 * 2 // the shipped 5 s of 15 s, a third of the interval, would hide the wait less
	cfg.InitialDelay = 0
	require.Equal(t, 8, cfg.MaxConcurrency)
	sink := new(consumertest.MetricsSink)
	r, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	began := time.Now()
	const want = 6
	require.Eventually(t, func() bool {
		liveMu.Lock()
		defer liveMu.Unlock()
		return len(liveScrapes) >= want
	}, 3*want*interval, 50*time.Millisecond)
	elapsed := time.Since(began)
	require.NoError(t, r.Shutdown(context.Background()))

	liveMu.Lock()
	defer liveMu.Unlock()
	for i := 1; i < len(liveScrapes); i++ {
		gap := liveScrapes[i].Sub(liveScrapes[i-1])
		// Without the split, the gaps are dead*timeout/8 = 3.3 s.
		assert.Less(t, gap, interval*3/2, "gap %d: %s", i, gap)
	}
	// Without back-off every dead target is tried at every interval.
	intervals := elapsed.Seconds() / interval.Seconds()
	assert.Less(t, float64(deadTries.Load()), 0.75*dead*intervals, "dead targets tried %d times in %.1f intervals", deadTries.Load(), intervals)
}
