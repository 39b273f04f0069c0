package composecheck

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShippedConfigsShedBeforeTheLimiterRefuses: every shipped collector
// config runs memory_guard with a limit under the memory_limiter's soft
// limit (limit_mib - spike_limit_mib), so the receivers shed their data, and
// `*_up` and staleness keep flowing, before the processor refuses
// everything; and its health_check answers 500 while either happens
// (README "Memory").
func TestShippedConfigsShedBeforeTheLimiterRefuses(t *testing.T) {
	for _, rel := range []string{"otelcol.yaml", "compose/otelcol.yaml", "examples/scale-out/replica.yaml"} {
		t.Run(rel, func(t *testing.T) {
			cfg := loadYAML(t, rel)
			extensions := cfg["extensions"].(map[string]any)
			limiter := cfg["processors"].(map[string]any)["memory_limiter"].(map[string]any)
			guard, ok := extensions["memory_guard"].(map[string]any)
			require.True(t, ok, "no memory_guard extension")
			assert.Contains(t, cfg["service"].(map[string]any)["extensions"], "memory_guard")
			soft := limiter["limit_mib"].(int) - limiter["spike_limit_mib"].(int)
			assert.Less(t, guard["limit_mib"].(int), soft, "memory_guard's limit_mib must be under memory_limiter's limit_mib - spike_limit_mib")
			health := extensions["health_check"].(map[string]any)
			assert.Equal(t, map[string]any{"include_recoverable_errors": true, "recovery_duration": "0s"}, health["component_health"])
		})
	}
}
