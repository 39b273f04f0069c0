package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/internal/scrapeguard"
	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/internal/tcpscraper"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// The statements of one scrape. Every one is read-only.
const (
	statusQuery    = "SHOW GLOBAL STATUS"
	variablesQuery = "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('innodb_buffer_pool_size', 'max_connections', 'performance_schema', 'version'," +
		" 'open_files_limit', 'table_open_cache', 'table_definition_cache', 'max_prepared_stmt_count', 'innodb_force_recovery'," +
		" 'innodb_log_buffer_size', 'key_buffer_size', 'query_cache_size', 'thread_cache_size')"
	// The per-table and per-index statements end in LIMIT `table_limit`:
	// the tables (indexes) that cost the server the most wait time first, as
	// statement digests are, and the largest tables for the table
	// statistics; ties in name order, so the same rows come back at every
	// scrape.
	tableStatsFormat = "SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_ROWS, 0), COALESCE(AVG_ROW_LENGTH, 0), COALESCE(DATA_LENGTH, 0), COALESCE(INDEX_LENGTH, 0)" +
		" FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys')" +
		" ORDER BY COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) DESC, TABLE_SCHEMA, TABLE_NAME LIMIT %d"
	lockWaitsFormat = "SELECT OBJECT_SCHEMA, OBJECT_NAME, COUNT_READ_NORMAL, COUNT_READ_WITH_SHARED_LOCKS, COUNT_READ_HIGH_PRIORITY, COUNT_READ_NO_INSERT, COUNT_READ_EXTERNAL," +
		" COUNT_WRITE_ALLOW_WRITE, COUNT_WRITE_CONCURRENT_INSERT, COUNT_WRITE_LOW_PRIORITY, COUNT_WRITE_NORMAL, COUNT_WRITE_EXTERNAL," +
		" SUM_TIMER_READ_NORMAL, SUM_TIMER_READ_WITH_SHARED_LOCKS, SUM_TIMER_READ_HIGH_PRIORITY, SUM_TIMER_READ_NO_INSERT, SUM_TIMER_READ_EXTERNAL," +
		" SUM_TIMER_WRITE_ALLOW_WRITE, SUM_TIMER_WRITE_CONCURRENT_INSERT, SUM_TIMER_WRITE_LOW_PRIORITY, SUM_TIMER_WRITE_NORMAL, SUM_TIMER_WRITE_EXTERNAL" +
		" FROM performance_schema.table_lock_waits_summary_by_table WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys')" +
		" ORDER BY SUM_TIMER_WAIT DESC, OBJECT_SCHEMA, OBJECT_NAME LIMIT %d"
	// historyLengthQuery reads the history list length where SHOW GLOBAL
	// STATUS lacks it (MySQL 8); it needs PROCESS.
	historyLengthQuery = "SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'"
	processlistQuery   = "SELECT COMMAND, COALESCE(STATE, ''), COUNT(*) FROM information_schema.PROCESSLIST GROUP BY COMMAND, STATE"
	// ioWaitsFormat limits the tables and the indexes each.
	ioWaitsFormat = "(SELECT 'table', OBJECT_SCHEMA, OBJECT_NAME, '', COUNT_DELETE, COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, SUM_TIMER_DELETE, SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE" +
		" FROM performance_schema.table_io_waits_summary_by_table WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys')" +
		" ORDER BY SUM_TIMER_WAIT DESC, OBJECT_SCHEMA, OBJECT_NAME LIMIT %d)" +
		" UNION ALL (SELECT 'index', OBJECT_SCHEMA, OBJECT_NAME, COALESCE(INDEX_NAME, 'NONE'), COUNT_DELETE, COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, SUM_TIMER_DELETE, SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE" +
		" FROM performance_schema.table_io_waits_summary_by_index_usage WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys')" +
		" ORDER BY SUM_TIMER_WAIT DESC, OBJECT_SCHEMA, OBJECT_NAME, INDEX_NAME LIMIT %d)"
	statementEventsFormat = "SELECT COALESCE(SCHEMA_NAME, 'NONE'), DIGEST, LEFT(DIGEST_TEXT, %d), SUM_TIMER_WAIT, SUM_ERRORS, SUM_WARNINGS, SUM_ROWS_AFFECTED, SUM_ROWS_SENT, SUM_ROWS_EXAMINED, SUM_CREATED_TMP_DISK_TABLES, SUM_CREATED_TMP_TABLES, SUM_SORT_MERGE_PASSES, SUM_SORT_ROWS, SUM_NO_INDEX_USED" +
		" FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') AND LAST_SEEN > DATE_SUB(NOW(), INTERVAL %d SECOND) ORDER BY SUM_TIMER_WAIT DESC LIMIT %d"
)

// defaultDialTimeout applies when `timeout` is not set.
const defaultDialTimeout = 5 * time.Second

// picosPerNano converts performance_schema timers (picoseconds) to ns.
const picosPerNano = 1000

type mysqlScraper struct {
	cfg    *Config
	logger *zap.Logger
	mb     *metadata.MetricsBuilder
	client client
	// target ends each scrape: the log, stale markers for the series the
	// server stopped producing (the lag while the SQL thread is stopped, too)
	// and memory_guard.
	target tcpscraper.Target
	// newClient is replaced by tests.
	newClient func() (client, error)

	// Fixed at creation from the configuration.
	statementEventsQuery string
	ioWaitsQuery         string
	lockWaitsQuery       string
	tableStatsQuery      string
	wantIOWaits          bool
	wantStatements       bool
	wantReplica          bool
	wantProcesslist      bool
	wantTableStats       bool
	wantLockWaits        bool
	scrapeTimeout        time.Duration

	// After a panic in the driver the target is retried with back-off: the
	// driver leaves the connection it panicked in (and a goroutine watching
	// it) behind, so a hostile server answering every scrape must not cost
	// one per interval. panics counts them in a row; until retryAt the
	// scrape reports down with panicErr without connecting.
	panics   int
	retryAt  time.Time
	panicErr error

	// scrapeMu serializes scrapes: the MetricsBuilder is not safe for
	// concurrent use (scraperhelper never overlaps them; tests do).
	scrapeMu sync.Mutex
	mu       sync.Mutex
	noted    map[string]bool // debug lines already written
}

// serverInfo is what the variables say about the server.
type serverInfo struct {
	version           string
	mariaDB           bool
	performanceSchema bool
	historyInStatus   bool // Innodb_history_list_length was in the status
}

// systemName is the db.system.name of the server.
func (i serverInfo) systemName() string {
	if i.mariaDB {
		return "mariadb"
	}
	return "mysql"
}

func newScraper(cfg *Config, settings receiver.Settings) *mysqlScraper {
	m := cfg.Metrics
	s := &mysqlScraper{
		cfg:    cfg,
		logger: settings.Logger,
		mb:     metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, settings),
		target: tcpscraper.NewTarget(cfg.Endpoint, settings.Logger),
		statementEventsQuery: fmt.Sprintf(statementEventsFormat, cfg.StatementEvents.DigestTextLimit,
			int64(cfg.StatementEvents.TimeLimit/time.Second), cfg.StatementEvents.Limit),
		ioWaitsQuery:    fmt.Sprintf(ioWaitsFormat, cfg.TableLimit, cfg.TableLimit),
		lockWaitsQuery:  fmt.Sprintf(lockWaitsFormat, cfg.TableLimit),
		tableStatsQuery: fmt.Sprintf(tableStatsFormat, cfg.TableLimit),
		wantIOWaits: m.MysqlTableIoWaitCount.Enabled || m.MysqlTableIoWaitTime.Enabled ||
			m.MysqlIndexIoWaitCount.Enabled || m.MysqlIndexIoWaitTime.Enabled,
		wantStatements: m.MysqlStatementEventCount.Enabled || m.MysqlStatementEventWaitTime.Enabled,
		wantReplica: m.MysqlReplicaTimeBehindSource.Enabled || m.MysqlReplicaSQLDelay.Enabled ||
			m.MysqlReplicaIoRunning.Enabled || m.MysqlReplicaSQLRunning.Enabled ||
			m.MysqlReplicaLastIoErrno.Enabled || m.MysqlReplicaLastSQLErrno.Enabled ||
			m.MysqlReplicaSourceServerID.Enabled,
		wantProcesslist: m.MysqlProcesslistThreads.Enabled,
		wantTableStats:  m.MysqlTableRows.Enabled || m.MysqlTableAverageRowLength.Enabled || m.MysqlTableSize.Enabled,
		wantLockWaits: m.MysqlTableLockWaitReadCount.Enabled || m.MysqlTableLockWaitReadTime.Enabled ||
			m.MysqlTableLockWaitWriteCount.Enabled || m.MysqlTableLockWaitWriteTime.Enabled,
		scrapeTimeout: cfg.Timeout,
		noted:         map[string]bool{},
	}
	if s.scrapeTimeout <= 0 {
		s.scrapeTimeout = cfg.CollectionInterval
	}
	s.newClient = func() (client, error) {
		tlsConfig, err := cfg.TLS.LoadTLSConfig(context.Background())
		if err != nil {
			return nil, fmt.Errorf("mysql %s: %w: check the files under `tls`", cfg.Endpoint, err)
		}
		dialTimeout := cfg.Timeout
		if dialTimeout <= 0 {
			dialTimeout = defaultDialTimeout
		}
		return newSQLClient(cfg, tlsConfig, dialTimeout, settings.Logger)
	}
	return s
}

func (s *mysqlScraper) start(_ context.Context, host component.Host) error {
	s.target.FindMemoryGuard(host)
	c, err := s.newClient()
	if err != nil {
		return err
	}
	s.client = c
	return nil
}

// maxPanicBackoff is the longest wait before retrying a target whose
// replies made the driver panic.
const maxPanicBackoff = 5 * time.Minute

// emitDown reports the target down for err, dropping what the failed
// scrape recorded.
func (s *mysqlScraper) emitDown(now pcommon.Timestamp, err error) pmetric.Metrics {
	s.mb.Emit()
	s.mb.RecordMysqlUpDataPoint(now, 0)
	return s.target.Down(s.build(serverInfo{}), now, s.explain(err, ""))
}

// backOff schedules the next try after a panic (1, 2, 4... intervals) and
// replaces the client.
func (s *mysqlScraper) backOff(err error) {
	s.panics++
	wait := min(s.cfg.CollectionInterval<<min(s.panics-1, 16), maxPanicBackoff)
	s.retryAt = time.Now().Add(wait)
	s.panicErr = err
	s.replaceClient()
}

// replaceClient drops the client after a panic in the driver: database/sql
// counted the connection the panic abandoned as open, and with one
// connection allowed the pool would wait for it forever.
func (s *mysqlScraper) replaceClient() {
	_ = s.client.close()
	c, err := s.newClient()
	if err != nil {
		s.target.Tracker.Observe(s.cfg.Endpoint, err)
		return
	}
	s.client = c
}

func (s *mysqlScraper) shutdown(context.Context) error {
	if s.client != nil {
		return s.client.close()
	}
	return nil
}

// scrape reads the status and variables (both required: a failure is
// mysql.up 0, logged once per change of state) and then the optional parts,
// each skipped on its own when the server lacks it or the user may not
// read it. scraperhelper never gets an error.
func (s *mysqlScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	if s.client == nil {
		return pmetric.NewMetrics(), errors.New("mysql scraper used before start")
	}
	s.scrapeMu.Lock()
	defer s.scrapeMu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.scrapeTimeout)
		defer cancel()
	}
	now := pcommon.NewTimestampFromTime(time.Now())
	if time.Now().Before(s.retryAt) {
		return s.emitDown(now, s.panicErr), nil
	}
	s.client.beginScrape()
	var info serverInfo
	err := s.target.RunGuarded(func() error {
		var err error
		info, err = s.scrapeRequired(ctx, now)
		if err != nil {
			return err
		}
		s.scrapeOptional(ctx, now, info)
		if ctx.Err() != nil {
			return fmt.Errorf("%w (in the optional statements)", ctx.Err())
		}
		return nil
	})
	if _, panicked := errors.AsType[*scrapeguard.PanicError](err); panicked {
		s.backOff(err)
	} else {
		s.panics = 0
	}
	if err != nil {
		return s.emitDown(now, err), nil
	}
	s.mb.RecordMysqlUpDataPoint(now, 1)
	md := s.build(info)
	if err := serieslimit.Check(md, s.cfg.MaxSeries); err != nil {
		return s.emitDown(now, err), nil
	}
	return s.target.Up(md, now, metadata.MetricsInfo.MysqlUp.Name), nil
}

func (s *mysqlScraper) scrapeRequired(ctx context.Context, now pcommon.Timestamp) (serverInfo, error) {
	var info serverInfo
	err := s.client.query(ctx, variablesQuery, func(_ []string, row [][]byte) {
		if len(row) < 2 {
			return
		}
		s.recordVariable(now, &info, string(row[0]), row[1])
	})
	if err != nil {
		return info, err
	}
	rec := statusRecorder{mb: s.mb, ts: now, wantCommandCalls: s.cfg.Metrics.MysqlCommandCalls.Enabled}
	err = s.client.query(ctx, statusQuery, func(_ []string, row [][]byte) {
		if len(row) >= 2 {
			rec.record(row[0], row[1])
		}
	})
	if err != nil {
		return info, err
	}
	rec.finish()
	info.historyInStatus = rec.historyInStatus
	for _, name := range rec.unparsed {
		s.noteOnce("status "+name, "mysql status variable is not a number; skipped", zap.String("variable", name))
	}
	return info, nil
}

func (s *mysqlScraper) recordVariable(now pcommon.Timestamp, info *serverInfo, name string, value []byte) {
	switch name {
	case "version":
		info.version = string(value)
		info.mariaDB = strings.Contains(strings.ToLower(info.version), "mariadb")
	case "performance_schema":
		info.performanceSchema = strings.EqualFold(string(value), "ON") || string(value) == "1"
	default:
		if record, ok := variableRules[name]; ok {
			if v, ok := parseInt(value); ok {
				record(s.mb, now, v)
			}
		}
	}
}

// variableRules maps the numeric variables of variablesQuery to their metric.
var variableRules = func() map[string]func(*metadata.MetricsBuilder, pcommon.Timestamp, int64) {
	type mb = metadata.MetricsBuilder
	limit := func(kind metadata.AttributeOpenedResources) func(*mb, pcommon.Timestamp, int64) {
		return func(m *mb, ts pcommon.Timestamp, v int64) { m.RecordMysqlOpenResourcesLimitDataPoint(ts, v, kind) }
	}
	return map[string]func(*mb, pcommon.Timestamp, int64){
		"max_connections":         (*mb).RecordMysqlConnectionMaxDataPoint,
		"innodb_buffer_pool_size": (*mb).RecordMysqlBufferPoolLimitDataPoint,
		"open_files_limit":        limit(metadata.AttributeOpenedResourcesFile),
		"table_open_cache":        limit(metadata.AttributeOpenedResourcesTable),
		"table_definition_cache":  limit(metadata.AttributeOpenedResourcesTableDefinition),
		"max_prepared_stmt_count": (*mb).RecordMysqlPreparedStatementsLimitDataPoint,
		"innodb_force_recovery":   (*mb).RecordMysqlInnodbForceRecoveryDataPoint,
		"innodb_log_buffer_size":  (*mb).RecordMysqlInnodbLogBufferSizeDataPoint,
		"key_buffer_size":         (*mb).RecordMysqlKeyBufferSizeDataPoint,
		"query_cache_size":        (*mb).RecordMysqlQcacheSizeDataPoint,
		"thread_cache_size":       (*mb).RecordMysqlThreadCacheSizeDataPoint,
	}
}()

// scrapeOptional reads performance_schema and the replica status.
func (s *mysqlScraper) scrapeOptional(ctx context.Context, now pcommon.Timestamp, info serverInfo) {
	if (s.wantIOWaits || s.wantStatements || s.wantLockWaits) && !info.performanceSchema {
		s.noteOnce("performance_schema off",
			"performance_schema is off: mysql.table.io.wait.*, mysql.index.io.wait.*, mysql.table.lock_wait.* and mysql.statement_event.* are skipped; start the server with --performance-schema=ON (my.cnf: performance_schema=ON) to get them")
	}
	if s.wantIOWaits && info.performanceSchema {
		s.optionalPart(ctx, "performance_schema I/O waits", s.ioWaitsQuery, func(_ []string, row [][]byte) { s.recordIOWait(now, row) })
	}
	if s.wantStatements && info.performanceSchema {
		s.optionalPart(ctx, "performance_schema statement digests", s.statementEventsQuery, func(_ []string, row [][]byte) { s.recordStatementEvent(now, row) })
	}
	if s.wantLockWaits && info.performanceSchema {
		s.optionalPart(ctx, "performance_schema table lock waits", s.lockWaitsQuery, func(_ []string, row [][]byte) { s.recordLockWaits(now, row) })
	}
	if s.wantTableStats {
		s.optionalPart(ctx, "table statistics", s.tableStatsQuery, func(_ []string, row [][]byte) { s.recordTableStats(now, row) })
	}
	if s.cfg.Metrics.MysqlInnodbHistoryListLength.Enabled && !info.historyInStatus {
		s.optionalPart(ctx, "InnoDB history list length", historyLengthQuery, func(_ []string, row [][]byte) {
			if len(row) != 1 {
				return
			}
			if v, ok := parseInt(row[0]); ok {
				s.mb.RecordMysqlInnodbHistoryListLengthDataPoint(now, v)
			}
		})
	}
	if s.wantProcesslist {
		s.optionalPart(ctx, "processlist", processlistQuery, func(_ []string, row [][]byte) { s.recordProcesslist(now, row) })
	}
	if s.wantReplica {
		rows := 0
		s.optionalPart(ctx, "replica status", replicaStatusQuery(info), func(columns []string, row [][]byte) {
			rows++
			s.recordReplica(now, columns, row)
		})
		if rows == 0 {
			s.noteOnce("not a replica", "the server is not a replica: mysql.replica.* are not emitted")
		}
	}
}

// optionalPart runs one statement whose failure only skips its metrics; the
// failure is logged once per change of state under its own target name.
func (s *mysqlScraper) optionalPart(ctx context.Context, part, statement string, fn func([]string, [][]byte)) {
	if ctx.Err() != nil {
		return
	}
	err := s.client.query(ctx, statement, fn)
	if ctx.Err() != nil {
		return // the scrape as a whole timed out; reported as down
	}
	target := s.cfg.Endpoint + " " + part
	if err != nil {
		s.target.Tracker.Observe(target, s.explain(err, part))
		var merr *mysql.MySQLError
		if errors.As(err, &merr) && merr.Number == errSpecificAccessDenied {
			// A GRANT of the missing global privilege only reaches new
			// sessions: reconnect so it takes effect without a restart.
			s.client.reconnect()
		}
		return
	}
	s.target.Tracker.Observe(target, nil)
}

// replicaStatusQuery picks the statement that lists every replication
// channel: on MariaDB SHOW ALL REPLICAS STATUS (10.5.1+) or SHOW ALL SLAVES
// STATUS (plain SHOW SLAVE STATUS shows only the default connection); on MySQL
// SHOW REPLICA STATUS (8.0.22+) or SHOW SLAVE STATUS, a row per channel.
func replicaStatusQuery(info serverInfo) string {
	major, minor, patch := parseVersion(info.version)
	v := major*10000 + minor*100 + patch
	switch {
	case info.mariaDB && v >= 100501:
		return "SHOW ALL REPLICAS STATUS"
	case info.mariaDB:
		return "SHOW ALL SLAVES STATUS"
	case v >= 80022:
		return "SHOW REPLICA STATUS"
	}
	return "SHOW SLAVE STATUS"
}

// parseVersion reads "8.0.36", "10.11.19-MariaDB-0+deb12u1-log".
func parseVersion(version string) (major, minor, patch int) {
	parts := [3]int{}
	i := 0
	for _, c := range version {
		switch {
		case c >= '0' && c <= '9':
			parts[i] = parts[i]*10 + int(c-'0')
		case c == '.' && i < 2:
			i++
		default:
			return parts[0], parts[1], parts[2]
		}
	}
	return parts[0], parts[1], parts[2]
}

var ioWaitOperations = [4]metadata.AttributeIoWaitsOperations{
	metadata.AttributeIoWaitsOperationsDelete, metadata.AttributeIoWaitsOperationsFetch,
	metadata.AttributeIoWaitsOperationsInsert, metadata.AttributeIoWaitsOperationsUpdate,
}

// recordIOWait handles a row of ioWaitsQuery: kind, schema, table, index,
// four counts, four timers (picoseconds).
func (s *mysqlScraper) recordIOWait(now pcommon.Timestamp, row [][]byte) {
	if len(row) != 12 {
		return
	}
	schema, table, index := string(row[1]), string(row[2]), string(row[3])
	isIndex := string(row[0]) == "index"
	for i, op := range ioWaitOperations {
		count, okCount := parseInt(row[4+i])
		timer, okTimer := parseInt(row[8+i])
		switch {
		case isIndex:
			if okCount {
				s.mb.RecordMysqlIndexIoWaitCountDataPoint(now, count, op, table, schema, index)
			}
			if okTimer {
				s.mb.RecordMysqlIndexIoWaitTimeDataPoint(now, timer/picosPerNano, op, table, schema, index)
			}
		default:
			if okCount {
				s.mb.RecordMysqlTableIoWaitCountDataPoint(now, count, op, table, schema)
			}
			if okTimer {
				s.mb.RecordMysqlTableIoWaitTimeDataPoint(now, timer/picosPerNano, op, table, schema)
			}
		}
	}
}

var statementEventStates = [10]metadata.AttributeEventState{
	metadata.AttributeEventStateErrors, metadata.AttributeEventStateWarnings,
	metadata.AttributeEventStateRowsAffected, metadata.AttributeEventStateRowsSent,
	metadata.AttributeEventStateRowsExamined, metadata.AttributeEventStateCreatedTmpDiskTables,
	metadata.AttributeEventStateCreatedTmpTables, metadata.AttributeEventStateSortMergePasses,
	metadata.AttributeEventStateSortRows, metadata.AttributeEventStateNoIndexUsed,
}

// recordStatementEvent handles a row of the statement digest query: schema,
// digest, digest text, timer (picoseconds), then the ten SUM_ columns.
func (s *mysqlScraper) recordStatementEvent(now pcommon.Timestamp, row [][]byte) {
	if len(row) != 14 {
		return
	}
	schema, digest, text := string(row[0]), string(row[1]), strings.TrimSpace(string(row[2]))
	if timer, ok := parseInt(row[3]); ok {
		s.mb.RecordMysqlStatementEventWaitTimeDataPoint(now, timer/picosPerNano, schema, digest, text)
	}
	for i, state := range statementEventStates {
		if v, ok := parseInt(row[4+i]); ok {
			s.mb.RecordMysqlStatementEventCountDataPoint(now, v, schema, digest, text, state)
		}
	}
}

// recordReplica reads one row of SHOW [ALL] REPLICA/SLAVE STATUS, one row per
// replication channel, by column name.
func (s *mysqlScraper) recordReplica(now pcommon.Timestamp, columns []string, row [][]byte) {
	channel := ""
	for i, c := range columns {
		if i < len(row) && (strings.EqualFold(c, "Connection_name") || strings.EqualFold(c, "Channel_Name")) {
			channel = string(row[i])
		}
	}
	for i, c := range columns {
		if record, ok := replicaColumns[c]; ok && i < len(row) {
			record(s.mb, now, row[i], channel)
		}
	}
}

type replicaRecord func(mb *metadata.MetricsBuilder, ts pcommon.Timestamp, value []byte, channel string)

// replicaColumns maps the replica status columns, in MariaDB's and MySQL
// 8.0.22+'s names, to their metric.
var replicaColumns = map[string]replicaRecord{
	// NULL while the SQL thread is stopped: no point, so the lag goes stale.
	"Seconds_Behind_Master": replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaTimeBehindSourceDataPoint),
	"Seconds_Behind_Source": replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaTimeBehindSourceDataPoint),
	"SQL_Delay":             replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaSQLDelayDataPoint),
	"Master_Server_Id":      replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaSourceServerIDDataPoint),
	"Source_Server_Id":      replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaSourceServerIDDataPoint),
	"Last_IO_Errno":         replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaLastIoErrnoDataPoint),
	"Last_SQL_Errno":        replicaNumber((*metadata.MetricsBuilder).RecordMysqlReplicaLastSQLErrnoDataPoint),
	"Slave_IO_Running":      replicaRunning((*metadata.MetricsBuilder).RecordMysqlReplicaIoRunningDataPoint),
	"Replica_IO_Running":    replicaRunning((*metadata.MetricsBuilder).RecordMysqlReplicaIoRunningDataPoint),
	"Slave_SQL_Running":     replicaRunning((*metadata.MetricsBuilder).RecordMysqlReplicaSQLRunningDataPoint),
	"Replica_SQL_Running":   replicaRunning((*metadata.MetricsBuilder).RecordMysqlReplicaSQLRunningDataPoint),
}

type replicaRecorder func(mb *metadata.MetricsBuilder, ts pcommon.Timestamp, value int64, channel string)

func replicaNumber(record replicaRecorder) replicaRecord {
	return func(mb *metadata.MetricsBuilder, ts pcommon.Timestamp, value []byte, channel string) {
		if v, ok := parseInt(value); ok {
			record(mb, ts, v, channel)
		}
	}
}

// replicaRunning is 1 for "Yes"; "No" and the IO thread's "Connecting" are 0.
func replicaRunning(record replicaRecorder) replicaRecord {
	return func(mb *metadata.MetricsBuilder, ts pcommon.Timestamp, value []byte, channel string) {
		running := int64(0)
		if string(value) == "Yes" {
			running = 1
		}
		record(mb, ts, running, channel)
	}
}

var (
	readLockTypes = [5]metadata.AttributeReadLockType{
		metadata.AttributeReadLockTypeNormal, metadata.AttributeReadLockTypeWithSharedLocks,
		metadata.AttributeReadLockTypeHighPriority, metadata.AttributeReadLockTypeNoInsert,
		metadata.AttributeReadLockTypeExternal,
	}
	writeLockTypes = [5]metadata.AttributeWriteLockType{
		metadata.AttributeWriteLockTypeAllowWrite, metadata.AttributeWriteLockTypeConcurrentInsert,
		metadata.AttributeWriteLockTypeLowPriority, metadata.AttributeWriteLockTypeNormal,
		metadata.AttributeWriteLockTypeExternal,
	}
)

// recordLockWaits handles a row of lockWaitsQuery: schema, table, five read
// and five write counts, then the same ten timers (picoseconds).
func (s *mysqlScraper) recordLockWaits(now pcommon.Timestamp, row [][]byte) {
	if len(row) != 22 {
		return
	}
	schema, table := string(row[0]), string(row[1])
	for i, kind := range readLockTypes {
		if v, ok := parseInt(row[2+i]); ok {
			s.mb.RecordMysqlTableLockWaitReadCountDataPoint(now, v, schema, table, kind)
		}
		if v, ok := parseInt(row[12+i]); ok {
			s.mb.RecordMysqlTableLockWaitReadTimeDataPoint(now, v/picosPerNano, schema, table, kind)
		}
	}
	for i, kind := range writeLockTypes {
		if v, ok := parseInt(row[7+i]); ok {
			s.mb.RecordMysqlTableLockWaitWriteCountDataPoint(now, v, schema, table, kind)
		}
		if v, ok := parseInt(row[17+i]); ok {
			s.mb.RecordMysqlTableLockWaitWriteTimeDataPoint(now, v/picosPerNano, schema, table, kind)
		}
	}
}

// recordTableStats handles a row of tableStatsQuery: schema, table, rows,
// average row length, data length, index length.
func (s *mysqlScraper) recordTableStats(now pcommon.Timestamp, row [][]byte) {
	if len(row) != 6 {
		return
	}
	schema, table := string(row[0]), string(row[1])
	if v, ok := parseInt(row[2]); ok {
		s.mb.RecordMysqlTableRowsDataPoint(now, v, table, schema)
	}
	if v, ok := parseInt(row[3]); ok {
		s.mb.RecordMysqlTableAverageRowLengthDataPoint(now, v, table, schema)
	}
	if v, ok := parseInt(row[4]); ok {
		s.mb.RecordMysqlTableSizeDataPoint(now, v, table, schema, metadata.AttributeTableSizeTypeData)
	}
	if v, ok := parseInt(row[5]); ok {
		s.mb.RecordMysqlTableSizeDataPoint(now, v, table, schema, metadata.AttributeTableSizeTypeIndex)
	}
}

// recordProcesslist handles a row of processlistQuery: command, state, count.
func (s *mysqlScraper) recordProcesslist(now pcommon.Timestamp, row [][]byte) {
	if len(row) != 3 {
		return
	}
	if v, ok := parseInt(row[2]); ok {
		s.mb.RecordMysqlProcesslistThreadsDataPoint(now, v, string(row[0]), string(row[1]))
	}
}

// build emits what the scrape recorded, with the target's resource; info is
// empty when the variables were not read.
func (s *mysqlScraper) build(info serverInfo) pmetric.Metrics {
	rb := s.mb.NewResourceBuilder()
	if info.version != "" {
		rb.SetDbSystemVersion(info.version)
		rb.SetDbSystemName(info.systemName())
	}
	rb.SetMysqlInstanceEndpoint(s.cfg.Endpoint)
	rb.SetServiceName("mysql")
	rb.SetServiceInstanceID(s.cfg.Endpoint)
	return s.mb.Emit(metadata.WithResource(rb.Emit()))
}

// refused tells the staleness tracker that the pipeline refused the last scrape.
func (s *mysqlScraper) refused() {
	s.scrapeMu.Lock()
	defer s.scrapeMu.Unlock()
	s.target.Refused()
}

// noteOnce writes a debug line the first time key comes up.
func (s *mysqlScraper) noteOnce(key, msg string, fields ...zap.Field) {
	s.mu.Lock()
	seen := s.noted[key]
	s.noted[key] = true
	s.mu.Unlock()
	if !seen {
		s.logger.Debug(msg, append([]zap.Field{zap.String("endpoint", s.cfg.Endpoint)}, fields...)...)
	}
}
