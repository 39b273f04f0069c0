package memguard

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/metrictest"
)

const mib = 1 << 20

// fakeHeap is a heap whose size a test sets; a GC brings it down to live.
type fakeHeap struct {
	allocated, live uint64
	gcs             int
}

func (h *fakeHeap) read() uint64 { return h.allocated }
func (h *fakeHeap) gc()          { h.gcs++; h.allocated = h.live }

// newTestGuard is a Guard of a 32 MiB limit on heap; onChange may be nil.
func newTestGuard(heap *fakeHeap, onChange func(Change)) (*Guard, *observer.ObservedLogs) {
	core, logs := observer.New(zap.InfoLevel)
	return New(Settings{
		LimitBytes: 32 * mib, MinHold: 10 * time.Second, MaxHold: 40 * time.Second,
		Logger: zap.New(core), OnChange: onChange, ReadHeap: heap.read, GC: heap.gc,
	}), logs
}

// step is one Check at second `at` with the heap as given.
type step struct {
	at              int
	allocated, live uint64
	want            Change
}

// over is a Check at second `at` with a live heap over the limit; calm one
// with the heap well under it.
func over(at int, want Change) step { return step{at, 40 * mib, 33 * mib, want} }
func calm(at int, want Change) step { return step{at, 8 * mib, 8 * mib, want} }

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		steps   []step
		wantGCs int
	}{
		// Only a heap over the limit costs a GC.
		{"garbage over the limit is collected, not shed for", []step{{0, 40 * mib, 8 * mib, Unchanged}, {2, 20 * mib, 8 * mib, Unchanged}}, 1},
		{"a live heap over the limit sheds for at least MinHold", []step{over(0, Started), calm(2, Unchanged), calm(10, Ended)}, 1},
		{"it sheds while the heap stays over the limit", []step{over(0, Started), over(12, Unchanged), calm(14, Ended)}, 2},
		{"a period that follows closely holds twice as long, up to MaxHold", []step{
			over(0, Started), calm(10, Ended),
			over(12, Started), calm(31, Unchanged), calm(32, Ended),
			over(40, Started), calm(79, Unchanged), calm(80, Ended),
			over(82, Started), calm(122, Ended),
			// Calm for longer than the last hold: back to MinHold.
			over(200, Started), calm(210, Ended),
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			heap := &fakeHeap{}
			g, _ := newTestGuard(heap, nil)
			start := time.Unix(0, 0)
			for _, s := range tt.steps {
				heap.allocated, heap.live = s.allocated, s.live
				assert.Equal(t, s.want, g.Check(start.Add(time.Duration(s.at)*time.Second)), "check at %ds", s.at)
			}
			assert.Equal(t, tt.wantGCs, heap.gcs, "GCs")
		})
	}
}

// scrape is one target's metrics: its up and size metrics, plus n series of app.series.
func scrape(n int) pmetric.Metrics {
	series := append([]string{"redis.up", "scrape.duration"}, slices.Repeat([]string{"app.series"}, n)...)
	return metrictest.Target{}.Scrape(series...)
}

func names(md pmetric.Metrics) []string {
	var out []string
	for _, m := range md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().All() {
		out = append(out, m.Name())
	}
	return out
}

func TestShedKeepsOnlyTheNamedMetricsWhileShedding(t *testing.T) {
	heap := &fakeHeap{}
	g, logs := newTestGuard(heap, nil)

	md := scrape(5)
	assert.False(t, g.Shed("redis a:1", md, "redis.up"))
	assert.Equal(t, []string{"redis.up", "scrape.duration", "app.series"}, names(md), "nothing is shed under the limit")

	heap.allocated, heap.live = 40*mib, 33*mib
	require.Equal(t, Started, g.Check(time.Unix(0, 0)))
	assert.Equal(t, 1, logs.FilterMessageSnippet("the heap is over `limit_mib`").Len())
	assert.Equal(t, map[string]any{"heap_mib": int64(33), "limit_mib": int64(32), "shedding_at_least": 10 * time.Second,
		"largest_targets": "redis a:1 (7 series)"}, fields(logs.All()[0]))

	md = scrape(100)
	assert.True(t, g.Shed("big b:2", md, "redis.up", "scrape.duration"))
	assert.Equal(t, []string{"redis.up", "scrape.duration"}, names(md))
	md = scrape(0)
	assert.True(t, g.Shed("redis a:1", md, "redis.up"))
	assert.Equal(t, []string{"redis.up"}, names(md))
	assert.False(t, g.Shed("redis c:3", metrictest.Target{}.Scrape("redis.up"), "redis.up"), "a scrape with only up loses nothing and is not counted")
	assert.Equal(t, int64(2), g.DroppedScrapes())
	assert.True(t, g.Shedding())

	heap.allocated, heap.live = 8*mib, 8*mib
	require.Equal(t, Ended, g.Check(time.Unix(10, 0)))
	assert.False(t, g.Shedding())
	// Each line names the largest scrapes since the one before: redis a:1's
	// 7 series came before the period.
	assert.Equal(t, map[string]any{"shed_for": 10 * time.Second, "scrapes_dropped": int64(2), "heap_mib": int64(8), "limit_mib": int64(32),
		"largest_targets": "big b:2 (102 series), redis a:1 (2 series), redis c:3 (1 series)"}, fields(logs.All()[1]))
	assert.Empty(t, g.points)
}

// TestScrapeOverTheLimitChecksAtOnce: a scrape that finds the heap over the
// limit runs the check itself instead of waiting for the next periodic one,
// at most once a second, and OnChange learns of the period it starts.
func TestScrapeOverTheLimitChecksAtOnce(t *testing.T) {
	heap := &fakeHeap{allocated: 40 * mib, live: 8 * mib}
	var changes []Change
	g, _ := newTestGuard(heap, func(c Change) { changes = append(changes, c) })
	assert.False(t, g.Shed("big b:2", scrape(100), "redis.up"), "garbage only: collected, not shed for")
	heap.allocated, heap.live = 40*mib, 33*mib
	assert.False(t, g.Shed("big b:2", scrape(100), "redis.up"), "no second check within a second")
	assert.Equal(t, 1, heap.gcs)

	g.lastUrgent = time.Now().Add(-urgentCheckEvery)
	md := scrape(100)
	assert.True(t, g.Shed("big b:2", md, "redis.up"), "a live heap over the limit: shed from this scrape on")
	assert.Equal(t, []string{"redis.up"}, names(md))
	assert.Equal(t, []Change{Started}, changes)
	assert.Equal(t, 2, heap.gcs)
}

func fields(entry observer.LoggedEntry) map[string]any {
	out := entry.ContextMap()
	for k, v := range out {
		if u, ok := v.(uint64); ok {
			out[k] = int64(u)
		}
	}
	return out
}

func TestNilGuardNeverSheds(t *testing.T) {
	var g *Guard
	md := scrape(3)
	assert.False(t, g.Shed("redis a:1", md, "redis.up"))
	assert.Equal(t, 5, md.DataPointCount())
}

func TestTrackedTargetsAreBounded(t *testing.T) {
	g, _ := newTestGuard(&fakeHeap{}, nil)
	for i := range maxTrackedTargets + 1 {
		g.record(string(rune(i)), i)
	}
	assert.Len(t, g.points, 1, "the map starts over rather than grow with targets that come and go")
}

type provider struct {
	extension.Extension
	guard *Guard
}

func (p provider) MemoryGuard() *Guard { return p.guard }

type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

func TestFind(t *testing.T) {
	g, _ := newTestGuard(&fakeHeap{}, nil)
	assert.Nil(t, Find(componenttest.NewNopHost()), "no memory_guard: receivers never shed")
	assert.Nil(t, Find(nil))
	host := hostWith{
		component.MustNewID("health_check"):              struct{ component.Component }{},
		component.MustNewIDWithName("memory_guard", "x"): provider{guard: g},
	}
	assert.Same(t, g, Find(host))
}
