package memoryguardextension // import "github.com/moalog/platform-collector/extension/memoryguardextension"

import (
	"errors"
	"fmt"
	"time"
)

// Config is the memory_guard extension's configuration.
type Config struct {
	// CheckInterval is how often the heap is measured.
	CheckInterval time.Duration `mapstructure:"check_interval"`
	// LimitMiB is the heap, after a forced GC, at or over which receivers shed.
	LimitMiB uint64 `mapstructure:"limit_mib"`
}

// Validate checks the keys, naming the fix.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.CheckInterval <= 0 {
		errs = append(errs, fmt.Errorf("`check_interval` must be positive (default %s), got %s", defaultCheckInterval, cfg.CheckInterval))
	}
	if cfg.LimitMiB == 0 {
		errs = append(errs, errors.New("`limit_mib` must be set: the heap in MiB over which receivers drop their targets' data; "+
			"keep it under the soft limit of the memory_limiter processor (`limit_mib` - `spike_limit_mib`), which refuses everything"))
	}
	return errors.Join(errs...)
}
