//go:build integration

package redisreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// Two receivers built by the factory and run by scraperhelper, one on a
// healthy server and one on a port where nothing listens: the healthy one is
// unaffected, the other reports redis.up 0 at every interval, and the
// failure is logged once, not at every interval.
func TestReceiversRunIndependently(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{})
	down := testenv.Addr(testenv.FreePort(t))

	set, logs := metrictest.ObservedSettings(metadata.Type, zapcore.InfoLevel)
	up, failing := new(consumertest.MetricsSink), new(consumertest.MetricsSink)
	startReceiver(t, set, srv.Addr, up)
	startReceiver(t, set, down, failing)

	require.Eventually(t, func() bool {
		return len(up.AllMetrics()) >= 5 && len(failing.AllMetrics()) >= 5
	}, 10*time.Second, 20*time.Millisecond)
	for i, md := range up.AllMetrics()[:5] {
		assert.Equal(t, 1.0, points(md)["redis.up"], "healthy receiver, scrape %d", i)
	}
	for i, md := range failing.AllMetrics()[:5] {
		assert.Equal(t, map[string]float64{"redis.up": 0}, points(md), "failing receiver, scrape %d", i)
	}
	failures := logs.FilterMessage("target scrape failed; reporting it as down until it recovers")
	assert.Zero(t, failures.FilterField(zap.String("target", srv.Addr)).Len(), "the healthy target: %v", failures.All())
	assert.Equal(t, 1, failures.FilterField(zap.String("target", down)).Len(), "the dead target, once: %v", failures.All())
	assert.Zero(t, logs.FilterLevelExact(zapcore.ErrorLevel).Len(), "scraperhelper logs no error: %v", logs.All())
}

// The pipeline refuses the scrape that marks a dead server's series stale
// (the memory_limiter does while memory is high): the factory's receiver hears
// of it, and its next scrape sends the stale points again.
func TestRefusedStalePointsAreSentAgain(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{})
	sink := new(metrictest.RefusingSink)
	startReceiver(t, newTestSettings(), srv.Addr, sink)
	next := sink.AfterRefusedStale(t, srv.Kill)
	assert.Contains(t, metrictest.Stale(next), "redis.memory.used", "sent again after the refusal")
	assert.Equal(t, map[string]float64{"redis.up": 0}, points(next))
}

// startReceiver runs the factory's receiver for endpoint, scraping every
// 50ms into next, until the test ends.
func startReceiver(t *testing.T, set receiver.Settings, endpoint string, next consumer.Metrics) {
	t.Helper()
	cfg := configFor(endpoint)
	cfg.CollectionInterval = 50 * time.Millisecond
	cfg.InitialDelay = 0
	rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
}
