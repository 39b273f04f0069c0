package memoryguardextension

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestValidate(t *testing.T) {
	assert.NoError(t, (&Config{CheckInterval: 2 * time.Second, LimitMiB: 32}).Validate(), "the shipped settings")
	defaults := NewFactory().CreateDefaultConfig().(*Config)
	assert.Equal(t, &Config{CheckInterval: 2 * time.Second}, defaults)
	assert.EqualError(t, defaults.Validate(), "`limit_mib` must be set: the heap in MiB over which receivers drop their targets' data; "+
		"keep it under the soft limit of the memory_limiter processor (`limit_mib` - `spike_limit_mib`), which refuses everything",
		"the default config needs a limit")
	assert.EqualError(t, (&Config{LimitMiB: 32}).Validate(), "`check_interval` must be positive (default 2s), got 0s")
}
