package scrapeguard

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestRun(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	g := New(zap.New(core))
	refused := errors.New("connection refused")

	assert.NoError(t, g.Run("a:1", func() error { return nil }))
	assert.Same(t, refused, g.Run("a:1", func() error { return refused }))
	assert.Zero(t, logs.Len(), "errors are the caller's to log")

	outOfRange := func() error {
		var greeting []byte
		_ = greeting[5] // #nosec G602 -- the panic under test: what a 5-byte MySQL greeting did to the driver
		return nil
	}
	for range 3 {
		err := g.Run("a:1", outOfRange)
		var panicErr *PanicError
		require.ErrorAs(t, err, &panicErr)
		assert.Contains(t, err.Error(), "index out of range [5] with length 0")
	}
	require.Equal(t, 1, logs.Len(), "one stack per target and panic, not one per scrape")
	entry := logs.All()[0]
	assert.Equal(t, "a:1", entry.ContextMap()["target"])
	assert.Contains(t, entry.ContextMap()["stack"], "scrapeguard.TestRun")

	assert.Error(t, g.Run("b:2", outOfRange))
	assert.Equal(t, 2, logs.Len(), "another target logs its own stack")
}
