// Package jolokiareceiver reads JVM metrics from Jolokia agents: one bulk
// read per target per scrape, named after the OpenTelemetry JVM semantic
// conventions (the `jvm` preset) and user-defined MBean mappings.
package jolokiareceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

const (
	defaultCollectionInterval = 15 * time.Second
	defaultTimeout            = 5 * time.Second
)

var componentType = component.MustNewType("jolokia")

// NewFactory returns the factory of the jolokia receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(componentType,
		func() component.Config { return createDefaultConfig() },
		receiver.WithMetrics(createMetrics, component.StabilityLevelDevelopment))
}

func createMetrics(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return newReceiver(cfg.(*Config), set, next)
}
