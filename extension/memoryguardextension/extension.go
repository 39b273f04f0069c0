package memoryguardextension // import "github.com/moalog/platform-collector/extension/memoryguardextension"

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/extension/memoryguardextension/internal/metadata"
	"github.com/moalog/platform-collector/internal/gatedefaults"
	"github.com/moalog/platform-collector/internal/memguard"
)

// holds are the shortest shedding period, 10 check intervals, and the
// longest, 16 times that, which periods that follow each other closely reach
// (memguard.Settings).
func holds(checkInterval time.Duration) (shortest, longest time.Duration) {
	shortest = 10 * checkInterval
	return shortest, 16 * shortest
}

// healthGate is the health_check extension's switch to component status: only
// with it on does its endpoint report the RecoverableError of a shedding
// period (our builds turn it on by default).
const healthGate = gatedefaults.HealthFromComponentStatus

var errShedding = errors.New("memory_guard: the heap is over `limit_mib`: receivers send only their targets' up and scrape duration " +
	"(see the collector log for the largest targets)")

type guardExtension struct {
	cfg       *Config
	logger    *zap.Logger
	guard     *memguard.Guard
	telemetry *metadata.TelemetryBuilder
	// host reports the guard's status; set at Start, before any receiver
	// or the check loop runs.
	host   component.Host
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ memguard.Provider = (*guardExtension)(nil)

func newGuardExtension(cfg *Config, set extension.Settings) (*guardExtension, error) {
	e := &guardExtension{cfg: cfg, logger: set.Logger}
	minHold, maxHold := holds(cfg.CheckInterval)
	guard := memguard.New(memguard.Settings{
		LimitBytes: cfg.LimitMiB << 20,
		MinHold:    minHold,
		MaxHold:    maxHold,
		Logger:     set.Logger,
		OnChange:   e.report,
	})
	telemetry, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	err = errors.Join(
		telemetry.RegisterMemoryGuardSheddingCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(boolToInt(guard.Shedding()))
			return nil
		}),
		telemetry.RegisterMemoryGuardDroppedScrapesCallback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(guard.DroppedScrapes())
			return nil
		}),
	)
	if err != nil {
		return nil, err
	}
	e.guard, e.telemetry = guard, telemetry
	return e, nil
}

// MemoryGuard is how receivers find the guard (memguard.Find).
func (e *guardExtension) MemoryGuard() *memguard.Guard { return e.guard }

func (e *guardExtension) Start(_ context.Context, host component.Host) error {
	if !gateEnabled(healthGate) {
		e.logger.Warn("memory_guard: health_check keeps answering 200 while receivers shed data: run the collector with --feature-gates=+" + healthGate)
	}
	e.host = host
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Go(func() { e.run(ctx) })
	return nil
}

func (e *guardExtension) run(ctx context.Context) {
	ticker := time.NewTicker(e.cfg.CheckInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			e.guard.Check(now)
		}
	}
}

// report makes a shedding period the extension's status, which health_check
// answers with.
func (e *guardExtension) report(change memguard.Change) {
	switch change {
	case memguard.Started:
		componentstatus.ReportStatus(e.host, componentstatus.NewRecoverableErrorEvent(errShedding))
	case memguard.Ended:
		componentstatus.ReportStatus(e.host, componentstatus.NewEvent(componentstatus.StatusOK))
	case memguard.Unchanged:
	}
}

func (e *guardExtension) Shutdown(context.Context) error {
	if e.cancel != nil {
		e.cancel()
		e.wg.Wait()
	}
	e.telemetry.Shutdown()
	return nil
}

func gateEnabled(id string) bool {
	enabled := false
	featuregate.GlobalRegistry().VisitAll(func(g *featuregate.Gate) {
		if g.ID() == id {
			enabled = g.IsEnabled()
		}
	})
	return enabled
}

func boolToInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
