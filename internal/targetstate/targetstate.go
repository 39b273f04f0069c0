// Package targetstate logs a scrape target's failures once per outage and
// reason instead of once per scrape.
//
// scraperhelper logs every error a scraper returns, at every interval: a target
// that is down for a day would write thousands of identical lines. Our
// receivers report a failed target through their `*.up` metric, return no error
// to scraperhelper, and tell the Tracker, which logs when a target goes down,
// when it fails for a reason not yet logged during this outage, and when it
// comes back.
//
// What it compares is the error's Stable text, so that a reason carrying a
// connection's ephemeral port is still one reason. A scrape that ends in
// context.Canceled is not an outcome: the collector is shutting down or the
// target was dropped, and the target is neither down nor up because of it.
package targetstate

import (
	"context"
	"errors"
	"sync"

	"go.uber.org/zap"
)

// maxReasons bounds the reasons remembered per outage: a target whose error
// text varies without end (a counter in it) is logged at most this often.
const maxReasons = 16

// Tracker remembers the last outcome of every target it was told about.
type Tracker struct {
	logger *zap.Logger
	mu     sync.Mutex
	// failed holds, per failing target, the error texts logged during its
	// current outage; a healthy target is absent. A dying server's errors
	// alternate ("read: connection reset" / "connect: connection reset"), so
	// remembering only the last one would log at every scrape.
	failed map[string]map[string]bool
}

// New returns a Tracker that logs through logger.
func New(logger *zap.Logger) *Tracker {
	return &Tracker{logger: logger, failed: map[string]map[string]bool{}}
}

// Observe records the outcome of one scrape of target (err nil means healthy)
// and logs when the state changed. It reports whether it logged. A canceled
// scrape (errors.Is context.Canceled) is ignored.
func (t *Tracker) Observe(target string, err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	err = Stable(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	reasons, wasFailing := t.failed[target]
	switch {
	case err == nil && wasFailing:
		delete(t.failed, target)
		t.logger.Info("target is reachable again", zap.String("target", target))
		return true
	case err == nil:
		return false
	case wasFailing && (reasons[err.Error()] || len(reasons) >= maxReasons):
		return false
	}
	if !wasFailing {
		reasons = map[string]bool{}
		t.failed[target] = reasons
	}
	reasons[err.Error()] = true
	t.logger.Warn("target scrape failed; reporting it as down until it recovers",
		zap.String("target", target), zap.Error(err))
	return true
}
