package redisreceiver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// fixture reads a recorded server reply from testdata/.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// allMetrics enables every metric the receiver has.
func allMetrics() metadata.MetricsBuilderConfig {
	cfg := metadata.DefaultMetricsBuilderConfig()
	metrictest.Enable(&cfg.Metrics, "")
	return cfg
}

func newTestSettings() receiver.Settings { return receivertest.NewNopSettings(metadata.Type) }

func newTestBuilder(cfg metadata.MetricsBuilderConfig) *metadata.MetricsBuilder {
	return metadata.NewMetricsBuilder(cfg, newTestSettings())
}

// resourceAttrs returns the attributes of the only resource.
func resourceAttrs(t testing.TB, md pmetric.Metrics) map[string]any {
	t.Helper()
	if md.ResourceMetrics().Len() != 1 {
		t.Fatalf("want 1 resource, got %d", md.ResourceMetrics().Len())
	}
	return md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()
}

// points flattens metrics into "name{attr=value,...}" -> value, the form the
// tables of the tests are written in.
func points(md pmetric.Metrics) map[string]float64 { return metrictest.Points[float64](md) }

type testTarget struct {
	s    *redisScraper
	logs *observer.ObservedLogs
}

// startScraper starts the scraper the receiver runs, for cfg, with its logs
// observed.
func startScraper(t *testing.T, cfg *Config) *testTarget {
	t.Helper()
	require.NoError(t, cfg.Validate())
	set, logs := metrictest.ObservedSettings(metadata.Type, zapcore.InfoLevel)
	s := newScraper(cfg, set)
	require.NoError(t, s.start(context.Background(), nil))
	t.Cleanup(func() { require.NoError(t, s.shutdown(context.Background())) })
	return &testTarget{s: s, logs: logs}
}

func (tt *testTarget) scrape(t *testing.T) (map[string]float64, pmetric.Metrics) {
	t.Helper()
	timeout := tt.s.cfg.Timeout // scraperhelper applies `timeout` to the scrape context
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	md, err := tt.s.scrape(ctx)
	require.NoError(t, err, "a failed target is reported through redis.up, not an error")
	return points(md), md
}

// scrapeDown scrapes a target that is down: only redis.up 0, and one line
// logged, whose error it returns.
func (tt *testTarget) scrapeDown(t *testing.T) string {
	t.Helper()
	got, _ := tt.scrape(t)
	assert.Equal(t, map[string]float64{"redis.up": 0}, got)
	require.Equal(t, 1, tt.logs.Len(), "logged once per change of state, not per scrape")
	return fmt.Sprint(tt.logs.All()[0].ContextMap()["error"])
}

func configFor(endpoint string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	return cfg
}
