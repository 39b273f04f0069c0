package jolokiareceiver

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// appPresets are the library presets, each with the exact points it yields
// on the test JVM's library profiles (internal/testenv/java/README.md) and
// the metrics whose values depend on the run (only checked to be there).
var appPresets = []struct {
	name     string
	want     points
	measured []string
}{
	{name: "commons-pool2", want: points{
		"db.client.connection.count{db.client.connection.pool.name=redis-pool,db.client.connection.state=used}": int64(3),
		"db.client.connection.count{db.client.connection.pool.name=redis-pool,db.client.connection.state=idle}": int64(2),
		"db.client.connection.max{db.client.connection.pool.name=redis-pool}":                                   int64(8),
		"db.client.connection.idle.max{db.client.connection.pool.name=redis-pool}":                              int64(8),
		"db.client.connection.idle.min{db.client.connection.pool.name=redis-pool}":                              int64(0),
		"db.client.connection.pending_requests{db.client.connection.pool.name=redis-pool}":                      int64(0),
		"commons_pool2.objects.created{db.client.connection.pool.name=redis-pool}":                              int64(5),
		"commons_pool2.objects.borrowed{db.client.connection.pool.name=redis-pool}":                             int64(4),
		"commons_pool2.objects.returned{db.client.connection.pool.name=redis-pool}":                             int64(1),
		"commons_pool2.objects.destroyed{db.client.connection.pool.name=redis-pool}":                            int64(0),
	}, measured: []string{
		// How long the 4 borrows waited: 0 ms usually, a few ms on a loaded machine.
		"commons_pool2.borrow.wait.mean{db.client.connection.pool.name=redis-pool}",
		"commons_pool2.borrow.wait.max{db.client.connection.pool.name=redis-pool}",
	}},
	{name: "hikaricp", want: points{
		"db.client.connection.count{db.client.connection.pool.name=fluxpay-db,db.client.connection.state=used}": int64(2),
		"db.client.connection.count{db.client.connection.pool.name=fluxpay-db,db.client.connection.state=idle}": int64(2),
		"db.client.connection.pending_requests{db.client.connection.pool.name=fluxpay-db}":                      int64(0),
		"db.client.connection.max{db.client.connection.pool.name=fluxpay-db}":                                   int64(4),
		"db.client.connection.idle.min{db.client.connection.pool.name=fluxpay-db}":                              int64(4),
	}},
	{name: "r2dbc-pool", want: points{
		"db.client.connection.count{db.client.connection.pool.name=fluxpay-r2dbc,db.client.connection.state=used}": int64(2),
		"db.client.connection.count{db.client.connection.pool.name=fluxpay-r2dbc,db.client.connection.state=idle}": int64(1),
		"db.client.connection.max{db.client.connection.pool.name=fluxpay-r2dbc}":                                   int64(5),
		"db.client.connection.pending_requests{db.client.connection.pool.name=fluxpay-r2dbc}":                      int64(0),
	}},
	{name: "tomcat", want: points{
		"tomcat.request.count{tomcat.request_processor.name=CONNECTOR}":                           int64(7),
		"tomcat.error.count{tomcat.request_processor.name=CONNECTOR}":                             int64(2),
		"tomcat.network.io{network.io.direction=receive,tomcat.request_processor.name=CONNECTOR}": int64(0),
		"tomcat.thread.count{tomcat.thread_pool.name=CONNECTOR}":                                  int64(10),
		"tomcat.thread.busy.count{tomcat.thread_pool.name=CONNECTOR}":                             int64(0),
		"tomcat.thread.max{tomcat.thread_pool.name=CONNECTOR}":                                    int64(20),
		"tomcat.connection.max{tomcat.thread_pool.name=CONNECTOR}":                                int64(8192),
		"tomcat.session.active.count{tomcat.context=/,tomcat.host=localhost}":                     int64(2),
		"tomcat.session.created{tomcat.context=/,tomcat.host=localhost}":                          int64(2),
		"tomcat.session.expired{tomcat.context=/,tomcat.host=localhost}":                          int64(0),
		"tomcat.session.rejected{tomcat.context=/,tomcat.host=localhost}":                         int64(0),
	}, measured: []string{
		"tomcat.network.io{network.io.direction=transmit,tomcat.request_processor.name=CONNECTOR}",
		"tomcat.request.duration.sum{tomcat.request_processor.name=CONNECTOR}",
		"tomcat.request.duration.max{tomcat.request_processor.name=CONNECTOR}",
		"tomcat.connection.count{tomcat.thread_pool.name=CONNECTOR}",
	}},
	{name: "kafka-client", want: points{
		"kafka.producer.records.sent{kafka.client.id=payments-producer}":                             0.0,
		"kafka.producer.records.failed{kafka.client.id=payments-producer}":                           0.0,
		"kafka.producer.records.retried{kafka.client.id=payments-producer}":                          0.0,
		"kafka.producer.network.io{kafka.client.id=payments-producer,network.io.direction=transmit}": 0.0,
		"kafka.producer.network.io{kafka.client.id=payments-producer,network.io.direction=receive}":  0.0,
		"kafka.producer.requests{kafka.client.id=payments-producer}":                                 0.0,
		"kafka.producer.requests.in_flight{kafka.client.id=payments-producer}":                       0.0,
		"kafka.producer.buffer.available{kafka.client.id=payments-producer}":                         int64(33554432),
		"kafka.producer.buffer.limit{kafka.client.id=payments-producer}":                             int64(33554432),
		"kafka.producer.buffer.exhausted{kafka.client.id=payments-producer}":                         0.0,
		"kafka.producer.buffer.waiting_threads{kafka.client.id=payments-producer}":                   0.0,
		"kafka.producer.connection.count{kafka.client.id=payments-producer}":                         0.0,
		"kafka.consumer.connection.count{kafka.client.id=payments-consumer}":                         0.0,
		"kafka.consumer.network.io{kafka.client.id=payments-consumer,network.io.direction=transmit}": 0.0,
		"kafka.consumer.network.io{kafka.client.id=payments-consumer,network.io.direction=receive}":  0.0,
		"kafka.consumer.records.consumed{kafka.client.id=payments-consumer}":                         0.0,
		"kafka.consumer.bytes.consumed{kafka.client.id=payments-consumer}":                           0.0,
		"kafka.consumer.fetches{kafka.client.id=payments-consumer}":                                  0.0,
		"kafka.consumer.assigned_partitions{kafka.client.id=payments-consumer}":                      0.0,
		"kafka.consumer.commits{kafka.client.id=payments-consumer}":                                  0.0,
		"kafka.consumer.rebalances{kafka.client.id=payments-consumer}":                               0.0,
		"kafka.consumer.rebalances.failed{kafka.client.id=payments-consumer}":                        0.0,
	}},
	{name: "micrometer-jmx", want: points{
		"micrometer.counter{micrometer.meter=rateLimiterRequests.algorithm.token_bucket.allowed.true}":               int64(5),
		"micrometer.counter{micrometer.meter=rateLimiterRequests.algorithm.token_bucket.allowed.false}":              int64(2),
		"micrometer.gauge{micrometer.meter=fluxpayOutboxPending}":                                                    4.0,
		"micrometer.timer.count{micrometer.meter=rateLimiterCheck.algorithm.token_bucket}":                           int64(3),
		"micrometer.timer.duration.mean{micrometer.meter=rateLimiterCheck.algorithm.token_bucket}":                   0.02,
		"micrometer.timer.duration.max{micrometer.meter=rateLimiterCheck.algorithm.token_bucket}":                    0.03,
		"micrometer.timer.duration.quantile{micrometer.meter=rateLimiterCheck.algorithm.token_bucket,quantile=0.5}":  0.02,
		"micrometer.timer.duration.quantile{micrometer.meter=rateLimiterCheck.algorithm.token_bucket,quantile=0.95}": 0.03,
		"micrometer.timer.duration.quantile{micrometer.meter=rateLimiterCheck.algorithm.token_bucket,quantile=0.99}": 0.03,
	}},
}

// checkAppPreset compares every point of one preset with its exact values;
// CONNECTOR in a key stands for Tomcat's connector name.
func checkAppPreset(t *testing.T, preset string, want points, measured []string, connector string, md pmetric.Metrics) {
	t.Helper()
	got := onlyResource(t, md)
	assert.Equal(t, int64(1), got["jolokia.up{}"])
	assert.Equal(t, int64(0), got["jolokia.read.errors{jolokia.read.status=error}"], preset)
	expand := func(k string) string { return strings.ReplaceAll(k, "CONNECTOR", connector) }
	// Compared as numbers: the agents serialize some doubles differently
	// (Kafka's buffer-total-bytes is 33554432 on 2.x, 3.3554432E7 on 1.x).
	known := map[string]bool{}
	for k, v := range want {
		known[expand(k)] = true
		if assert.Contains(t, got, expand(k), preset) {
			assert.Equal(t, asFloat(v), asFloat(got[expand(k)]), "%s: %s", preset, expand(k))
		}
	}
	for _, k := range measured {
		known[expand(k)] = true
		assert.Contains(t, got, expand(k), preset)
	}
	for k, v := range prefixed(got, "jolokia.", false) {
		assert.True(t, known[k], "%s: unexpected point %s = %v", preset, k, v)
	}
}

// TestRecordedAppPresets replays each preset's recorded answer of both agents
// (go test -tags integration -run TestIntegrationAppPresets -record) through the receiver: the
// request the receiver sends must still be the recorded one.
func TestRecordedAppPresets(t *testing.T) {
	for _, agent := range []string{agent2, core1} {
		for _, p := range appPresets {
			t.Run(agent+"/"+p.name, func(t *testing.T) {
				req, resp := readRecorded(t, agent, "preset-"+p.name)
				md := scrapeAgent(t, agentAnswering(t, req, resp), p.name)
				connector := ""
				if p.name == "tomcat" {
					connector = string(regexp.MustCompile(`http-nio-127\.0\.0\.1-\d+`).Find(resp))
					require.NotEmpty(t, connector)
				}
				checkAppPreset(t, p.name, p.want, p.measured, connector, md)
			})
		}
	}
}

// asFloat is a point's value, int64 or float64, as a float64.
func asFloat(v any) float64 {
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	return v.(float64)
}

// TestPresetTables: the table of each preset (the jvm preset's in README.md,
// the library presets' in PRESETS.md) lists exactly the metrics of
// presets/<name>.yaml, with their type and unit.
func TestPresetTables(t *testing.T) {
	for _, preset := range presetNames() {
		file, heading := "PRESETS.md", "## "+preset
		if preset == "jvm" {
			file, heading = "README.md", "## The `jvm` preset"
		}
		rows, err := metrictest.TableAfter(file, heading)
		require.NoError(t, err)
		documented := map[string]string{}
		for _, cells := range rows {
			documented[strings.Trim(cells[0], "`")] = cells[1] + " " + strings.Trim(cells[2], "`—") // "—": no unit
		}
		metrics, err := loadPreset(preset)
		require.NoError(t, err)
		defined := map[string]string{}
		for _, m := range metrics {
			defined[m.Name] = m.Type + " " + m.Unit
		}
		assert.Equal(t, defined, documented, "%s, table under %q", file, heading)
	}
}
