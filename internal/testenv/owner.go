package testenv

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Owner stops what a starter started: a testing.TB at the test's cleanup,
// an *Env when the program exits.
type Owner interface{ Cleanup(func()) }

// Env owns the servers a program (not a test) starts; Close stops them in
// the reverse order of their start.
type Env struct {
	mu       sync.Mutex
	cleanups []func()
}

// Cleanup registers f to run at Close.
func (e *Env) Cleanup(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cleanups = append(e.cleanups, f)
}

// Close runs the registered cleanups, the last registered first.
func (e *Env) Close() {
	e.mu.Lock()
	cleanups := e.cleanups
	e.cleanups = nil
	e.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

// mustStart is the body of every StartX wrapper: start with the test as
// owner, failing the test on the error.
func mustStart[T any](t testing.TB, start func() (T, error)) T {
	t.Helper()
	started, err := start()
	require.NoError(t, err)
	return started
}

// newServer is the body of every NewX: start runs the steps of one server's
// start on a fresh setup. A start that fails because a port it was given was
// taken in between runs again on new ports.
func newServer[T any](start func(s *setup) T) (T, error) {
	return startOnFreePorts(3, func() (T, error) {
		s := &setup{}
		if started := start(s); s.err == nil {
			return started, nil
		}
		var none T
		return none, s.err
	})
}

// tempDir makes a folder removed at owner's cleanup. Its path is short
// (under os.TempDir, not t.TempDir's per-test name): unix socket paths must
// stay under 108 bytes.
func tempDir(owner Owner, prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("temporary folder: %w", err)
	}
	owner.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir, nil
}

// setup runs the steps of a starter and keeps the first error, so the
// starter checks once (as bufio.Writer does); a step after a failed one does
// nothing.
type setup struct{ err error }

// step runs f unless an earlier step failed.
func (s *setup) step(f func() error) {
	if s.err == nil {
		s.err = f()
	}
}

// fail records err unless an earlier step failed.
func (s *setup) fail(err error) { s.step(func() error { return err }) }

func (s *setup) binary(name string, candidates ...string) (path string) {
	s.step(func() (err error) { path, err = lookBinary(name, candidates...); return err })
	return path
}

func (s *setup) port() (port int) {
	s.step(func() (err error) { port, err = freePort(); return err })
	return port
}

func (s *setup) tempDir(owner Owner, prefix string) (dir string) {
	s.step(func() (err error) { dir, err = tempDir(owner, prefix); return err })
	return dir
}

// write writes content to path (0600: the JDK refuses a JMX password file
// others can read) and returns path.
func (s *setup) write(path, content string) string {
	s.step(func() error { return os.WriteFile(path, []byte(content), 0o600) })
	return path
}

// launch runs a process, stopped at owner's cleanup.
func (s *setup) launch(owner Owner, name, path string, args ...string) (p *Process) {
	s.step(func() (err error) {
		if p, err = newProcess(owner, name, path, args...); err != nil {
			return err
		}
		return p.launch(owner)
	})
	return p
}

// errGiveUp wraps an error that ends Poll at once (the server exited).
type errGiveUp struct{ error }

// giveUp makes check's error end Poll without waiting for the timeout.
func giveUp(err error) error { return errGiveUp{err} }

// Poll calls check every interval until it returns nil, returns giveUp(err),
// or timeout passes, and returns check's last error. The starters wait with
// it; tests wait with require.EventuallyWithT.
func Poll(timeout, interval time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		var stop errGiveUp
		switch {
		case err == nil:
			return nil
		case errors.As(err, &stop):
			return stop.error
		case time.Now().After(deadline):
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		time.Sleep(interval)
	}
}
