//go:build !linux

package jolokiareceiver

import "net"

// withQuickAck is a no-op where TCP_QUICKACK does not exist.
func withQuickAck(conn net.Conn) net.Conn { return conn }
