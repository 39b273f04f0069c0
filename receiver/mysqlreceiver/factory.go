package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/scraper"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/internal/staleness"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// NewFactory creates the factory of the mysql receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	controller := scraperhelper.NewDefaultControllerConfig()
	controller.CollectionInterval = 10 * time.Second
	addr := confignet.NewDefaultAddrConfig()
	addr.Endpoint = defaultEndpoint
	addr.Transport = confignet.TransportTypeTCP
	tlsCfg := configtls.NewDefaultClientConfig()
	tlsCfg.Insecure = true
	return &Config{
		ControllerConfig:     controller,
		AddrConfig:           addr,
		Username:             "root",
		AllowNativePasswords: true,
		TLS:                  tlsCfg,
		MaxScrapeBytes:       defaultMaxScrapeBytes,
		MaxSeries:            serieslimit.Default,
		TableLimit:           defaultTableLimit,
		StatementEvents: StatementEventsConfig{
			DigestTextLimit: defaultDigestTextLimit,
			Limit:           defaultStatementLimit,
			TimeLimit:       defaultTimeLimit,
		},
		MetricsBuilderConfig: metadata.DefaultMetricsBuilderConfig(),
	}
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	rCfg := cfg.(*Config)
	s := newScraper(rCfg, set)
	sc, err := scraper.NewMetrics(s.scrape, scraper.WithStart(s.start), scraper.WithShutdown(s.shutdown))
	if err != nil {
		return nil, err
	}
	next, err = staleness.NotifyRefused(next, s.refused)
	if err != nil {
		return nil, err
	}
	return scraperhelper.NewMetricsController(&rCfg.ControllerConfig, set, next,
		scraperhelper.AddMetricsScraper(metadata.Type, sc))
}
