package targetstate

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStable: every failure a scrape meets, produced for real on loopback
// twice (two connections, two ephemeral ports, two moments), gives one
// stable text, and the result still unwraps to the cause.
func TestStable(t *testing.T) {
	tests := []struct {
		name  string
		fail  func(t *testing.T) error
		want  string
		cause error // errors.Is target that must survive; nil: none checked
	}{
		{"dial refused", dialRefused, "connect: connection refused", syscall.ECONNREFUSED},
		{"reset by the server", readReset, "read: connection reset by peer", syscall.ECONNRESET},
		{"read timeout", readTimeout, "read: i/o timeout", nil},
		{"EOF over HTTP", httpEOF, "EOF", io.EOF},
		{"TLS untrusted", tlsUntrusted, "tls: failed to verify certificate: x509: certificate signed by unknown authority", nil},
		{"TLS expired", tlsExpired, "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: it is valid from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z", nil},
		{"DNS no such host", dnsNotFound, "dial: lookup no-such-target.test: no such host", nil},
		{"wrapped by a receiver", wrappedReset, "redis 127.0.0.1:6379: INFO: read: connection reset by peer: check `endpoint`", syscall.ECONNRESET},
		{"reworded by a receiver", func(t *testing.T) error { return Reword(readReset(t), "mysql db:3306: the connection was lost") },
			"mysql db:3306: the connection was lost", syscall.ECONNRESET},
		{"no network error", func(*testing.T) error { return errors.New("HTTP 404 Not Found") }, "HTTP 404 Not Found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			texts := map[string]bool{}
			for range 2 {
				err := tt.fail(t)
				require.Error(t, err)
				stable := Stable(err)
				texts[stable.Error()] = true
				assert.ErrorIs(t, stable, err)
				if tt.cause != nil {
					assert.ErrorIs(t, stable, tt.cause)
				}
			}
			assert.Equal(t, map[string]bool{tt.want: true}, texts)
		})
	}
	assert.NoError(t, Stable(nil))
}

func dialRefused(t *testing.T) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, l.Close())
	_, err = net.Dial("tcp", l.Addr().String())
	return err
}

// serveOnce accepts one connection and hands it to handle.
func serveOnce(t *testing.T, handle func(*net.TCPConn)) net.Conn {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		conn, err := l.Accept()
		if err == nil {
			handle(conn.(*net.TCPConn))
		}
	}()
	conn, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func readReset(t *testing.T) error {
	conn := serveOnce(t, func(c *net.TCPConn) {
		_, _ = c.Read(make([]byte, 1)) // the client is connected
		_ = c.SetLinger(0)             // close with RST
		_ = c.Close()
	})
	_, err := conn.Write([]byte("x"))
	require.NoError(t, err)
	_, err = conn.Read(make([]byte, 1))
	return err
}

func wrappedReset(t *testing.T) error {
	return fmt.Errorf("redis 127.0.0.1:6379: INFO: %w: check `endpoint`", readReset(t))
}

func readTimeout(t *testing.T) error {
	silent := make(chan struct{})
	t.Cleanup(func() { close(silent) })
	conn := serveOnce(t, func(c *net.TCPConn) { <-silent; _ = c.Close() })
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err := conn.Read(make([]byte, 1))
	return err
}

// get requests server's /metrics once, on a new connection, and returns
// the error inside the *url.Error: its URL names a new test server at every
// call, where a receiver's target would stay the same.
func get(server *httptest.Server, tlsConfig *tls.Config) error {
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig, DisableKeepAlives: true}}
	resp, err := client.Get(server.URL + "/metrics")
	if err == nil {
		_ = resp.Body.Close()
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

func httpEOF(t *testing.T) error {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close() // no response at all
		}
	}))
	t.Cleanup(server.Close)
	return get(server, nil)
}

// startTLS starts a TLS test server of cfg (nil: the test certificate), its
// handshake errors kept out of the test output.
func startTLS(t *testing.T, cfg *tls.Config) *httptest.Server {
	server := httptest.NewUnstartedServer(http.NotFoundHandler())
	server.Config.ErrorLog = log.New(io.Discard, "", 0)
	server.TLS = cfg
	server.StartTLS()
	t.Cleanup(server.Close)
	return server
}

func tlsUntrusted(t *testing.T) error {
	return get(startTLS(t, nil), nil)
}

func tlsExpired(t *testing.T) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "expired"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	server := startTLS(t, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return get(server, &tls.Config{RootCAs: roots})
}

// dnsNotFound resolves a name through a loopback DNS server that answers
// NXDOMAIN to every query; the resolver's error names the server it used.
func dnsNotFound(t *testing.T) error {
	server, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := server.ReadFrom(buf)
			if err != nil {
				return
			}
			reply := append([]byte(nil), buf[:n]...)
			reply[2] |= 0x80       // a response
			reply[3] = 0x80 | 0x03 // recursion available, NXDOMAIN
			_, _ = server.WriteTo(reply, from)
		}
	}()
	dialer := net.Dialer{Resolver: &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", server.LocalAddr().String())
	}}}
	_, err = dialer.Dial("tcp", "no-such-target.test:80")
	return err
}
