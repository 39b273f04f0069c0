package testenv

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Ports handed to servers come from below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range, 32768-60999 by default). A port the kernel
// gave to a probe listener is, once the probe lets it go, free to become the
// source port of any outgoing connection on the machine before the server
// under test binds it: with hundreds of scrape connections a second, mariadbd,
// JVM agents and collectors failed to bind in make test runs ("Address already
// in use"). No outgoing connection takes a port below the ephemeral range.
//
// TESTENV_PORT_RANGE=low-high narrows the range, so that test runs side by
// side on one machine (one per git worktree) never draw the same port.
const (
	portLow  = 20000
	portHigh = 32768
)

// portRange is [portLow, portHigh) unless TESTENV_PORT_RANGE names a
// narrower "low-high" (high exclusive) inside it.
func portRange() (low, high int, err error) {
	spec := os.Getenv("TESTENV_PORT_RANGE")
	if spec == "" {
		return portLow, portHigh, nil
	}
	if _, err := fmt.Sscanf(spec, "%d-%d", &low, &high); err != nil || low < portLow || high > portHigh || low >= high {
		return 0, 0, fmt.Errorf("TESTENV_PORT_RANGE=%q: want low-high with %d <= low < high <= %d", spec, portLow, portHigh)
	}
	return low, high, nil
}

var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// FreePort returns a loopback TCP port that is free now and that no other
// call in this test process has returned.
func FreePort(t testing.TB) int {
	t.Helper()
	v, err := freePort()
	require.NoError(t, err)
	return v
}

// freePort is FreePort for the starters. The port is free now, not reserved:
// a server that cannot bind it is started again on a new one (startOnFreePorts).
func freePort() (int, error) {
	low, high, err := portRange()
	if err != nil {
		return 0, err
	}
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 1000 {
		port := low + rand.IntN(high-low)
		if handedOut.ports[port] || !canListen(port) {
			continue
		}
		handedOut.ports[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("free port: none of 1000 random ports in [%d, %d) could be bound on 127.0.0.1", low, high)
}

// startOnFreePorts calls start until it does not fail because a port it was
// given was taken in between (another server bound it after FreePort let it
// go), at most attempts times.
func startOnFreePorts[T any](attempts int, start func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		started, err := start()
		// "Address already in use" (redis, mariadbd, Java) or "address already in use" (Go).
		if err == nil || attempt == attempts || !strings.Contains(strings.ToLower(err.Error()), "address already in use") {
			return started, err
		}
	}
}

func canListen(port int) bool {
	l, err := net.Listen("tcp", Addr(port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
