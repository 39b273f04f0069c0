package redisreceiver

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// A failing target is logged once per change of its error text
// (internal/targetstate); the local port of each new connection must not be
// part of that text. Found by internal/e2e TestReliability (TCP RST and black
// hole faults logged at every scrape).
func TestExplainLeavesOutConnectionAddresses(t *testing.T) {
	s := &redisScraper{cfg: &Config{}}
	s.cfg.Endpoint = "127.0.0.1:6379"
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379}
	texts := map[string]bool{}
	for _, port := range []int{41722, 41734} {
		err := &net.OpError{Op: "read", Net: "tcp", Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}, Addr: remote, Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		explained := s.explain(err, "INFO")
		require.True(t, errors.Is(explained, syscall.ECONNRESET))
		texts[explained.Error()] = true
	}
	require.Len(t, texts, 1, "%v", texts)
	for text := range texts {
		require.Equal(t, "redis 127.0.0.1:6379: INFO: read: connection reset by peer: the server closed the connection: it stopped or restarted (it is scraped again once it is back), or it listens with TLS (set `tls::insecure: false` and `tls::ca_file`)", text)
	}
}
