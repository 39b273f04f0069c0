//go:build integration

package e2e

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

// The round-trip fidelity test: a recorded /metrics body of a real exposition
// source is served by a test server, scraped by the collector and read back
// from its Prometheus exporter. The contrib prometheus receiver's output,
// recorded while it was the default build's receiver, is the golden file; the
// lean build's promscrape receiver must produce the same samples.
//
// Record the source bodies and the goldens (the contrib receiver, so the full build):
//
//	make build-full && OTELCOL_BIN=$PWD/otelcol-full go test -count=1 -tags integration ./internal/e2e -run TestRoundTrip -record-roundtrip
//
// Check a build against them (`roundtrip.receiver` picks the receiver type):
//
//	OTELCOL_BIN=$PWD/otelcol go test -count=1 -tags integration ./internal/e2e -run TestRoundTrip
//	OTELCOL_BIN=$PWD/otelcol-full go test -count=1 -tags integration ./internal/e2e -run TestRoundTrip -roundtrip.receiver=prometheus
var (
	roundTripDir      = filepath.Join(testenv.RepoRoot(), "internal", "e2e", "testdata", "roundtrip")
	recordRoundTrip   = flag.Bool("record-roundtrip", false, "record the round-trip sources and the contrib receiver's goldens into testdata/roundtrip")
	roundTripReceiver = flag.String("roundtrip.receiver", "promscrape", "receiver type scraping the round-trip sources")
)

// exposition formats a source is recorded in: the Accept header asked for and
// the Content-Type the fixture server answers with.
var roundTripFormats = map[string]struct{ accept, contentType string }{
	// What the contrib receiver asks for (Prometheus' DefaultScrapeProtocols);
	// a source that does not speak OpenMetrics answers with text.
	"openmetrics": {
		accept:      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
		contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8",
	},
	"text": {
		accept:      "text/plain;version=0.0.4",
		contentType: "text/plain; version=0.0.4; charset=utf-8",
	},
}

func TestRoundTrip(t *testing.T) {
	if *recordRoundTrip {
		recordRoundTripSources(t)
	}
	bodies, err := filepath.Glob(filepath.Join(roundTripDir, "*.body"))
	require.NoError(t, err)
	require.NotEmpty(t, bodies, "no recorded sources in %s: record them with -record-roundtrip", roundTripDir)
	for _, body := range bodies {
		name := strings.TrimSuffix(filepath.Base(body), ".body")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkRoundTrip(t, strings.TrimSuffix(body, ".body"))
		})
	}
}

// checkRoundTrip serves base.body, scrapes it through the collector and
// compares the exporter's samples with base.golden (or writes it when recording).
func checkRoundTrip(t *testing.T, base string) {
	body, err := os.ReadFile(base + ".body")
	require.NoError(t, err)
	format := roundTripFormats[strings.TrimPrefix(filepath.Ext(filepath.Base(base)), ".")]
	require.NotEmpty(t, format.contentType, "%s: the file name must end in .<format>.body, formats: openmetrics, text", base)
	target := serveHTTP(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", format.contentType)
		_, _ = w.Write(body)
	})

	receiverType := *roundTripReceiver
	if *recordRoundTrip {
		receiverType = "prometheus"
	}
	config := writeTemp(t, "roundtrip.yaml", scrapeConfig(receiverType, "roundtrip", target))
	c := testenv.StartOtelcol(t, config)
	// The second scrape of an unchanged body adds no series: from then on the output is stable.
	c.WaitForSample(t, "scrape_series_added", map[string]string{"instance": target}, equals(0), 60*time.Second)
	got := flattenSamples(c.Families(t), target)

	if *recordRoundTrip {
		require.NoError(t, os.WriteFile(base+".golden", []byte(strings.Join(got, "\n")+"\n"), 0o644))
		return
	}
	golden, err := os.ReadFile(base + ".golden")
	require.NoError(t, err, "record the goldens with -record-roundtrip")
	missing, extra := difference(strings.Split(strings.TrimSuffix(string(golden), "\n"), "\n"), got)
	require.Empty(t, append(missing, extra...), "the %s receiver's output differs from the contrib receiver's %s.golden:\nmissing:\n%s\nnot in the golden:\n%s",
		receiverType, base, strings.Join(missing, "\n"), strings.Join(extra, "\n"))
}

// difference lists the lines only want has and the lines only got has.
func difference(want, got []string) (missing, extra []string) {
	onlyIn := func(lines, other []string) []string {
		return slices.DeleteFunc(slices.Clone(lines), func(line string) bool { return slices.Contains(other, line) })
	}
	return onlyIn(want, got), onlyIn(got, want)
}

// flattenSamples renders every sample of the exporter's output as one sorted
// line "name{labels} TYPE value". The target's address becomes TARGET and its
// port PORT (they change every run); scrape_duration_seconds' value is not
// compared; the otel_scope_* labels name the receiver, which is what changes.
func flattenSamples(families map[string]*dto.MetricFamily, target string) []string {
	_, port, _ := strings.Cut(target, ":")
	var lines []string
	for name, family := range families {
		kind := family.GetType().String()
		for _, m := range family.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				switch {
				case strings.HasPrefix(l.GetName(), "otel_scope_"):
				case l.GetValue() == target:
					labels[l.GetName()] = "TARGET"
				case l.GetName() == "server_port" && l.GetValue() == port:
					labels[l.GetName()] = "PORT"
				default:
					labels[l.GetName()] = l.GetValue()
				}
			}
			for _, s := range samplesOf(name, m) {
				value := fmt.Sprint(s.value)
				if name == "scrape_duration_seconds" {
					value = "<varies>"
				}
				lines = append(lines, fmt.Sprintf("%s%s %s %s", s.name, renderLabels(labels, s.extra), kind, value))
			}
		}
	}
	sort.Strings(lines)
	return lines
}

type sample struct {
	name  string
	extra [2]string // one more label: le or quantile
	value float64
}

// samplesOf lists a metric's samples as the Prometheus text format writes them.
func samplesOf(name string, m *dto.Metric) []sample {
	switch {
	case m.Histogram != nil:
		h := m.GetHistogram()
		out := []sample{{name: name + "_sum", value: h.GetSampleSum()}, {name: name + "_count", value: float64(h.GetSampleCount())}}
		for _, b := range h.GetBucket() {
			out = append(out, sample{name: name + "_bucket", extra: [2]string{"le", fmt.Sprint(b.GetUpperBound())}, value: float64(b.GetCumulativeCount())})
		}
		return out
	case m.Summary != nil:
		s := m.GetSummary()
		out := []sample{{name: name + "_sum", value: s.GetSampleSum()}, {name: name + "_count", value: float64(s.GetSampleCount())}}
		for _, q := range s.GetQuantile() {
			out = append(out, sample{name: name, extra: [2]string{"quantile", fmt.Sprint(q.GetQuantile())}, value: q.GetValue()})
		}
		return out
	default:
		return []sample{{name: name, value: testenv.SampleValue(m)}}
	}
}

func renderLabels(labels map[string]string, extra [2]string) string {
	pairs := make([]string, 0, len(labels)+1)
	for k, v := range labels {
		pairs = append(pairs, fmt.Sprintf("%s=%q", k, v))
	}
	if extra[0] != "" {
		pairs = append(pairs, fmt.Sprintf("%s=%q", extra[0], extra[1]))
	}
	sort.Strings(pairs)
	return "{" + strings.Join(pairs, ",") + "}"
}

// recordRoundTripSources records each real source's /metrics once, in every
// format it speaks, into testdata/roundtrip/<source>.<format>.body.
func recordRoundTripSources(t *testing.T) {
	require.NoError(t, os.MkdirAll(roundTripDir, 0o755))
	// The contract program at a fixed moment (an hour after its start).
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	moalog := serveHTTP(t, moalogcontract.NewAt(start, func() time.Time { return start.Add(time.Hour) }).ServeHTTP)
	recordSource(t, "moalog", "http://"+moalog+"/metrics")

	// Debian's Prometheus, scraping itself until it has observed histograms and summaries.
	promAddr := testenv.Addr(testenv.FreePort(t))
	prom := testenv.StartPrometheus(t, []string{promAddr}, testenv.PrometheusOptions{ListenAddress: promAddr})
	prom.WaitFor(t, `prometheus_target_interval_length_seconds_count > 2`, 60*time.Second)
	recordSource(t, "prometheus", prom.URL+"/metrics")

	// Debian's redis_exporter in front of a real Redis with a few keys.
	redis := testenv.StartRedis(t, testenv.RedisOptions{})
	for i := range 20 {
		redis.CLI(t, "SET", fmt.Sprintf("key:%d", i), "value")
	}
	exporterAddr := testenv.Addr(testenv.FreePort(t))
	exporter := testenv.NewProcess(t, "prometheus-redis-exporter", testenv.Binary(t, "prometheus-redis-exporter"),
		"--redis.addr=redis://"+redis.Addr, "--web.listen-address="+exporterAddr)
	exporter.Start(t)
	exporter.WaitTCP(t, exporterAddr, 30*time.Second)
	recordSource(t, "redis_exporter", "http://"+exporterAddr+"/metrics")
}

// recordSource fetches url in each format and keeps every distinct answer.
func recordSource(t *testing.T, source, url string) {
	for format, f := range roundTripFormats {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", f.accept)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", url, body)
		answered := "text"
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text") {
			answered = "openmetrics"
		}
		if answered != format {
			t.Logf("%s does not speak %s (answered %s): not recorded in that format", source, format, resp.Header.Get("Content-Type"))
			continue
		}
		require.NoError(t, os.WriteFile(filepath.Join(roundTripDir, source+"."+format+".body"), body, 0o644))
	}
}
