package testenv

import (
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// ServeTCP listens on a free loopback port and runs serve for every
// connection (nil: accept and never answer, a black hole). At cleanup it
// closes the listener and every connection, so a client that never hangs up
// does not hold the test, and waits for serve to return. It returns
// host:port.
func ServeTCP(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listen on loopback")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if serve != nil {
				wg.Go(func() { serve(c) })
			}
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}
