package targetstate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestObserveLogsOnlyStateChanges(t *testing.T) {
	refused := errors.New("connection refused")
	denied := errors.New("WRONGPASS invalid username-password pair")
	canceled := fmt.Errorf("jolokia a:1: request failed: %w", context.Canceled)
	reset := func(localPort int) error {
		return &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: localPort},
			Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	const failed, back = "target scrape failed; reporting it as down until it recovers", "target is reachable again"
	steps := []struct {
		name    string
		target  string
		err     error
		message string // logged by this step, "" for none
	}{
		{"healthy from the start", "a:1", nil, ""},
		{"a canceled scrape of a healthy target is no outcome", "a:1", canceled, ""},
		{"goes down", "a:1", refused, failed},
		{"still down, same reason", "a:1", refused, ""},
		{"other target is independent", "b:2", refused, failed},
		{"reason changes", "a:1", denied, failed},
		{"an earlier reason of the same outage comes back", "a:1", refused, ""},
		{"and alternates again", "a:1", denied, ""},
		{"a canceled scrape of a failing target is no outcome", "a:1", canceled, ""},
		{"a reset", "a:1", reset(41722), failed},
		{"the same reset on the next connection", "a:1", reset(41734), ""},
		{"recovers", "a:1", nil, back},
		{"stays up", "a:1", nil, ""},
		{"a new outage logs its reason again", "a:1", refused, failed},
	}
	core, logs := observer.New(zap.InfoLevel)
	tracker := New(zap.New(core))
	for _, step := range steps {
		before := logs.Len()
		assert.Equal(t, step.message != "", tracker.Observe(step.target, step.err), step.name)
		if entries := logs.All()[before:]; step.message == "" {
			assert.Empty(t, entries, step.name)
		} else if assert.Len(t, entries, 1, step.name) {
			assert.Equal(t, step.message, entries[0].Message, step.name)
			assert.Equal(t, step.target, entries[0].ContextMap()["target"], step.name)
		}
	}
}

func TestObserveBoundsReasonsPerOutage(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	tracker := New(zap.New(core))
	for i := 0; i < 3*maxReasons; i++ {
		tracker.Observe("a:1", fmt.Errorf("error #%d", i))
	}
	assert.Equal(t, maxReasons, logs.Len())
}
