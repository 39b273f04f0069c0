package jolokiareceiver

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
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

// Shutdown stops the scrapes, then marks every series this receiver
// delivered stale. A replica stopped for a rolling update or a scale-down thus
// ends its series at once in the store it remote-writes to (the collector
// shuts receivers down before processors and exporters, so the stale points
// still go out) instead of leaving them current for the store's lookback.
func (r *jolokiaReceiver) Shutdown(ctx context.Context) error {
	if r.cancel == nil {
		return r.scraper.shutdown(ctx) // never started
	}
	r.cancel()
	r.wg.Wait()
	r.sendStaleMarkers(ctx)
	return r.scraper.shutdown(ctx)
}

// sendStaleMarkers hands the pipeline one stale point per series of every
// target the pipeline took a scrape of: its Tracker's Mark of an empty scrape.
func (r *jolokiaReceiver) sendStaleMarkers(ctx context.Context) {
	now := pcommon.NewTimestampFromTime(time.Now())
	md := pmetric.NewMetrics()
	for _, t := range r.scraper.targets {
		if !t.delivered {
			continue // none of its series reached the store
		}
		stale := pmetric.NewMetrics()
		t.stale.Mark(stale, now)
		stale.ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	}
	if md.DataPointCount() == 0 {
		return
	}
	if err := r.consume(ctx, md); err != nil {
		r.scraper.logger.Warn("the pipeline refused the stale markers sent at shutdown: the store keeps this replica's series until its lookback ends", zap.Error(err))
	}
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

// consume hands md to the pipeline, counted by the receiver's obsreport. The
// points are counted first: once ConsumeMetrics has md, the pipeline owns it
// and may already have moved its contents away.
func (r *jolokiaReceiver) consume(ctx context.Context, md pmetric.Metrics) error {
	points := md.DataPointCount()
	obsCtx := r.obs.StartMetricsOp(ctx)
	err := r.next.ConsumeMetrics(obsCtx, md)
	r.obs.EndMetricsOp(obsCtx, "jolokia", points, err)
	return err
}

func (r *jolokiaReceiver) send(ctx context.Context, t *targetScraper, md pmetric.Metrics) {
	if ctx.Err() != nil {
		t.stale.Refused() // shutting down: this scrape is not sent, so Shutdown's markers must cover it
		return
	}
	if err := r.consume(ctx, md); err != nil {
		r.scraper.logger.Debug("the pipeline refused the metrics of a target", zap.String("target", t.target.Endpoint), zap.Error(err))
		t.stale.Refused() // their stale points go again with the next scrape
		return
	}
	t.delivered = true
}
