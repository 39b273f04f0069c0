package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// client is what the scraper needs from a Redis server: read-only commands
// that return one bulk string (INFO, CLUSTER INFO).
type client interface {
	// do sends one command and returns its bulk-string reply.
	do(ctx context.Context, args ...string) (string, error)
	close() error
}

// redisError is an error reply of the server ("-WRONGPASS ...").
type redisError string

func (e redisError) Error() string { return string(e) }

const (
	// defaultDeadline bounds a round trip when neither the scrape context
	// nor `timeout` give a deadline.
	defaultDeadline = 10 * time.Second
	// maxReplySize bounds a bulk reply: INFO everything with a few hundred
	// commands is well under 100 KiB.
	maxReplySize = 16 << 20
)

// respClient speaks just enough RESP2 for the scraper: it keeps one
// connection, authenticates with AUTH on connect, and sends nothing else than
// what do() is given. It sends no HELLO, CLIENT SETINFO or SELECT, so a user
// allowed only AUTH and the scrape's commands can scrape.
type respClient struct {
	network     string
	addr        string
	tlsConfig   *tls.Config
	username    string
	password    string
	dialTimeout time.Duration

	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func newRESPClient(network, addr string, tlsConfig *tls.Config, username, password string, dialTimeout time.Duration) *respClient {
	return &respClient{
		network:     network,
		addr:        addr,
		tlsConfig:   tlsConfig,
		username:    username,
		password:    password,
		dialTimeout: dialTimeout,
	}
}

func (c *respClient) do(ctx context.Context, args ...string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reused := c.conn != nil
	reply, err := c.roundTrip(ctx, args)
	var rerr redisError
	if err != nil && reused && !errors.As(err, &rerr) && ctx.Err() == nil {
		// The kept connection may have died with a restarted server: try
		// once more on a fresh one before calling the scrape failed.
		reply, err = c.roundTrip(ctx, args)
	}
	return reply, err
}

func (c *respClient) roundTrip(ctx context.Context, args []string) (string, error) {
	if c.conn == nil {
		if err := c.connect(ctx); err != nil {
			return "", err
		}
	}
	reply, err := c.command(ctx, args)
	var rerr redisError
	if err != nil && !errors.As(err, &rerr) {
		// I/O or protocol error: the connection is in an unknown state.
		c.closeConn()
	}
	return reply, err
}

func (c *respClient) connect(ctx context.Context) error {
	dialer := net.Dialer{Timeout: c.dialTimeout}
	conn, err := dialer.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return err
	}
	if c.tlsConfig != nil {
		tlsConn := tls.Client(conn, c.tlsConfig)
		err := tlsConn.SetDeadline(deadline(ctx))
		if err == nil {
			err = tlsConn.HandshakeContext(ctx)
		}
		if err != nil {
			conn.Close()
			return fmt.Errorf("TLS handshake: %w", err)
		}
		conn = tlsConn
	}
	c.conn = conn
	c.r = bufio.NewReaderSize(conn, 16<<10)
	c.w = bufio.NewWriterSize(conn, 512)
	if c.password == "" && c.username == "" {
		return nil
	}
	auth := []string{"AUTH", c.password}
	if c.username != "" {
		auth = []string{"AUTH", c.username, c.password}
	}
	reply, err := c.command(ctx, auth)
	if err == nil && reply != "+OK" {
		// Only a simple-string OK logs in: an integer, a bulk string or
		// another status is a server that is not Redis, or lies.
		err = fmt.Errorf("protocol error: AUTH answered %q instead of +OK (is this a Redis server?)", truncate(reply, 40))
	}
	if err != nil {
		c.closeConn()
		return authError{err}
	}
	return nil
}

// authError is a failed AUTH, reported as such rather than as the failure
// of the command it was connecting for.
type authError struct{ err error }

func (e authError) Error() string { return e.err.Error() }
func (e authError) Unwrap() error { return e.err }

func deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(defaultDeadline)
}

// command writes one command and reads its reply: for a bulk string (INFO,
// CLUSTER INFO) its content, for a simple string or an integer (AUTH) the
// line with its type marker ("+OK", ":0").
func (c *respClient) command(ctx context.Context, args []string) (string, error) {
	if err := c.conn.SetDeadline(deadline(ctx)); err != nil {
		return "", err
	}
	c.w.WriteByte('*')
	c.w.WriteString(strconv.Itoa(len(args)))
	c.w.WriteString("\r\n")
	for _, a := range args {
		c.w.WriteByte('$')
		c.w.WriteString(strconv.Itoa(len(a)))
		c.w.WriteString("\r\n")
		c.w.WriteString(a)
		c.w.WriteString("\r\n")
	}
	if err := c.w.Flush(); err != nil {
		return "", err
	}
	return readReply(c.r)
}

// readReply reads one RESP2 reply that is a simple string, an error, an
// integer or a bulk string. Arrays are not expected from the commands the
// scraper sends and are reported as a protocol error.
func readReply(r *bufio.Reader) (string, error) {
	line, err := readLine(r)
	if err != nil {
		return "", err
	}
	if len(line) == 0 {
		return "", errors.New("protocol error: empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line, nil
	case '-':
		return "", redisError(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < -1 || n > maxReplySize {
			return "", fmt.Errorf("protocol error: bad bulk length %q", truncate(line, 40))
		}
		if n == -1 {
			return "", errors.New("protocol error: nil reply")
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	default:
		return "", fmt.Errorf("protocol error: unexpected reply %q (is this a Redis server?)", truncate(line, 40))
	}
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", errors.New("protocol error: reply line too long (is this a Redis server?)")
		}
		return "", err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return "", fmt.Errorf("protocol error: line without CRLF %q (is this a Redis server?)", truncate(string(line), 40))
	}
	return string(line[:len(line)-2]), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (c *respClient) closeConn() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.r, c.w = nil, nil, nil
	}
}

func (c *respClient) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeConn()
	return nil
}
