//go:build integration

package scaleout

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// The scale-out tests run examples/scale-out/replica.yaml with the full build
// (prometheus_remote_write) against real stores: VictoriaMetrics and
// Prometheus with its remote-write receiver.

// recordedPreset is the real 2.4.2 agent's answer to the jvm preset's read,
// which every simulated agent of a fleet serves.
var recordedPreset = filepath.Join(testenv.RepoRoot(), "receiver", "jolokiareceiver", "testdata", "recorded", "jolokia-2.4.2-agent", "receiver-jvm-preset.json")

// replica is one collector of examples/scale-out/replica.yaml.
type replica struct{ *testenv.Collector }

// replicaOptions says which share of targets a replica scrapes and where it writes.
type replicaOptions struct {
	targets  []string
	count    int // 0: unsharded
	index    int
	writeURL string
	withPage bool          // also serve the Prometheus exporter page, as otelcol.yaml does
	interval time.Duration // collection_interval; default 1s
}

// startReplica runs the shipped replica config with ./otelcol-full: its
// targets scraped every second (or opts.interval), its own endpoints on free
// ports.
func startReplica(t *testing.T, opts replicaOptions) replica {
	t.Helper()
	var overlay strings.Builder
	fmt.Fprintf(&overlay, "receivers:\n  jolokia/fleet:\n    collection_interval: %s\n    initial_delay: 0s\n    targets:\n",
		cmp.Or(opts.interval, time.Second))
	for _, target := range opts.targets {
		fmt.Fprintf(&overlay, "      - endpoint: %s\n", target)
	}
	if opts.withPage {
		overlay.WriteString("service: {pipelines: {metrics: {exporters: [prometheus_remote_write, prometheus]}}}\n")
	}
	overlayPath := filepath.Join(t.TempDir(), "overlay.yaml")
	require.NoError(t, os.WriteFile(overlayPath, []byte(overlay.String()), 0o600))
	return replica{testenv.StartCollector(t, testenv.CollectorOptions{
		Binary: testenv.CollectorBin(t, "otelcol-full"),
		Config: "file:" + filepath.Join(testenv.RepoRoot(), "examples", "scale-out", "replica.yaml"),
		Sets:   []string{"file:" + overlayPath},
		Env: []string{
			"SHARD_COUNT=" + strconv.Itoa(opts.count),
			"SHARD_INDEX=" + strconv.Itoa(opts.index),
			"REMOTE_WRITE_URL=" + opts.writeURL,
		},
	})}
}

// fleetTargets starts n simulated Jolokia agents (answering like the real
// 2.4.2 agent) and one real test JVM, and returns their endpoints.
func fleetTargets(t *testing.T, n int) []string {
	t.Helper()
	fleet := testenv.StartJolokiaFleet(t, n, recordedPreset, "")
	jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2})
	return append(slices.Clone(fleet.Endpoints), jvm.Endpoint)
}

// queried lists the series of a query, each as key(its labels), sorted:
// labelString for the whole series, instance for its target.
func queried(t *testing.T, store *testenv.Prometheus, promql string, key func(map[string]string) string) []string {
	t.Helper()
	var out []string
	for _, s := range store.Query(t, promql) {
		out = append(out, key(s.Labels))
	}
	sort.Strings(out)
	return out
}

func instance(labels map[string]string) string { return labels["instance"] }

// pageFamilies reads a Prometheus text page.
func pageFamilies(t *testing.T, page string) map[string]*dto.MetricFamily {
	t.Helper()
	families, err := testenv.ScrapePage(page)
	require.NoError(t, err)
	return families
}

// telemetryValue is the sum of a metric's samples on a replica's own metrics page.
func telemetryValue(t *testing.T, r replica, name string) float64 {
	t.Helper()
	page := r.Telemetry().MetricsURL()
	family := pageFamilies(t, page)[name]
	require.NotNil(t, family, "%s on %s", name, page)
	sum := 0.0
	for _, m := range family.GetMetric() {
		sum += testenv.SampleValue(m)
	}
	return sum
}

// seriesOnPage lists the series of a Prometheus exporter page as labelString does.
func seriesOnPage(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	for name, family := range pageFamilies(t, page) {
		for _, m := range family.GetMetric() {
			labels := testenv.LabelMap(m)
			labels["__name__"] = name
			// An empty label is no label to Prometheus (otel_scope_version="").
			maps.DeleteFunc(labels, func(_, v string) bool { return v == "" })
			if name == "target_info" && len(labels) == 3 {
				// The page has a target_info of only job and instance for every
				// resource; remote write sends one only for a resource with more.
				continue
			}
			out = append(out, labelString(labels))
		}
	}
	sort.Strings(out)
	return out
}

// assertSameSeries compares two series lists and reports only the difference.
func assertSameSeries(t assert.TestingT, want, got []string, msg string) {
	missing := slices.DeleteFunc(slices.Clone(want), func(s string) bool { _, found := slices.BinarySearch(got, s); return found })
	extra := slices.DeleteFunc(slices.Clone(got), func(s string) bool { _, found := slices.BinarySearch(want, s); return found })
	assert.True(t, len(missing)+len(extra) == 0, "%s: %d series missing %v, %d extra %v", msg, len(missing), head(missing), len(extra), head(extra))
}

// head is at most the first 5 items, for messages.
func head(items []string) []string { return items[:min(len(items), 5)] }

func labelString(labels map[string]string) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		kv = append(kv, k+"="+strconv.Quote(labels[k]))
	}
	return "{" + strings.Join(kv, ",") + "}"
}

// waitForTargets waits until the store holds a current jolokia_up for every
// target, each with at least `samples` samples of the last minute.
func waitForTargets(t *testing.T, store *testenv.Prometheus, targets, samples int) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := store.QueryErr(fmt.Sprintf("count_over_time(jolokia_up[1m]) >= %d and jolokia_up", samples))
		require.NoError(c, err)
		assert.Len(c, got, targets)
	}, 90*time.Second, 250*time.Millisecond, "%d targets with %d samples each in %s", targets, samples, store.Process.Name)
}

// assertScrapedOnce checks that no target is written by two replicas: at a
// 1s interval one writer puts at most 6 samples in 5 seconds, two put ~10.
func assertScrapedOnce(t *testing.T, store *testenv.Prometheus) {
	t.Helper()
	assert.Empty(t, store.Query(t, "count_over_time(jolokia_up[5s]) > 6"), "targets with samples from two replicas")
}

// TestRemoteWriteShardedReplicas: three replicas split a fleet and write into
// VictoriaMetrics; one unsharded collector writes the same fleet into
// Prometheus. Each target's series are in the store exactly once; a replica
// stopped with SIGTERM ends its series at once (stale markers); a new replica
// of the same index takes over without duplicates.
func TestRemoteWriteShardedReplicas(t *testing.T) {
	const simulated, count = 45, 3
	targets := fleetTargets(t, simulated)
	vm := testenv.StartVictoriaMetrics(t)
	prom := testenv.StartPrometheus(t, nil, testenv.PrometheusOptions{RemoteWriteReceiver: true})
	replicas := make([]replica, count)
	for i := range replicas {
		replicas[i] = startReplica(t, replicaOptions{targets: targets, count: count, index: i, writeURL: vm.WriteURL})
	}
	whole := startReplica(t, replicaOptions{targets: targets, writeURL: prom.WriteURL, withPage: true})

	waitForTargets(t, vm, len(targets), 3)
	waitForTargets(t, prom, len(targets), 3)
	t.Run("exactly once", func(t *testing.T) {
		assertScrapedOnce(t, vm)
		sharded := queried(t, vm, `{job!=""}`, labelString)
		assertSameSeries(t, queried(t, prom, `{job!=""}`, labelString), sharded, "3 replicas in VictoriaMetrics = one collector in Prometheus")
		assertSameSeries(t, seriesOnPage(t, whole.MetricsURL()), sharded, "the store holds what the Prometheus exporter page shows")
	})

	t.Run("SIGTERM marks the replica's series stale", func(t *testing.T) {
		before := queried(t, vm, "jolokia_up", instance)
		stopped := time.Now()
		replicas[0].Process.Stop()
		var gone []string
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			now := queried(t, vm, "jolokia_up", instance)
			gone = slices.DeleteFunc(slices.Clone(before), func(i string) bool { return slices.Contains(now, i) })
			assert.NotEmpty(c, gone, "replica 0's targets left the store")
			// Series of the live replicas are fresh; none of replica 0's is left behind.
			assert.Empty(c, vm.Query(t, "time() - timestamp(jolokia_up) > 3"))
		}, 15*time.Second, 100*time.Millisecond)
		t.Logf("stale in VictoriaMetrics %.1fs after SIGTERM: %d of %d targets", time.Since(stopped).Seconds(), len(gone), len(before))
		selector := fmt.Sprintf(`{instance=~%q}`, strings.Join(gone, "|"))
		assert.Empty(t, head(queried(t, vm, selector, labelString)), "no series of replica 0 stays current")
	})

	// The replacement: same index, a fresh process without state (started here: it lives until the test ends).
	replicas[0] = startReplica(t, replicaOptions{targets: targets, count: count, index: 0, writeURL: vm.WriteURL})
	t.Run("replaced", func(t *testing.T) {
		waitForTargets(t, vm, len(targets), 3)
		assertScrapedOnce(t, vm)
		assertSameSeries(t, queried(t, prom, `{job!=""}`, labelString), queried(t, vm, `{job!=""}`, labelString),
			"the same series as before, once")
	})

	t.Run("kill -9: series freeze until the store's lookback", func(t *testing.T) {
		killed := time.Now()
		replicas[1].Process.Kill()
		// The signal of the frozen-series alert (examples/scale-out/store-alerts.yml), at 10 intervals:
		// replica 1's targets stop advancing, the others do not.
		var frozen []string
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			frozen = queried(t, vm, "time() - timestamp(jolokia_up) > 10", instance)
			fresh := queried(t, vm, "time() - timestamp(jolokia_up) < 5", instance)
			assert.NotEmpty(c, frozen)
			assert.Equal(c, len(targets), len(frozen)+len(fresh))
		}, 30*time.Second, 250*time.Millisecond, "replica 1's series stop advancing")
		t.Logf("kill -9: %d targets' series frozen but current in VictoriaMetrics %.1fs later (1s interval)", len(frozen), time.Since(killed).Seconds())
		if os.Getenv("SCALEOUT_KILL_LOOKBACK") == "" {
			return
		}
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Len(c, queried(t, vm, "jolokia_up", instance), len(targets)-len(frozen))
		}, 10*time.Minute, time.Second, "replica 1's targets leave the store")
		t.Logf("kill -9: they left VictoriaMetrics %.1fs after the kill", time.Since(killed).Seconds())
	})

	t.Run("Prometheus: SIGTERM of the unsharded collector", func(t *testing.T) {
		stopped := time.Now()
		whole.Process.Stop()
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Empty(c, head(queried(t, prom, `{job!=""}`, labelString)))
		}, 15*time.Second, 100*time.Millisecond)
		t.Logf("stale in Prometheus %.1fs after SIGTERM", time.Since(stopped).Seconds())
	})
}

// TestRemoteWriteBackPressure stops the store for 30 s under one replica: the
// remote-write queue holds the batches (bounded by its queue_size in
// requests), then drains in order once the store is back, and the store holds
// every sample of the outage.
func TestRemoteWriteBackPressure(t *testing.T) {
	const targets, outage = 30, 30 * time.Second
	fleet := testenv.StartJolokiaFleet(t, targets, recordedPreset, "")
	vm := testenv.StartVictoriaMetrics(t)
	r := startReplica(t, replicaOptions{targets: fleet.Endpoints, writeURL: vm.WriteURL})
	waitForTargets(t, vm, targets, 2)
	const queueSize, capacity, heap, accepted = "otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity",
		"otelcol_process_runtime_heap_alloc_bytes", "otelcol_receiver_accepted_metric_points"
	require.Equal(t, 10000.0, telemetryValue(t, r, capacity), "queue_size of examples/scale-out/replica.yaml")
	heapBefore, acceptedBefore := telemetryValue(t, r, heap), telemetryValue(t, r, accepted)

	vm.Process.Stop()
	stopped := time.Now()
	peakQueue, peakHeap := 0.0, 0.0
	for time.Since(stopped) < outage { // the outage itself; the queue is observed throughout
		peakQueue = max(peakQueue, telemetryValue(t, r, queueSize))
		peakHeap = max(peakHeap, telemetryValue(t, r, heap))
		time.Sleep(500 * time.Millisecond)
	}
	queuedPoints := telemetryValue(t, r, accepted) - acceptedBefore
	vm.Process.Restart(t)
	restarted := time.Now()
	require.Eventually(t, func() bool { return telemetryValue(t, r, queueSize) == 0 }, 60*time.Second, 100*time.Millisecond, "the queue drains")
	drained := time.Since(restarted)
	assert.GreaterOrEqual(t, peakQueue, 10.0, "batches waited in the queue during the outage")

	// Every target's samples from 5 s before the outage to its end, one a second.
	at := restarted.Unix()
	window := time.Duration(at-stopped.Add(-5*time.Second).Unix()) * time.Second
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		perTarget, err := vm.QueryErr(fmt.Sprintf("count_over_time(jolokia_up[%ds] @ %d)", int(window.Seconds()), at))
		require.NoError(c, err)
		assert.Len(c, perTarget, targets)
		for _, s := range perTarget {
			n, err := strconv.ParseFloat(s.Value, 64)
			require.NoError(c, err)
			assert.GreaterOrEqual(c, n, window.Seconds()-2, "samples of %s across the outage", s.Labels["instance"])
		}
	}, 60*time.Second, 250*time.Millisecond, "every sample of the outage reaches the store")
	stored := time.Since(restarted)
	t.Logf("outage %s: %.0f points queued in at most %.0f of %.0f requests; Go heap %.1f -> peak %.1f MiB (%.0f B per queued point); "+
		"queue empty %.1fs and every sample queryable %.1fs after the store returned",
		outage, queuedPoints, peakQueue, telemetryValue(t, r, capacity), heapBefore/(1<<20), peakHeap/(1<<20),
		(peakHeap-heapBefore)/queuedPoints, drained.Seconds(), stored.Seconds())
}

// TestScaleOutAlertRules: the store alert of examples/scale-out is valid and
// its promtool unit tests pass.
func TestScaleOutAlertRules(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "examples", "scale-out")
	promtool := testenv.Binary(t, "promtool")
	out, err := testenv.Run(promtool, "check", "rules", filepath.Join(dir, "store-alerts.yml"))
	require.NoError(t, err, out)
	out, err = testenv.Run(promtool, "test", "rules", filepath.Join(dir, "store-alerts_test.yml"))
	require.NoError(t, err, out)
	require.Contains(t, out, "SUCCESS")
}
