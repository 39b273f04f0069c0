package mysqlreceiver

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/config/confignet"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	def := metrictest.LoadConfig(t, "mysql", createDefaultConfig().(*Config))
	metrictest.CheckContribDefaults(t, "localhost:3306", def.AddrConfig, def.ControllerConfig, def.TLS)
	assert.True(t, def.AllowNativePasswords)
	assert.Equal(t, StatementEventsConfig{DigestTextLimit: 120, Limit: 250, TimeLimit: 24 * time.Hour}, def.StatementEvents)
	assert.Equal(t, 100, def.TableLimit)
	assert.Equal(t, metadata.DefaultMetricsBuilderConfig(), def.MetricsBuilderConfig)

	all := metrictest.LoadConfig(t, "mysql/all_keys", createDefaultConfig().(*Config))
	assert.Equal(t, "mysql.internal:3307", all.Endpoint)
	assert.Equal(t, "otel", all.Username)
	assert.Equal(t, "s3cret", string(all.Password))
	assert.Equal(t, "[REDACTED]", all.Password.String(), "configopaque: printing the config never shows it")
	assert.Equal(t, "retrospect", all.Database)
	assert.False(t, all.AllowNativePasswords)
	assert.Equal(t, 30*time.Second, all.CollectionInterval)
	assert.Equal(t, 2*time.Second, all.InitialDelay)
	assert.Equal(t, 5*time.Second, all.Timeout)
	assert.False(t, all.TLS.Insecure)
	assert.True(t, all.TLS.InsecureSkipVerify)
	assert.Equal(t, "mysql.example", all.TLS.ServerName)
	assert.Equal(t, "/etc/ssl/mysql-ca.pem", all.TLS.CAFile)
	assert.Equal(t, "/etc/ssl/client.pem", all.TLS.CertFile)
	assert.Equal(t, "/etc/ssl/client.key", all.TLS.KeyFile)
	assert.Equal(t, StatementEventsConfig{DigestTextLimit: 80, Limit: 10, TimeLimit: time.Hour}, all.StatementEvents)
	assert.Equal(t, 20, all.TableLimit)
	assert.True(t, all.Metrics.MysqlStatementEventCount.Enabled)
	assert.False(t, all.Metrics.MysqlUptime.Enabled)
	assert.False(t, all.ResourceAttributes.MysqlInstanceEndpoint.Enabled)

	unix := metrictest.LoadConfig(t, "mysql/unix", createDefaultConfig().(*Config))
	assert.Equal(t, confignet.AddrConfig{Endpoint: "/run/mysqld/mysqld.sock", Transport: confignet.TransportTypeUnix}, unix.AddrConfig)
}

func TestStatementEventsQueryFollowsConfig(t *testing.T) {
	cfg := metrictest.LoadConfig(t, "mysql/all_keys", createDefaultConfig().(*Config))
	s := newScraper(cfg, newNopSettings())
	assert.Contains(t, s.statementEventsQuery, "LEFT(DIGEST_TEXT, 80)")
	assert.Contains(t, s.statementEventsQuery, "INTERVAL 3600 SECOND")
	assert.Contains(t, s.statementEventsQuery, "LIMIT 10")
	assert.Equal(t, 2, strings.Count(s.ioWaitsQuery, "LIMIT 20)"), "the tables and the indexes")
	assert.True(t, strings.HasSuffix(s.lockWaitsQuery, "LIMIT 20"))
	assert.True(t, strings.HasSuffix(s.tableStatsQuery, "LIMIT 20"))
}

func TestDefaultsMatchTheIssue(t *testing.T) {
	on, off := metrictest.Toggles(metadata.DefaultMetricsBuilderConfig().Metrics)
	assert.Subset(t, on, []string{
		// contrib's default set
		"mysql.buffer_pool.data_pages", "mysql.buffer_pool.limit", "mysql.buffer_pool.operations",
		"mysql.buffer_pool.page_flushes", "mysql.buffer_pool.pages", "mysql.buffer_pool.usage",
		"mysql.double_writes", "mysql.handlers", "mysql.locks", "mysql.log_operations", "mysql.opened_resources",
		"mysql.operations", "mysql.page_operations", "mysql.prepared_statements", "mysql.row_locks",
		"mysql.row_operations", "mysql.sorts", "mysql.threads", "mysql.tmp_resources", "mysql.uptime",
		"mysql.mysqlx_connections",
		// off in contrib, on here
		"mysql.query.count", "mysql.query.slow.count", "mysql.connection.count", "mysql.connection.errors",
		"mysql.commands", "mysql.client.network.io", "mysql.replica.time_behind_source", "mysql.replica.sql_delay",
		// ours
		"mysql.up", "mysql.connection.max", "mysql.connection.max_used",
	}, "on by default")
	assert.Subset(t, off, []string{
		// on in contrib, off here: 32 series per table with one index, 64,090
		// on 2,000 tables (TestSchemaScale), over max_series
		"mysql.index.io.wait.count", "mysql.index.io.wait.time", "mysql.table.io.wait.count", "mysql.table.io.wait.time",
		"mysql.statement_event.count", "mysql.statement_event.wait.time", "mysql.joins", "mysql.table_open_cache",
		"mysql.qcache.hits", "mysql.qcache.not.cached", "mysql.qcache.queries", "mysql.query.client.count",
		"mysql.mysqlx_worker_threads",
	}, "off by default")
	r := metadata.DefaultResourceAttributesConfig()
	assert.True(t, r.MysqlInstanceEndpoint.Enabled && r.ServiceName.Enabled && r.ServiceInstanceID.Enabled)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"ipv6", func(c *Config) { c.Endpoint = "[::1]:3306"; c.Transport = "tcp6" }, ""},
		{"unix socket", func(c *Config) { c.Endpoint = "/run/mysqld/mysqld.sock"; c.Transport = "unix" }, ""},
		{"no port", func(c *Config) { c.Endpoint = "localhost" },
			"`endpoint` \"localhost\" is not host:port (address localhost: missing port in address): write it like localhost:3306, or set `transport: unix` for a socket path"},
		{"socket path over tcp", func(c *Config) { c.Endpoint = "/run/mysqld/mysqld.sock" },
			"`endpoint` \"/run/mysqld/mysqld.sock\" is not host:port (address /run/mysqld/mysqld.sock: missing port in address): write it like localhost:3306, or set `transport: unix` for a socket path"},
		{"unix without path", func(c *Config) { c.Endpoint = ""; c.Transport = "unix" },
			"`endpoint` must be the socket path with `transport: unix`, e.g. /run/mysqld/mysqld.sock"},
		{"udp", func(c *Config) { c.Transport = "udp" }, "`transport` \"udp\" is not supported for mysql localhost:3306: use tcp or unix"},
		{"no username", func(c *Config) { c.Username = "" },
			"mysql localhost:3306: `username` must be set: the monitoring user (see the GRANT statements in the receiver's README)"},
		{"limits of a scrape", func(c *Config) { c.MaxScrapeBytes = 1024; c.MaxSeries = -1 },
			"`max_series` must be positive, or 0 to turn the limit off (default 5000), got -1\n" +
				"mysql localhost:3306: `max_scrape_bytes` must be at least 65536 (default 33554432), got 1024"},
		{"no table rows", func(c *Config) { c.TableLimit = 0 },
			"mysql localhost:3306: `table_limit` must be positive (default 100): the rows each per-table and per-index query may return, got 0"},
		{"bad statement limits", func(c *Config) {
			c.StatementEvents = StatementEventsConfig{DigestTextLimit: 0, Limit: -1, TimeLimit: time.Millisecond}
		},
			"`statement_events::digest_text_limit` must be positive (default 120), got 0\n" +
				"`statement_events::limit` must be positive (default 250), got -1\n" +
				"`statement_events::time_limit` must be at least 1s (default 24h0m0s), got 1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.change(cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}

// currentContribMetrics are the metric keys of the contrib mysql receiver's
// current metadata (its generated config.schema.yaml), except
// mysql.replica.thread.running: a contrib configuration that enables any of
// them loads here unchanged.
var currentContribMetrics = []string{
	"mysql.buffer_pool.data_pages", "mysql.buffer_pool.limit", "mysql.buffer_pool.operations",
	"mysql.buffer_pool.page_flushes", "mysql.buffer_pool.pages", "mysql.buffer_pool.usage",
	"mysql.client.network.io", "mysql.commands", "mysql.connection.count", "mysql.connection.errors",
	"mysql.double_writes", "mysql.handlers", "mysql.index.io.wait.count", "mysql.index.io.wait.time",
	"mysql.innodb.data_file.io", "mysql.innodb.operation.pending", "mysql.innodb.row_lock.wait.count",
	"mysql.innodb.row_lock.wait.duration.avg", "mysql.innodb.row_lock.wait.duration.max", "mysql.joins",
	"mysql.locks", "mysql.log_operations", "mysql.max_used_connections", "mysql.mysqlx_connections",
	"mysql.mysqlx_worker_threads", "mysql.opened_resources", "mysql.operations", "mysql.page_operations",
	"mysql.page_size", "mysql.prepared_statements", "mysql.query.client.count", "mysql.query.count",
	"mysql.query.slow.count", "mysql.replica.sql_delay", "mysql.replica.temp_table.open",
	"mysql.replica.time_behind_source", "mysql.row_locks", "mysql.row_operations", "mysql.sorts",
	"mysql.statement_event.count", "mysql.statement_event.wait.time", "mysql.table.average_row_length",
	"mysql.table.io.wait.count", "mysql.table.io.wait.time", "mysql.table.lock_wait.read.count",
	"mysql.table.lock_wait.read.time", "mysql.table.lock_wait.write.count", "mysql.table.lock_wait.write.time",
	"mysql.table.rows", "mysql.table.size", "mysql.table_open_cache", "mysql.threads", "mysql.tmp_resources",
	"mysql.uptime",
}

func TestCurrentContribMetricKeysLoad(t *testing.T) {
	metrictest.LoadContribKeys(t, createDefaultConfig(), currentContribMetrics, []string{"db.system.name", "db.system.version"})
}
