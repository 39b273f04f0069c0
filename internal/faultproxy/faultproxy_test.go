package faultproxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHTTPModes(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "u" || pass != "p" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"value":"ok","status":200}`)
	}))
	defer upstream.Close()
	p, err := StartHTTP(upstream.URL + "/jolokia")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") || !strings.HasSuffix(p.URL, "/jolokia") {
		t.Fatalf("URL %q", p.URL)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	get := func() (int, string, error) {
		req, _ := http.NewRequest(http.MethodPost, p.URL, strings.NewReader(`{"type":"read"}`))
		req.SetBasicAuth("u", "p")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20+1)) // enough to tell Gigantic
		return resp.StatusCode, string(b), err
	}
	cases := []struct {
		mode  Mode
		check func(status int, body string, err error) bool
	}{
		{Pass, func(s int, b string, err error) bool {
			return err == nil && s == 200 && b == `{"value":"ok","status":200}`
		}},
		{Malformed, func(_ int, b string, err error) bool { return err == nil && b == `{'value':'ok','status':200}` }},
		{Truncated, func(_ int, b string, err error) bool { return err == nil && len(b) == 13 }},
		{WrongAuth, func(s int, _ string, err error) bool { return err == nil && s == 401 }},
		{Refuse, func(_ int, _ string, err error) bool { return err != nil }},
		{Reset, func(_ int, _ string, err error) bool { return err != nil }},
		{Blackhole, func(_ int, _ string, err error) bool { return err != nil && strings.Contains(err.Error(), "Timeout") }},
		{Gigantic, func(_ int, b string, err error) bool { return err != nil || len(b) > 1<<20 }},
	}
	for _, c := range cases {
		p.SetMode(c.mode)
		s, b, err := get()
		if !c.check(s, b, err) {
			t.Errorf("%s: status %d, body %.100q, err %v", c.mode, s, b, err)
		}
	}
	p.SetDelay(300 * time.Millisecond)
	p.SetMode(Delay)
	start := time.Now()
	if s, _, err := get(); err != nil || s != 200 || time.Since(start) < 300*time.Millisecond {
		t.Errorf("delay: %d %v after %s", s, err, time.Since(start))
	}
	reqs := p.Requests()
	if len(reqs) != len(cases)+1 || string(reqs[0].Body) != `{"type":"read"}` || reqs[0].Status != 200 || reqs[0].Mode != Pass {
		t.Errorf("recorded %d requests, first %+v", len(reqs), reqs[0])
	}
}

func TestTCPModes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // an echo server
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	p, err := StartTCP(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	roundTrip := func() (string, error) {
		c, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return "", err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		return line, err
	}
	if line, err := roundTrip(); err != nil || line != "PING\r\n" {
		t.Fatalf("pass: %q %v", line, err)
	}
	p.SetMode(Malformed)
	if line, _ := roundTrip(); !strings.HasPrefix(line, "HTTP/1.1 400") {
		t.Errorf("malformed: %q", line)
	}
	p.SetMode(Blackhole)
	if _, err := roundTrip(); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("blackhole: %v", err)
	}
	p.SetMode(Refuse)
	if _, err := roundTrip(); err == nil {
		t.Error("refuse: no error")
	}
	p.SetMode(Pass)
	if line, err := roundTrip(); err != nil || line != "PING\r\n" {
		t.Errorf("pass again: %q %v", line, err)
	}
	if n := len(p.Times(nil)); n < 4 {
		t.Errorf("recorded %d writes", n)
	}
	// Five connections (the refused one sent nothing) and four writes.
	if n := len(p.Arrivals()); n != 9 {
		t.Errorf("%d arrivals; want 9", n)
	}
}

// A client that gives up in the TLS handshake leaves a connection and no
// request; a client that trusts the certificate leaves both.
func TestArrivalsCountConnectionsWithoutRequests(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "{}")
	}))
	defer upstream.Close()
	p, err := StartHTTPS(upstream.URL + "/jolokia")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := http.Get(p.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusting client: %v", err)
	}
	if n, m := len(p.Arrivals()), len(p.Requests()); n != 1 || m != 0 {
		t.Errorf("after a failed handshake: %d arrivals, %d requests; want 1 and 0", n, m)
	}
	resp, err := p.server.Client().Get(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(p.Arrivals()); n != 3 {
		t.Errorf("after a trusted request: %d arrivals; want 3 (two connections, one request)", n)
	}
}
