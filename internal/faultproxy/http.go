package faultproxy

import (
	"bytes"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// HTTP is a recording, fault-injecting reverse proxy for one HTTP target.
type HTTP struct {
	recorder
	// URL is the proxy's address with the upstream's path, e.g.
	// http://127.0.0.1:PORT/jolokia (https:// for StartHTTPS).
	URL string
	// Addr is 127.0.0.1:PORT.
	Addr string

	upstream *url.URL
	client   *http.Client
	server   *httptest.Server
}

// StartHTTP proxies to upstream (e.g. a JVM's http://127.0.0.1:PORT/jolokia).
func StartHTTP(upstream string) (*HTTP, error) { return start(upstream, false) }

// StartHTTPS is StartHTTP serving TLS with a certificate no client trusts
// (net/http/httptest's self-signed one): the "untrusted certificate" fault.
func StartHTTPS(upstream string) (*HTTP, error) { return start(upstream, true) }

func start(upstream string, tls bool) (*HTTP, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	ln, err := listen()
	if err != nil {
		return nil, err
	}
	p := &HTTP{recorder: newRecorder(), upstream: u,
		client: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	p.server = httptest.NewUnstartedServer(p)
	// TLS handshake failures (the untrusted-certificate fault) are expected.
	p.server.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			p.addConn()
		}
	}
	p.server.Listener.Close()
	p.server.Listener = ln
	if tls {
		p.server.StartTLS()
	} else {
		p.server.Start()
	}
	p.Addr = ln.Addr().String()
	p.URL = strings.TrimSuffix(p.server.URL, "/") + u.Path
	return p, nil
}

// SetDelay sets how long Delay holds a request before forwarding it.
func (p *HTTP) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Close stops the proxy, releasing held requests.
func (p *HTTP) Close() {
	p.markClosed()
	p.server.CloseClientConnections()
	p.server.Close()
}

func (p *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, delay, changed := p.current()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	i := p.add(Request{Time: time.Now(), Mode: mode, Method: r.Method, Path: r.URL.RequestURI(), Body: body})

	switch mode {
	case Refuse, Reset:
		p.drop(w, mode == Reset)
		return
	case Blackhole:
		// Released by a mode change, the request is answered like a hung
		// target that recovered would; otherwise it is dropped.
		if !p.hold(changed, r.Context().Done()) {
			p.drop(w, false)
			return
		}
	case Delay:
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		case <-p.closed:
			return
		}
	case Gigantic:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		p.setStatus(i, http.StatusOK)
		flusher, _ := w.(http.Flusher)
		writeGigantic(w, []byte(`[{"request":{"type":"read"},"status":200,"value":"`), func() {
			if flusher != nil {
				flusher.Flush()
			}
		})
		return
	}

	status, header, respBody, err := p.forward(r, body, mode == WrongAuth)
	if err != nil { // the target is down: so is the proxy, for this request
		p.drop(w, false)
		return
	}
	switch mode {
	case Malformed:
		respBody = malform(respBody)
	case Truncated:
		respBody = respBody[:len(respBody)/2]
	}
	maps.Copy(w.Header(), header)
	w.Header().Del("Content-Length") // the body may be cut or malformed
	w.WriteHeader(status)
	_, _ = w.Write(respBody)
	p.setStatus(i, status)
}

func (p *HTTP) forward(r *http.Request, body []byte, wrongAuth bool) (int, http.Header, []byte, error) {
	target := *p.upstream
	target.Path = r.URL.Path
	target.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	for _, h := range []string{"Content-Type", "Accept", "Authorization", "User-Agent"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	if wrongAuth {
		req.SetBasicAuth("faultproxy", "not-the-password")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, respBody, nil
}

// drop closes the client's connection without an answer, with a RST when rst.
func (p *HTTP) drop(w http.ResponseWriter, rst bool) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if rst {
				reset(conn)
			} else {
				conn.Close()
			}
			return
		}
	}
	panic(http.ErrAbortHandler)
}
