package redisreceiver

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/moalog/platform-collector/internal/testenv"
)

// Targets that are not Redis, or do not answer, are reported with a hint.
func TestNotRedisOrSilentTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		serve   func(net.Conn)
		wantLog string
	}{
		{
			name:    "HTTP server",
			serve:   func(c net.Conn) { fmt.Fprint(c, "HTTP/1.1 400 Bad Request\r\n\r\n") },
			wantLog: `protocol error: unexpected reply "HTTP/1.1 400 Bad Request" (is this a Redis server?): the reply is not Redis: check ` + "`endpoint`",
		},
		{
			name:    "never answers",
			serve:   func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }, // reads until the client hangs up
			wantLog: "i/o timeout: timed out: is the server reachable, and is `timeout` long enough?",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := testenv.ServeTCP(t, tt.serve)
			cfg := configFor(addr)
			cfg.Timeout = 300 * time.Millisecond
			msg := startScraper(t, cfg).scrapeDown(t)
			assert.Contains(t, msg, "redis "+addr+": INFO: ")
			assert.Contains(t, msg, tt.wantLog)
		})
	}
}
