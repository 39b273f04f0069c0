// Package fakemysql is a MySQL server for tests that speaks framed packets
// from a script: the hostile servers of issue 17 (a 5-byte greeting, a bare
// OK, a rogue key exchange, a row that never ends) and healthy ones to
// witness beside them. Bounded in time: a client silent for the server's
// idle time is hung up on, and every connection closes at cleanup.
package fakemysql

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/moalog/platform-collector/internal/testenv"
)

// Server is a MySQL server in the test process that speaks framed
// packets from a script: turn 0 is sent on connect (the greeting), turn i
// after the client's i-th packet, the last turn again for every further
// packet. A turn is a list of payloads, each written as
// [3-byte length][payload]; the server adds the sequence numbers, so a
// script (or the fuzzer) only gets the framing wrong on purpose: a declared
// length longer than what follows sends a cut packet. After a turn that
// ends in a cut packet, or sends no packet at all, the server hangs up: the
// client would wait for the rest until its timeout. A client silent for
// idle is hung up on.
type Server struct {
	addr  string
	idle  time.Duration
	turns [][]byte
	mu    sync.Mutex
	got   bytes.Buffer // every byte the clients sent
}

// Start serves turns on a free loopback port until the test ends (a client
// that panicked never closes its side: cleanup closes every connection).
func Start(t testing.TB, idle time.Duration, turns ...[]byte) *Server {
	t.Helper()
	s := &Server{idle: idle, turns: turns}
	s.addr = testenv.ServeTCP(t, s.serve)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Received is everything clients sent so far.
func (s *Server) Received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.got.Bytes())
}

func (s *Server) serve(conn net.Conn) {
	defer conn.Close()
	if !s.sendTurn(conn, s.turns[0], 0) {
		return
	}
	for i := 1; ; i++ {
		// Bounded in time whatever the client does.
		_ = conn.SetDeadline(time.Now().Add(s.idle))
		var header [4]byte
		if _, err := io.ReadFull(conn, header[:]); err != nil {
			return
		}
		payload := make([]byte, int(header[0])|int(header[1])<<8|int(header[2])<<16)
		if _, err := io.ReadFull(conn, payload); err != nil {
			return
		}
		s.mu.Lock()
		s.got.Write(header[:])
		s.got.Write(payload)
		s.mu.Unlock()
		if len(s.turns) == 1 {
			return // a greeting-only script hangs up
		}
		if !s.sendTurn(conn, s.turns[min(i, len(s.turns)-1)], header[3]+1) {
			return
		}
	}
}

// sendTurn writes the packets of turn and reports whether they were whole:
// at least one, and none cut.
func (s *Server) sendTurn(conn net.Conn, turn []byte, seq byte) (whole bool) {
	var out []byte
	whole = len(turn) >= 3
	for len(turn) >= 3 {
		n := int(turn[0]) | int(turn[1])<<8 | int(turn[2])<<16
		payload := turn[3:]
		payload = payload[:min(n, len(payload))]
		whole = whole && len(payload) == n
		out = append(out, turn[0], turn[1], turn[2], seq)
		out = append(out, payload...)
		seq++
		turn = turn[3+len(payload):]
	}
	_, _ = conn.Write(out)
	return whole && len(turn) == 0
}

// Turn frames payloads for a script.
func Turn(payloads ...[]byte) []byte {
	var out []byte
	for _, p := range payloads {
		out = append(out, byte(len(p)), byte(len(p)>>8), byte(len(p)>>16))
		out = append(out, p...)
	}
	return out
}

// The packets of the scripts.
var (
	// Scramble is the greeting's 20-byte challenge.
	Scramble = []byte("abcdefghijklmnopqrst")
	// OK is an OK packet (no rows, autocommit).
	OK = []byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}
	// EOF ends the columns and the rows of a result set.
	EOF = []byte{0xfe, 0x00, 0x00, 0x02, 0x00}
)

// Greeting is the turn of a protocol 10 handshake offering plugin.
func Greeting(plugin string) []byte {
	const (
		capsLow  = 0x0001 | 0x0200 | 0x2000 | 0x8000 // long password, protocol 41, transactions, secure connection
		capsHigh = 0x0008                            // plugin auth
	)
	p := []byte{0x0a}
	p = append(p, "5.7.99-fake\x00"...)
	p = binary.LittleEndian.AppendUint32(p, 7)
	p = append(p, Scramble[:8]...)
	p = append(p, 0)
	p = binary.LittleEndian.AppendUint16(p, capsLow)
	p = append(p, 0x21)
	p = binary.LittleEndian.AppendUint16(p, 2)
	p = binary.LittleEndian.AppendUint16(p, capsHigh)
	p = append(p, byte(len(Scramble)+1))
	p = append(p, make([]byte, 10)...)
	p = append(p, Scramble[8:]...)
	p = append(p, 0)
	p = append(p, plugin...)
	return Turn(append(p, 0))
}

// lenenc is a length-encoded string.
func lenenc(s string) []byte {
	switch {
	case len(s) < 251:
		return append([]byte{byte(len(s))}, s...)
	case len(s) < 1<<16:
		return append([]byte{0xfc, byte(len(s)), byte(len(s) >> 8)}, s...)
	default:
		return append([]byte{0xfd, byte(len(s)), byte(len(s) >> 8), byte(len(s) >> 16)}, s...)
	}
}

// Column is a VARCHAR column definition.
func Column(name string) []byte {
	var p []byte
	for _, s := range []string{"def", "", "", "", name, name} {
		p = append(p, lenenc(s)...)
	}
	p = append(p, 0x0c, 0x21, 0x00, 0x00, 0x01, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00)
	return p
}

// ResultSet is the reply to every statement of a scrape: two columns and
// one row per pair.
func ResultSet(pairs ...string) []byte {
	payloads := [][]byte{{0x02}, Column("Variable_name"), Column("Value"), EOF}
	for i := 0; i+1 < len(pairs); i += 2 {
		payloads = append(payloads, append(lenenc(pairs[i]), lenenc(pairs[i+1])...))
	}
	return Turn(append(payloads, EOF)...)
}
