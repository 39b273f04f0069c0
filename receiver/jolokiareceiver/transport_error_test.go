package jolokiareceiver

import (
	"context"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// A failing target is logged once per change of its error text
// (internal/targetstate); the local port of each new connection must not be
// part of that text. Found by internal/e2e TestReliability (TCP RST fault
// logged at every scrape).
func TestTransportErrorLeavesOutConnectionAddresses(t *testing.T) {
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8778}
	texts := map[string]bool{}
	for _, port := range []int{41326, 41340} {
		err := &url.Error{Op: "Post", URL: "http://127.0.0.1:8778/jolokia", Err: &net.OpError{Op: "read", Net: "tcp",
			Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, Addr: remote, Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
		texts[describeTransportError(context.Background(), err).Error()] = true
	}
	require.Equal(t, map[string]bool{"request failed: read: connection reset by peer": true}, texts)
}
