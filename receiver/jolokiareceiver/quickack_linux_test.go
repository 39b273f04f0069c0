package jolokiareceiver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// naglingServer answers HTTP/1.1 keep-alive requests like the JDK HttpServer
// with sun.net.httpserver.nodelay=false: Nagle on, headers and body in two
// writes, so the body waits for the client's ACK of the headers.
func naglingServer(t *testing.T) string {
	t.Helper()
	return "http://" + testenv.ServeTCP(t, func(conn net.Conn) {
		_ = conn.(*net.TCPConn).SetNoDelay(false)
		r := bufio.NewReader(conn)
		for {
			req, err := http.ReadRequest(r)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			body := `[{"status":200,"value":{"A":1}}]`
			_, _ = fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
			_, _ = conn.Write([]byte(body))
		}
	}) + "/jolokia"
}

// medianRoundTrip sends n requests back to back on one kept-alive connection.
func medianRoundTrip(t *testing.T, c *http.Client, endpoint string, n int) time.Duration {
	t.Helper()
	var d []time.Duration
	for range n {
		began := time.Now()
		resp, err := c.Post(endpoint, "application/json", strings.NewReader(`[{"type":"read"}]`))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d = append(d, time.Since(began))
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// TestQuickAckAvoidsDelayedAckStall: requests sent back to back to a Nagle
// server stall ~40 ms each on the client's delayed ACK with a plain client,
// and do not with the receiver's transport.
func TestQuickAckAvoidsDelayedAckStall(t *testing.T) {
	endpoint := naglingServer(t)
	plainTransport := &http.Transport{}
	t.Cleanup(plainTransport.CloseIdleConnections)
	plain := medianRoundTrip(t, &http.Client{Transport: plainTransport}, endpoint, 20)
	if plain < 20*time.Millisecond {
		t.Skipf("this kernel does not delay the ACK a Nagle server waits for (plain client's median round trip %v, "+
			"not ~40 ms): the stall the receiver's TCP_QUICKACK avoids cannot be reproduced here", plain)
	}

	cfg := createDefaultConfig()
	tr, err := newTransport(cfg, nil)
	require.NoError(t, err)
	t.Cleanup(tr.CloseIdleConnections)
	quick := medianRoundTrip(t, &http.Client{Transport: tr}, endpoint, 20)
	t.Logf("median round trip: plain client %v, receiver transport %v", plain, quick)
	// A stalled round trip takes the delayed-ACK timer; one that is not is a loopback round trip.
	assert.Less(t, quick, plain/2, "the receiver's round trips do not wait for the delayed ACK")
}

func TestQuickAckWrapsOnlyTCP(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	assert.Equal(t, a, withQuickAck(a))

	var d net.Dialer
	conn, err := d.DialContext(context.Background(), "tcp", testenv.ServeTCP(t, nil))
	require.NoError(t, err)
	defer conn.Close()
	assert.IsType(t, &quickAckConn{}, withQuickAck(conn))
}
