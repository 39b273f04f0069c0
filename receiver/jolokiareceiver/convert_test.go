package jolokiareceiver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

const (
	agent2 = "jolokia-2.4.2-agent"
	core1  = "jolokia-1.7.1-core"
)

// readRecorded returns a recorded request body and its response
// (testdata/recorded/<agent>/<name>.json; see testdata/recorded/README.md).
func readRecorded(t testing.TB, agent, name string) (request, response []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "recorded", agent)
	req, err := os.ReadFile(filepath.Join(dir, name+".request.json"))
	require.NoError(t, err)
	resp, err := os.ReadFile(filepath.Join(dir, name+".json"))
	require.NoError(t, err)
	return bytes.TrimSpace(req), resp
}

// convertResponse decodes and converts a response the way a scrape does,
// into a single-resource pmetric.Metrics.
func convertResponse(t testing.TB, p *plan, slots []slot, body []byte) (pmetric.Metrics, []entryResult) {
	t.Helper()
	entries, err := decodeResponse(body, len(slots))
	require.NoError(t, err)
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	now := pcommon.NewTimestampFromTime(time.Unix(1796070858, 0))
	return md, newConverter(p, sm, now, now, nil).convert(entries, slots)
}

func statuses(results []entryResult) []int {
	out := make([]int, len(results))
	for i, r := range results {
		out[i] = r.status
	}
	return out
}

// TestConvertRecordedTestMBeans converts the receiver's own bulk read of the
// test MBeans as both agents answered it (recorded by TestIntegrationTestMBeans -record).
func TestConvertRecordedTestMBeans(t *testing.T) {
	p := mustPlan(t, nil, testMBeanMetrics)
	split := make([]bool, len(p.requests))
	split[2] = true // com.moalog.test:type=Counters, after 2.x failed it on NaN
	splitBody, splitSlots := p.layout(split)
	tests := []struct {
		agent, name string
		body        []byte
		slots       []slot
		statuses    []int
		want        points
	}{
		{core1, "receiver-test-mbeans", p.body, p.slots, []int{200, 200, 200, 200, 404}, wantTestMBeanPoints},
		{agent2, "receiver-test-mbeans-split", splitBody, splitSlots,
			[]int{200, 200, 200, 200, 200, 400, 400, 200, 200, 200, 200, 404}, wantTestMBeanPoints},
		// Without the split, 2.x loses every attribute of type=Counters.
		{agent2, "receiver-test-mbeans", p.body, p.slots, []int{200, 200, 400, 200, 404}, prefixed(wantTestMBeanPoints, "test.counters.", false)},
	}
	for _, tt := range tests {
		t.Run(tt.agent+"/"+tt.name, func(t *testing.T) {
			req, resp := readRecorded(t, tt.agent, tt.name)
			require.JSONEq(t, string(tt.body), string(req), "the fixture was recorded with this plan")
			md, results := convertResponse(t, p, tt.slots, resp)
			assert.Equal(t, tt.statuses, statuses(results))
			assert.Equal(t, tt.want, onlyResource(t, md))
		})
	}
}

func TestConvertRecordedJVMPreset(t *testing.T) {
	p := mustPlan(t, []string{"jvm"}, nil)
	for _, agent := range []string{agent2, core1} {
		t.Run(agent, func(t *testing.T) {
			req, resp := readRecorded(t, agent, "receiver-jvm-preset")
			require.JSONEq(t, string(p.body), string(req), "the fixture was recorded with the jvm preset's bulk read")
			md, results := convertResponse(t, p, p.slots, resp)
			for _, r := range results {
				assert.Empty(t, r.err)
			}
			// checkJVMPreset expects the self metrics the scraper adds.
			addSelfMetricsForShape(md)
			checkJVMPreset(t, md)
		})
	}
}

func addSelfMetricsForShape(md pmetric.Metrics) {
	self := metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type))
	self.RecordJolokiaUpDataPoint(0, 1)
	self.RecordJolokiaScrapeDurationDataPoint(0, 0)
	self.RecordJolokiaReadErrorsDataPoint(0, 0, metadata.AttributeJolokiaReadStatusError)
	self.Emit().ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().MoveAndAppendTo(md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics())
}

func TestCapLabelValue(t *testing.T) {
	assert.Equal(t, "PS Eden Space", capLabelValue("PS Eden Space"))
	exact := strings.Repeat("a", maxLabelValueBytes)
	assert.Equal(t, exact, capLabelValue(exact))
	long := capLabelValue(strings.Repeat("a", 4<<20))
	assert.Len(t, long, maxLabelValueBytes)
	assert.True(t, strings.HasSuffix(long, "..."))
	// A cut never splits a rune: "é" is two bytes.
	cut := capLabelValue(strings.Repeat("é", maxLabelValueBytes))
	assert.True(t, utf8.ValidString(cut))
	assert.LessOrEqual(t, len(cut), maxLabelValueBytes)
}

// TestConvertRecordedIgnoredErrors: with ignoreErrors, a missing attribute of
// a non-pattern read comes back as an error value (a string on 1.x, an object
// on 2.x); the entry's other attributes still convert, and the missing one is
// reported.
func TestConvertRecordedIgnoredErrors(t *testing.T) {
	p := mustPlan(t, nil, []MetricConfig{
		{Name: "big", MBean: "com.moalog.test:type=Counters", Attribute: "Big"},
		{Name: "missing", MBean: "com.moalog.test:type=Counters", Attribute: "Missing"},
	})
	for _, agent := range []string{agent2, core1} {
		t.Run(agent, func(t *testing.T) {
			_, resp := readRecorded(t, agent, "errors-ignored")
			entries, err := decodeResponse(resp, 4)
			require.NoError(t, err)
			md := pmetric.NewMetrics()
			sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
			results := newConverter(p, sm, 1, 1, nil).convert(entries[:1], p.slots)
			assert.Equal(t, points{"big{}": int64(9007199254740993)}, onlyResource(t, md))
			require.Len(t, results, 1)
			assert.Equal(t, 200, results[0].status)
			assert.Contains(t, results[0].err, "Missing: No such attribute: Missing")
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
