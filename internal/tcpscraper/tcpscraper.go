// Package tcpscraper holds what the redis and mysql receivers share around
// their scraper: the defaults of one target reached over TCP, scraped every
// 10 s with TLS off (as contrib's receivers of the same names), and the
// scraperhelper controller that runs the scraper.
package tcpscraper

import (
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/moalog/platform-collector/internal/staleness"
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
