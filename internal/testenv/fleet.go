package testenv

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// JolokiaFleet is a simulated fleet of Jolokia agents (the jolokiafleet
// program in its own process): every endpoint answers the recorded request
// with the recorded response of a real agent.
type JolokiaFleet struct {
	// Endpoints are http://127.0.0.1:PORT/jolokia, one per simulated agent.
	Endpoints []string
	Process   *Process
}

// StartJolokiaFleet builds jolokiafleet once (.cache/bin/) and starts it with
// n loopback listeners replaying responseFile to requests equal to
// requestFile (empty requestFile: any request). It is stopped at cleanup.
func StartJolokiaFleet(t testing.TB, n int, responseFile, requestFile string) *JolokiaFleet {
	t.Helper()
	bin := filepath.Join(CacheDir(), "bin", "jolokiafleet")
	out, err := Run(Binary(t, "go"), "build", "-C", RepoRoot(), "-o", bin, "./internal/testenv/jolokiafleet")
	require.NoError(t, err, "build jolokiafleet: %s", out)
	// It runs in the test's working directory: relative file names work.
	args := []string{"-n", strconv.Itoa(n), "-response", responseFile}
	if requestFile != "" {
		args = append(args, "-request", requestFile)
	}
	p := NewProcess(t, "jolokiafleet", bin, args...)
	p.Start(t)
	f := &JolokiaFleet{Process: p}
	// jolokiafleet prints each listener's address, then "ready".
	require.NoError(t, p.waitUntil("not ready", 30*time.Second, 50*time.Millisecond, func() error {
		lines := strings.Split(strings.TrimSpace(p.Log()), "\n")
		if lines[len(lines)-1] != "ready" {
			return errors.New("no \"ready\" line yet")
		}
		for _, l := range lines[:len(lines)-1] {
			f.Endpoints = append(f.Endpoints, "http://"+l+"/jolokia")
		}
		return nil
	}))
	require.Len(t, f.Endpoints, n, "jolokiafleet endpoints")
	return f
}
