package redisreceiver

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

// respServer answers AUTH with authReply and any other command with a bulk
// string of info().
func respServer(authReply string, info func() string) func(net.Conn) {
	return testenv.RESPHandler(func(args []string) string {
		if args[0] == "AUTH" {
			return authReply
		}
		return testenv.RESPBulk(info())
	})
}

func fixed(info string) func() string { return func() string { return info } }

// TestAuthReplies: only +OK logs in; any other reply to AUTH is reported
// as an AUTH failure, not as an INFO one.
func TestAuthReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reply   string
		wantLog string
	}{
		{"+NOTOK\r\n", `AUTH: protocol error: AUTH answered "+NOTOK" instead of +OK (is this a Redis server?)`},
		{":0\r\n", `AUTH: protocol error: AUTH answered ":0" instead of +OK`},
		{"$2\r\nOK\r\n", `AUTH: protocol error: AUTH answered "OK" instead of +OK`},
		{"-ERR AUTH <password> called without any password configured for the default user\r\n", "AUTH: ERR AUTH <password> called without any password configured"},
		{"-ERR something else\r\n", "AUTH: ERR something else: the server refused AUTH: check `username` and `password`"},
	}
	for _, tt := range tests {
		t.Run(tt.reply, func(t *testing.T) {
			addr := testenv.ServeTCP(t, respServer(tt.reply, fixed("redis_version:7.0.15\r\n")))
			cfg := configFor(addr)
			cfg.Password = "s3cret"
			msg := startScraper(t, cfg).scrapeDown(t)
			assert.Contains(t, msg, "redis "+addr+": "+tt.wantLog)
			assert.NotContains(t, msg, "s3cret")
		})
	}
}

// TestMovedIsNotFollowed: Redis has no redirect that carries credentials.
// MOVED and ASK are a cluster's answers to commands on keys, and the
// receiver sends none (AUTH, INFO, CLUSTER INFO); a server that answers
// INFO with MOVED gets an INFO error, and the address it names is never
// dialed.
func TestMovedIsNotFollowed(t *testing.T) {
	t.Parallel()
	var dialed atomic.Int32
	named := testenv.ServeTCP(t, func(net.Conn) { dialed.Add(1) })
	addr := testenv.ServeTCP(t, testenv.RESPHandler(func(args []string) string {
		if args[0] == "INFO" {
			return "-MOVED 3999 " + named + "\r\n"
		}
		return ""
	}))
	assert.Contains(t, startScraper(t, configFor(addr)).scrapeDown(t), "redis "+addr+": INFO: MOVED 3999 "+named)
	assert.Zero(t, dialed.Load())
}

// TestNonUTF8Version: a redis_version that is not UTF-8 becomes valid
// UTF-8 instead of failing the target's target_info at the exporter.
func TestNonUTF8Version(t *testing.T) {
	t.Parallel()
	addr := testenv.ServeTCP(t, respServer("+OK\r\n", fixed("redis_version:7.\xff\xfe0\r\nuptime_in_seconds:9\r\n")))
	target := startScraper(t, configFor(addr))
	got, md := target.scrape(t)
	assert.Equal(t, float64(1), got["redis.up"])
	assert.Equal(t, float64(9), got["redis.uptime"])
	assert.Equal(t, "7.\uFFFD0", resourceAttrs(t, md)["redis.version"])
}

// panickingClient stands for a protocol client with a bug a hostile reply
// reaches.
type panickingClient struct{ closed int }

func (c *panickingClient) do(context.Context, ...string) (string, error) {
	var reply []string
	return reply[1], nil // #nosec G602 -- the panic under test
}
func (c *panickingClient) close() error { c.closed++; return nil }

// TestPanicIsTargetDown: a panic in the client is that target down, with
// the connection dropped; the scrape returns.
func TestPanicIsTargetDown(t *testing.T) {
	t.Parallel()
	target := startScraper(t, configFor("127.0.0.1:1"))
	c := &panickingClient{}
	target.s.client = c
	got, _ := target.scrape(t)
	assert.Equal(t, map[string]float64{"redis.up": 0}, got)
	assert.Equal(t, 1, c.closed)
	logged := target.logs.FilterMessage("target scrape failed; reporting it as down until it recovers").All()
	require.Len(t, logged, 1)
	assert.Contains(t, fmt.Sprint(logged[0].ContextMap()["error"]), "redis 127.0.0.1:1: the client panicked on the target's reply (runtime error: index out of range [1] with length 0)")
	assert.Equal(t, 1, target.logs.FilterMessage("recovered a panic while scraping a target; the target is reported down and the collector keeps running").Len())
}

// TestMaxSeries: a keyspace with thousands of db numbers (3,000 here) makes
// the scrape go over `max_series`: it is dropped, the target is down with
// the redis.db.* metrics named, and the series of the last good scrape go
// stale.
func TestMaxSeries(t *testing.T) {
	t.Parallel()
	var keyspace strings.Builder
	keyspace.WriteString("uptime_in_seconds:9\r\n")
	for db := range 3000 {
		fmt.Fprintf(&keyspace, "db%d:keys=1,expires=0,avg_ttl=0\r\n", db)
	}
	var scrapes atomic.Int64
	addr := testenv.ServeTCP(t, respServer("+OK\r\n", func() string {
		if scrapes.Add(1) == 1 {
			return "uptime_in_seconds:9\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"
		}
		return keyspace.String()
	}))
	target := startScraper(t, configFor(addr))
	got, good := target.scrape(t)
	require.Equal(t, float64(1), got["redis.up"])

	got, md := target.scrape(t)
	assert.Equal(t, map[string]float64{"redis.up": 0}, got)
	assert.Len(t, metrictest.Stale(md), good.DataPointCount()-1, "every series but redis.up goes stale")
	require.Equal(t, 1, target.logs.Len())
	assert.Contains(t, fmt.Sprint(target.logs.All()[0].ContextMap()["error"]),
		"redis "+addr+": the scrape produced 9002 series, over `max_series` (5000), most from redis.db.avg_ttl (3000), redis.db.expires (3000), redis.db.keys (3000): ")
}
