package composecheck

import (
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
)

// TestComposeTestOverrides: the overrides of compose/test/ (make compose-test)
// keep the stack to itself on a shared machine: with them, both the base file
// alone and base + demo have only internal networks, publish no port, never
// pull, and leave out Grafana (no image of it here).
func TestComposeTestOverrides(t *testing.T) {
	for name, files := range map[string][]string{
		"base":        {"docker-compose.yaml", "test/docker-compose.yaml"},
		"base + demo": {"docker-compose.yaml", "docker-compose.demo.yaml", "test/docker-compose.yaml", "test/docker-compose.demo.yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := load(t, testEnv, files...)
			require.NoError(t, err)
			require.NotContains(t, p.ServiceNames(), "grafana")
			require.Contains(t, p.DisabledServiceNames(), "grafana")
			for _, s := range p.Services {
				require.Equal(t, types.PullPolicyNever, s.PullPolicy, "service %s may be pulled", s.Name)
				require.Empty(t, s.Ports, "service %s publishes ports", s.Name)
			}
			require.NotEmpty(t, p.Networks)
			for key, n := range p.Networks {
				require.True(t, n.Internal, "network %s is not internal", key)
			}
		})
	}
}
