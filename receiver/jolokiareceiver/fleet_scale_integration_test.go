//go:build integration

package jolokiareceiver

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

var (
	fleetSizes    = flag.String("fleet", "", "run TestFleetScale with these numbers of simulated targets, e.g. 10,100,250,500,1000")
	fleetDuration = flag.Duration("fleet-duration", 60*time.Second, "how long TestFleetScale runs the receiver per fleet size")
	scrapeGap     = flag.Duration("gap", 0, "BenchmarkLiveScrape: pause between scrapes")
)

// TestFleetScale measures the receiver's own CPU and memory on a simulated
// fleet: N loopback agents (testenv.StartJolokiaFleet, a separate process)
// answering the recorded 2.4.2 response to the default `jvm` preset read,
// scraped by the real receiver (factory, its per-target scheduler) every 15s for
// -fleet-duration. CPU is this test process's getrusage time over the run,
// so the fleet's own work is not counted. Run:
//
//	go test -tags integration ./receiver/jolokiareceiver -run TestFleetScale -fleet 10,100,250,500,1000 -v -timeout 30m
func TestFleetScale(t *testing.T) {
	if *fleetSizes == "" {
		t.Skip("scale test: run with -fleet 10,100,1000 (see the receiver's README)")
	}
	dir := filepath.Join("testdata", "recorded", agent2)
	var rows []string
	for _, field := range strings.Split(*fleetSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		require.NoError(t, err)
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			fleet := testenv.StartJolokiaFleet(t, n, filepath.Join(dir, "receiver-jvm-preset.json"), filepath.Join(dir, "receiver-jvm-preset.request.json")).Endpoints
			cfg := createDefaultConfig()
			cfg.CollectionInterval = 15 * time.Second
			for _, e := range fleet {
				cfg.Targets = append(cfg.Targets, Target{Endpoint: e})
			}
			// Counted per target scrape (a jolokia.up point each), whether the
			// receiver hands over one batch per interval or one per target.
			var points, scrapes, up atomic.Int64
			var mu sync.Mutex
			var durations []float64
			sink, err := consumer.NewMetrics(func(_ context.Context, md pmetric.Metrics) error {
				// One target per batch; Points leaves out the stale markers of Shutdown.
				got := metrictest.Points[float64](md)
				points.Add(int64(len(got)))
				if v, ok := got["jolokia.up"]; ok {
					scrapes.Add(1)
					if v == 1 {
						up.Add(1)
					}
				}
				if d, ok := got["jolokia.scrape.duration"]; ok {
					mu.Lock()
					durations = append(durations, d)
					mu.Unlock()
				}
				return nil
			})
			require.NoError(t, err)
			runtime.GC()
			cpu0, wall0 := cpuTime(t), time.Now()
			r, logs := startReceiver(t, cfg, sink)
			time.Sleep(*fleetDuration)
			cpu, wall := cpuTime(t)-cpu0, time.Since(wall0)
			rss, hwm := testenv.ProcStatusBytes(t, os.Getpid(), "VmRSS"), testenv.ProcStatusBytes(t, os.Getpid(), "VmHWM")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			require.NoError(t, r.Shutdown(context.Background()))
			require.Positive(t, scrapes.Load())
			// On this shared machine a scrape may miss its timeout now and
			// then; more than 1% down means something else is wrong (e.g. the
			// recorded request no longer matches the receiver's).
			if down := scrapes.Load() - up.Load(); down > 0 {
				first := ""
				if all := logs.FilterLevelExact(zap.WarnLevel).All(); len(all) > 0 {
					first = fmt.Sprint(all[0].ContextMap()["error"])
				}
				t.Logf("%d of %d target scrapes failed, first: %s", down, scrapes.Load(), first)
				require.Less(t, float64(down), 0.01*float64(scrapes.Load()))
			}
			sort.Float64s(durations)
			q := func(p float64) float64 { return 1000 * durations[int(p*float64(len(durations)-1))] }
			share := cpu.Seconds() / wall.Seconds()
			perScrape := cpu.Seconds() / float64(scrapes.Load())
			row := fmt.Sprintf("| %d | %d (%d up) | %d | %.2f%% | %.3f ms | %.1f / %.1f ms | %.0f | %.0f | %.1f | %.0f |", n, scrapes.Load(), up.Load(),
				points.Load()/scrapes.Load(), 100*share, 1000*perScrape, q(0.5), q(0.99), float64(rss)/(1<<20), float64(hwm)/(1<<20),
				float64(ms.HeapInuse)/(1<<20), 0.5*15/perScrape)
			t.Log(row)
			rows = append(rows, row)
		})
	}
	t.Logf("\n| targets | target scrapes | points per target scrape | CPU (share of one core) | CPU per target scrape | scrape duration p50 / p99 | RSS MiB | peak RSS MiB | Go heap in use MiB | targets at 50%% of a core (15s, extrapolated) |\n|---|---|---|---|---|---|---|---|---|---|\n%s", strings.Join(rows, "\n"))
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
