package jolokiareceiver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

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

	cfg := createDefaultConfig()
	cfg.Endpoint = stalled.URL + "/jolokia"
	cfg.InitialDelay = 0
	cfg.Timeout = time.Hour // only a cancel can end this scrape within the test's deadline
	sink := new(consumertest.MetricsSink)
	core, logs := observer.New(zap.InfoLevel)
	settings := receivertest.NewNopSettings(metadata.Type)
	settings.Logger = zap.New(core)
	r, err := NewFactory().CreateMetrics(context.Background(), settings, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
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
