//go:build integration

package jolokiareceiver

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/moalog/platform-collector/internal/testenv"
)

// jmxRuleSets are the jmx_exporter configs of testdata/jmxexporter/ the
// side-by-side test runs, in order.
var jmxRuleSets = []string{"default", "tomcat", "kafka-client", "composite"}

// TestJMXExporterSideBySide runs the real jmx_exporter java agent 1.0.1 and
// a Jolokia agent in one JVM (with the Tomcat and Kafka client profiles)
// and, for each rule set, compares jmx_exporter's /metrics with what the
// receiver's jmx_exporter block yields through the collector's Prometheus
// exporter: the same series (names and labels) with the same values;
// counters that moved between two jmx_exporter scrapes taken around ours
// may differ by as much as they moved, other values that moved are only
// checked to be there. jmx_exporter's self metrics (jmx_*,
// jvm_*, process_*) and ours (jolokia_*, target_info) are left out, and so
// are the labels the exporter adds (job, instance, otel_scope_*).
func TestJMXExporterSideBySide(t *testing.T) {
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			// One JVM per agent: jmx_exporter reloads its config file when it
			// changes, so every rule set runs on the same JVM.
			jvm := testenv.StartJVM(t, testenv.JVMOptions{
				Agent:       agent,
				Apps:        []testenv.JavaApp{testenv.AppTomcat, testenv.AppKafkaClient},
				ExtraArgs:   []string{"-Dmoalog.systemGC=true"},
				JMXExporter: "{}\n",
				// The agent refuses every request but read, list, search and version.
				Policy: testenv.ReadOnlyPolicy,
			})
			var total sideBySide
			for i, set := range jmxRuleSets {
				content, err := os.ReadFile(filepath.Join("testdata", "jmxexporter", set+".yaml"))
				require.NoError(t, err)
				loadJMXExporterConfig(t, jvm, content, i+1)
				r := compareSideBySide(t, jvm, content)
				for _, d := range r.diffs {
					t.Errorf("%s: %s", set, d)
				}
				t.Logf("%s: %d samples compared, %d mismatches, %d NaN/Inf samples Jolokia cannot carry", set, r.samples, len(r.diffs), len(r.unreadable))
				total.samples += r.samples
				total.diffs = append(total.diffs, r.diffs...)
				total.unreadable = append(total.unreadable, r.unreadable...)
			}
			t.Logf("%s: %d rule sets, %d samples compared, %d mismatches, %d NaN/Inf samples left out",
				agent, len(jmxRuleSets), total.samples, len(total.diffs), len(total.unreadable))
			checkExplain(t, jvm)
			checkBulk(t, jvm)
		})
	}
}

// checkBulk: once the MBeans are known, a scrape with the catch-all rules
// is two bulk requests (the presets' and the block's), each entry a read,
// search, list or version.
func checkBulk(t *testing.T, jvm *testenv.JVM) {
	proxy := newRecordingProxy(t, jvm.Endpoint)
	cfg := configFor(proxy.endpoint())
	cfg.JMXExporter = decodeJMXExporter(t, []byte("{}\n"))
	cfg.Timeout = 30 * time.Second
	s := newTestScraper(t, cfg, nil)
	scrapeOnce(s)
	first := proxy.requests()
	assert.GreaterOrEqual(t, first, 3, "the first scrape lists the MBeans' attributes")
	require.Eventually(t, func() bool { // an MBean registered meanwhile costs one scrape a list
		before := proxy.requests()
		scrapeOnce(s)
		return proxy.requests()-before == 2
	}, 60*time.Second, 10*time.Millisecond)
	proxy.assertOnlyReads(t)
}

// checkExplain: tools/jmxrules' output on the live agent names the rule
// that matched each value (composite.yaml).
func checkExplain(t *testing.T, jvm *testenv.JVM) {
	content, err := os.ReadFile(filepath.Join("testdata", "jmxexporter", "composite.yaml"))
	require.NoError(t, err)
	cfg := configFor(jvm.Endpoint)
	cfg.Presets = nil
	cfg.JMXExporter = decodeJMXExporter(t, content)
	var out strings.Builder
	require.NoError(t, ExplainJMXExporter(context.Background(), cfg, &out))
	for _, want := range []string{
		"com.moalog.test<type=Pool, name=main, region=eu><>ByRegion: 3\n    rules[3]: pool_by_region{pool=\"main\",region=\"eu\"} unknown\n",
		"com.moalog.test<type=Payments, name=card><>Status: OK\n    rules[5]: payments_ok{name=\"card\"} unknown\n",
		"java.lang<type=Memory><>Verbose: false\n    no rule\n",
	} {
		assert.Contains(t, out.String(), want)
	}
}

// loadJMXExporterConfig replaces jmx_exporter's config file and waits until
// its /metrics shows it (jmx_config_reload_success_total counts reloads).
func loadJMXExporterConfig(t *testing.T, jvm *testenv.JVM, content []byte, reloads int) {
	t.Helper()
	require.NoError(t, os.WriteFile(jvm.JMXExporterConfig, content, 0o600))
	later := time.Now().Add(time.Duration(reloads) * time.Second)
	require.NoError(t, os.Chtimes(jvm.JMXExporterConfig, later, later))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		families, err := testenv.ScrapePage(jvm.JMXExporterURL)
		require.NoError(c, err)
		got := families["jmx_config_reload_success_total"]
		require.NotNil(c, got)
		require.Equal(c, float64(reloads), got.GetMetric()[0].GetCounter().GetValue())
	}, 60*time.Second, 200*time.Millisecond)
}

type sideBySide struct {
	samples int
	diffs   []string
	// unreadable are jmx_exporter's NaN and infinite samples that the
	// receiver cannot have: the 2.x agent fails to write NaN and infinities
	// inside CompositeData as JSON, the 1.x agent writes null for both (read
	// as NaN).
	unreadable []string
}

// presenceOnly are samples whose value depends on who reads (CurrentThread*:
// each agent reads on its own thread; open files and threads: the reader's
// connection) or moves up and down between two scrapes (memory used, the
// last GC's figures, CPU load, the Kafka clients' windowed rates, averages
// and maxima): compared by name and labels only.
var presenceOnly = regexp.MustCompile(`(?i)(current_?thread\w*|cpu_?load|load_?average|_used|used_kilobytes|lastgcinfo\w*|gc_last\w*|file_?descriptor_?count|thread_?count|^kafka\w*_(avg|max|rate|ratio))\{`)

// compareSideBySide scrapes jmx_exporter, the receiver, and jmx_exporter
// again, and returns what matched and what did not.
func compareSideBySide(t *testing.T, jvm *testenv.JVM, content []byte) sideBySide {
	t.Helper()
	before, err := testenv.ScrapePage(jvm.JMXExporterURL)
	require.NoError(t, err)
	cfg := configFor(jvm.Endpoint)
	cfg.Presets = nil
	cfg.JMXExporter = decodeJMXExporter(t, content)
	cfg.Timeout = 30 * time.Second
	require.NoError(t, cfg.Validate())
	got := jmxSamples(exporterFamilies(t, scrapeOnce(newTestScraper(t, cfg, zaptest.NewLogger(t)))))
	after, err := testenv.ScrapePage(jvm.JMXExporterURL)
	require.NoError(t, err)

	want, moved := jmxSamples(before), jmxSamples(after)
	r := sideBySide{samples: len(want)}
	for _, k := range sortedKeys(want) {
		v, ok := got[k]
		_, still := moved[k]
		switch {
		case !ok && (math.IsNaN(want[k]) || math.IsInf(want[k], 0)), ok && math.IsNaN(v) && math.IsInf(want[k], 0):
			r.unreadable = append(r.unreadable, k)
		case !ok && still:
			r.diffs = append(r.diffs, "missing "+k)
		case ok && !presenceOnly.MatchString(k) && !closeEnough(k, v, want[k], moved[k]):
			r.diffs = append(r.diffs, fmt.Sprintf("%s = %v, jmx_exporter %v then %v", k, v, want[k], moved[k]))
		}
	}
	for _, k := range sortedKeys(got) {
		_, was := want[k]
		_, is := moved[k]
		if !was && !is {
			r.diffs = append(r.diffs, "extra "+k)
		}
	}
	r.samples -= len(r.unreadable)
	return r
}

// closeEnough: equal to a value jmx_exporter printed; for a counter that
// moved, within how far it moved. A gauge that moved between jmx_exporter's
// two scrapes (free host memory, ...) may be anywhere.
func closeEnough(series string, got, before, after float64) bool {
	if got == before || got == after || math.IsNaN(got) && math.IsNaN(before) {
		return true
	}
	if before != after && !strings.Contains(series, "_total{") {
		return true
	}
	spread := math.Abs(after - before)
	lo, hi := math.Min(before, after)-spread, math.Max(before, after)+spread
	return got >= lo && got <= hi
}

// jmxSamples keys every sample by name{sorted labels}, without self metrics.
func jmxSamples(families map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range families {
		if strings.HasPrefix(name, "jmx_") || strings.HasPrefix(name, "jvm_") || strings.HasPrefix(name, "process_") ||
			strings.HasPrefix(name, "jolokia_") || name == "target_info" {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				// job, instance and otel_scope_* are the exporter's, not the rules'.
				if l.GetName() != "job" && l.GetName() != "instance" && !strings.HasPrefix(l.GetName(), "otel_scope_") {
					labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
				}
			}
			sort.Strings(labels)
			out[name+"{"+strings.Join(labels, ",")+"}"] = testenv.SampleValue(m)
		}
	}
	return out
}
