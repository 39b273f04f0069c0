// Package fullbuild marks ./otelcol-full for buildhint. Only the full build's
// manifest (builder-config.full-overlay.yaml) lists it, so only that binary
// links it and runs its init.
package fullbuild

import (
	"context"

	"go.opentelemetry.io/collector/confmap"

	"github.com/moalog/platform-collector/internal/buildhint"
)

func init() { buildhint.MarkFullBuild() }

// NewFactory is what ocb calls for a listed converter; the converter itself
// changes nothing.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(confmap.ConverterSettings) confmap.Converter { return unchanged{} })
}

type unchanged struct{}

func (unchanged) Convert(context.Context, *confmap.Conf) error { return nil }
