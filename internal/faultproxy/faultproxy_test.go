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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// proxied starts an upstream answering with handler and a proxy to its
// /jolokia (start is StartHTTP or StartHTTPS); both close when the test ends.
func proxied(t *testing.T, start func(string) (*HTTP, error), handler http.HandlerFunc) *HTTP {
	upstream := httptest.NewServer(handler)
	t.Cleanup(upstream.Close)
	p, err := start(upstream.URL + "/jolokia")
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func TestHTTPModes(t *testing.T) {
	p := proxied(t, StartHTTP, func(w http.ResponseWriter, r *http.Request) {
		if user, pass, _ := r.BasicAuth(); user != "u" || pass != "p" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"value":"ok","status":200}`)
	})
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/jolokia$`, p.URL)
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
		assert.True(t, c.check(s, b, err), "%s: status %d, body %.100q, err %v", c.mode, s, b, err)
	}
	p.SetDelay(300 * time.Millisecond)
	p.SetMode(Delay)
	start := time.Now()
	s, _, err := get()
	assert.True(t, err == nil && s == 200 && time.Since(start) >= 300*time.Millisecond, "delay: %d %v after %s", s, err, time.Since(start))
	reqs := p.Requests()
	if len(reqs) != len(cases)+1 || string(reqs[0].Body) != `{"type":"read"}` || reqs[0].Status != 200 || reqs[0].Mode != Pass {
		t.Errorf("recorded %d requests, first %+v", len(reqs), reqs[0])
	}
}

func TestTCPModes(t *testing.T) {
	echo := testenv.ServeTCP(t, func(c net.Conn) { _, _ = io.Copy(c, c); c.Close() })
	p, err := StartTCP(echo)
	require.NoError(t, err)
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
		return bufio.NewReader(c).ReadString('\n')
	}
	echoed := func(line string, err error) bool { return err == nil && line == "PING\r\n" }
	for _, step := range []struct {
		mode  Mode
		check func(line string, err error) bool
	}{
		{Pass, echoed},
		{Malformed, func(line string, _ error) bool { return strings.HasPrefix(line, "HTTP/1.1 400") }},
		{Blackhole, func(_ string, err error) bool { return err != nil && strings.Contains(err.Error(), "timeout") }},
		{Refuse, func(_ string, err error) bool { return err != nil }},
		{Pass, echoed},
	} {
		p.SetMode(step.mode)
		line, err := roundTrip()
		assert.True(t, step.check(line, err), "%s: %q %v", step.mode, line, err)
	}
	assert.GreaterOrEqual(t, len(p.Times(nil)), 4, "recorded writes")
	// Five connections (the refused one sent nothing) and four writes.
	assert.Len(t, p.Arrivals(), 9)
}

// A client that gives up in the TLS handshake leaves a connection and no
// request; a client that trusts the certificate leaves both.
func TestArrivalsCountConnectionsWithoutRequests(t *testing.T) {
	p := proxied(t, StartHTTPS, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{}") })
	_, err := http.Get(p.URL)
	require.ErrorContains(t, err, "certificate", "an untrusting client")
	assert.Len(t, p.Arrivals(), 1, "arrivals after a failed handshake")
	assert.Empty(t, p.Requests(), "requests after a failed handshake")
	resp, err := p.server.Client().Get(p.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Len(t, p.Arrivals(), 3, "after a trusted request: two connections, one request")
}
