//go:build integration

package redisreceiver

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
)

// Integration tests run against Debian's redis-server, started on free
// loopback ports by internal/testenv and killed at cleanup.

// defaultMetricNames are the metrics on by default that every non-cluster
// server reports.
var defaultMetricNames = []string{
	"redis.up", "redis.uptime", "redis.cpu.time", "redis.clients.connected", "redis.clients.blocked",
	"redis.clients.max_input_buffer", "redis.clients.max_output_buffer", "redis.keys.expired",
	"redis.keys.evicted", "redis.connections.received", "redis.connections.rejected",
	"redis.memory.used", "redis.memory.peak", "redis.memory.rss", "redis.memory.lua",
	"redis.memory.fragmentation_ratio", "redis.rdb.changes_since_last_save", "redis.commands",
	"redis.commands.processed", "redis.net.input", "redis.net.output", "redis.keyspace.hits",
	"redis.keyspace.misses", "redis.latest_fork", "redis.slaves.connected",
	"redis.replication.backlog_first_byte_offset", "redis.replication.offset",
	"redis.db.keys", "redis.db.expires", "redis.db.avg_ttl",
}

func TestIntegrationDefaultMetricsAndKeyspace(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{})
	srv.CLI(t, "MSET", "a", "1", "b", "2", "c", "3")
	srv.CLI(t, "-n", "2", "SET", "session", "x", "EX", "3600")
	srv.CLI(t, "-n", "2", "SET", "plain", "y")
	srv.CLI(t, "-n", "5", "SET", "only", "z")

	target := startScraper(t, configFor(srv.Addr))
	got, md := target.scrape(t)

	names := metrictest.MetricNames(got)
	assert.Subset(t, names, defaultMetricNames, "the default metrics")
	assert.Equal(t, 1.0, got["redis.up"])
	assert.Subset(t, got, map[string]float64{
		"redis.db.keys{db=0}": 3, "redis.db.keys{db=2}": 2, "redis.db.keys{db=5}": 1,
		"redis.db.expires{db=0}": 0, "redis.db.expires{db=2}": 1, "redis.db.expires{db=5}": 0,
		"redis.slaves.connected": 0,
	})
	assert.NotContains(t, names, "redis.maxmemory", "off by default, like contrib")
	assert.NotContains(t, names, "redis.cluster.state", "only in cluster mode")

	res := resourceAttrs(t, md)
	assert.Equal(t, "redis", res["service.name"])
	assert.Equal(t, srv.Addr, res["service.instance.id"])
	assert.Equal(t, "127.0.0.1", res["server.address"])
	assert.Equal(t, strconv.Itoa(srv.Port), res["server.port"])
	assert.True(t, strings.HasPrefix(res["redis.version"].(string), "7."), "redis.version %v", res["redis.version"])
	assert.Zero(t, target.logs.Len(), "a healthy target logs nothing")
}

func TestIntegrationReplica(t *testing.T) {
	t.Parallel()
	primary := testenv.StartRedis(t, testenv.RedisOptions{Password: "primary-pass"})
	replica := testenv.StartRedis(t, testenv.RedisOptions{ReplicaOf: primary})
	primary.CLI(t, "MSET", "k1", "v", "k2", "v", "k3", "v", "k4", "v")
	// Wait until the replica has the keys, so its offsets and keyspace are real.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "(integer) 4", replica.CLI(t, "DBSIZE"))
	}, 10*time.Second, 20*time.Millisecond)

	enableReplication := func(cfg *Config) *Config {
		metrictest.Enable(&cfg.Metrics, "redis.role", "redis.replication.replica_offset")
		return cfg
	}
	pcfg := enableReplication(configFor(primary.Addr))
	pcfg.Password = "primary-pass"
	p, _ := startScraper(t, pcfg).scrape(t)
	replicaTarget := startScraper(t, enableReplication(configFor(replica.Addr)))
	r, _ := replicaTarget.scrape(t)

	assert.Equal(t, 1.0, p["redis.role{role=primary}"])
	assert.Equal(t, 1.0, p["redis.slaves.connected"])
	assert.Positive(t, p["redis.replication.offset"])
	assert.Equal(t, 1.0, r["redis.role{role=replica}"])
	assert.Equal(t, 0.0, r["redis.slaves.connected"])
	assert.Equal(t, 4.0, r["redis.db.keys{db=0}"], "keys written on the primary, read on the replica")
	assert.Positive(t, r["redis.replication.replica_offset"])
	assert.Equal(t, r["redis.replication.offset"], r["redis.replication.replica_offset"])
	assert.LessOrEqual(t, r["redis.replication.replica_offset"], p["redis.replication.offset"])
	assert.Equal(t, 1.0, r["redis.replication.master_link.up"])
	assert.Equal(t, 0.0, r["redis.replication.master_sync.in_progress"])
	assert.Contains(t, r, "redis.replication.master_last_io")

	// The master dies: the replica's link is down at once (the replica sees
	// the connection close); its other series stay, only the seconds since
	// the last I/O (-1 now) go stale.
	primary.Kill()
	var down map[string]float64
	var md pmetric.Metrics
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		down, md = replicaTarget.scrape(t)
		assert.Equal(c, 0.0, down["redis.replication.master_link.up"])
	}, time.Second, 50*time.Millisecond, "link 0 within one interval")
	assert.Equal(t, 1.0, down["redis.up"])
	assert.Equal(t, 4.0, down["redis.db.keys{db=0}"])
	delete(r, "redis.replication.master_last_io")
	assert.Equal(t, slices.Sorted(maps.Keys(r)), slices.Sorted(maps.Keys(down)), "the replica's series are intact")
	assert.Equal(t, []string{"redis.replication.master_last_io"}, metrictest.Stale(md))
}

// The least-privilege ACL of the README: a user that may run only what the
// scraper sends scrapes every metric (default and optional), which proves
// the receiver sends no write command.
const readmeACL = "otel on >otel-pass -@all +info +ping +cluster|info +latency +hello +client|setname"

func TestIntegrationAuth(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{
		Password: "default-pass",
		ACLUsers: []string{readmeACL, "pingonly on >ping-pass -@all +ping"},
	})
	srv.CLI(t, "SET", "k", "v")
	tests := []struct {
		name     string
		username string
		password string
		command  string // the command the error names
		wantLog  string // none: the target is up
	}{
		{name: "requirepass", password: "default-pass"},
		{name: "least-privilege ACL user", username: "otel", password: "otel-pass"},
		{name: "wrong password", password: "not-the-password", command: "AUTH", wantLog: "WRONGPASS invalid username-password pair or user is disabled.: check `username` and `password`"},
		{name: "wrong ACL password", username: "otel", password: "wrong-otel-pass", command: "AUTH", wantLog: "check `username` and `password`"},
		{name: "no password", command: "INFO", wantLog: "NOAUTH Authentication required.: the server requires authentication: set `password` (and `username` for an ACL user)"},
		{name: "ACL user without INFO", username: "pingonly", password: "ping-pass", command: "INFO", wantLog: "NOPERM this user has no permissions to run the 'info' command: the ACL user may not run INFO: grant it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configFor(srv.Addr)
			cfg.Username, cfg.Password = tt.username, configopaque.String(tt.password)
			cfg.MetricsBuilderConfig = allMetrics()
			target := startScraper(t, cfg)
			if tt.wantLog == "" {
				got, _ := target.scrape(t)
				got2, _ := target.scrape(t)
				assert.Equal(t, 1.0, got["redis.up"])
				assert.Equal(t, 1.0, got2["redis.up"])
				assert.Subset(t, metrictest.MetricNames(got), append(defaultMetricNames, "redis.cmd.calls", "redis.cmd.usec", "redis.cmd.latency", "redis.maxmemory", "redis.role"))
				assert.Zero(t, target.logs.Len())
				return
			}
			target.scrapeDown(t)
			msg := target.scrapeDown(t) // a failed scrape reports only redis.up, logged once
			t.Log(msg)
			assert.Contains(t, msg, "redis "+srv.Addr+": "+tt.command+": ")
			assert.Contains(t, msg, tt.wantLog)
			if tt.password != "" {
				assert.NotContains(t, msg, tt.password)
			}
		})
	}
}

func TestIntegrationUnixSocket(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{UnixSocket: true})
	srv.CLI(t, "SET", "k", "v")
	cfg := configFor(srv.SocketPath)
	cfg.Transport = confignet.TransportTypeUnix
	got, md := startScraper(t, cfg).scrape(t)
	assert.Equal(t, 1.0, got["redis.up"])
	assert.Equal(t, 1.0, got["redis.db.keys{db=0}"])
	res := resourceAttrs(t, md)
	assert.Equal(t, srv.SocketPath, res["server.address"])
	assert.Equal(t, srv.SocketPath, res["service.instance.id"])
	assert.NotContains(t, res, "server.port")
}

func TestIntegrationTLS(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{TLS: true})
	otherCA := testenv.NewTestPKI(t, t.TempDir(), "127.0.0.1")
	tests := []struct {
		name     string
		endpoint string
		caFile   string // set: TLS on, trusting this CA
		wantLog  string
	}{
		{name: "TLS port with the test CA", endpoint: srv.TLSAddr, caFile: srv.TLS.CACert},
		{name: "TLS port, TLS not configured", endpoint: srv.TLSAddr, wantLog: "set `tls::insecure: false` and `tls::ca_file`"},
		{name: "TLS port, other CA", endpoint: srv.TLSAddr, caFile: otherCA.CACert, wantLog: "certificate is not trusted: check `tls::ca_file`"},
		{name: "plain port, TLS configured", endpoint: srv.Addr, caFile: srv.TLS.CACert, wantLog: "TLS failed: check that `endpoint` is the server's TLS port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configFor(tt.endpoint)
			cfg.Timeout = 2 * time.Second
			if tt.caFile != "" {
				cfg.TLS.Insecure = false
				cfg.TLS.CAFile = tt.caFile
			}
			target := startScraper(t, cfg)
			if tt.wantLog == "" {
				got, _ := target.scrape(t)
				assert.Equal(t, 1.0, got["redis.up"])
				assert.Contains(t, got, "redis.memory.used")
				return
			}
			msg := target.scrapeDown(t)
			t.Log(msg)
			assert.Contains(t, msg, "redis "+tt.endpoint+": INFO: ")
			assert.Contains(t, msg, tt.wantLog)
		})
	}
}

func TestIntegrationKillAndRestart(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{})
	srv.CLI(t, "SET", "k", "v")
	target := startScraper(t, configFor(srv.Addr))

	got, _ := target.scrape(t)
	require.Equal(t, 1.0, got["redis.up"])
	delete(got, "redis.up")
	wantStale := slices.Sorted(maps.Keys(got))

	srv.Kill()
	for i := 0; i < 3; i++ {
		got, md := target.scrape(t)
		assert.Equal(t, map[string]float64{"redis.up": 0}, got, "scrape %d while down", i)
		if i == 0 {
			assert.Equal(t, wantStale, metrictest.Stale(md), "the first failed scrape marks every other series stale")
		} else {
			assert.Empty(t, metrictest.Stale(md), "scrape %d: marked stale once", i)
		}
		own := md.ResourceMetrics().At(md.ResourceMetrics().Len() - 1) // after the stale points
		assert.Equal(t, srv.Addr, own.Resource().Attributes().AsRaw()["service.instance.id"], "redis.up 0 keeps the instance label")
	}
	down := target.logs.FilterMessage("target scrape failed; reporting it as down until it recovers").All()
	require.Len(t, down, 1, "logged once, not per scrape")
	msg := fmt.Sprint(down[0].ContextMap()["error"])
	assert.Contains(t, msg, "redis "+srv.Addr+": INFO: ")
	assert.Contains(t, msg, "nothing listens there: is the server running, and is `endpoint` right?")

	srv.Restart(t)
	got, _ = target.scrape(t)
	assert.Equal(t, 1.0, got["redis.up"], "the same receiver instance recovers")
	assert.Contains(t, got, "redis.uptime")
	assert.Equal(t, 1, target.logs.FilterMessage("target is reachable again").Len())
}

// A server restarted between two scrapes leaves the kept connection dead;
// the next scrape redials and succeeds.
func TestIntegrationRestartBetweenScrapes(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{})
	target := startScraper(t, configFor(srv.Addr))
	got, _ := target.scrape(t)
	require.Equal(t, 1.0, got["redis.up"])
	srv.Kill()
	srv.Restart(t)
	got, _ = target.scrape(t)
	assert.Equal(t, 1.0, got["redis.up"])
	assert.Zero(t, target.logs.Len())
}

func TestIntegrationCluster(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{
		Cluster:  true,
		ACLUsers: []string{readmeACL},
	})
	srv.CLI(t, "CLUSTER", "ADDSLOTSRANGE", "0", "16383")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Contains(c, srv.CLI(t, "CLUSTER", "INFO"), "cluster_state:ok")
	}, 15*time.Second, 50*time.Millisecond)
	cfg := configFor(srv.Addr)
	cfg.Username, cfg.Password = "otel", "otel-pass"
	got, _ := startScraper(t, cfg).scrape(t)
	assert.Equal(t, 1.0, got["redis.up"])
	assert.Subset(t, got, singleNodeClusterPoints)
}

// The server's own command statistics show what the receiver sent: one INFO
// per scrape and nothing else (no HELLO, CLIENT SETINFO, SELECT or writes).
func TestIntegrationOneINFOPerScrape(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t, testenv.RedisOptions{})
	target := startScraper(t, configFor(srv.Addr))
	for i := 0; i < 3; i++ {
		got, _ := target.scrape(t)
		require.Equal(t, 1.0, got["redis.up"])
	}
	var cmdstats []string
	for _, line := range strings.Split(srv.Info(t, "commandstats"), "\n") {
		if strings.HasPrefix(line, "cmdstat_") {
			cmdstats = append(cmdstats, line[:strings.IndexByte(line, ',')])
		}
	}
	assert.Equal(t, []string{"cmdstat_info:calls=3"}, cmdstats)
}

// The persistence and limit metrics follow what the test does to the server:
// a background save that fails, one that succeeds, AOF switched on and
// maxclients changed.
func TestIntegrationPersistenceAndLimits(t *testing.T) {
	t.Parallel()
	// dbfilename is a protected config: CONFIG SET needs this.
	srv := testenv.StartRedis(t, testenv.RedisOptions{Config: []string{"enable-protected-configs local"}})
	target := startScraper(t, configFor(srv.Addr))
	got, _ := target.scrape(t)
	startedAt := got["redis.rdb.last_save.time"]
	assert.Equal(t, parseLastSave(t, srv), startedAt, "the server's start counts as the last save")
	assert.Equal(t, 1.0, got["redis.rdb.last_bgsave.status"], "no save has failed yet")
	assert.Equal(t, 0.0, got["redis.aof.enabled"])
	assert.Equal(t, 10000.0, got["redis.clients.max"], "Redis' default")
	info := parseInfo(srv.Info(t, "memory"))
	assert.Equal(t, info["total_system_memory"], strconv.FormatFloat(got["redis.memory.total_system"], 'f', -1, 64))

	// A non-empty directory where the dump belongs makes the save's final
	// rename fail.
	require.NoError(t, os.MkdirAll(filepath.Join(srv.Dir, "blocked.rdb", "x"), 0o700))
	srv.CLI(t, "CONFIG", "SET", "dbfilename", "blocked.rdb")
	srv.CLI(t, "BGSAVE")
	waitPersistence(t, srv, "rdb_bgsave_in_progress")
	got, _ = target.scrape(t)
	assert.Equal(t, 0.0, got["redis.rdb.last_bgsave.status"], "the failed save")
	assert.Equal(t, startedAt, got["redis.rdb.last_save.time"], "a failed save is not a save")

	srv.CLI(t, "CONFIG", "SET", "dbfilename", "dump.rdb")
	srv.CLI(t, "CONFIG", "SET", "maxclients", "77")
	// LASTSAVE has one-second resolution: save in a later second than the start.
	require.Eventually(t, func() bool { return float64(time.Now().Unix()) > startedAt }, 5*time.Second, 20*time.Millisecond)
	srv.CLI(t, "BGSAVE")
	waitPersistence(t, srv, "rdb_bgsave_in_progress")
	srv.CLI(t, "CONFIG", "SET", "appendonly", "yes")
	waitPersistence(t, srv, "aof_rewrite_in_progress")
	got, _ = target.scrape(t)
	lastSave := parseLastSave(t, srv)
	assert.Greater(t, lastSave, startedAt)
	assert.Equal(t, lastSave, got["redis.rdb.last_save.time"], "BGSAVE moved it to LASTSAVE")
	assert.Equal(t, 1.0, got["redis.rdb.last_bgsave.status"])
	assert.Equal(t, 1.0, got["redis.aof.enabled"])
	assert.Equal(t, 1.0, got["redis.aof.last_write.status"])
	assert.Equal(t, 77.0, got["redis.clients.max"])
}

func parseLastSave(t *testing.T, srv *testenv.Redis) float64 {
	t.Helper()
	out := strings.TrimPrefix(srv.CLI(t, "LASTSAVE"), "(integer) ")
	v, err := strconv.ParseFloat(out, 64)
	require.NoError(t, err, out)
	return v
}

// waitPersistence waits until the job whose INFO persistence field is
// inProgress has ended.
func waitPersistence(t *testing.T, srv *testenv.Redis, inProgress string) {
	t.Helper()
	require.Eventually(t, func() bool {
		return parseInfo(srv.Info(t, "persistence"))[inProgress] == "0"
	}, 30*time.Second, 20*time.Millisecond)
}

// parseInfo reads an INFO reply into field -> value.
func parseInfo(text string) map[string]string {
	fields := map[string]string{}
	forEachField(text, func(k, v string) { fields[k] = v })
	return fields
}
