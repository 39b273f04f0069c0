// Package targetstate logs a scrape target's failures once per change of state
// instead of once per scrape.
//
// scraperhelper logs every error a scraper returns, at every interval: a target
// that is down for a day would write thousands of identical lines. Our
// receivers report a failed target through their `*.up` metric, return no error
// to scraperhelper, and tell the Tracker, which logs only when a target goes
// down, when the reason it is down changes, and when it comes back.
package targetstate

import (
	"sync"

	"go.uber.org/zap"
)

// Tracker remembers the last outcome of every target it was told about.
type Tracker struct {
	logger *zap.Logger
	mu     sync.Mutex
	failed map[string]string // target -> last error text; absent when healthy
}

// New returns a Tracker that logs through logger.
func New(logger *zap.Logger) *Tracker {
	return &Tracker{logger: logger, failed: map[string]string{}}
}

// Observe records the outcome of one scrape of target (err nil means healthy)
// and logs when the state changed. It reports whether it logged.
func (t *Tracker) Observe(target string, err error) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	prev, wasFailing := t.failed[target]
	switch {
	case err == nil && wasFailing:
		delete(t.failed, target)
		t.logger.Info("target is reachable again", zap.String("target", target))
		return true
	case err == nil:
		return false
	case wasFailing && prev == err.Error():
		return false
	default:
		t.failed[target] = err.Error()
		t.logger.Warn("target scrape failed; reporting it as down until it recovers",
			zap.String("target", target), zap.Error(err))
		return true
	}
}
