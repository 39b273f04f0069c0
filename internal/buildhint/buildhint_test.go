package buildhint

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/confmap"
)

// fullOnlyConfig defines components of both builds and two of the full build only.
func fullOnlyConfig() *confmap.Conf {
	return confmap.NewFromStringMap(map[string]any{
		"receivers": map[string]any{"prometheus/kubernetes": nil, "promscrape": nil},
		"exporters": map[string]any{"prometheus_remote_write": nil, "prometheus": nil},
	})
}

func TestLeanBuildNamesTheFullBuild(t *testing.T) {
	err := converter{}.Convert(context.Background(), fullOnlyConfig())
	assert.EqualError(t, err,
		"receivers::prometheus/kubernetes: the \"prometheus\" receiver is in the full build only: run ./otelcol-full (`make build-full`, README \"Which build\")\n"+
			"exporters::prometheus_remote_write: the \"prometheus_remote_write\" exporter is in the full build only: run ./otelcol-full (`make build-full`, README \"Which build\")")
	assert.NoError(t, converter{}.Convert(context.Background(), confmap.NewFromStringMap(map[string]any{"receivers": nil, "exporters": []any{"not", "a", "map"}})),
		"a malformed section is the collector's to report")
}

func TestFullBuildAcceptsItsComponents(t *testing.T) {
	MarkFullBuild()
	t.Cleanup(func() { fullBuild.Store(false) })
	assert.NoError(t, converter{}.Convert(context.Background(), fullOnlyConfig()))
}
