package jolokiareceiver

import (
	"context"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

// TestAppPresetPrometheusNames: the names PRESETS.md gives for Prometheus,
// as the collector's Prometheus exporter writes them from the recorded reads.
func TestAppPresetPrometheusNames(t *testing.T) {
	want := map[string]string{
		"commons-pool2":  "commons_pool2_borrow_wait_max_seconds commons_pool2_borrow_wait_mean_seconds commons_pool2_objects_borrowed_total commons_pool2_objects_created_total commons_pool2_objects_destroyed_total commons_pool2_objects_returned_total db_client_connection_count db_client_connection_idle_max db_client_connection_idle_min db_client_connection_max db_client_connection_pending_requests",
		"hikaricp":       "db_client_connection_count db_client_connection_idle_min db_client_connection_max db_client_connection_pending_requests",
		"r2dbc-pool":     "db_client_connection_count db_client_connection_max db_client_connection_pending_requests",
		"tomcat":         "tomcat_connection_count tomcat_connection_max tomcat_error_count_total tomcat_network_io_bytes_total tomcat_request_count_total tomcat_request_duration_max_seconds tomcat_request_duration_sum_seconds_total tomcat_session_active_count tomcat_session_created_total tomcat_session_expired_total tomcat_session_rejected_total tomcat_thread_busy_count tomcat_thread_count tomcat_thread_max",
		"kafka-client":   "kafka_consumer_assigned_partitions kafka_consumer_bytes_consumed_total kafka_consumer_commits_total kafka_consumer_connection_count kafka_consumer_fetches_total kafka_consumer_network_io_bytes_total kafka_consumer_rebalances_failed_total kafka_consumer_rebalances_total kafka_consumer_records_consumed_total kafka_producer_buffer_available_bytes kafka_producer_buffer_exhausted_total kafka_producer_buffer_limit_bytes kafka_producer_buffer_waiting_threads kafka_producer_connection_count kafka_producer_network_io_bytes_total kafka_producer_records_failed_total kafka_producer_records_retried_total kafka_producer_records_sent_total kafka_producer_requests_in_flight kafka_producer_requests_total",
		"micrometer-jmx": "micrometer_counter_total micrometer_gauge micrometer_timer_count_total micrometer_timer_duration_max_seconds micrometer_timer_duration_mean_seconds micrometer_timer_duration_quantile_seconds",
	}
	for _, p := range appPresets {
		got := exporterFamilies(t, scrapeRecordedPreset(t, p.name))
		maps.DeleteFunc(got, func(name string, _ *dto.MetricFamily) bool {
			return strings.HasPrefix(name, "jolokia_") || name == "target_info"
		})
		assert.Equal(t, want[p.name], strings.Join(slices.Sorted(maps.Keys(got)), " "), p.name)
	}
}

// TestSelfMetricPrometheusNames: the receiver's own metrics (metadata.yaml)
// keep the names and types that dashboards and alerts query on :9090.
func TestSelfMetricPrometheusNames(t *testing.T) {
	got := map[string]dto.MetricType{}
	for name, f := range exporterFamilies(t, scrapeRecordedPreset(t, "tomcat")) {
		if strings.HasPrefix(name, "jolokia_") {
			got[name] = f.GetType()
		}
	}
	assert.Equal(t, map[string]dto.MetricType{
		"jolokia_up":                      dto.MetricType_GAUGE,
		"jolokia_scrape_duration_seconds": dto.MetricType_GAUGE,
		"jolokia_read_errors":             dto.MetricType_GAUGE,
	}, got)
	// The README's table of jmx_exporter's self metrics names only these.
	rows, err := metrictest.TableAfter("README.md", "## Coming from jmx_exporter")
	require.NoError(t, err)
	var named []string
	for _, cells := range rows {
		named = append(named, metrictest.NamesIn(cells[1], "jolokia_")...)
	}
	assert.Subset(t, slices.Collect(maps.Keys(got)), named)
	assert.ElementsMatch(t, []string{"jolokia_scrape_duration_seconds", "jolokia_up"}, named)
}

// scrapeRecordedPreset scrapes an agent that answers the preset's bulk read
// with the recorded 2.x response.
func scrapeRecordedPreset(t *testing.T, preset string) pmetric.Metrics {
	t.Helper()
	req, resp := readRecorded(t, agent2, "preset-"+preset)
	return scrapeAgent(t, agentAnswering(t, req, resp), preset)
}

// scrapeAgent scrapes agent once with the presets alone, with the
// credentials agentAnswering expects.
func scrapeAgent(t *testing.T, agent *httptest.Server, presets ...string) pmetric.Metrics {
	t.Helper()
	cfg := configFor(agent.URL + "/jolokia")
	cfg.Username, cfg.Password = "monitor", "hunter2"
	cfg.Presets = presets
	return scrapeOnce(newTestScraper(t, cfg, nil))
}

// exporterFamilies runs md through the collector's Prometheus exporter
// (default settings) and parses its /metrics page.
func exporterFamilies(t *testing.T, md pmetric.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	port := testenv.FreePort(t)
	f := prometheusexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*prometheusexporter.Config)
	cfg.ServerConfig.NetAddr.Endpoint = testenv.Addr(port)
	exp, err := f.CreateMetrics(context.Background(), exportertest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeMetrics(context.Background(), md))
	families, err := testenv.ScrapePage("http://" + testenv.Addr(port) + "/metrics")
	require.NoError(t, err)
	return families
}
