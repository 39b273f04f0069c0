// Package faultproxy puts a misbehaving network between the collector and a
// real target, for the reliability tests of the built binary
// (internal/e2e/reliability).
//
// HTTP is a recording reverse proxy for a Jolokia agent: it timestamps and
// keeps every request it forwards and timestamps every connection it accepts
// (so a test can measure a target's scrape interval from the target side,
// wait for a number of scrapes, and check which Jolokia operations the
// collector ever sent), and on demand answers late, never, with a malformed,
// truncated or gigantic body, with wrong credentials, or drops the connection.
// TCP does the same for a byte-stream protocol (Redis, MySQL): it records the
// client's writes and accepted connections and can black-hole, answer
// garbage, a gigantic or truncated reply, or refuse.
//
// Everything listens on 127.0.0.1 only and every fault is bounded: a gigantic
// body stops after GiganticLimit bytes, a held request is released when the
// mode changes, the client goes away or the proxy closes.
package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"time"
)

// Mode is how a proxy treats the next request (HTTP) or connection (TCP).
type Mode int

const (
	// Pass forwards to the real target.
	Pass Mode = iota
	// Delay forwards after SetDelay's duration (HTTP only).
	Delay
	// Blackhole accepts the connection, reads the request and never answers.
	Blackhole
	// Malformed answers a syntactically broken body of realistic size.
	Malformed
	// Truncated answers the first part of a real reply, then ends it.
	Truncated
	// Gigantic answers a body of GiganticLimit bytes (or until the client leaves).
	Gigantic
	// WrongAuth forwards with wrong credentials (HTTP basic auth) (HTTP only).
	WrongAuth
	// Refuse closes every connection right after accepting it (the client
	// reads EOF).
	Refuse
	// Reset aborts every connection with a TCP RST right after reading the
	// request (the client reads "connection reset by peer").
	Reset
)

var modeNames = map[Mode]string{Pass: "pass", Delay: "delay", Blackhole: "blackhole", Malformed: "malformed",
	Truncated: "truncated", Gigantic: "gigantic", WrongAuth: "wrong-auth", Refuse: "refuse", Reset: "reset"}

func (m Mode) String() string { return modeNames[m] }

// GiganticLimit bounds what a Gigantic answer writes: 256 MiB.
const GiganticLimit = 256 << 20

// Request is one request (HTTP) or one client write (TCP) the proxy saw.
type Request struct {
	Time   time.Time
	Mode   Mode   // the proxy's mode when it arrived
	Method string // HTTP method; "" for TCP
	Path   string // HTTP path and query
	Body   []byte // HTTP request body, or the TCP chunk (first 64 KiB)
	Status int    // HTTP status answered to the client (0: none / TCP)
}

// recorder keeps requests and the current mode for both proxy kinds.
type recorder struct {
	mu       sync.Mutex
	mode     Mode
	delay    time.Duration
	changed  chan struct{} // closed and replaced at every mode change
	closed   chan struct{}
	closing  sync.Once
	requests []Request
	conns    []time.Time // when each client connection was accepted
}

func newRecorder() recorder {
	return recorder{changed: make(chan struct{}), closed: make(chan struct{})}
}

// markClosed closes closed once, which releases every held request.
func (r *recorder) markClosed() { r.closing.Do(func() { close(r.closed) }) }

// SetMode switches the proxy; requests held by Blackhole or Delay are released.
func (r *recorder) SetMode(m Mode) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mode = m
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) current() (Mode, time.Duration, chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mode, r.delay, r.changed
}

func (r *recorder) add(req Request) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req)
	return len(r.requests) - 1
}

func (r *recorder) addConn() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns = append(r.conns, time.Now())
}

func (r *recorder) setStatus(i, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[i].Status = status
}

// Requests returns a copy of everything recorded so far.
func (r *recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Times returns the arrival times of the recorded requests that keep()
// accepts, in order (nil keep: all).
func (r *recorder) Times(keep func(Request) bool) []time.Time {
	var out []time.Time
	for _, req := range r.Requests() {
		if keep == nil || keep(req) {
			out = append(out, req.Time)
		}
	}
	return out
}

// Arrivals returns, in order, the times of every accepted connection and
// every recorded request: what a scrape leaves at the proxy whatever the
// fault. Some faults never see a request (a refused, reset or black-holed
// MySQL connection, a failed TLS handshake), others keep one connection for
// many requests (a healthy keep-alive target), so a test that counts scrape
// attempts needs both.
func (r *recorder) Arrivals() []time.Time {
	r.mu.Lock()
	out := append([]time.Time(nil), r.conns...)
	for _, req := range r.requests {
		out = append(out, req.Time)
	}
	r.mu.Unlock()
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// hold blocks until the mode changes (true), the proxy closes or done
// closes (false).
func (r *recorder) hold(changed chan struct{}, done <-chan struct{}) bool {
	select {
	case <-changed:
		return true
	case <-r.closed:
		return false
	case <-done:
		return false
	}
}

// malform breaks a JSON or text body while keeping its size: every double
// quote becomes a single quote.
func malform(body []byte) []byte {
	out := bytes.ReplaceAll(body, []byte(`"`), []byte(`'`))
	if len(out) == 0 {
		out = []byte("{'not': json")
	}
	return out
}

// writeGigantic writes prefix and then filler until limit bytes or an error.
func writeGigantic(w io.Writer, prefix []byte, flush func()) {
	if _, err := w.Write(prefix); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for written := len(prefix); written < GiganticLimit; written += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		if flush != nil {
			flush()
		}
	}
}

// reset closes conn with a TCP RST instead of a FIN.
func reset(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	conn.Close()
}

// listen opens a loopback listener on a free port.
func listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.New("faultproxy: listen on 127.0.0.1: " + err.Error())
	}
	return ln, nil
}

// GroupScrapes returns when each scrape within [from, to] began, from the
// times a proxy saw (Arrivals): arrivals less than 300ms apart belong to one
// scrape (a connection and its first request, AUTH and INFO on a new
// connection).
func GroupScrapes(times []time.Time, from, to time.Time) []time.Time {
	var scrapes []time.Time
	for _, ts := range times {
		if ts.Before(from) || ts.After(to) {
			continue
		}
		if len(scrapes) > 0 && ts.Sub(scrapes[len(scrapes)-1]) < 300*time.Millisecond {
			continue
		}
		scrapes = append(scrapes, ts)
	}
	return scrapes
}
