package targetstate

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestObserveLogsOnlyStateChanges(t *testing.T) {
	refused := errors.New("connection refused")
	denied := errors.New("WRONGPASS invalid username-password pair")
	steps := []struct {
		name    string
		target  string
		err     error
		logged  bool
		message string
	}{
		{"healthy from the start", "a:1", nil, false, ""},
		{"goes down", "a:1", refused, true, "target scrape failed; reporting it as down until it recovers"},
		{"still down, same reason", "a:1", refused, false, ""},
		{"other target is independent", "b:2", refused, true, "target scrape failed; reporting it as down until it recovers"},
		{"reason changes", "a:1", denied, true, "target scrape failed; reporting it as down until it recovers"},
		{"an earlier reason of the same outage comes back", "a:1", refused, false, ""},
		{"and alternates again", "a:1", denied, false, ""},
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
