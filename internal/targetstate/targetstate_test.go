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
	steps := []struct {
		name    string
		target  string
		err     error
		logged  bool
		message string
	}{
		{"healthy from the start", "a:1", nil, false, ""},
		{"a canceled scrape of a healthy target is no outcome", "a:1", canceled, false, ""},
		{"goes down", "a:1", refused, true, "target scrape failed; reporting it as down until it recovers"},
		{"still down, same reason", "a:1", refused, false, ""},
		{"other target is independent", "b:2", refused, true, "target scrape failed; reporting it as down until it recovers"},
		{"reason changes", "a:1", denied, true, "target scrape failed; reporting it as down until it recovers"},
		{"an earlier reason of the same outage comes back", "a:1", refused, false, ""},
		{"and alternates again", "a:1", denied, false, ""},
		{"a canceled scrape of a failing target is no outcome", "a:1", canceled, false, ""},
		{"a reset", "a:1", reset(41722), true, "target scrape failed; reporting it as down until it recovers"},
		{"the same reset on the next connection", "a:1", reset(41734), false, ""},
		{"recovers", "a:1", nil, true, "target is reachable again"},
		{"stays up", "a:1", nil, false, ""},
		{"a new outage logs its reason again", "a:1", refused, true, "target scrape failed; reporting it as down until it recovers"},
	}
	core, logs := observer.New(zap.InfoLevel)
	tracker := New(zap.New(core))
	for _, step := range steps {
		before := logs.Len()
		assert.Equal(t, step.logged, tracker.Observe(step.target, step.err), step.name)
		if step.logged {
			entries := logs.All()[before:]
			if assert.Len(t, entries, 1, step.name) {
				assert.Equal(t, step.message, entries[0].Message, step.name)
				assert.Equal(t, step.target, entries[0].ContextMap()["target"], step.name)
			}
		} else {
			assert.Equal(t, before, logs.Len(), step.name)
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
