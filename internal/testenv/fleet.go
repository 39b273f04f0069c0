package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
	if out, err := Run(Binary(t, "go"), "build", "-C", RepoRoot(), "-o", bin, "./internal/testenv/jolokiafleet"); err != nil {
		t.Fatalf("build jolokiafleet: %v\n%s", err, out)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	args := []string{"-n", strconv.Itoa(n), "-response", abs(responseFile)}
	if requestFile != "" {
		args = append(args, "-request", abs(requestFile))
	}
	p := NewProcess(t, "jolokiafleet", bin, args...)
	p.Dir = RepoRoot()
	p.Start(t)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(p.LogPath)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "ready" {
			f := &JolokiaFleet{Process: p}
			for _, l := range lines[:len(lines)-1] {
				f.Endpoints = append(f.Endpoints, "http://"+l+"/jolokia")
			}
			if len(f.Endpoints) != n {
				t.Fatalf("jolokiafleet: %d endpoints, want %d", len(f.Endpoints), n)
			}
			return f
		}
		if !p.Running() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("jolokiafleet is not ready:\n%s", tail(p.Log(), 2000))
	return nil
}
