//go:build integration

package mysqlreceiver

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

const (
	monitorUser     = "otel"
	monitorPassword = "m0n'itor pass" // quote and space: the driver must not need escaping
)

// liveScraper is a started scraper on a real server, logging into logs.
type liveScraper struct {
	*mysqlScraper
	logs *observer.ObservedLogs
}

func startScraper(t *testing.T, configure func(*Config)) liveScraper {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Username = monitorUser
	cfg.Password = configopaque.String(monitorPassword)
	cfg.Timeout = 5 * time.Second
	configure(cfg)
	require.NoError(t, cfg.Validate())
	set, logs := metrictest.ObservedSettings(metadata.Type, zap.DebugLevel)
	s := newScraper(cfg, set)
	require.NoError(t, s.start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, s.shutdown(context.Background())) })
	return liveScraper{s, logs}
}

// warnings are the error texts the scraper logged at warn level.
func (s liveScraper) warnings() []string {
	var out []string
	for _, e := range s.logs.FilterLevelExact(zap.WarnLevel).All() {
		out = append(out, fmt.Sprint(e.ContextMap()["error"]))
	}
	return out
}

// scrapeDown scrapes a target that is down: only mysql.up 0, and one
// warning logged, which it returns.
func (s liveScraper) scrapeDown(t *testing.T) string {
	t.Helper()
	assert.Equal(t, map[string]int64{"mysql.up": 0}, s.scrapePoints(t))
	w := s.warnings()
	require.Len(t, w, 1, "logged once while down")
	return w[0]
}

// startMariaDB starts a server with the monitoring user.
func startMariaDB(t *testing.T, opts testenv.MariaDBOptions) *testenv.MariaDB {
	t.Helper()
	m := testenv.StartMariaDB(t, opts)
	m.CreateMonitorUser(t, monitorUser, monitorPassword)
	return m
}

func tcp(m *testenv.MariaDB) func(*Config) {
	return func(c *Config) { c.Endpoint = m.Addr }
}

// withIOWaits turns on the per-table and per-index I/O wait metrics (off by
// default) after configure.
func withIOWaits(configure func(*Config)) func(*Config) {
	return func(c *Config) {
		configure(c)
		metrictest.Enable(&c.Metrics, "mysql.table.io.wait.", "mysql.index.io.wait.")
	}
}

// The monitoring user with exactly the documented grants reads everything on
// by default, and the values move by exactly what the test did.
func TestIntegrationLoadSlowQueriesAndLimits(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{Args: []string{"--long-query-time=0.2", "--max-connections=42"}})
	m.Exec(t, "CREATE DATABASE shop", "CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, amount INT)")
	s := startScraper(t, withIOWaits(tcp(m)))

	before := s.scrapePoints(t)
	assert.Equal(t, int64(1), before["mysql.up"])
	assert.Equal(t, int64(42), before["mysql.connection.max"])
	assert.Equal(t, int64(32<<20), before["mysql.buffer_pool.limit"])

	// 3 INSERT statements (7 rows), 2 slow queries, 5 `mariadb` client
	// connections in all.
	m.Exec(t,
		"INSERT INTO shop.orders (amount) VALUES (1), (2), (3)",
		"INSERT INTO shop.orders (amount) VALUES (4), (5)",
		"INSERT INTO shop.orders (amount) VALUES (6), (7)",
		"SELECT SLEEP(0.3)",
		"SELECT SLEEP(0.25)")
	after := s.scrapePoints(t)
	delta := func(name string) int64 { return after[name] - before[name] }
	assert.Equal(t, int64(2), delta("mysql.query.slow.count"), "exactly the two SLEEPs are slow")
	assert.Equal(t, int64(3), delta("mysql.commands{command=insert}"))
	assert.Equal(t, int64(5), delta("mysql.connection.count"), "the five client connections; the receiver reuses its one connection")
	assert.Equal(t, int64(7), after["mysql.table.io.wait.count{operation=insert,schema=shop,table=orders}"])
	assert.Equal(t, int64(7), after["mysql.index.io.wait.count{index=NONE,operation=insert,schema=shop,table=orders}"])
	assert.Greater(t, delta("mysql.query.count"), int64(5))
	assert.GreaterOrEqual(t, after["mysql.connection.max_used"], int64(1))
	assert.Equal(t, int64(1), after["mysql.threads{kind=connected}"], "only the receiver is connected")
	assert.Empty(t, s.warnings(), "the documented grants are enough")
	assert.NotContains(t, after, "mysql.replica.time_behind_source")

	// Statement digests (off by default): the query the test ran, with the
	// rows it sent.
	m.Exec(t, "USE shop; SELECT amount FROM orders WHERE amount > 3")
	withDigests := startScraper(t, func(c *Config) {
		c.Endpoint = m.Addr
		metrictest.Enable(&c.Metrics, "mysql.statement_event.")
	})
	digests := withDigests.scrapePoints(t)
	var rowsSent []int64
	for k, v := range digests {
		if strings.HasPrefix(k, "mysql.statement_event.count{") && strings.Contains(k, "digest_text=SELECT `amount` FROM `orders` WHERE `amount` > ?,") && strings.Contains(k, "kind=rows_sent,schema=shop}") {
			rowsSent = append(rowsSent, v)
		}
	}
	assert.Equal(t, []int64{4}, rowsSent, "the test's SELECT is among the digests: %v", digests)
	require.NoError(t, withDigests.mysqlScraper.shutdown(context.Background()))

	// Concurrent scrapes still use one connection.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _, _ = s.scrape(context.Background()) })
	}
	wg.Wait()
	// (Eventually: the digest scraper's closed connection may linger a moment.)
	assert.Eventually(t, func() bool {
		return m.QueryValue(t, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'otel'") == "1"
	}, 5*time.Second, 50*time.Millisecond, "one connection")
}

func TestIntegrationReplica(t *testing.T) {
	primary := startMariaDB(t, testenv.MariaDBOptions{}) // its monitoring user is replicated
	replica := primary.StartReplica(t, testenv.MariaDBOptions{})
	s := startScraper(t, tcp(replica))

	got := s.scrapePoints(t)
	assert.Equal(t, int64(1), got["mysql.up"])
	assert.Equal(t, map[string]int64{
		"mysql.replica.io_running{channel=}": 1, "mysql.replica.sql_running{channel=}": 1,
		"mysql.replica.last_io_errno{channel=}": 0, "mysql.replica.last_sql_errno{channel=}": 0,
		"mysql.replica.time_behind_source{channel=}": 0, "mysql.replica.sql_delay{channel=}": 0,
		"mysql.replica.source.server_id{channel=}": int64(primary.ServerID),
	}, replicaPoints(got))

	replica.Exec(t, "STOP SLAVE", "CHANGE MASTER TO MASTER_DELAY=7", "START SLAVE")
	// The lag is NULL (no point) until the restarted threads have connected.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := s.scrapePoints(c)
		assert.Equal(c, int64(7), got["mysql.replica.sql_delay{channel=}"])
		assert.Contains(c, got, "mysql.replica.time_behind_source{channel=}")
	}, 30*time.Second, 100*time.Millisecond)
	assert.Empty(t, s.warnings())

	// SQL thread stopped: sql_running 0, and the lag (NULL) goes stale
	// instead of keeping its last value.
	replica.Exec(t, "STOP SLAVE SQL_THREAD")
	md := s.scrapeMetrics(t)
	got = points(md)
	assert.Equal(t, int64(0), got["mysql.replica.sql_running{channel=}"])
	assert.Equal(t, int64(1), got["mysql.replica.io_running{channel=}"])
	assert.NotContains(t, got, "mysql.replica.time_behind_source{channel=}")
	assert.Equal(t, []string{"mysql.replica.time_behind_source{channel=}"}, metrictest.Stale(md))

	replica.Exec(t, "START SLAVE SQL_THREAD")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := s.scrapePoints(c)
		assert.Equal(c, int64(1), got["mysql.replica.sql_running{channel=}"])
		assert.Contains(c, got, "mysql.replica.time_behind_source{channel=}", "the lag is back")
	}, 20*time.Second, 100*time.Millisecond)

	replica.Exec(t, "STOP SLAVE IO_THREAD")
	got = s.scrapePoints(t)
	assert.Equal(t, int64(0), got["mysql.replica.io_running{channel=}"])
	assert.Equal(t, int64(1), got["mysql.replica.sql_running{channel=}"])

	// Multi-source: a second primary on connection 'orders' has its own
	// series, running while the default connection's IO thread is stopped;
	// stopping its SQL thread shows in its series only.
	orders := testenv.StartMariaDB(t, testenv.MariaDBOptions{Args: []string{"--gtid-domain-id=2"}})
	orders.Exec(t, "CREATE USER 'orders_repl'@'127.0.0.1' IDENTIFIED BY 'repl'", "GRANT REPLICATION SLAVE ON *.* TO 'orders_repl'@'127.0.0.1'")
	replica.Exec(t,
		fmt.Sprintf("CHANGE MASTER 'orders' TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='orders_repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1", orders.Port),
		"START SLAVE 'orders'")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := s.scrapePoints(c)
		assert.Equal(c, int64(1), got["mysql.replica.io_running{channel=orders}"])
		assert.Equal(c, int64(1), got["mysql.replica.sql_running{channel=orders}"])
		assert.Equal(c, int64(0), got["mysql.replica.io_running{channel=}"])
		assert.Contains(c, got, "mysql.replica.time_behind_source{channel=orders}")
	}, 20*time.Second, 100*time.Millisecond)
	replica.Exec(t, "STOP SLAVE 'orders' SQL_THREAD")
	got = s.scrapePoints(t)
	assert.Equal(t, int64(0), got["mysql.replica.sql_running{channel=orders}"])
	assert.Equal(t, int64(1), got["mysql.replica.sql_running{channel=}"])
	assert.NotContains(t, got, "mysql.replica.time_behind_source{channel=orders}")

	// The primary is no replica: no lag series, no warning.
	p := startScraper(t, tcp(primary))
	got = p.scrapePoints(t)
	assert.Equal(t, int64(1), got["mysql.up"])
	assert.Empty(t, replicaPoints(got))
	assert.Empty(t, p.warnings())
}

// Kill mariadbd: mysql.up 0 on the next scrape, one warning; restart: the
// same scraper reads the server again.
func TestIntegrationKillAndRestart(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{})
	s := startScraper(t, tcp(m))
	require.Equal(t, int64(1), s.scrapePoints(t)["mysql.up"])

	m.Process.Kill()
	for range 3 {
		assert.Contains(t, s.scrapeDown(t), "mysql "+m.Addr+": ")
	}

	m.Process.Restart(t)
	m.WaitReady(t)
	got := s.scrapePoints(t)
	assert.Equal(t, int64(1), got["mysql.up"])
	assert.Less(t, got["mysql.uptime"], int64(30), "a fresh server")
	assert.Equal(t, 1, s.logs.FilterMessage("target is reachable again").Len())
}

func TestIntegrationBadCredentialsAndGrants(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{})
	m.CreateUser(t, "bare", "bare")

	t.Run("wrong password", func(t *testing.T) {
		s := startScraper(t, func(c *Config) { c.Endpoint = m.Addr; c.Password = "not-the-password" })
		w := s.scrapeDown(t)
		assert.Equal(t, "mysql "+m.Addr+": Error 1045 (28000): Access denied for user 'otel'@'127.0.0.1' (using password: YES): check `username` and `password` (the user must exist for the collector's host, e.g. CREATE USER 'otel'@'%' IDENTIFIED BY '...')", w)
		assert.NotContains(t, w, "not-the-password")
	})

	t.Run("no grants", func(t *testing.T) {
		s := startScraper(t, withIOWaits(func(c *Config) { c.Endpoint = m.Addr; c.Username = "bare"; c.Password = "bare" }))
		got := s.scrapePoints(t)
		assert.Equal(t, int64(1), got["mysql.up"], "the status needs no privilege")
		assert.Contains(t, got, "mysql.query.count")
		assert.NotContains(t, metrictest.MetricNames(got), "mysql.table.io.wait.count")
		w := s.warnings()
		require.Len(t, w, 2)
		assert.Contains(t, w[0], "mysql "+m.Addr+" (performance_schema I/O waits): Error 1142 (42000): SELECT command denied to user 'bare'@'127.0.0.1'")
		assert.True(t, strings.HasSuffix(w[0], ": GRANT SELECT ON performance_schema.* TO 'bare'@'%'"), w[0])
		assert.Contains(t, w[1], "mysql "+m.Addr+" (replica status): Error 1227 (42000): Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation: GRANT SLAVE MONITOR ON *.* TO 'bare'@'%' (MariaDB 10.5+)")
		s.scrapePoints(t)
		assert.Len(t, s.warnings(), 2, "not repeated")

		m.Exec(t, "GRANT PROCESS, SLAVE MONITOR ON *.* TO 'bare'@'%'", "GRANT SELECT ON performance_schema.* TO 'bare'@'%'")
		m.Exec(t, "CREATE DATABASE IF NOT EXISTS shop", "CREATE TABLE shop.t (id INT)", "INSERT INTO shop.t VALUES (1)")
		got = s.scrapePoints(t)
		assert.Equal(t, int64(1), got["mysql.table.io.wait.count{operation=insert,schema=shop,table=t}"], "granted later: read without a restart")
		assert.Equal(t, 2, s.logs.FilterMessage("target is reachable again").Len(), "SLAVE MONITOR too (a new session)")
	})

	t.Run("unknown database", func(t *testing.T) {
		s := startScraper(t, func(c *Config) { c.Endpoint = m.Addr; c.Database = "nope" })
		assert.Contains(t, s.scrapeDown(t), "`database` \"nope\"")
	})
}

func TestIntegrationWithoutPerformanceSchemaAndOverUnixSocket(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{NoPerformanceSchema: true})
	s := startScraper(t, withIOWaits(func(c *Config) { c.Endpoint = m.Socket; c.Transport = confignet.TransportTypeUnix }))
	got := s.scrapePoints(t)
	assert.Equal(t, int64(1), got["mysql.up"])
	assert.NotContains(t, metrictest.MetricNames(got), "mysql.table.io.wait.count")
	assert.Empty(t, s.warnings(), "a server without performance_schema is not an error")
	s.scrapePoints(t)
	assert.Equal(t, 1, s.logs.FilterMessageSnippet("performance_schema is off").Len(), "one debug line")
}

// A server that accepts and never answers: the scrape ends at `timeout`.
func TestIntegrationHangingServer(t *testing.T) {
	addr := testenv.ServeTCP(t, nil)
	s := startScraper(t, func(c *Config) { c.Endpoint = addr; c.Timeout = 300 * time.Millisecond })
	start := time.Now()
	w := s.scrapeDown(t)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Contains(t, w, "mysql "+addr+": ")
	assert.Contains(t, w, "no answer within 300ms")
}

// The receiver through its factory: scraperhelper drives it; a dead
// endpoint reports mysql.up 0 without an error in the pipeline.
func TestIntegrationReceiverThroughFactory(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{})
	dead := testenv.Addr(testenv.FreePort(t))
	f := NewFactory()
	for endpoint, want := range map[string]int64{m.Addr: 1, dead: 0} {
		cfg := f.CreateDefaultConfig().(*Config)
		cfg.Endpoint = endpoint
		cfg.Username = monitorUser
		cfg.Password = monitorPassword
		cfg.CollectionInterval = 100 * time.Millisecond
		// Without it a scrape is bounded by the 100ms interval, which a
		// loaded machine exceeds (the live server then reads as down).
		cfg.Timeout = 5 * time.Second
		sink := new(consumertest.MetricsSink)
		r, err := f.CreateMetrics(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
		require.NoError(t, err)
		require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
		t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
		require.Eventually(t, func() bool { return len(sink.AllMetrics()) >= 2 }, 10*time.Second, 50*time.Millisecond)
		md := sink.AllMetrics()[1]
		assert.Equal(t, want, points(md)["mysql.up"], endpoint)
		id, _ := md.ResourceMetrics().At(0).Resource().Attributes().Get("service.instance.id")
		assert.Equal(t, endpoint, id.Str())
	}
}

func TestIntegrationTLS(t *testing.T) {
	pki := testenv.NewTestPKI(t, t.TempDir(), "127.0.0.1", "localhost")
	m := startMariaDB(t, testenv.MariaDBOptions{TLS: pki})
	m.CreateMonitorUser(t, "certuser", "c")
	m.Exec(t, "ALTER USER 'otel'@'%' REQUIRE SSL", "ALTER USER 'certuser'@'%' REQUIRE SUBJECT '/CN=test-client'")

	tests := []struct {
		name    string
		change  func(*Config)
		warning string // none: the scrape succeeds
	}{
		{"CA file", func(c *Config) { c.TLS.Insecure = false; c.TLS.CAFile = pki.CACert }, ""},
		{"client certificate", func(c *Config) {
			c.Username, c.Password = "certuser", "c"
			c.TLS.Insecure = false
			c.TLS.CAFile, c.TLS.CertFile, c.TLS.KeyFile = pki.CACert, pki.ClientCert, pki.ClientKey
		}, ""},
		{"plaintext to a REQUIRE SSL user", func(*Config) {}, "Error 1045 (28000): Access denied for user 'otel'@'127.0.0.1'"},
		{"untrusted CA", func(c *Config) { c.TLS.Insecure = false }, "the server's TLS certificate is not trusted: set `tls::ca_file`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startScraper(t, func(c *Config) { c.Endpoint = m.Addr; tt.change(c) })
			if tt.warning == "" {
				assert.Equal(t, int64(1), s.scrapePoints(t)["mysql.up"])
				assert.Empty(t, s.warnings())
				return
			}
			assert.Contains(t, s.scrapeDown(t), tt.warning)
		})
	}
}

// The limits, caches, open statements and commands follow what the test
// does to the server; the values the test cannot set are compared with the
// server's own SHOW GLOBAL STATUS.
func TestIntegrationLimitsCachesAndStatements(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{Args: []string{"--innodb-log-buffer-size=8388608"}})
	m.Exec(t, "CREATE DATABASE shop", "CREATE TABLE shop.a (id INT)", "CREATE TABLE shop.b (id INT)",
		"SET GLOBAL max_prepared_stmt_count = 77", "SET GLOBAL table_definition_cache = 777",
		"SET GLOBAL table_open_cache = 555", "SET GLOBAL thread_cache_size = 9",
		"SET GLOBAL key_buffer_size = 8388608", "SET GLOBAL query_cache_size = 2097152")
	s := startScraper(t, func(c *Config) {
		c.Endpoint = m.Addr
		metrictest.Enable(&c.Metrics, "mysql.command.calls", "mysql.processlist.threads",
			"mysql.table.rows", "mysql.table.size", "mysql.table.lock_wait.read.count")
	})

	// A prepared statement left open on a connection of its own, idle.
	db := openAsMonitor(t, m)
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	stmt, err := conn.PrepareContext(context.Background(), "SELECT ? + 1")
	require.NoError(t, err)
	t.Cleanup(func() { stmt.Close() })

	// information_schema.TABLES lists only tables the user has a privilege on.
	m.Exec(t, "GRANT SELECT ON shop.* TO 'otel'@'%'")
	m.Exec(t, "INSERT INTO shop.a VALUES (1), (2), (3)", "ANALYZE TABLE shop.a",
		"FLUSH TABLES", "SELECT * FROM shop.a JOIN shop.b", "DO 1", "DO 2")
	openFilesLimit, ok := parseInt([]byte(m.QueryValue(t, "SELECT @@open_files_limit")))
	require.True(t, ok)
	status := serverStatus(t, m) // before the scrape: its own connection creates a thread
	got := s.scrapePoints(t)
	assert.Subset(t, got, map[string]int64{
		"mysql.prepared_statements.open":                    1,
		"mysql.prepared_statements.limit":                   77,
		"mysql.open_resources.limit{kind=table_definition}": 777,
		"mysql.open_resources.limit{kind=table}":            555,
		"mysql.thread_cache.size":                           9,
		"mysql.key_buffer.size":                             8388608,
		"mysql.qcache.size":                                 2097152,
		"mysql.innodb.log_buffer.size":                      8388608,
		"mysql.innodb.force_recovery":                       0,
		"mysql.page_size":                                   16384,
		"mysql.command.calls{command=do}":                   2,
		"mysql.command.calls{command=flush}":                1,
		// The idle connection holding the statement; the scraper's own
		// thread is in Query.
		"mysql.processlist.threads{command=Sleep,state=}": 1,
		"mysql.table.rows{schema=shop,table=a}":           3,
		"mysql.table.rows{schema=shop,table=b}":           0,
		"mysql.table.size{kind=data,schema=shop,table=a}": 16384, // one InnoDB page
		"mysql.open_resources{kind=file}":                 status["Open_files"],
		"mysql.open_resources.limit{kind=file}":           openFilesLimit,
		"mysql.innodb.open_files":                         status["Innodb_num_open_files"],
		"mysql.innodb.memory{kind=dictionary}":            status["Innodb_mem_dictionary"],
	})
	assert.Contains(t, got, "mysql.innodb.history_list_length")
	// The statement MySQL 8 needs for it is valid on a real server too.
	_, ok = parseInt([]byte(m.QueryValue(t, historyLengthQuery)))
	assert.True(t, ok)
	assert.Positive(t, got["mysql.table.lock_wait.read.count{kind=external,schema=shop,table=b}"], "the SELECT read shop.b")
	// Threads_created moves with every new connection that finds no cached thread.
	assert.GreaterOrEqual(t, got["mysql.threads.created"], status["Threads_created"])
	openAfterSelect := got["mysql.open_resources{kind=table}"]
	assert.GreaterOrEqual(t, openAfterSelect, int64(2), "shop.a and shop.b are open")

	require.NoError(t, stmt.Close())
	m.Exec(t, "FLUSH TABLES")
	got = s.scrapePoints(t)
	assert.Equal(t, int64(0), got["mysql.prepared_statements.open"], "the statement was closed")
	assert.Less(t, got["mysql.open_resources{kind=table}"], openAfterSelect, "FLUSH TABLES closed them")
	assert.Equal(t, int64(2), got["mysql.command.calls{command=flush}"])
	assert.Empty(t, s.warnings())
}

// openAsMonitor opens a database/sql pool to m as the monitoring user.
func openAsMonitor(t *testing.T, m *testenv.MariaDB) *sql.DB {
	t.Helper()
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr = monitorUser, monitorPassword, "tcp", m.Addr
	connector, err := mysql.NewConnector(mc)
	require.NoError(t, err)
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return db
}

// serverStatus reads SHOW GLOBAL STATUS as root, numeric values only.
func serverStatus(t *testing.T, m *testenv.MariaDB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, row := range m.Query(t, "SHOW GLOBAL STATUS") {
		if v, ok := parseInt([]byte(row[1])); ok && len(row) == 2 {
			out[row[0]] = v
		}
	}
	return out
}

// withTableMetrics turns on every per-table and per-index metric (all off by
// default) after configure, with `table_limit` limit.
func withTableMetrics(configure func(*Config), limit int) func(*Config) {
	return func(c *Config) {
		configure(c)
		c.TableLimit = limit
		metrictest.Enable(&c.Metrics, "mysql.table.", "mysql.index.")
	}
}

// objectsOf lists the schema.table (schema.table.index for the index
// metrics) that metric has points for. Attributes are sorted by name in the
// points' keys: index first, then kind or operation, schema and table.
func objectsOf(got map[string]int64, metric string) map[string]bool {
	series := regexp.MustCompile(`^` + regexp.QuoteMeta(metric) + `\{(?:index=([^,]*),)?.*schema=([^,]*),table=([^,]*)\}$`)
	objects := map[string]bool{}
	for key := range got {
		if m := series.FindStringSubmatch(key); m != nil {
			objects[strings.TrimSuffix(m[2]+"."+m[3]+"."+m[1], ".")] = true
		}
	}
	return objects
}

// TestIntegrationTableLimit: with more tables than `table_limit`, each
// per-table and per-index statement returns the ones with the most wait
// time, the largest for the table statistics. Table tN gets N single-row
// INSERTs of 2,000 bytes, so N times the I/O and lock waits of t1 and about
// N times its size: with a limit of 2, t100 and t10 come back. With every
// per-table metric on and the default limit, a schema of 124 tables stays
// within the default `max_series` (mysql.up 1) with 100 rows of each.
func TestIntegrationTableLimit(t *testing.T) {
	m := startMariaDB(t, testenv.MariaDBOptions{})
	m.Exec(t, "CREATE DATABASE lim", "GRANT SELECT ON lim.* TO 'otel'@'%'")
	var load strings.Builder
	for _, n := range []int{0, 1, 10, 100} {
		fmt.Fprintf(&load, "CREATE TABLE lim.t%d (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(2000));", n)
		for range n {
			fmt.Fprintf(&load, "INSERT INTO lim.t%d (v) VALUES (REPEAT('x', 2000));", n)
		}
		fmt.Fprintf(&load, "ANALYZE TABLE lim.t%d;", n)
	}
	m.Exec(t, load.String())

	got := startScraper(t, withTableMetrics(tcp(m), 2)).scrapePoints(t)
	assert.Equal(t, int64(1), got["mysql.up"])
	top2 := map[string]bool{"lim.t100": true, "lim.t10": true}
	for _, metric := range []string{"mysql.table.io.wait.count", "mysql.table.size"} {
		assert.Equal(t, top2, objectsOf(got, metric), metric)
	}
	// Lock waits are microseconds each: on a loaded machine t1's CREATE and
	// ANALYZE can outweigh t10's ten INSERTs (seen 1 run in 3), not t100's.
	lockWaits := objectsOf(got, "mysql.table.lock_wait.write.count")
	assert.Len(t, lockWaits, 2)
	assert.Contains(t, lockWaits, "lim.t100")
	assert.Equal(t, map[string]bool{"lim.t100.NONE": true, "lim.t10.NONE": true}, objectsOf(got, "mysql.index.io.wait.count"))

	load.Reset()
	for i := range 120 {
		fmt.Fprintf(&load, "CREATE TABLE lim.u%d (id INT PRIMARY KEY, v INT, KEY by_v (v)); INSERT INTO lim.u%d VALUES (1, 1); SELECT v FROM lim.u%d WHERE v = 1;", i, i, i)
	}
	m.Exec(t, load.String())
	s := startScraper(t, withTableMetrics(tcp(m), defaultTableLimit))
	md := s.scrapeMetrics(t)
	got = points(md)
	assert.Equal(t, int64(1), got["mysql.up"], "within max_series: %v", s.warnings())
	for _, metric := range []string{"mysql.table.io.wait.count", "mysql.index.io.wait.count", "mysql.table.lock_wait.read.count", "mysql.table.rows"} {
		assert.Len(t, objectsOf(got, metric), defaultTableLimit, metric)
	}
	t.Logf("124 tables, every per-table metric on, table_limit %d: %d series", defaultTableLimit, md.DataPointCount())
}
