//go:build integration

package e2e

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/fakemysql"
	"github.com/moalog/platform-collector/internal/testenv"
)

// hostileCase is one hostile server of issue 17 and what the collector
// must make of it: its receiver block, its up metric, and the reason the
// log gives.
type hostileCase struct {
	name     string
	receiver string // receivers:: key
	block    string // YAML of the receiver, ENDPOINT replaced by the server's host:port
	up       string
	reason   string
	start    func(t *testing.T) string // starts the server, returns its host:port
}

const hostileMySQLPassword = "s3cret-monitoring-pw"

func hostileCases() []hostileCase {
	mysqlBlock := "{endpoint: ENDPOINT, username: otel, password: " + hostileMySQLPassword + ", collection_interval: 1s, timeout: 2s}"
	jolokiaBlock := "{endpoint: http://ENDPOINT/jolokia, username: monitor, password: hunter2, collection_interval: 1s, timeout: 2s}"
	return []hostileCase{
		{name: "MySQL greeting of 5 bytes", receiver: "mysql/greeting", block: mysqlBlock, up: "mysql_up",
			reason: "the client panicked on the target's reply", start: func(t *testing.T) string {
				return fakemysql.Start(t, 5*time.Second, fakemysql.Turn([]byte{0x0a})).Addr()
			}},
		{name: "MySQL asks for full auth without TLS, offers its key", receiver: "mysql/rogue-key", block: mysqlBlock, up: "mysql_up",
			reason: "the server asks for the password on a connection without TLS", start: func(t *testing.T) string {
				return fakemysql.Start(t, 5*time.Second, fakemysql.Greeting("caching_sha2_password"),
					fakemysql.Turn([]byte{0x01, 0x04}), fakemysql.Turn(append([]byte{0x01}, ecPEM(t)...))).Addr()
			}},
		{name: "MySQL rows of 48 MiB", receiver: "mysql/huge-rows", block: mysqlBlock, up: "mysql_up",
			reason: "more than `max_scrape_bytes` (33554432 bytes)", start: func(t *testing.T) string {
				var rows []string
				value := strings.Repeat("x", 1<<20)
				for range 48 {
					rows = append(rows, "Uptime", value)
				}
				return fakemysql.Start(t, 5*time.Second, fakemysql.Greeting("mysql_native_password"),
					fakemysql.Turn(fakemysql.OK), fakemysql.ResultSet(rows...)).Addr()
			}},
		{name: "Jolokia 307 to another port", receiver: "jolokia/redirect", block: jolokiaBlock, up: "jolokia_up",
			reason: "HTTP 307 to http://127.0.0.1:1/jolokia: the receiver does not follow redirects", start: func(t *testing.T) string {
				return serveHTTP(t, func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Location", "http://127.0.0.1:1/jolokia")
					w.WriteHeader(http.StatusTemporaryRedirect)
				})
			}},
		{name: "Jolokia 3.8 MB of [0,0,...]", receiver: "jolokia/dense", block: jolokiaBlock, up: "jolokia_up",
			reason: "JSON values in", start: func(t *testing.T) string {
				body := []byte("[" + strings.Repeat("0,", 1900000) + "0]")
				return serveHTTP(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) })
			}},
		{name: "Jolokia 4 MiB of {} values, as dense as allowed", receiver: "jolokia/empty-objects", block: jolokiaBlock, up: "jolokia_up",
			reason: "bulk response has 1 entries for", start: func(t *testing.T) string {
				var b bytes.Buffer
				b.WriteString(`[{"status":200,"value":{`)
				for i := 0; b.Len() < 4<<20-64; i++ {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `"%014x":{}`, i) // two values in 19 bytes: under max_response_bytes/8, so it is decoded
				}
				b.WriteString(`}}]`)
				body := b.Bytes()
				return serveHTTP(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) })
			}},
		{name: "Redis answers AUTH with +NOTOK", receiver: "redis/notok", block: "{endpoint: ENDPOINT, password: s3cret, collection_interval: 1s, timeout: 2s}",
			up: "redis_up", reason: `AUTH answered \"+NOTOK\"`, start: func(t *testing.T) string {
				return serveRESP(t, "+NOTOK\r\n")
			}},
		{name: "Redis keyspace of 3,000 dbs", receiver: "redis/keyspace", block: "{endpoint: ENDPOINT, collection_interval: 1s, timeout: 2s}",
			up: "redis_up", reason: "over `max_series` (5000)", start: func(t *testing.T) string {
				var info strings.Builder
				info.WriteString("redis_version:7.0.15\r\n")
				for db := range 3000 {
					fmt.Fprintf(&info, "db%d:keys=1,expires=0,avg_ttl=0\r\n", db)
				}
				return serveRESP(t, testenv.RESPBulk(info.String()))
			}},
		{name: "moalog /metrics: 64 MiB (65 KB of gzip when asked for it)", receiver: "promscrape/bomb", up: "up", reason: "body_size_limit",
			block: `{config: {scrape_configs: [{job_name: bomb, scrape_interval: 1s, body_size_limit: 16MB, sample_limit: 5000, static_configs: [{targets: [ENDPOINT]}]}]}}`,
			start: func(t *testing.T) string {
				plain := []byte("# " + strings.Repeat("x", 64<<20) + "\n")
				var zipped bytes.Buffer
				zw := gzip.NewWriter(&zipped)
				_, _ = zw.Write(plain)
				require.NoError(t, zw.Close())
				return serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/plain; version=0.0.4")
					if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
						w.Header().Set("Content-Encoding", "gzip")
						_, _ = w.Write(zipped.Bytes())
						return
					}
					_, _ = w.Write(plain)
				})
			}},
	}
}

func ecPEM(t *testing.T) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// serveHTTP serves handler until the test ends and returns its host:port.
func serveHTTP(t *testing.T, handler http.HandlerFunc) string {
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// serveRESP answers every command with reply.
func serveRESP(t *testing.T, reply string) string {
	return testenv.ServeTCP(t, testenv.RESPHandler(func([]string) string { return reply }))
}

// TestHostileTargets runs the built collector with the shipped processors
// (memory_limiter 64/16 MiB, batch 1 s) against the hostile servers of issue
// 17 and a real Redis as the witness, every receiver at 1 s. The collector
// stays alive, every hostile target is *_up 0 with its reason logged, the
// witness stays up and keeps moving, and the peak RSS stays under 400 MiB.
// Short form: all cases in one collector. `make reliability`
// (RELIABILITY_HOSTILE_EACH=1) also runs one collector per case for its own
// peak RSS.
func TestHostileTargets(t *testing.T) {
	cases := hostileCases()
	runHostile(t, "all cases at once", cases)
	if os.Getenv("RELIABILITY_HOSTILE_EACH") != "" {
		for _, c := range cases {
			runHostile(t, c.name, []hostileCase{c})
		}
	}
}

func runHostile(t *testing.T, name string, cases []hostileCase) {
	t.Run(name, func(t *testing.T) {
		witness := testenv.StartRedis(t, testenv.RedisOptions{})
		receivers := []string{"  redis/witness: {endpoint: " + witness.Addr + ", collection_interval: 1s, timeout: 2s}"}
		names := []string{"redis/witness"}
		endpoints := map[string]string{}
		for _, c := range cases {
			endpoint := c.start(t)
			endpoints[c.name] = endpoint
			receivers = append(receivers, "  "+c.receiver+": "+strings.ReplaceAll(c.block, "ENDPOINT", endpoint))
			names = append(names, c.receiver)
		}
		config := "receivers:\n" + strings.Join(receivers, "\n") + `
processors:
  memory_limiter: {check_interval: 2s, limit_mib: 64, spike_limit_mib: 16}
  batch: {timeout: 1s}
exporters:
  prometheus: {endpoint: 127.0.0.1:9090, metric_expiration: 5m}
extensions:
  health_check: {endpoint: 127.0.0.1:13133}
service:
  extensions: [health_check]
  pipelines:
    metrics: {receivers: [` + strings.Join(names, ", ") + `], processors: [memory_limiter, batch], exporters: [prometheus]}
`
		c := testenv.StartOtelcol(t, writeTemp(t, "hostile.yaml", config))

		began := time.Now()
		witnessID := map[string]string{"instance": witness.Addr}
		firstUptime := c.WaitForSample(t, "redis_uptime_seconds_total", witnessID, func(float64) bool { return true }, 30*time.Second)
		for _, hc := range cases {
			id := map[string]string{"instance": endpoints[hc.name]}
			c.WaitForSample(t, hc.up, id, equals(0), 30*time.Second)
			assert.True(t, strings.Contains(c.Log(), hc.reason), "%s: no %q in the log", hc.name, hc.reason)
		}
		// The witness keeps being scraped with fresh values while the others
		// fail: its uptime on :9090 moves on by several 1 s intervals.
		c.WaitForSample(t, "redis_uptime_seconds_total", witnessID, func(v float64) bool { return v >= firstUptime+3 }, 15*time.Second)
		c.WaitForSample(t, "redis_up", witnessID, equals(1), 10*time.Second)
		require.True(t, c.Running(), "the collector is alive")
		assert.False(t, strings.Contains(c.Log(), hostileMySQLPassword), "the password is in the log")
		peak := testenv.ProcStatusBytes(t, c.Pid(), "VmHWM")
		t.Logf("FIGURE hostile targets (%s): peak RSS %d MiB after %s", name, peak>>20, time.Since(began).Round(time.Second))
		assert.Less(t, peak, int64(400<<20), "peak RSS")
	})
}
