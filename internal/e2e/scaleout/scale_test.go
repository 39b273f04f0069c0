//go:build integration && scale

package scaleout

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// fleetProcessTargets keeps each simulator process well under the per-process
// file limit (20,000 here): one listener and one accepted connection per target.
const fleetProcessTargets = 2500

// TestScaleOutTable's rows and measurement (`make scale SCALE_ARGS=...`).
var (
	scaleRows     = flag.String("scale.rows", "3000x3,3000x5,10000x3,10000x5", "targets x replicas, comma-separated")
	scaleWindow   = flag.Duration("scale.window", 90*time.Second, "measurement window, after every target is in the store")
	scaleInterval = flag.Duration("scale.interval", 15*time.Second, "collection_interval")
)

// usage is a process' CPU time and resident memory from /proc.
type usage struct{ cpu, rss float64 }

func procUsage(t *testing.T, pid int) usage {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	// Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th, rss (pages) the 24th.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ticks := func(i int) float64 {
		v, err := strconv.ParseFloat(fields[i-3], 64)
		require.NoError(t, err)
		return v
	}
	const clockTicks, pageSize = 100, 4096
	return usage{cpu: (ticks(14) + ticks(15)) / clockTicks, rss: ticks(24) * pageSize}
}

// TestScaleOutTable, run by `make scale`: sharded replicas of
// examples/scale-out/replica.yaml over a large simulated fleet, writing into
// VictoriaMetrics, each row measured (not extrapolated) on this machine.
func TestScaleOutTable(t *testing.T) {
	table := []string{
		"| targets | replicas | targets per replica | CPU per replica, share of one core (min-max) | RSS per replica MiB (min-max) | samples/s into the store | store CPU, share of one core | store RSS MiB | load average (1 min) before, after |",
		"|---|---|---|---|---|---|---|---|---|",
	}
	for _, row := range strings.Split(*scaleRows, ",") {
		targets, replicas, ok := strings.Cut(row, "x")
		require.True(t, ok, "row %q: want TARGETSxREPLICAS", row)
		n, err := strconv.Atoi(targets)
		require.NoError(t, err)
		r, err := strconv.Atoi(replicas)
		require.NoError(t, err)
		t.Run(row, func(t *testing.T) {
			line := measureScaleOut(t, n, r)
			t.Log(line) // kept if a later row fails
			table = append(table, line)
		})
	}
	t.Logf("collection_interval %s, window %s, jvm preset (recorded 2.4.2 agent response), VictoriaMetrics 1.79 single node:\n%s",
		*scaleInterval, *scaleWindow, strings.Join(table, "\n"))
}

func measureScaleOut(t *testing.T, targets, count int) string {
	var endpoints []string
	for left := targets; left > 0; left -= fleetProcessTargets {
		endpoints = append(endpoints, testenv.StartJolokiaFleet(t, min(left, fleetProcessTargets), recordedPreset, "").Endpoints...)
	}
	vm := testenv.StartVictoriaMetrics(t)
	replicas := make([]replica, count)
	for i := range replicas {
		replicas[i] = startReplica(t, replicaOptions{targets: endpoints, count: count, index: i, writeURL: vm.WriteURL, interval: *scaleInterval})
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := vm.QueryErr("count(jolokia_up == 1)")
		require.NoError(c, err)
		require.Len(c, got, 1)
		assert.Equal(c, strconv.Itoa(targets), got[0].Value)
	}, 5*time.Minute, time.Second, "every target up in the store")
	// Steady state: whatever queued while the targets came up has reached the store.
	require.Eventually(t, func() bool {
		return !slices.ContainsFunc(replicas, func(r replica) bool { return telemetryValue(t, r, "otelcol_exporter_queue_size") > 1 })
	}, 5*time.Minute, time.Second, "remote-write queues drained")
	loadBefore := loadAverage(t)

	snapshot := func() ([]usage, usage, float64) {
		var each []usage
		for _, r := range replicas {
			each = append(each, procUsage(t, r.Process.Pid()))
		}
		return each, procUsage(t, vm.Process.Pid()), rowsInserted(t, vm)
	}
	replicasBefore, storeBefore, rowsBefore := snapshot()
	began := time.Now()
	// The measurement window: no replica may exit during it.
	exitedLog := ""
	assert.Never(t, func() bool {
		for _, r := range replicas {
			if !r.Process.Running() {
				exitedLog = r.Process.Log()
				return true
			}
		}
		return false
	}, *scaleWindow, time.Second)
	require.Empty(t, exitedLog, "a replica exited during the window")
	replicasAfter, storeAfter, rowsAfter := snapshot()
	window := time.Since(began).Seconds()

	minCPU, maxCPU, minRSS, maxRSS := 1e9, 0.0, 1e18, 0.0
	for i := range replicas {
		cpu := (replicasAfter[i].cpu - replicasBefore[i].cpu) / window
		minCPU, maxCPU = min(minCPU, cpu), max(maxCPU, cpu)
		minRSS, maxRSS = min(minRSS, replicasAfter[i].rss), max(maxRSS, replicasAfter[i].rss)
	}
	assert.Empty(t, vm.Query(t, fmt.Sprintf("count_over_time(jolokia_up[%ds]) > %d", int(scaleWindow.Seconds()), int(*scaleWindow / *scaleInterval)+1)),
		"no target written by two replicas")
	const mib = 1 << 20
	return fmt.Sprintf("| %d | %d | %d | %.1f%%-%.1f%% | %.0f-%.0f | %.0f | %.1f%% | %.0f | %s, %s |",
		targets, count, targets/count, 100*minCPU, 100*maxCPU, minRSS/mib, maxRSS/mib,
		(rowsAfter-rowsBefore)/window, 100*(storeAfter.cpu-storeBefore.cpu)/window, storeAfter.rss/mib,
		loadBefore, loadAverage(t))
}

// rowsInserted is how many samples VictoriaMetrics has taken by remote write.
func rowsInserted(t *testing.T, vm *testenv.Prometheus) float64 {
	t.Helper()
	for _, m := range pageFamilies(t, vm.URL+"/metrics")["vm_rows_inserted_total"].GetMetric() {
		if testenv.LabelMap(m)["type"] == "promremotewrite" {
			return testenv.SampleValue(m)
		}
	}
	t.Fatal("vm_rows_inserted_total{type=\"promremotewrite\"} not on VictoriaMetrics' /metrics")
	return 0
}

func loadAverage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/loadavg")
	require.NoError(t, err)
	return strings.Fields(string(b))[0]
}
