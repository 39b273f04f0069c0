// Package gatedefaults turns on, in this repository's builds, the feature
// gates that the shipped configurations rely on. `--feature-gates=-ID` on the
// command line still turns one off: the flag is applied after init.
package gatedefaults

import (
	"fmt"

	// Registers the gate below; importing it orders its init before ours.
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"go.opentelemetry.io/collector/featuregate"
)

// HealthFromComponentStatus makes health_check answer from component status:
// its endpoint then reports memory_guard's shedding and the memory_limiter's
// refusals (`component_health` in otelcol.yaml) instead of 200 whenever the
// pipelines run.
const HealthFromComponentStatus = "extension.healthcheck.useComponentStatus"

func init() {
	if err := featuregate.GlobalRegistry().Set(HealthFromComponentStatus, true); err != nil {
		panic(fmt.Sprintf("gatedefaults: %v: the health_check extension no longer registers this gate; update internal/gatedefaults", err))
	}
}
