package jolokiareceiver

import (
	"net"
	"syscall"
)

// quickAckConn re-arms TCP_QUICKACK before every read. Linux leaves quick-ACK
// mode after a few segments and then delays ACKs by up to 40 ms; a server
// with Nagle on (the JDK HttpServer) holds the rest of a response until that
// ACK arrives. Re-arming before each read makes the kernel ACK at once.
type quickAckConn struct {
	net.Conn
	raw syscall.RawConn
}

func withQuickAck(conn net.Conn) net.Conn {
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		return conn
	}
	raw, err := tcp.SyscallConn()
	if err != nil {
		return conn
	}
	c := &quickAckConn{Conn: conn, raw: raw}
	c.arm()
	return c
}

func (c *quickAckConn) arm() {
	_ = c.raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}

func (c *quickAckConn) Read(p []byte) (int, error) {
	c.arm()
	return c.Conn.Read(p)
}
