package mysqlreceiver

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// Values from testdata/primary (MariaDB 10.11 after the load of record.sh).
func TestScrapeRecordedPrimary(t *testing.T) {
	s, fc, _ := newFixtureScraper(t, "primary", allMetrics())
	md := s.scrapeMetrics(t)
	got := points(md)
	want := map[string]int64{
		"mysql.up":                                          1,
		"mysql.uptime":                                      1,
		"mysql.query.count":                                 35,
		"mysql.query.client.count":                          35,
		"mysql.query.slow.count":                            0,
		"mysql.connection.count":                            11,
		"mysql.connection.max":                              151,
		"mysql.connection.max_used":                         2,
		"mysql.threads{kind=connected}":                     2,
		"mysql.buffer_pool.limit":                           33554432,
		"mysql.buffer_pool.pages{kind=data}":                308,
		"mysql.buffer_pool.pages{kind=free}":                1720,
		"mysql.buffer_pool.data_pages{status=dirty}":        29,
		"mysql.buffer_pool.data_pages{status=clean}":        279,
		"mysql.buffer_pool.usage{status=dirty}":             475136,
		"mysql.buffer_pool.usage{status=clean}":             5046272 - 475136, // Innodb_buffer_pool_bytes_data - dirty
		"mysql.commands{command=insert}":                    2,
		"mysql.commands{command=select}":                    11,
		"mysql.client.network.io{kind=received}":            2625,
		"mysql.connection.errors{error=aborted_clients}":    0,
		"mysql.threads.created":                             2,
		"mysql.open_resources{kind=file}":                   32,
		"mysql.open_resources{kind=table}":                  14,
		"mysql.open_resources{kind=table_definition}":       21,
		"mysql.open_resources.limit{kind=file}":             20000,
		"mysql.open_resources.limit{kind=table}":            2000,
		"mysql.open_resources.limit{kind=table_definition}": 400,
		"mysql.innodb.open_files":                           7,
		"mysql.prepared_statements.open":                    0,
		"mysql.prepared_statements.limit":                   16382,
		"mysql.innodb.history_list_length":                  7,
		"mysql.innodb.force_recovery":                       0,
		"mysql.innodb.memory{kind=adaptive_hash}":           0,
		"mysql.innodb.memory{kind=dictionary}":              234656,
		"mysql.innodb.log_buffer.size":                      16777216,
		"mysql.key_buffer.size":                             134217728,
		"mysql.qcache.size":                                 1048576,
		"mysql.qcache.free_memory":                          1031272,
		"mysql.thread_cache.size":                           151,
		"mysql.page_size":                                   16384,
		"mysql.max_used_connections":                        2,
		"mysql.handlers{kind=tmp_write}":                    4,
		"mysql.command.calls{command=show_status}":          1,
		"mysql.command.calls{command=select}":               11,
		"mysql.processlist.threads{command=Binlog Dump,state=Master has sent all binlog to slave; waiting for more updates}": 1,
		"mysql.processlist.threads{command=Query,state=Filling schema table}":                                                1,
		// performance_schema: picoseconds / 1000.
		"mysql.table.io.wait.count{operation=fetch,schema=shop,table=orders}":                                                                                       10,
		"mysql.table.io.wait.time{operation=insert,schema=shop,table=orders}":                                                                                       5873455,
		"mysql.index.io.wait.count{index=by_customer,operation=fetch,schema=shop,table=orders}":                                                                     6,
		"mysql.index.io.wait.time{index=PRIMARY,operation=delete,schema=shop,table=orders}":                                                                         37302,
		"mysql.index.io.wait.count{index=NONE,operation=insert,schema=shop,table=orders}":                                                                           4,
		"mysql.statement_event.count{digest=64c399022cd00c44711bfac6057e3bfa,digest_text=SELECT * FROM `orders` ORDER BY `amount` DESC,kind=rows_sent,schema=shop}": 3,
	}
	assert.Subset(t, got, want)
	assert.NotContains(t, metricNames(md), "mysql.replica.time_behind_source", "the primary is not a replica")
	assert.NotContains(t, metricNames(md), "mysql.mysqlx_connections", "MariaDB has no X plugin")
	assert.Equal(t, []string{variablesQuery, statusQuery, s.ioWaitsQuery, s.statementEventsQuery, s.lockWaitsQuery, s.tableStatsQuery, processlistQuery, "SHOW ALL REPLICAS STATUS"}, fc.sent,
		"every statement of a scrape with every metric on, in this order")

	res := md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()
	assert.Equal(t, map[string]any{
		"mysql.instance.endpoint": "db.internal:3306", "service.name": "mysql", "service.instance.id": "db.internal:3306",
		"db.system.name": "mariadb", "db.system.version": "10.11.19-MariaDB-0+deb12u1-log",
	}, res)
}

func TestScrapeRecordedReplica(t *testing.T) {
	s, _, _ := newFixtureScraper(t, "replica", metadata.DefaultMetricsBuilderConfig())
	assert.Equal(t, map[string]int64{
		"mysql.replica.io_running{channel=}": 1, "mysql.replica.sql_running{channel=}": 1,
		"mysql.replica.last_io_errno{channel=}": 0, "mysql.replica.last_sql_errno{channel=}": 0,
		"mysql.replica.time_behind_source{channel=}": 0, "mysql.replica.sql_delay{channel=}": 0,
		"mysql.replica.source.server_id{channel=}": 1, // the primary's --server-id
	}, replicaPoints(s.scrapePoints(t)))
}

// Every metric on by default (the list) has a data point from the
// recorded MariaDB except the MySQL-only X plugin, the replica's lag and
// mysql.row_operations: MariaDB 10.11 has no Innodb_rows_* status variables
// (and no dml_* counters in information_schema.innodb_metrics).
func TestDefaultMetricsFromRecordedPrimary(t *testing.T) {
	s, _, _ := newFixtureScraper(t, "primary", metadata.DefaultMetricsBuilderConfig())
	md := s.scrapeMetrics(t)
	assert.Equal(t, []string{
		"mysql.buffer_pool.data_pages", "mysql.buffer_pool.limit", "mysql.buffer_pool.operations",
		"mysql.buffer_pool.page_flushes", "mysql.buffer_pool.pages", "mysql.buffer_pool.usage",
		"mysql.client.network.io", "mysql.commands", "mysql.connection.count", "mysql.connection.errors",
		"mysql.connection.max", "mysql.connection.max_used", "mysql.double_writes", "mysql.handlers",
		"mysql.innodb.force_recovery",
		"mysql.innodb.history_list_length", "mysql.innodb.log_buffer.size", "mysql.innodb.memory",
		"mysql.innodb.open_files", "mysql.key_buffer.size", "mysql.locks", "mysql.log_operations",
		"mysql.open_resources", "mysql.open_resources.limit",
		"mysql.opened_resources", "mysql.operations", "mysql.page_operations", "mysql.page_size",
		"mysql.prepared_statements", "mysql.prepared_statements.limit", "mysql.prepared_statements.open",
		"mysql.qcache.size", "mysql.query.count", "mysql.query.slow.count", "mysql.row_locks",
		"mysql.sorts", "mysql.thread_cache.size",
		"mysql.threads", "mysql.threads.created", "mysql.tmp_resources", "mysql.up", "mysql.uptime",
	}, metricNames(md))
}

func TestScrapeFailures(t *testing.T) {
	tests := []struct {
		name    string
		failOn  string
		err     error
		up      int64
		logged  string // the warning's error text
		present []string
		// reconnects: a missing global privilege drops the connection so
		// a later GRANT reaches a new session.
		reconnects int
	}{
		{
			name: "wrong password", failOn: "SHOW GLOBAL VARIABLES", up: 0,
			err:    &mysql.MySQLError{Number: 1045, Message: "Access denied for user 'otel'@'localhost' (using password: YES)"},
			logged: "mysql db.internal:3306: Error 1045: Access denied for user 'otel'@'localhost' (using password: YES): check `username` and `password` (the user must exist for the collector's host, e.g. CREATE USER 'root'@'%' IDENTIFIED BY '...')",
		},
		{
			name: "server down", failOn: "SHOW GLOBAL VARIABLES", up: 0,
			err:    mysql.ErrInvalidConn,
			logged: "mysql db.internal:3306: the connection was lost or reset (server restarted or stopped?); the receiver reconnects on the next scrape",
		},
		{
			name: "no answer in time", failOn: "SHOW GLOBAL STATUS", up: 0,
			err:    context.DeadlineExceeded,
			logged: "mysql db.internal:3306: context deadline exceeded: no answer within 10s: the server is overloaded or hung, or `endpoint` is not a MySQL port; raise `timeout` if it is just slow",
		},
		{
			name: "no SELECT on performance_schema", failOn: "(SELECT 'table'", up: 1,
			err:     &mysql.MySQLError{Number: 1142, Message: "SELECT command denied to user 'otel'@'localhost' for table `performance_schema`.`table_io_waits_summary_by_table`"},
			logged:  "mysql db.internal:3306 (performance_schema I/O waits): Error 1142: SELECT command denied to user 'otel'@'localhost' for table `performance_schema`.`table_io_waits_summary_by_table`: GRANT SELECT ON performance_schema.* TO 'root'@'%'",
			present: []string{"mysql.query.count", "mysql.up"},
		},
		{
			name: "no SLAVE MONITOR", failOn: "SHOW ALL REPLICAS STATUS", up: 1,
			err:        &mysql.MySQLError{Number: 1227, Message: "Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation"},
			logged:     "mysql db.internal:3306 (replica status): Error 1227: Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation: GRANT SLAVE MONITOR ON *.* TO 'root'@'%' (MariaDB 10.5+), or GRANT REPLICATION CLIENT ON *.* TO 'root'@'%' (MySQL)",
			present:    []string{"mysql.query.count", "mysql.table.io.wait.count", "mysql.up"},
			reconnects: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fc, logs := newFixtureScraper(t, "replica", allMetrics()) // with the performance_schema I/O waits
			s.cfg.Password = "s3cret-never-logged"
			fc.errs[tt.failOn] = tt.err

			for range 3 {
				md := s.scrapeMetrics(t) // scraperhelper never gets the error
				assert.Equal(t, tt.up, points(md)["mysql.up"])
				if tt.up == 0 {
					assert.Equal(t, []string{"mysql.up"}, metricNames(md), "a failed scrape emits only mysql.up")
				}
				assert.Subset(t, metricNames(md), tt.present)
			}
			require.Equal(t, 1, logs.Len(), "logged once, not per scrape")
			assert.Equal(t, tt.reconnects, fc.reconnects)
			entry := logs.All()[0]
			assert.Equal(t, tt.logged, entry.ContextMap()["error"])
			assert.NotContains(t, entry.ContextMap()["error"], "s3cret")

			delete(fc.errs, tt.failOn)
			assert.Equal(t, int64(1), s.scrapePoints(t)["mysql.up"], "recovers with the same scraper")
		})
	}
}

// TestCanceledScrapeIsNotLogged: a scrape canceled while it connects to a
// server that never greets (the collector shutting down) says nothing about
// the target, so nothing is logged as a failure.
func TestCanceledScrapeIsNotLogged(t *testing.T) {
	connected := make(chan struct{}, 1)
	addr := testenv.ServeTCP(t, func(c net.Conn) {
		select {
		case connected <- struct{}{}:
		default:
		}
		_, _ = io.Copy(io.Discard, c) // no greeting, until the client hangs up
	})
	s, logs := newLoopbackScraper(t, addr, zap.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-connected; cancel() }()
	_, err := s.scrape(ctx)
	require.NoError(t, err)
	assert.Empty(t, logs.All())
}

func TestReplicaStatusQuery(t *testing.T) {
	tests := []struct {
		version string
		want    string
	}{
		{"10.11.19-MariaDB-0+deb12u1-log", "SHOW ALL REPLICAS STATUS"},
		{"10.5.1-MariaDB", "SHOW ALL REPLICAS STATUS"},
		{"10.4.34-MariaDB", "SHOW ALL SLAVES STATUS"},
		{"8.0.36", "SHOW REPLICA STATUS"},
		{"8.0.21", "SHOW SLAVE STATUS"},
		{"5.7.44-log", "SHOW SLAVE STATUS"},
		{"", "SHOW SLAVE STATUS"},
	}
	for _, tt := range tests {
		info := serverInfo{version: tt.version, mariaDB: strings.Contains(tt.version, "MariaDB")}
		assert.Equal(t, tt.want, replicaStatusQuery(info), tt.version)
	}
}

// MySQL 8.0.22+ names the columns Replica_*_Running and Seconds_Behind_Source
// and has a row per Channel_Name (no MySQL server runs here: the column names
// are MySQL's documented ones, not a recording). MariaDB's SHOW ALL REPLICAS
// STATUS has a row per Connection_name. NULL lag (SQL thread stopped) gives no
// point; "Connecting" is not running.
func TestRecordReplicaColumns(t *testing.T) {
	tests := []struct {
		name    string
		columns []string
		row     [][]byte
		want    map[string]int64
	}{
		{"MySQL 8, channel", []string{"Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source", "SQL_Delay", "Last_IO_Errno", "Last_SQL_Errno", "Channel_Name"},
			[][]byte{[]byte("Yes"), []byte("Yes"), []byte("12"), []byte("30"), []byte("0"), []byte("0"), []byte("orders")},
			map[string]int64{"mysql.replica.io_running{channel=orders}": 1, "mysql.replica.sql_running{channel=orders}": 1,
				"mysql.replica.time_behind_source{channel=orders}": 12, "mysql.replica.sql_delay{channel=orders}": 30,
				"mysql.replica.last_io_errno{channel=orders}": 0, "mysql.replica.last_sql_errno{channel=orders}": 0}},
		{"MariaDB, default connection", []string{"Connection_name", "Slave_IO_Running", "Slave_SQL_Running", "Seconds_Behind_Master", "SQL_Delay"},
			[][]byte{[]byte(""), []byte("Yes"), []byte("Yes"), []byte("3"), []byte("0")},
			map[string]int64{"mysql.replica.io_running{channel=}": 1, "mysql.replica.sql_running{channel=}": 1,
				"mysql.replica.time_behind_source{channel=}": 3, "mysql.replica.sql_delay{channel=}": 0}},
		{"SQL thread stopped: no lag", []string{"Slave_SQL_Running", "Seconds_Behind_Master", "Last_SQL_Errno"}, [][]byte{[]byte("No"), nil, []byte("1146")},
			map[string]int64{"mysql.replica.sql_running{channel=}": 0, "mysql.replica.last_sql_errno{channel=}": 1146}},
		{"IO thread connecting", []string{"Slave_IO_Running", "Last_IO_Errno"}, [][]byte{[]byte("Connecting"), []byte("2003")},
			map[string]int64{"mysql.replica.io_running{channel=}": 0, "mysql.replica.last_io_errno{channel=}": 2003}},
		{"short row", []string{"Seconds_Behind_Master", "SQL_Delay"}, [][]byte{[]byte("5")},
			map[string]int64{"mysql.replica.time_behind_source{channel=}": 5}},
	}
	for _, tt := range tests {
		s := newScraper(createDefaultConfig().(*Config), newNopSettings())
		s.recordReplica(0, tt.columns, tt.row)
		assert.Equal(t, tt.want, points(s.mb.Emit()), tt.name)
	}
}

// TestMaxSeries: a scrape over `max_series` is dropped, the target is down
// with the metrics that exploded named, and the series of its last good
// scrape go stale.
func TestMaxSeries(t *testing.T) {
	s, _, logs := newFixtureScraper(t, "primary", metadata.DefaultMetricsBuilderConfig())
	series := s.scrapeMetrics(t).DataPointCount() // a good scrape
	s.cfg.MaxSeries = series - 1

	md := s.scrapeMetrics(t)
	assert.Equal(t, map[string]int64{"mysql.up": 0}, points(md))
	assert.Len(t, metrictest.Stale(md), series-1, "every series but mysql.up goes stale")
	require.Equal(t, 1, logs.Len())
	assert.Contains(t, logs.All()[0].ContextMap()["error"],
		fmt.Sprintf("mysql db.internal:3306: the scrape produced %d series, over `max_series` (%d), most from mysql.", series, series-1))
}

// MySQL 8 has no Innodb_history_list_length status variable: the scraper
// reads information_schema.INNODB_METRICS instead (recorded from MariaDB,
// which has both).
func TestHistoryLengthWithoutTheStatusVariable(t *testing.T) {
	s, fc, _ := newFixtureScraper(t, "primary", metadata.DefaultMetricsBuilderConfig())
	status := fc.fixtures[statusQuery]
	status.rows = slices.DeleteFunc(slices.Clone(status.rows), func(row [][]byte) bool {
		return string(row[0]) == "Innodb_history_list_length"
	})
	fc.fixtures[statusQuery] = status
	assert.Equal(t, int64(7), s.scrapePoints(t)["mysql.innodb.history_list_length"])
	assert.Contains(t, fc.sent, historyLengthQuery)

	s, fc, _ = newFixtureScraper(t, "primary", metadata.DefaultMetricsBuilderConfig())
	s.scrapeMetrics(t)
	assert.NotContains(t, fc.sent, historyLengthQuery, "MariaDB reports it in the status")
}
