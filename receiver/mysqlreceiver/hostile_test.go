package mysqlreceiver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/fakemysql"
	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

const hostilePassword = "s3cret-monitoring-pw"

// ecKeyPEM is an EC public key, which the driver once cast to an RSA key.
func ecKeyPEM(t testing.TB) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return publicKeyPEM(t, &key.PublicKey)
}

// rsaKey is a key a rogue server (or one in the test) holds the private
// half of.
func rsaKey(t testing.TB) *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return key
}

func publicKeyPEM(t testing.TB, key any) []byte {
	der, err := x509.MarshalPKIXPublicKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// The scripts of the hostile servers of issue 17.
func hostileScripts(t testing.TB) map[string][][]byte {
	ec := ecKeyPEM(t)
	return map[string][][]byte{
		"five-byte greeting":                  {fakemysql.Turn([]byte{0x0a})},
		"login answered by a bare OK":         {fakemysql.Greeting("mysql_native_password"), fakemysql.Turn([]byte{0x00})},
		"login answered by OK 0000":           {fakemysql.Greeting("mysql_native_password"), fakemysql.Turn([]byte{0x00, 0x00})},
		"one-byte ERR":                        {fakemysql.Greeting("mysql_native_password"), fakemysql.Turn([]byte{0xff})},
		"caching_sha2 full auth, EC key":      {fakemysql.Greeting("caching_sha2_password"), fakemysql.Turn([]byte{authMoreData, performFullAuthentication}), fakemysql.Turn(append([]byte{authMoreData}, ec...))},
		"sha256_password, EC key":             {fakemysql.Greeting("sha256_password"), fakemysql.Turn(append([]byte{authMoreData}, ec...))},
		"sha256_password, rogue RSA key":      {fakemysql.Greeting("sha256_password"), fakemysql.Turn(append([]byte{authMoreData}, publicKeyPEM(t, &rsaKey(t).PublicKey)...))},
		"auth switch to sha256, EC key":       {fakemysql.Greeting("mysql_native_password"), fakemysql.Turn(append([]byte("\xfesha256_password\x00"), append(fakemysql.Scramble, 0)...)), fakemysql.Turn(append([]byte{authMoreData}, ec...))},
		"result set cut in the column header": {fakemysql.Greeting("mysql_native_password"), fakemysql.Turn(fakemysql.OK), fakemysql.Turn([]byte{0x02}, fakemysql.Column("Variable_name"))},
	}
}

// healthyScript is a server whose every statement returns Uptime 5.
func healthyScript() [][]byte {
	return [][]byte{fakemysql.Greeting("mysql_native_password"), fakemysql.Turn(fakemysql.OK), fakemysql.ResultSet("Uptime", "5")}
}

// newLoopbackScraper is a started scraper of the server at addr, logging
// at level and above into logs, with configure applied last.
func newLoopbackScraper(t testing.TB, addr string, level zapcore.Level, configure ...func(*Config)) (*mysqlScraper, *observer.ObservedLogs) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = addr
	cfg.Username = "otel"
	cfg.Password = hostilePassword
	cfg.Timeout = time.Second
	for _, c := range configure {
		c(cfg)
	}
	set, logs := metrictest.ObservedSettings(metadata.Type, level)
	s := newScraper(cfg, set)
	require.NoError(t, s.start(context.Background(), nil))
	t.Cleanup(func() { _ = s.shutdown(context.Background()) })
	return s, logs
}

// TestHostileServers: each hostile server makes its target down with a
// reason, while a healthy server scraped at the same time stays up with its
// value; the process survives (a panic escaping would end the test binary)
// and the password never reaches a server without TLS.
func TestHostileServers(t *testing.T) {
	witness, _ := newLoopbackScraper(t, fakemysql.Start(t, 5*time.Second, healthyScript()...).Addr(), zap.WarnLevel)
	for name, script := range hostileScripts(t) {
		t.Run(name, func(t *testing.T) {
			server := fakemysql.Start(t, 5*time.Second, script...)
			hostile, logs := newLoopbackScraper(t, server.Addr(), zap.WarnLevel)
			var wg sync.WaitGroup
			var witnessPoints map[string]int64
			wg.Go(func() {
				md, err := witness.scrape(context.Background())
				assert.NoError(t, err)
				witnessPoints = points(md)
			})
			for range 2 { // the second scrape runs on the client that replaced a panicked one
				assert.Equal(t, int64(0), hostile.scrapePoints(t)["mysql.up"])
			}
			wg.Wait()
			assert.Equal(t, int64(1), witnessPoints["mysql.up"])
			assert.Equal(t, int64(5), witnessPoints["mysql.uptime"])
			warns := logs.FilterMessage("target scrape failed; reporting it as down until it recovers").All()
			require.NotEmpty(t, warns)
			assert.Contains(t, warns[0].ContextMap()["error"], "mysql "+server.Addr())
			assert.NotContains(t, string(server.Received()), hostilePassword)
		})
	}
}

// TestPasswordWithoutTLSRefused: without TLS the receiver neither asks the
// server for its key nor uses one the server sends, sends nothing after
// such a request, and says what to set.
func TestPasswordWithoutTLSRefused(t *testing.T) {
	scripts := hostileScripts(t)
	for _, name := range []string{"caching_sha2 full auth, EC key", "sha256_password, rogue RSA key"} {
		t.Run(name, func(t *testing.T) {
			server := fakemysql.Start(t, 5*time.Second, scripts[name]...)
			s, logs := newLoopbackScraper(t, server.Addr(), zap.WarnLevel)
			assert.Equal(t, int64(0), s.scrapePoints(t)["mysql.up"])
			require.Equal(t, 1, logs.Len())
			reason := logs.All()[0].ContextMap()["error"].(string)
			assert.Contains(t, reason, "`tls::insecure: false`")
			assert.Contains(t, reason, "`server_public_key_file`")
			// Only handshake responses (sequence 1) reached the server: no
			// request for its key, no password encrypted with its key.
			got := server.Received()
			require.NotEmpty(t, got)
			for len(got) >= 4 {
				n := int(got[0]) | int(got[1])<<8 | int(got[2])<<16
				assert.Equal(t, byte(1), got[3], "a client packet after the handshake response")
				got = got[4+n:]
			}
		})
	}
}

// TestScrapeByteBudget: a row larger than `max_scrape_bytes` ends the
// scrape as down with the key to change, instead of growing the heap.
func TestScrapeByteBudget(t *testing.T) {
	huge := strings.Repeat("x", 250)
	var rows []string
	for range 1000 { // 250 KiB of rows
		rows = append(rows, "Uptime", huge)
	}
	server := fakemysql.Start(t, 5*time.Second, fakemysql.Greeting("mysql_native_password"), fakemysql.Turn(fakemysql.OK), fakemysql.ResultSet(rows...))
	s, logs := newLoopbackScraper(t, server.Addr(), zap.WarnLevel, func(c *Config) { c.MaxScrapeBytes = 128 << 10 })
	assert.Equal(t, int64(0), s.scrapePoints(t)["mysql.up"])
	require.Equal(t, 1, logs.Len())
	assert.Contains(t, logs.All()[0].ContextMap()["error"], "more than `max_scrape_bytes` (131072 bytes)")
}

// FuzzServerReplies drives the client against a fake server whose
// greeting, reply to the login and reply to every statement are the fuzz
// input. Whatever they are, the scrape returns (a panic in the driver is
// recovered), and the password is never sent where the server can read it.
// Corpus: the scripts of TestHostileServers and a healthy server.
func FuzzServerReplies(f *testing.F) {
	add := func(script [][]byte) {
		for len(script) < 3 {
			script = append(script, nil)
		}
		f.Add(script[0], script[1], script[2])
	}
	add(healthyScript())
	for _, script := range hostileScripts(f) {
		add(script)
	}
	f.Fuzz(func(t *testing.T, greetingTurn, loginTurn, statementTurn []byte) {
		// A client and server out of step wait on each other: the server
		// hangs up at once after a cut or empty turn, and after 20 ms of
		// silence otherwise (a reply whose packets are whole but too few).
		// Each exec takes milliseconds, not the driver's waits.
		server := fakemysql.Start(t, 20*time.Millisecond, greetingTurn, loginTurn, statementTurn)
		s, _ := newLoopbackScraper(t, server.Addr(), zap.WarnLevel, func(c *Config) { c.Timeout = 200 * time.Millisecond })
		s.scrapeMetrics(t)
		require.NotContains(t, string(server.Received()), hostilePassword)
	})
}

// TestServerPublicKeyFile: with `server_public_key_file`, a full
// authentication without TLS goes ahead, the password encrypted with that
// key: the server holding its private half reads it, and the login works.
func TestServerPublicKeyFile(t *testing.T) {
	key := rsaKey(t)
	keyFile := filepath.Join(t.TempDir(), "public_key.pem")
	require.NoError(t, os.WriteFile(keyFile, publicKeyPEM(t, &key.PublicKey), 0o600))

	server := fakemysql.Start(t, 5*time.Second, fakemysql.Greeting("caching_sha2_password"),
		fakemysql.Turn([]byte{authMoreData, performFullAuthentication}), fakemysql.Turn(fakemysql.OK), fakemysql.ResultSet("Uptime", "5"))
	s, _ := newLoopbackScraper(t, server.Addr(), zap.WarnLevel, func(c *Config) { c.ServerPublicKeyFile = keyFile })
	assert.Equal(t, int64(1), s.scrapePoints(t)["mysql.up"])

	// The third client packet (sequence 3) is the password, XORed with the
	// scramble and encrypted with the configured key.
	got := server.Received()
	var encrypted []byte
	for len(got) >= 4 {
		n := int(got[0]) | int(got[1])<<8 | int(got[2])<<16
		if got[3] == 3 {
			encrypted = got[4 : 4+n]
		}
		got = got[4+n:]
	}
	require.NotNil(t, encrypted)
	plain, err := rsa.DecryptOAEP(sha1.New(), nil, key, encrypted, nil)
	require.NoError(t, err)
	for i := range plain {
		plain[i] ^= fakemysql.Scramble[i%len(fakemysql.Scramble)]
	}
	assert.Equal(t, hostilePassword+"\x00", string(plain))
}
