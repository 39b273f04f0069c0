// Package memguard sheds the receivers' data, target by target, while the
// collector's heap is over a limit, so that each target's `*_up` and the
// stale markers of its other series still reach the exporter.
//
// The memory_limiter processor cannot do that: it refuses whole batches,
// `*_up` included, so the Prometheus exporter keeps serving every target's
// last values (a dead Redis stays `redis_up 1`) until `metric_expiration`.
// A Guard sits before the pipeline instead. Each receiver hands it every
// scrape (Shed) before its staleness Tracker marks the scrape; while the heap
// is over the limit, Shed removes every metric but the target's health ones,
// the Tracker turns the removed series into stale markers, and the exporter
// deletes them, which frees the memory they held. The memory_limiter stays
// behind it as a backstop with a higher limit, for data that no receiver of
// ours produces.
//
// The memory_guard extension (extension/memoryguardextension) owns the
// Guard, calls Check at its check_interval and reports each period that
// starts or ends through OnChange (which also hears of the checks scrapes
// run); receivers find it with Find.
package memguard

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
)

// maxTrackedTargets bounds the per-target sizes kept for the log lines: with
// discovery, targets come and go, and the map must not grow with them.
const maxTrackedTargets = 4096

// namedTargets is how many of the largest targets a log line names.
const namedTargets = 3

// urgentCheckEvery bounds the checks (and forced GCs) that scrapes start
// between two periodic ones.
const urgentCheckEvery = time.Second

// Change is what a Check did to the shedding state.
type Change int

const (
	Unchanged Change = iota
	Started
	Ended
)

// Settings configures a Guard.
type Settings struct {
	// LimitBytes is the heap, measured after a forced GC, at or over which
	// receivers shed.
	LimitBytes uint64
	// MinHold is the shortest shedding period; a period that starts within
	// the previous one's hold after it ended lasts twice as long, up to
	// MaxHold. Shedding frees the memory at once, so without a hold the
	// guard would flip at every scrape of a target that is too large.
	MinHold, MaxHold time.Duration
	Logger           *zap.Logger
	// OnChange, if set, learns of every period that starts or ends, from
	// whichever goroutine ran the Check.
	OnChange func(Change)
	// ReadHeap and GC default to the runtime's (tests replace them).
	ReadHeap func() uint64
	GC       func()
}

// Guard decides, at each Check, whether receivers shed their data.
type Guard struct {
	set      Settings
	shedding atomic.Bool
	// dropped counts scrapes whose data was shed, since start.
	dropped atomic.Int64
	// urgentMu serializes the Checks that scrapes start: a scrape that
	// comes while one runs waits for its verdict instead of slipping through.
	urgentMu sync.Mutex
	// lastUrgent is when a scrape last started a Check.
	lastUrgent time.Time

	mu sync.Mutex
	// points is the size of each target's largest scrape since the last
	// log line, for the next one: the start line names what grew before the
	// period, the end line what was shed in it.
	points map[string]int
	// Current or last period.
	startedAt, endedAt, holdUntil time.Time
	hold                          time.Duration
	droppedAtStart                int64
}

// New returns a Guard that does not shed until a Check finds the heap over the limit.
func New(set Settings) *Guard {
	if set.ReadHeap == nil {
		set.ReadHeap = heapObjectBytes
	}
	if set.GC == nil {
		set.GC = runtime.GC
	}
	return &Guard{set: set, points: map[string]int{}}
}

// Shedding reports whether receivers drop their targets' data now.
func (g *Guard) Shedding() bool { return g.shedding.Load() }

// DroppedScrapes counts the scrapes whose data was shed since the Guard was created.
func (g *Guard) DroppedScrapes() int64 { return g.dropped.Load() }

// Shed records the size (data points) of a scrape of target and, while the
// guard sheds, removes from md every metric whose name is not in keep (the
// receiver's `up` and scrape duration; promscrape's scrape_* series). It
// reports whether it removed any. Call it before the target's staleness
// Tracker marks md, so that the removed series go stale. A nil Guard (no
// memory_guard extension) does nothing.
func (g *Guard) Shed(target string, md pmetric.Metrics, keep ...string) bool {
	if g == nil {
		return false
	}
	g.record(target, md.DataPointCount())
	if !g.shedding.Load() && !g.checkNow() {
		return false
	}
	removed := false
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				drop := !slices.Contains(keep, m.Name())
				removed = removed || drop
				return drop
			})
		}
	}
	if removed {
		g.dropped.Add(1)
	}
	return removed
}

func (g *Guard) record(target string, points int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, known := g.points[target]; !known && len(g.points) >= maxTrackedTargets {
		clear(g.points)
	}
	g.points[target] = max(g.points[target], points)
}

// checkNow runs a Check when the heap is over the limit before the next
// periodic one: a round of scrapes that all land in the same second can
// bring far more than the limit into the exporter between two checks (30
// targets of 4,900 series: 343 MiB), and past the memory_limiter's limit
// nothing, stale markers included, gets through to take it out again. It
// reports whether the guard sheds now.
func (g *Guard) checkNow() bool {
	if g.set.ReadHeap() < g.set.LimitBytes {
		return false
	}
	g.urgentMu.Lock()
	defer g.urgentMu.Unlock()
	if now := time.Now(); now.Sub(g.lastUrgent) >= urgentCheckEvery {
		g.lastUrgent = now
		g.Check(now)
	}
	return g.shedding.Load()
}

// Check measures the heap and starts or ends a shedding period, writing one
// log line for each and telling OnChange.
func (g *Guard) Check(now time.Time) Change {
	change := g.check(now)
	if change != Unchanged && g.set.OnChange != nil {
		g.set.OnChange(change)
	}
	return change
}

func (g *Guard) check(now time.Time) Change {
	heap := g.set.ReadHeap()
	if heap >= g.set.LimitBytes {
		// Garbage not yet collected counts in the heap; only what a GC
		// leaves is worth shedding data for.
		g.set.GC()
		heap = g.set.ReadHeap()
	}
	over := heap >= g.set.LimitBytes
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case over && !g.shedding.Load():
		g.start(now, heap)
		return Started
	case !over && g.shedding.Load() && !now.Before(g.holdUntil):
		g.end(now, heap)
		return Ended
	}
	return Unchanged
}

func (g *Guard) start(now time.Time, heap uint64) {
	if !g.endedAt.IsZero() && now.Sub(g.endedAt) < g.hold {
		g.hold = min(2*g.hold, g.set.MaxHold)
	} else {
		g.hold = g.set.MinHold
	}
	g.startedAt, g.holdUntil = now, now.Add(g.hold)
	g.droppedAtStart = g.dropped.Load()
	g.shedding.Store(true)
	g.set.Logger.Warn("memory_guard: the heap is over `limit_mib`: every receiver now drops its targets' data and sends only "+
		"each target's up and scrape duration (promscrape: its scrape_* series), and the dropped series go stale, "+
		"until the heap is back under the limit. "+
		"Lower `max_series` (or turn off metrics) of the largest targets, scrape fewer targets, "+
		"or raise `limit_mib` together with the memory the collector may use",
		zap.Uint64("heap_mib", heap>>20), zap.Uint64("limit_mib", g.set.LimitBytes>>20),
		zap.Duration("shedding_at_least", g.hold), zap.String("largest_targets", g.largest()))
	clear(g.points)
}

func (g *Guard) end(now time.Time, heap uint64) {
	g.endedAt = now
	g.shedding.Store(false)
	g.set.Logger.Info("memory_guard: the heap is back under `limit_mib`: receivers send their targets' data again",
		zap.Duration("shed_for", now.Sub(g.startedAt).Round(time.Millisecond)),
		zap.Int64("scrapes_dropped", g.dropped.Load()-g.droppedAtStart),
		zap.Uint64("heap_mib", heap>>20), zap.Uint64("limit_mib", g.set.LimitBytes>>20),
		zap.String("largest_targets", g.largest()))
	clear(g.points)
}

// largest names the targets with the largest scrapes since the last log line.
func (g *Guard) largest() string {
	targets := make([]string, 0, len(g.points))
	for t := range g.points {
		targets = append(targets, t)
	}
	slices.SortFunc(targets, func(a, b string) int {
		return cmp.Or(cmp.Compare(g.points[b], g.points[a]), strings.Compare(a, b))
	})
	named := make([]string, 0, namedTargets)
	for _, t := range targets[:min(namedTargets, len(targets))] {
		named = append(named, fmt.Sprintf("%s (%d series)", t, g.points[t]))
	}
	return strings.Join(named, ", ")
}

// heapObjectBytes is the memory of heap objects, live and not yet swept: the
// runtime.MemStats.HeapAlloc that the memory_limiter processor reads, without
// stopping the world.
func heapObjectBytes() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// Provider is implemented by the memory_guard extension.
type Provider interface {
	MemoryGuard() *Guard
}

// Find returns the Guard of the memory_guard extension among host's
// extensions, or nil when none is configured (receivers then never shed) or
// there is no host (a scraper started alone, in tests).
func Find(host component.Host) *Guard {
	if host == nil {
		return nil
	}
	for _, ext := range host.GetExtensions() {
		if p, ok := ext.(Provider); ok {
			return p.MemoryGuard()
		}
	}
	return nil
}
