// Package buildhint is a confmap converter that refuses, in the lean build,
// a component type only the full build has, and says which binary has it.
// Without it the collector answers with its generic "unknown type" error,
// which lists the lean build's types and never mentions ./otelcol-full.
//
// Both builds list this converter (builder-config.yaml); the full build's
// manifest adds package fullbuild, whose import marks the binary as full.
package buildhint

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/collector/confmap"
)

// fullOnly holds, by config section, the component types that only
// builder-config.full-overlay.yaml adds (old names included).
var fullOnly = map[string][]string{
	"receivers": {"prometheus"},
	"exporters": {"prometheus_remote_write", "prometheusremotewrite"},
}

var fullBuild atomic.Bool

// MarkFullBuild records that this binary links the full build's components.
func MarkFullBuild() { fullBuild.Store(true) }

// NewFactory is the converter factory ocb wires into the collector's main.
func NewFactory() confmap.ConverterFactory {
	return confmap.NewConverterFactory(func(confmap.ConverterSettings) confmap.Converter { return converter{} })
}

type converter struct{}

// Convert leaves conf unchanged.
func (converter) Convert(_ context.Context, conf *confmap.Conf) error {
	if fullBuild.Load() {
		return nil
	}
	var errs []error
	for _, section := range []string{"receivers", "exporters"} {
		components, err := conf.Sub(section)
		if err != nil {
			continue // not a map: the collector's own error says so
		}
		for _, id := range slices.Sorted(maps.Keys(components.ToStringMap())) {
			componentType, _, _ := strings.Cut(id, "/")
			if slices.Contains(fullOnly[section], componentType) {
				errs = append(errs, fmt.Errorf("%s::%s: the %q %s is in the full build only: run ./otelcol-full (`make build-full`, README \"Which build\")",
					section, id, componentType, strings.TrimSuffix(section, "s")))
			}
		}
	}
	return errors.Join(errs...)
}
