package fakemysql

import (
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHangsUpAfterAnUnfinishedTurn: after a turn whose last packet is cut,
// or that has no packet, the server hangs up at once instead of leaving the
// client to wait for the rest (the idle time here is an hour); a whole turn
// keeps the connection open.
func TestHangsUpAfterAnUnfinishedTurn(t *testing.T) {
	tests := []struct {
		name     string
		greeting []byte
		want     []byte // what the client reads before the server hangs up
		hangsUp  bool
	}{
		{"cut packet", []byte{0x05, 0x00, 0x00, 0x0a, 0x01}, []byte{0x05, 0x00, 0x00, 0x00, 0x0a, 0x01}, true},
		{"no packet", []byte{0x05}, []byte{}, true},
		{"whole packet", Turn([]byte{0x0a}), []byte{0x01, 0x00, 0x00, 0x00, 0x0a}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := Start(t, time.Hour, tt.greeting, Turn(OK))
			conn, err := net.Dial("tcp", server.Addr())
			require.NoError(t, err)
			t.Cleanup(func() { _ = conn.Close() })
			got := make([]byte, len(tt.want))
			_, err = io.ReadFull(conn, got)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			// A hang-up may take a while on a loaded machine; an open
			// connection is seen by a short wait running out.
			wait := 100 * time.Millisecond
			if tt.hangsUp {
				wait = 30 * time.Second
			}
			require.NoError(t, conn.SetReadDeadline(time.Now().Add(wait)))
			_, err = conn.Read(make([]byte, 1))
			if tt.hangsUp {
				assert.ErrorIs(t, err, io.EOF)
			} else {
				assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "the connection stays open for the client's next packet")
			}
		})
	}
}
