// Package scrapeguard runs the scrape of one target under recover, so that
// whatever a target sends, a panic in a protocol client (ours or a driver's)
// marks that target down instead of ending the collector with every other
// receiver in it.
//
// A panic unwinds only the goroutine it happens in, and the receivers run a
// target's client calls in the scraping goroutine: a recover at the scrape
// boundary catches it. The stack is logged once per target and panic site, so
// a hostile server answering every scrape the same way writes one stack, not
// one per interval.
package scrapeguard

import (
	"fmt"
	"runtime/debug"
	"sync"

	"go.uber.org/zap"
)

// PanicError is the error a recovered panic becomes.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("the client panicked on the target's reply (%v): the target is not speaking the protocol "+
		"(a wrong `endpoint`, or a hostile server); reported down, the stack is logged once", e.Value)
}

// Guard recovers the panics of the scrapes of a receiver's targets.
type Guard struct {
	logger *zap.Logger
	mu     sync.Mutex
	logged map[string]bool // target + panic value already logged with a stack
}

// New returns a Guard that logs stacks through logger.
func New(logger *zap.Logger) *Guard {
	return &Guard{logger: logger, logged: map[string]bool{}}
}

// Run calls scrape and returns its error; a panic in it is returned as a
// *PanicError.
func (g *Guard) Run(target string, scrape func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v}
			g.logOnce(target, v, debug.Stack())
		}
	}()
	return scrape()
}

func (g *Guard) logOnce(target string, v any, stack []byte) {
	key := target + "\x00" + fmt.Sprint(v)
	g.mu.Lock()
	seen := g.logged[key]
	g.logged[key] = true
	g.mu.Unlock()
	if seen {
		return
	}
	g.logger.Error("recovered a panic while scraping a target; the target is reported down and the collector keeps running",
		zap.String("target", target), zap.String("panic", fmt.Sprint(v)), zap.ByteString("stack", stack))
}
