package memoryguardextension

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"the shipped settings", Config{CheckInterval: 2 * time.Second, LimitMiB: 32}, ""},
		{"no limit", Config{CheckInterval: 2 * time.Second},
			"`limit_mib` must be set: the heap in MiB over which receivers drop their targets' data; " +
				"keep it under the soft limit of the memory_limiter processor (`limit_mib` - `spike_limit_mib`), which refuses everything"},
		{"no interval", Config{LimitMiB: 32}, "`check_interval` must be positive (default 2s), got 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestDefaultConfigNeedsALimit(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	assert.Equal(t, Config{CheckInterval: 2 * time.Second}, *cfg)
	assert.ErrorContains(t, cfg.Validate(), "`limit_mib` must be set")
}
