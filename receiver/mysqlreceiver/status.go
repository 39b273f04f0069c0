package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"bytes"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// statusRecorder turns SHOW GLOBAL STATUS rows into data points. It lives
// for one scrape; the pairs that make a "clean" value (data - dirty) are
// kept until finish.
type statusRecorder struct {
	mb *metadata.MetricsBuilder
	ts pcommon.Timestamp

	pagesData, pagesDirty, bytesData, bytesDirty optional
	// wantCommandCalls records every Com_* variable as mysql.command.calls.
	wantCommandCalls bool
	// historyInStatus: the server reports Innodb_history_list_length
	// (MariaDB); MySQL 8 has it only in information_schema.INNODB_METRICS.
	historyInStatus bool
	// unparsed names the known variables whose value was not a number.
	unparsed []string
}

type optional struct {
	v   int64
	set bool
}

func (o *optional) put(v int64) { o.v, o.set = v, true }

type statusRule func(r *statusRecorder, v int64)

// record handles one status row; variables the receiver does not use are
// skipped with one map lookup.
func (r *statusRecorder) record(name, value []byte) {
	rule, known := statusRules[string(name)]
	command, isCommand := bytes.CutPrefix(name, []byte("Com_"))
	isCommand = isCommand && r.wantCommandCalls
	if !known && !isCommand {
		return
	}
	v, ok := parseInt(value)
	if !ok {
		r.unparsed = append(r.unparsed, string(name))
		return
	}
	if known {
		rule(r, v)
	}
	if isCommand {
		r.mb.RecordMysqlCommandCallsDataPoint(r.ts, v, string(command))
	}
}

// finish records the metrics derived from two variables.
func (r *statusRecorder) finish() {
	if r.pagesDirty.set {
		r.mb.RecordMysqlBufferPoolDataPagesDataPoint(r.ts, r.pagesDirty.v, metadata.AttributeBufferPoolDataDirty)
		if r.pagesData.set {
			r.mb.RecordMysqlBufferPoolDataPagesDataPoint(r.ts, r.pagesData.v-r.pagesDirty.v, metadata.AttributeBufferPoolDataClean)
		}
	}
	if r.bytesDirty.set {
		r.mb.RecordMysqlBufferPoolUsageDataPoint(r.ts, r.bytesDirty.v, metadata.AttributeBufferPoolDataDirty)
		if r.bytesData.set {
			r.mb.RecordMysqlBufferPoolUsageDataPoint(r.ts, r.bytesData.v-r.bytesDirty.v, metadata.AttributeBufferPoolDataClean)
		}
	}
}

// The metric (and attribute) each status variable becomes. The names are
// those of MySQL 8 and MariaDB 10/11 alike; a variable a server does not
// have simply produces no data point.
var statusRules = func() map[string]statusRule {
	type mb = metadata.MetricsBuilder
	rules := map[string]statusRule{
		"Innodb_buffer_pool_pages_data": func(r *statusRecorder, v int64) {
			r.pagesData.put(v)
			r.mb.RecordMysqlBufferPoolPagesDataPoint(r.ts, v, metadata.AttributeBufferPoolPagesData)
		},
		"Innodb_buffer_pool_pages_dirty":   func(r *statusRecorder, v int64) { r.pagesDirty.put(v) },
		"Innodb_buffer_pool_bytes_data":    func(r *statusRecorder, v int64) { r.bytesData.put(v) },
		"Innodb_buffer_pool_bytes_dirty":   func(r *statusRecorder, v int64) { r.bytesDirty.put(v) },
		"Innodb_buffer_pool_pages_flushed": plain((*mb).RecordMysqlBufferPoolPageFlushesDataPoint),
		"Uptime":                           plain((*mb).RecordMysqlUptimeDataPoint),
		"Connections":                      plain((*mb).RecordMysqlConnectionCountDataPoint),
		"Max_used_connections": func(r *statusRecorder, v int64) {
			r.mb.RecordMysqlConnectionMaxUsedDataPoint(r.ts, v)
			r.mb.RecordMysqlMaxUsedConnectionsDataPoint(r.ts, v) // contrib's newer name
		},
		"Queries":                 plain((*mb).RecordMysqlQueryCountDataPoint),
		"Questions":               plain((*mb).RecordMysqlQueryClientCountDataPoint),
		"Slow_queries":            plain((*mb).RecordMysqlQuerySlowCountDataPoint),
		"Qcache_hits":             plain((*mb).RecordMysqlQcacheHitsDataPoint),
		"Qcache_not_cached":       plain((*mb).RecordMysqlQcacheNotCachedDataPoint),
		"Qcache_queries_in_cache": plain((*mb).RecordMysqlQcacheQueriesDataPoint),
		"Qcache_free_memory":      plain((*mb).RecordMysqlQcacheFreeMemoryDataPoint),
		"Qcache_inserts":          plain((*mb).RecordMysqlQcacheInsertsDataPoint),
		"Qcache_lowmem_prunes":    plain((*mb).RecordMysqlQcacheLowmemPrunesDataPoint),
		"Threads_created":         plain((*mb).RecordMysqlThreadsCreatedDataPoint),
		"Innodb_num_open_files":   plain((*mb).RecordMysqlInnodbOpenFilesDataPoint),
		"Prepared_stmt_count":     plain((*mb).RecordMysqlPreparedStatementsOpenDataPoint),
		"Innodb_history_list_length": func(r *statusRecorder, v int64) {
			r.historyInStatus = true
			r.mb.RecordMysqlInnodbHistoryListLengthDataPoint(r.ts, v)
		},
		"Innodb_page_size":         plain((*mb).RecordMysqlPageSizeDataPoint),
		"Innodb_row_lock_time_avg": plain((*mb).RecordMysqlInnodbRowLockWaitDurationAvgDataPoint),
		"Innodb_row_lock_time_max": plain((*mb).RecordMysqlInnodbRowLockWaitDurationMaxDataPoint),
		"Slave_open_temp_tables":   plain((*mb).RecordMysqlReplicaTempTableOpenDataPoint),
		"Replica_open_temp_tables": plain((*mb).RecordMysqlReplicaTempTableOpenDataPoint),
		// Variables whose name is not the attribute's value after a prefix.
		"Innodb_buffer_pool_pages_free": attr((*mb).RecordMysqlBufferPoolPagesDataPoint, metadata.AttributeBufferPoolPagesFree),
		"Innodb_buffer_pool_pages_misc": attr((*mb).RecordMysqlBufferPoolPagesDataPoint, metadata.AttributeBufferPoolPagesMisc),
		"Innodb_row_lock_time":          attr((*mb).RecordMysqlRowLocksDataPoint, metadata.AttributeRowLocksTime),
		"Innodb_row_lock_waits": func(r *statusRecorder, v int64) {
			r.mb.RecordMysqlRowLocksDataPoint(r.ts, v, metadata.AttributeRowLocksWaits)
			r.mb.RecordMysqlInnodbRowLockWaitCountDataPoint(r.ts, v) // contrib's newer name
		},
		"Innodb_data_read":                  attr((*mb).RecordMysqlInnodbDataFileIoDataPoint, metadata.AttributeDiskIoDirectionRead),
		"Innodb_data_written":               attr((*mb).RecordMysqlInnodbDataFileIoDataPoint, metadata.AttributeDiskIoDirectionWrite),
		"Opened_files":                      attr((*mb).RecordMysqlOpenedResourcesDataPoint, metadata.AttributeOpenedResourcesFile),
		"Opened_table_definitions":          attr((*mb).RecordMysqlOpenedResourcesDataPoint, metadata.AttributeOpenedResourcesTableDefinition),
		"Opened_tables":                     attr((*mb).RecordMysqlOpenedResourcesDataPoint, metadata.AttributeOpenedResourcesTable),
		"Open_files":                        attr((*mb).RecordMysqlOpenResourcesDataPoint, metadata.AttributeOpenedResourcesFile),
		"Open_table_definitions":            attr((*mb).RecordMysqlOpenResourcesDataPoint, metadata.AttributeOpenedResourcesTableDefinition),
		"Open_tables":                       attr((*mb).RecordMysqlOpenResourcesDataPoint, metadata.AttributeOpenedResourcesTable),
		"Connection_errors_accept":          attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorAccept),
		"Connection_errors_internal":        attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorInternal),
		"Connection_errors_max_connections": attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorMaxConnections),
		"Connection_errors_peer_address":    attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorPeerAddress),
		"Connection_errors_select":          attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorSelect),
		"Connection_errors_tcpwrap":         attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorTcpwrap),
		"Aborted_connects":                  attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorAborted),
		"Aborted_clients":                   attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorAbortedClients),
		"Locked_connects":                   attr((*mb).RecordMysqlConnectionErrorsDataPoint, metadata.AttributeConnectionErrorLocked),
		"Mysqlx_worker_threads":             attr((*mb).RecordMysqlMysqlxWorkerThreadsDataPoint, metadata.AttributeMysqlxThreadsAvailable),
		"Mysqlx_worker_threads_active":      attr((*mb).RecordMysqlMysqlxWorkerThreadsDataPoint, metadata.AttributeMysqlxThreadsActive),
		"Select_full_join":                  attr((*mb).RecordMysqlJoinsDataPoint, metadata.AttributeJoinKindFull),
		"Select_full_range_join":            attr((*mb).RecordMysqlJoinsDataPoint, metadata.AttributeJoinKindFullRange),
		"Select_range":                      attr((*mb).RecordMysqlJoinsDataPoint, metadata.AttributeJoinKindRange),
		"Select_range_check":                attr((*mb).RecordMysqlJoinsDataPoint, metadata.AttributeJoinKindRangeCheck),
		"Select_scan":                       attr((*mb).RecordMysqlJoinsDataPoint, metadata.AttributeJoinKindScan),
		"Table_open_cache_hits":             attr((*mb).RecordMysqlTableOpenCacheDataPoint, metadata.AttributeCacheStatusHit),
		"Table_open_cache_misses":           attr((*mb).RecordMysqlTableOpenCacheDataPoint, metadata.AttributeCacheStatusMiss),
		"Table_open_cache_overflows":        attr((*mb).RecordMysqlTableOpenCacheDataPoint, metadata.AttributeCacheStatusOverflow),
	}
	// The other groups are a prefix and every value of the metric's
	// attribute: Handler_read_key is mysql.handlers{kind=read_key}.
	byPrefix(rules, "Innodb_buffer_pool_", (*mb).RecordMysqlBufferPoolOperationsDataPoint, metadata.MapAttributeBufferPoolOperations)
	byPrefix(rules, "Com_stmt_", (*mb).RecordMysqlPreparedStatementsDataPoint, metadata.MapAttributePreparedStatementsCommand)
	byPrefix(rules, "Com_", (*mb).RecordMysqlCommandsDataPoint, metadata.MapAttributeCommand)
	byPrefix(rules, "Handler_", (*mb).RecordMysqlHandlersDataPoint, metadata.MapAttributeHandler)
	byPrefix(rules, "Innodb_dblwr_", (*mb).RecordMysqlDoubleWritesDataPoint, metadata.MapAttributeDoubleWrites)
	byPrefix(rules, "Innodb_log_", (*mb).RecordMysqlLogOperationsDataPoint, metadata.MapAttributeLogOperations)
	byPrefix(rules, "Innodb_data_", (*mb).RecordMysqlOperationsDataPoint, metadata.MapAttributeOperations)
	byPrefix(rules, "Innodb_data_pending_", (*mb).RecordMysqlInnodbOperationPendingDataPoint, metadata.MapAttributeOperations)
	byPrefix(rules, "Innodb_pages_", (*mb).RecordMysqlPageOperationsDataPoint, metadata.MapAttributePageOperations)
	byPrefix(rules, "Innodb_rows_", (*mb).RecordMysqlRowOperationsDataPoint, metadata.MapAttributeRowOperations)
	byPrefix(rules, "Table_locks_", (*mb).RecordMysqlLocksDataPoint, metadata.MapAttributeLocks)
	byPrefix(rules, "Sort_", (*mb).RecordMysqlSortsDataPoint, metadata.MapAttributeSorts)
	byPrefix(rules, "Threads_", (*mb).RecordMysqlThreadsDataPoint, metadata.MapAttributeThreads)
	byPrefix(rules, "Bytes_", (*mb).RecordMysqlClientNetworkIoDataPoint, metadata.MapAttributeDirection)
	byPrefix(rules, "Innodb_mem_", (*mb).RecordMysqlInnodbMemoryDataPoint, metadata.MapAttributeInnodbMemory)
	byPrefix(rules, "Mysqlx_connections_", (*mb).RecordMysqlMysqlxConnectionsDataPoint, metadata.MapAttributeConnectionStatus)
	byPrefix(rules, "Created_tmp_", (*mb).RecordMysqlTmpResourcesDataPoint, metadata.MapAttributeTmpResource)
	return rules
}()

func plain(record func(*metadata.MetricsBuilder, pcommon.Timestamp, int64)) statusRule {
	return func(r *statusRecorder, v int64) { record(r.mb, r.ts, v) }
}

// attr records the variable with attribute a.
func attr[A any](record func(*metadata.MetricsBuilder, pcommon.Timestamp, int64, A), a A) statusRule {
	return func(r *statusRecorder, v int64) { record(r.mb, r.ts, v, a) }
}

// byPrefix maps prefix+value to record(value, its attribute) for every value
// of the attribute.
func byPrefix[A any](rules map[string]statusRule, prefix string, record func(*metadata.MetricsBuilder, pcommon.Timestamp, int64, A), values map[string]A) {
	for value, a := range values {
		rules[prefix+value] = attr(record, a)
	}
}
