package memoryguardextension // import "github.com/moalog/platform-collector/extension/memoryguardextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/moalog/platform-collector/extension/memoryguardextension/internal/metadata"
)

const defaultCheckInterval = 2 * time.Second

// NewFactory creates the factory of the memory_guard extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{CheckInterval: defaultCheckInterval}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newGuardExtension(cfg.(*Config), set)
}
