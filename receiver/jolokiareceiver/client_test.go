package jolokiareceiver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/testenv"
)

// TestRecordedResponsesAreNotDense: every response recorded from a real
// agent has at most half the values the bound allows for its size.
func TestRecordedResponsesAreNotDense(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "recorded", "*", "*.json"))
	require.NoError(t, err)
	responses := 0
	for _, p := range paths {
		if strings.HasSuffix(p, ".request.json") {
			continue
		}
		responses++
		body, err := os.ReadFile(p)
		require.NoError(t, err)
		values := countValues(body)
		assert.LessOrEqual(t, values*minBytesPerValue*2, int64(len(body)), "%s: one value per %d bytes", p, int64(len(body))/max(values, 1))
	}
	require.NotZero(t, responses)
}

func TestCountValues(t *testing.T) {
	for body, want := range map[string]int64{
		`[]`:                          1,
		`[{"status":200,"value":1}]`:  3,
		`["a,b{[", "\"[,", 2]`:        3, // nothing inside strings counts
		`{"a":[1,2,{"b":[]}],"c":{}}`: 8,
	} {
		assert.Equal(t, want, countValues([]byte(body)), body)
	}
}

// TestScrapeFaults: every fault of one target gives jolokia.up 0 and a clear
// message naming it, and the other target keeps reporting without delay.
func TestScrapeFaults(t *testing.T) {
	good := recordedAgent(t)
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
	}
	redirect := func(code int, location string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", location)
			w.WriteHeader(code)
		}
	}
	body := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(s)) }
	}
	for name, tt := range map[string]struct {
		handler  http.HandlerFunc // nil: nothing listens
		maxBytes int64
		tls      bool
		// httpsToPlain points an https:// endpoint at a plain HTTP server.
		httpsToPlain bool
		err          string
	}{
		"connection refused": {err: "cannot connect: connect: connection refused: check that the JVM runs with the Jolokia agent and that `endpoint` has the right host and port"},
		"timeout": {handler: func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client hanging up
			select {
			case <-stall:
			case <-r.Context().Done():
			}
		},
			err: "no response before the scrape `timeout`: check that the agent is alive, or raise `timeout`"},
		"401": {handler: status(401), err: "HTTP 401 Unauthorized: set `username` and `password` to the agent's credentials"},
		"403": {handler: status(403), err: "HTTP 403 Forbidden: the agent's access policy (jolokia-access.xml) or user roles refuse this client; allow `read` from this host"},
		"404": {handler: status(404), err: "HTTP 404 Not Found: no Jolokia agent at this path; the endpoint usually ends in /jolokia"},
		"500": {handler: status(500), err: "HTTP 500 Internal Server Error from the agent: check the agent's log"},
		"non-JSON": {handler: body("<html>login</html>"),
			err: `response is not JSON (it starts with "<html>login</html>"): check that the endpoint is a Jolokia agent (URL ends in /jolokia)`},
		"truncated body": {handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`[{"status":200,"value":{`))
		}, err: "response body is cut short (connection closed before Content-Length bytes): check for a proxy or a crashed agent"},
		"truncated JSON": {handler: body(`[{"status":200,"value":{`),
			err: "response body is cut short (incomplete JSON): check for a proxy or a crashed agent"},
		"over max_response_bytes": {maxBytes: 1 << 20, handler: body("[" + strings.Repeat(" ", 2<<20) + "]"),
			err: "response is larger than max_response_bytes (1048576 bytes): raise `max_response_bytes` or read fewer MBeans"},
		"values packed densely": {maxBytes: 1 << 20, handler: body("[" + strings.Repeat("0,", 300000) + "0]"),
			err: "response has 300001 JSON values in 600003 bytes, more than max_response_bytes/8 (131072): refused before decoding, which would take 25-35 times its size in memory; raise `max_response_bytes` or read fewer MBeans"},
		"untrusted TLS certificate": {tls: true, handler: body("[]"),
			err: "the agent's TLS certificate is not trusted (x509: certificate signed by unknown authority): set `tls.ca_file` to the CA that signed it"},
		"https to a plain HTTP agent": {httpsToPlain: true, handler: body("[]"),
			err: "the agent does not speak TLS: use http:// in `endpoint`"},
		"307 to another port": {handler: redirect(307, "http://127.0.0.1:1/jolokia"),
			err: "HTTP 307 to http://127.0.0.1:1/jolokia: the receiver does not follow redirects (they would carry the credentials); set `endpoint` to the final URL"},
		"302 with credentials in the Location": {handler: redirect(302, "http://user:pw@elsewhere.example/jolokia"),
			err: "HTTP 302 to http://user:xxxxx@elsewhere.example/jolokia: the receiver does not follow redirects (they would carry the credentials); set `endpoint` to the final URL"},
		"body slower than the timeout": {handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`[{"status":200,`))
			w.(http.Flusher).Flush()
			select {
			case <-stall:
			case <-r.Context().Done():
			}
		}, err: "the response body did not arrive before the scrape `timeout` (the agent sent the headers, then the body too slowly): check the agent's load and the network, or raise `timeout`"},
		"fewer entries": {handler: body(`[{"status":200,"value":{}}]`),
			err: "bulk response has 1 entries for 7 requests: the agent or a proxy in between cut it short"},
	} {
		t.Run(name, func(t *testing.T) {
			endpoint := "http://" + testenv.Addr(testenv.FreePort(t)) + "/jolokia" // nothing listens
			if tt.handler != nil {
				srv := httptest.NewUnstartedServer(tt.handler)
				if tt.tls {
					srv.StartTLS()
				} else {
					srv.Start()
				}
				t.Cleanup(srv.Close)
				endpoint = srv.URL + "/jolokia"
				if tt.httpsToPlain {
					endpoint = strings.Replace(endpoint, "http://", "https://", 1)
				}
			}
			cfg := createDefaultConfig()
			cfg.Timeout = 500 * time.Millisecond
			cfg.Username, cfg.Password = "monitor", "hunter2"
			if tt.maxBytes > 0 {
				cfg.MaxResponseBytes = tt.maxBytes
			}
			cfg.Targets = []Target{{Endpoint: endpoint, ServiceName: "broken"}, {Endpoint: good.URL + "/jolokia", ServiceName: "healthy"}}
			require.NoError(t, cfg.Validate())
			core, logs := observer.New(zap.DebugLevel)
			s := newTestScraper(t, cfg, zap.New(core))

			md := scrapeOnce(s)
			all := flattenMetrics(md)
			broken, healthy := all[instanceID(endpoint)], all[instanceID(good.URL)]
			assert.Equal(t, int64(0), broken["jolokia.up{}"])
			assert.Len(t, broken, 2, "only jolokia.up and jolokia.scrape.duration: %v", broken)
			assert.Equal(t, int64(1), healthy["jolokia.up{}"])
			assert.Contains(t, healthy, "jvm.class.count{}")
			// Had it waited for the broken target, it would have taken a whole timeout.
			assert.Less(t, healthy["jolokia.scrape.duration{}"], cfg.Timeout.Seconds(), "the healthy target is not held up")

			want := fmt.Sprintf("jolokia %s: ", endpoint) + tt.err
			warns := logs.FilterLevelExact(zapcore.WarnLevel).All()
			require.Len(t, warns, 1)
			assert.Equal(t, "target scrape failed; reporting it as down until it recovers", warns[0].Message)
			assert.Equal(t, want, warns[0].ContextMap()["error"])
			for _, e := range logs.All() {
				assert.NotContains(t, fmt.Sprint(e.ContextMap()), "hunter2")
			}

			// Still down: no new log line.
			if !strings.Contains(name, "timeout") {
				scrapeOnce(s)
				assert.Len(t, logs.FilterLevelExact(zapcore.WarnLevel).All(), 1, "logged once per state change")
			}
		})
	}
}
