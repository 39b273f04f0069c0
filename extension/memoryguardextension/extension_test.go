package memoryguardextension

import (
	"context"
	"testing"
	"time"

	// Registers the health gate, off as in an upstream build.
	_ "github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/featuregate"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/extension/memoryguardextension/internal/metadata"
	"github.com/moalog/platform-collector/internal/memguard"
)

func TestHolds(t *testing.T) {
	shortest, longest := holds(2 * time.Second)
	assert.Equal(t, 20*time.Second, shortest)
	assert.Equal(t, 320*time.Second, longest)
}

// TestWarnsWhenHealthCannotShowShedding: with the health_check gate off,
// Start says that health will not show shedding and how to turn it on; with
// it on (this repository's builds), it says nothing.
func TestWarnsWhenHealthCannotShowShedding(t *testing.T) {
	for _, on := range []bool{false, true} {
		require.NoError(t, featuregate.GlobalRegistry().Set(healthGate, on))
		core, logs := observer.New(zap.WarnLevel)
		set := extensiontest.NewNopSettings(metadata.Type)
		set.Logger = zap.New(core)
		ext, err := NewFactory().Create(context.Background(), set, &Config{CheckInterval: time.Hour, LimitMiB: 64})
		require.NoError(t, err)
		require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
		require.NoError(t, ext.Shutdown(context.Background()))
		if on {
			assert.Zero(t, logs.Len())
		} else if assert.Equal(t, 1, logs.Len()) {
			assert.Equal(t, "memory_guard: health_check keeps answering 200 while receivers shed data: "+
				"run the collector with --feature-gates=+extension.healthcheck.useComponentStatus", logs.All()[0].Message)
		}
	}
	require.NoError(t, featuregate.GlobalRegistry().Set(healthGate, false))
}

// The extension is how receivers find the guard.
func TestProvidesTheGuard(t *testing.T) {
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), &Config{CheckInterval: time.Second, LimitMiB: 64})
	require.NoError(t, err)
	guard := ext.(memguard.Provider).MemoryGuard()
	require.NotNil(t, guard)
	assert.False(t, guard.Shedding())
}
