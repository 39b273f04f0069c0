package faultproxy

import (
	"io"
	"net"
	"sync"
	"time"
)

// TCP is a recording, fault-injecting proxy for a byte-stream target (Redis,
// MySQL). Changing the mode closes every open connection, so a client that
// keeps one connection (the Redis and MySQL receivers do) meets the new mode
// when it reconnects.
type TCP struct {
	recorder
	// Addr is the proxy's 127.0.0.1:PORT.
	Addr string

	upstream string
	ln       net.Listener
	connMu   sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
	// Garbage is what Malformed answers to every client write.
	Garbage []byte
	// Prefix is what Truncated and Gigantic answer first, e.g. a RESP bulk
	// header "$5000\r\n# Server\r\n" whose body never comes in full.
	Prefix []byte
	// GiganticPrefix, when set, replaces Prefix for Gigantic.
	GiganticPrefix []byte
	// ServerFirst is for protocols where the server speaks first (MySQL's
	// greeting): Malformed, Truncated, Gigantic and Reset then answer as soon
	// as the connection is accepted.
	ServerFirst bool
}

// StartTCP proxies to upstream (host:port).
func StartTCP(upstream string) (*TCP, error) {
	ln, err := listen()
	if err != nil {
		return nil, err
	}
	p := &TCP{recorder: newRecorder(), Addr: ln.Addr().String(), upstream: upstream, ln: ln,
		conns:   map[net.Conn]struct{}{},
		Garbage: []byte("HTTP/1.1 400 Bad Request\r\n\x00\xff\xfe garbage \x01\r\n"),
		Prefix:  []byte("$5000\r\n# Server\r\nredis_version:7.0.15\r\n")}
	p.wg.Go(p.accept)
	return p, nil
}

// SetMode switches the proxy. Switching to a fault closes every open
// connection, so the client meets the fault when it reconnects; switching
// back to Pass leaves them: a held connection stays silent until the client
// gives up on it, as a hung server that recovers would.
func (p *TCP) SetMode(m Mode) {
	p.recorder.SetMode(m)
	if m != Pass {
		p.DropConnections()
	}
}

// Close stops the proxy and closes every connection.
func (p *TCP) Close() {
	p.markClosed()
	p.ln.Close()
	p.DropConnections()
	p.wg.Wait()
}

// DropConnections closes every open connection (e.g. so that the client
// logs in again after the server's password changed).
func (p *TCP) DropConnections() {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *TCP) track(c net.Conn) bool {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	select {
	case <-p.closed:
		c.Close()
		return false
	default:
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *TCP) untrack(c net.Conn) {
	p.connMu.Lock()
	delete(p.conns, c)
	p.connMu.Unlock()
	c.Close()
}

func (p *TCP) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue
		}
		p.addConn()
		p.wg.Go(func() {
			defer p.untrack(c)
			p.serve(c)
		})
	}
}

func (p *TCP) serve(client net.Conn) {
	mode, _, _ := p.current()
	switch mode {
	case Refuse:
		return
	case Pass, Delay, WrongAuth:
		upstream, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
		if err != nil {
			// Target down: reset the client's connection, as a load
			// balancer does (a plain close would race the client's first
			// write and show as EOF or as a reset, at random).
			reset(client)
			return
		}
		if !p.track(upstream) {
			return
		}
		defer p.untrack(upstream)
		done := make(chan struct{})
		go func() {
			_, _ = io.Copy(client, upstream)
			client.Close()
			close(done)
		}()
		p.recordWrites(client, mode, func(b []byte) bool {
			_, err := upstream.Write(b)
			return err == nil
		})
		upstream.Close()
		<-done
	default:
		// Where the server speaks first, the client meets the fault before
		// it writes anything.
		if p.ServerFirst && !p.answerFault(client, mode) {
			return
		}
		p.recordWrites(client, mode, func([]byte) bool { return p.answerFault(client, mode) })
	}
}

// answerFault answers the client as the fault mode says and reports whether
// to go on reading from it (false: the connection ends).
func (p *TCP) answerFault(client net.Conn, mode Mode) bool {
	switch mode {
	case Blackhole:
		return true
	case Malformed:
		_, err := client.Write(p.Garbage)
		return err == nil
	case Truncated:
		_, _ = client.Write(p.Prefix)
	case Gigantic:
		writeGigantic(client, p.giganticPrefix(), nil)
	case Reset:
		reset(client)
	}
	return false
}

// recordWrites reads what the client sends, records each chunk and hands it
// to handle until handle returns false or the connection ends.
func (p *TCP) recordWrites(client net.Conn, mode Mode, handle func([]byte) bool) {
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			p.add(Request{Time: time.Now(), Mode: mode, Body: chunk})
			if !handle(chunk) {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *TCP) giganticPrefix() []byte {
	if p.GiganticPrefix != nil {
		return p.GiganticPrefix
	}
	return p.Prefix
}
