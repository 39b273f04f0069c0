// Package tcpscraper holds what the redis and mysql receivers share around
// their scraper: the defaults of one target reached over TCP, scraped every
// 10 s with TLS off (as contrib's receivers of the same names), the
// scraperhelper controller that runs the scraper, and the Target that ends
// each scrape.
package tcpscraper

import (
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/internal/memguard"
	"github.com/moalog/platform-collector/internal/scrapeguard"
	"github.com/moalog/platform-collector/internal/staleness"
	"github.com/moalog/platform-collector/internal/targetstate"
)

// Defaults returns the default controller (a scrape every 10 s), address
// (TCP, no endpoint) and TLS (off: `insecure: true`) settings.
func Defaults() (scraperhelper.ControllerConfig, confignet.AddrConfig, configtls.ClientConfig) {
	controller := scraperhelper.NewDefaultControllerConfig()
	controller.CollectionInterval = 10 * time.Second
	addr := confignet.NewDefaultAddrConfig()
	addr.Transport = confignet.TransportTypeTCP
	tlsCfg := configtls.NewDefaultClientConfig()
	tlsCfg.Insecure = true
	return controller, addr, tlsCfg
}

// Scraper is a receiver's scrape and its lifecycle. Refused is called when
// the pipeline refused the scrape it was given, so that the scraper's
// staleness.Tracker sends the refused series again.
type Scraper struct {
	Scrape   scraper.ScrapeMetricsFunc
	Start    component.StartFunc
	Shutdown component.ShutdownFunc
	Refused  func()
}

// NewReceiver runs s with scraperhelper's controller (cfg) and sends every
// scrape to next.
func NewReceiver(typ component.Type, cfg *scraperhelper.ControllerConfig, set receiver.Settings, next consumer.Metrics, s Scraper) (receiver.Metrics, error) {
	sc, err := scraper.NewMetrics(s.Scrape, scraper.WithStart(s.Start), scraper.WithShutdown(s.Shutdown))
	if err != nil {
		return nil, err
	}
	// scraperhelper calls next right after each scrape, in the scrape's goroutine.
	next, err = staleness.NotifyRefused(next, s.Refused)
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(cfg, set, next, scraperhelper.AddMetricsScraper(typ, sc))
}

// Target is what a scraper keeps about its one target between scrapes,
// besides its client and MetricsBuilder.
type Target struct {
	endpoint string
	// Tracker logs the failures of the target, and of the parts of a scrape
	// the scraper names on its own, once per change of state.
	Tracker *targetstate.Tracker
	guard   *scrapeguard.Guard
	// stale marks the series the target stopped producing (all but its up
	// metric while it is down).
	stale staleness.Tracker
	// memory sheds scrapes while the heap is over memory_guard's limit.
	memory *memguard.Guard
}

// NewTarget returns the Target of endpoint, logging through logger.
func NewTarget(endpoint string, logger *zap.Logger) Target {
	return Target{endpoint: endpoint, Tracker: targetstate.New(logger), guard: scrapeguard.New(logger)}
}

// FindMemoryGuard finds the memory_guard extension of host, if it has one.
func (t *Target) FindMemoryGuard(host component.Host) { t.memory = memguard.Find(host) }

// RunGuarded runs scrape and returns its error; a panic in it is returned as
// a *scrapeguard.PanicError.
func (t *Target) RunGuarded(scrape func() error) error { return t.guard.Run(t.endpoint, scrape) }

// Up ends a scrape that succeeded: it logs the target reachable again after
// an outage, lets memory_guard shed all metrics but keep, and marks the
// series md no longer has stale. It returns md.
func (t *Target) Up(md pmetric.Metrics, now pcommon.Timestamp, keep string) pmetric.Metrics {
	t.Tracker.Observe(t.endpoint, nil)
	t.memory.Shed(t.endpoint, md, keep)
	t.stale.Mark(md, now)
	return md
}

// Down ends a scrape that failed with err: it logs err once per outage and
// reason and marks the series md (the target's up 0) no longer has stale. It
// returns md.
func (t *Target) Down(md pmetric.Metrics, now pcommon.Timestamp, err error) pmetric.Metrics {
	t.Tracker.Observe(t.endpoint, err)
	t.stale.Mark(md, now)
	return md
}

// Refused tells the staleness tracker that the pipeline refused the last
// scrape, so the next one sends its stale markers again.
func (t *Target) Refused() { t.stale.Refused() }
