package jolokiareceiver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
)

// client sends the bulk read of one target: one POST per scrape.
type client struct {
	http     *http.Client
	endpoint string
	username string
	password configopaque.String
	headers  map[string]configopaque.String
	maxBytes int64
	buf      bytes.Buffer // reused between scrapes; a target is scraped by one goroutine at a time
}

// newTransport returns the HTTP transport shared by the targets of a receiver.
// Its connections re-arm TCP_QUICKACK before every read (quickack_linux.go):
// the JDK HttpServer behind the Jolokia JVM agent leaves Nagle on, and
// requests sent back to back on a kept-alive connection would otherwise wait
// ~40 ms each for our delayed ACK.
func newTransport(cfg *Config, tlsCfg *tls.Config) (*http.Transport, error) {
	proxy := http.ProxyFromEnvironment
	if cfg.ProxyURL != "" {
		u, err := url.ParseRequestURI(cfg.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("`proxy_url`: %w", err)
		}
		proxy = http.ProxyURL(u)
	}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: proxy,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return withQuickAck(conn), nil
		},
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 2,
		// Below the JDK HttpServer's default idle timeout (30 s), so a
		// kept-alive connection is not reused just as the agent closes it.
		IdleConnTimeout: 25 * time.Second,
	}, nil
}

// post sends body and returns the response body, read under maxBytes. The
// returned slice is valid until the next call.
func (c *client) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	// A Jolokia read is idempotent: a nil Idempotency-Key (not sent) lets the
	// transport retry once on a kept-alive connection the agent just closed.
	req.Header["Idempotency-Key"] = nil
	for k, v := range c.headers {
		req.Header.Set(k, string(v))
	}
	if c.username != "" {
		req.SetBasicAuth(c.username, string(c.password))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, describeTransportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		if location := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && location != "" {
			return nil, describeRedirect(resp.StatusCode, location)
		}
		return nil, describeStatus(resp.StatusCode)
	}
	c.buf.Reset()
	n, err := c.buf.ReadFrom(io.LimitReader(resp.Body, c.maxBytes+1))
	if n > c.maxBytes {
		return nil, fmt.Errorf("response is larger than max_response_bytes (%d bytes): raise `max_response_bytes` or read fewer MBeans", c.maxBytes)
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("response body is cut short (connection closed before Content-Length bytes): check for a proxy or a crashed agent")
		}
		if isTimeout(ctx, err) {
			return nil, errors.New("the response body did not arrive before the scrape `timeout` (the agent sent the headers, then the body too slowly): check the agent's load and the network, or raise `timeout`")
		}
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	answer := c.buf.Bytes()
	if values, most := countValues(answer), c.maxBytes/minBytesPerValue; values > most {
		return nil, fmt.Errorf("response has %d JSON values in %d bytes, more than max_response_bytes/%d (%d): refused before decoding, "+
			"which would take 25-35 times its size in memory; raise `max_response_bytes` or read fewer MBeans", values, len(answer), minBytesPerValue, most)
	}
	return answer, nil
}

// minBytesPerValue bounds how densely a response may pack JSON values
// (objects, arrays and scalars) relative to max_response_bytes. Decoding
// costs per value, not per byte: tiny values ("[0,0,...]", "[{},{},...]")
// took 25-35x the body in heap, against 10-13x for the densest shape a
// real agent answers (the recorded responses have one value per 16-33
// bytes). With at most max_response_bytes/8 values, a decode stays within
// about 13x max_response_bytes whatever the shape.
const minBytesPerValue = 8

// countValues counts the JSON values of body, roughly: one per '{', '[' and
// ',' outside strings. It reads the body once without allocating.
func countValues(body []byte) int64 {
	var n int64
	inString, escaped := false, false
	for _, c := range body {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{', c == '[', c == ',':
			n++
		}
	}
	return n
}

// refuseRedirects is the HTTP client's CheckRedirect. Following one would
// send the bulk read, the basic auth, the `headers:` values and in proxy mode
// the JMX credentials to wherever the agent (or anyone answering for it)
// points, on another port, host or scheme.
func refuseRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func describeRedirect(code int, location string) error {
	if u, err := url.Parse(location); err == nil {
		location = u.Redacted()
	}
	return fmt.Errorf("HTTP %d to %s: the receiver does not follow redirects (they would carry the credentials); set `endpoint` to the final URL", code, location)
}

func describeStatus(code int) error {
	switch code {
	case http.StatusUnauthorized:
		return errors.New("HTTP 401 Unauthorized: set `username` and `password` to the agent's credentials")
	case http.StatusForbidden:
		return errors.New("HTTP 403 Forbidden: the agent's access policy (jolokia-access.xml) or user roles refuse this client; allow `read` from this host")
	case http.StatusNotFound:
		return errors.New("HTTP 404 Not Found: no Jolokia agent at this path; the endpoint usually ends in /jolokia")
	case http.StatusMethodNotAllowed:
		return errors.New("HTTP 405 Method Not Allowed: the agent refuses POST; allow POST in its configuration")
	}
	return fmt.Errorf("HTTP %d %s from the agent: check the agent's log", code, http.StatusText(code))
}

// isTimeout reports whether err comes from the scrape `timeout` (the
// context's or the HTTP client's).
func isTimeout(ctx context.Context, err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}

func describeTransportError(ctx context.Context, err error) error {
	switch {
	case isTimeout(ctx, err):
		return errors.New("no response before the scrape `timeout`: check that the agent is alive, or raise `timeout`")
	case errors.Is(err, context.Canceled):
		// Not a failure of the target: targetstate does not log it.
		return fmt.Errorf("scrape canceled (collector shutting down): %w", err)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return fmt.Errorf("the agent's TLS certificate is not trusted (%w): set `tls.ca_file` to the CA that signed it", certErr.Err)
	}
	var recordErr tls.RecordHeaderError
	if errors.As(err, &recordErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return errors.New("the agent does not speak TLS: use http:// in `endpoint`")
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fmt.Errorf("cannot connect: %w: check that the JVM runs with the Jolokia agent and that `endpoint` has the right host and port", opErr)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the target is named by the caller
	}
	return fmt.Errorf("request failed: %w", err)
}
