package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/internal/tcpscraper"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// NewFactory creates the factory of the redis receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetrics, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	controller, addr, tlsCfg := tcpscraper.Defaults()
	return &Config{
		ControllerConfig:     controller,
		AddrConfig:           addr,
		TLS:                  tlsCfg,
		MaxSeries:            serieslimit.Default,
		MetricsBuilderConfig: metadata.DefaultMetricsBuilderConfig(),
	}
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	rCfg := cfg.(*Config)
	s := newScraper(rCfg, set)
	return tcpscraper.NewReceiver(metadata.Type, &rCfg.ControllerConfig, set, next,
		tcpscraper.Scraper{Scrape: s.scrape, Start: s.start, Shutdown: s.shutdown, Refused: s.target.Refused})
}
