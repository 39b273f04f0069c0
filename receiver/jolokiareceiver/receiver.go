package jolokiareceiver

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
)

// jolokiaReceiver runs every target on its own schedule and delivers each
// target's metrics as soon as its scrape ends: a slow or dead target never
// delays the others' data (a scraperhelper controller would hand all targets
// to the pipeline together, after the slowest).
//
// At most max_concurrency targets whose last scrape worked, and as many whose
// last scrape failed (or that were not scraped yet), are scraped at the same
// time: targets that are down (black-holed, they hold a slot for the whole
// `timeout`) wait for each other, never for or in front of live ones. A down
// target is retried after 1, 2, then 4 intervals (maxBackoffIntervals) and
// reported down in between.
type jolokiaReceiver struct {
	cfg     *Config
	scraper *jolokiaScraper
	next    consumer.Metrics
	obs     *receiverhelper.ObsReport
	live    chan struct{}
	down    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// maxBackoffIntervals is the longest wait, in intervals, between two tries
// of a down target.
const maxBackoffIntervals = 4

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Metrics) (*jolokiaReceiver, error) {
	s, err := newScraper(cfg, set)
	if err != nil {
		return nil, err
	}
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	return &jolokiaReceiver{cfg: cfg, scraper: s, next: next, obs: obs,
		live: make(chan struct{}, cfg.MaxConcurrency), down: make(chan struct{}, cfg.MaxConcurrency)}, nil
}

func (r *jolokiaReceiver) Start(ctx context.Context, host component.Host) error {
	if err := r.scraper.start(ctx, host); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for _, t := range r.scraper.targets {
		r.wg.Add(1)
		go r.run(runCtx, t)
	}
	return nil
}

func (r *jolokiaReceiver) Shutdown(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	return r.scraper.shutdown(ctx)
}

func (r *jolokiaReceiver) run(ctx context.Context, t *targetScraper) {
	defer r.wg.Done()
	if d := r.cfg.InitialDelay; d > 0 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
	ticker := time.NewTicker(r.cfg.CollectionInterval)
	defer ticker.Stop()
	// A target not scraped yet counts as down: at start-up a dead fleet
	// would otherwise fill the live slots once.
	failures, skip, scraped := 0, 0, false
	for {
		switch {
		case skip > 0:
			skip--
			r.send(ctx, t, r.scraper.skippedTarget(t))
		case r.scrapeAndSend(ctx, t, failures > 0 || !scraped):
			failures, scraped = 0, true
		default:
			failures++
			skip = min(1<<min(failures-1, 8), maxBackoffIntervals) - 1
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// scrapeAndSend scrapes t in a slot of its kind (down: its last scrape
// failed) and reports whether it is up.
func (r *jolokiaReceiver) scrapeAndSend(ctx context.Context, t *targetScraper, down bool) bool {
	sem := r.live
	if down {
		sem = r.down
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	scrapeCtx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	md := r.scraper.scrapeTarget(scrapeCtx, t)
	cancel()
	<-sem
	r.send(ctx, t, md)
	return t.up
}

func (r *jolokiaReceiver) send(ctx context.Context, t *targetScraper, md pmetric.Metrics) {
	if ctx.Err() != nil {
		return // shutting down
	}
	obsCtx := r.obs.StartMetricsOp(ctx)
	err := r.next.ConsumeMetrics(obsCtx, md)
	r.obs.EndMetricsOp(obsCtx, "jolokia", md.DataPointCount(), err)
	if err != nil {
		r.scraper.logger.Debug("the pipeline refused the metrics of a target", zap.String("target", t.target.Endpoint), zap.Error(err))
		t.stale.Refused() // their stale points go again with the next scrape
	}
}
