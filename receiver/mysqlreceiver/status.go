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

// Attribute-less metrics and the attribute each status variable becomes.
// The names are those of MySQL 8 and MariaDB 10/11 alike; a variable a
// server does not have simply produces no data point.
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
	}
	add(rules, (*mb).RecordMysqlBufferPoolPagesDataPoint, map[string]metadata.AttributeBufferPoolPages{
		"Innodb_buffer_pool_pages_free": metadata.AttributeBufferPoolPagesFree,
		"Innodb_buffer_pool_pages_misc": metadata.AttributeBufferPoolPagesMisc,
	})
	add(rules, (*mb).RecordMysqlBufferPoolOperationsDataPoint, map[string]metadata.AttributeBufferPoolOperations{
		"Innodb_buffer_pool_read_ahead_rnd":     metadata.AttributeBufferPoolOperationsReadAheadRnd,
		"Innodb_buffer_pool_read_ahead":         metadata.AttributeBufferPoolOperationsReadAhead,
		"Innodb_buffer_pool_read_ahead_evicted": metadata.AttributeBufferPoolOperationsReadAheadEvicted,
		"Innodb_buffer_pool_read_requests":      metadata.AttributeBufferPoolOperationsReadRequests,
		"Innodb_buffer_pool_reads":              metadata.AttributeBufferPoolOperationsReads,
		"Innodb_buffer_pool_wait_free":          metadata.AttributeBufferPoolOperationsWaitFree,
		"Innodb_buffer_pool_write_requests":     metadata.AttributeBufferPoolOperationsWriteRequests,
	})
	add(rules, (*mb).RecordMysqlPreparedStatementsDataPoint, map[string]metadata.AttributePreparedStatementsCommand{
		"Com_stmt_execute":        metadata.AttributePreparedStatementsCommandExecute,
		"Com_stmt_close":          metadata.AttributePreparedStatementsCommandClose,
		"Com_stmt_fetch":          metadata.AttributePreparedStatementsCommandFetch,
		"Com_stmt_prepare":        metadata.AttributePreparedStatementsCommandPrepare,
		"Com_stmt_reset":          metadata.AttributePreparedStatementsCommandReset,
		"Com_stmt_send_long_data": metadata.AttributePreparedStatementsCommandSendLongData,
	})
	add(rules, (*mb).RecordMysqlCommandsDataPoint, map[string]metadata.AttributeCommand{
		"Com_delete": metadata.AttributeCommandDelete,
		"Com_insert": metadata.AttributeCommandInsert,
		"Com_select": metadata.AttributeCommandSelect,
		"Com_update": metadata.AttributeCommandUpdate,
	})
	add(rules, (*mb).RecordMysqlHandlersDataPoint, map[string]metadata.AttributeHandler{
		"Handler_commit":             metadata.AttributeHandlerCommit,
		"Handler_delete":             metadata.AttributeHandlerDelete,
		"Handler_discover":           metadata.AttributeHandlerDiscover,
		"Handler_external_lock":      metadata.AttributeHandlerExternalLock,
		"Handler_mrr_init":           metadata.AttributeHandlerMrrInit,
		"Handler_prepare":            metadata.AttributeHandlerPrepare,
		"Handler_read_first":         metadata.AttributeHandlerReadFirst,
		"Handler_read_key":           metadata.AttributeHandlerReadKey,
		"Handler_read_last":          metadata.AttributeHandlerReadLast,
		"Handler_read_next":          metadata.AttributeHandlerReadNext,
		"Handler_read_prev":          metadata.AttributeHandlerReadPrev,
		"Handler_read_rnd":           metadata.AttributeHandlerReadRnd,
		"Handler_read_rnd_next":      metadata.AttributeHandlerReadRndNext,
		"Handler_rollback":           metadata.AttributeHandlerRollback,
		"Handler_savepoint":          metadata.AttributeHandlerSavepoint,
		"Handler_savepoint_rollback": metadata.AttributeHandlerSavepointRollback,
		"Handler_update":             metadata.AttributeHandlerUpdate,
		"Handler_write":              metadata.AttributeHandlerWrite,
		"Handler_icp_attempts":       metadata.AttributeHandlerIcpAttempts,
		"Handler_icp_match":          metadata.AttributeHandlerIcpMatch,
		"Handler_mrr_key_refills":    metadata.AttributeHandlerMrrKeyRefills,
		"Handler_mrr_rowid_refills":  metadata.AttributeHandlerMrrRowidRefills,
		"Handler_read_retry":         metadata.AttributeHandlerReadRetry,
		"Handler_read_rnd_deleted":   metadata.AttributeHandlerReadRndDeleted,
		"Handler_tmp_delete":         metadata.AttributeHandlerTmpDelete,
		"Handler_tmp_update":         metadata.AttributeHandlerTmpUpdate,
		"Handler_tmp_write":          metadata.AttributeHandlerTmpWrite,
	})
	add(rules, (*mb).RecordMysqlDoubleWritesDataPoint, map[string]metadata.AttributeDoubleWrites{
		"Innodb_dblwr_pages_written": metadata.AttributeDoubleWritesPagesWritten,
		"Innodb_dblwr_writes":        metadata.AttributeDoubleWritesWrites,
	})
	add(rules, (*mb).RecordMysqlLogOperationsDataPoint, map[string]metadata.AttributeLogOperations{
		"Innodb_log_waits":          metadata.AttributeLogOperationsWaits,
		"Innodb_log_write_requests": metadata.AttributeLogOperationsWriteRequests,
		"Innodb_log_writes":         metadata.AttributeLogOperationsWrites,
	})
	add(rules, (*mb).RecordMysqlOperationsDataPoint, map[string]metadata.AttributeOperations{
		"Innodb_data_fsyncs": metadata.AttributeOperationsFsyncs,
		"Innodb_data_reads":  metadata.AttributeOperationsReads,
		"Innodb_data_writes": metadata.AttributeOperationsWrites,
	})
	add(rules, (*mb).RecordMysqlPageOperationsDataPoint, map[string]metadata.AttributePageOperations{
		"Innodb_pages_created": metadata.AttributePageOperationsCreated,
		"Innodb_pages_read":    metadata.AttributePageOperationsRead,
		"Innodb_pages_written": metadata.AttributePageOperationsWritten,
	})
	add(rules, (*mb).RecordMysqlRowLocksDataPoint, map[string]metadata.AttributeRowLocks{
		"Innodb_row_lock_time": metadata.AttributeRowLocksTime,
	})
	rules["Innodb_row_lock_waits"] = func(r *statusRecorder, v int64) {
		r.mb.RecordMysqlRowLocksDataPoint(r.ts, v, metadata.AttributeRowLocksWaits)
		r.mb.RecordMysqlInnodbRowLockWaitCountDataPoint(r.ts, v) // contrib's newer name
	}
	add(rules, (*mb).RecordMysqlInnodbDataFileIoDataPoint, map[string]metadata.AttributeDiskIoDirection{
		"Innodb_data_read":    metadata.AttributeDiskIoDirectionRead,
		"Innodb_data_written": metadata.AttributeDiskIoDirectionWrite,
	})
	add(rules, (*mb).RecordMysqlInnodbOperationPendingDataPoint, map[string]metadata.AttributeOperations{
		"Innodb_data_pending_reads":  metadata.AttributeOperationsReads,
		"Innodb_data_pending_writes": metadata.AttributeOperationsWrites,
		"Innodb_data_pending_fsyncs": metadata.AttributeOperationsFsyncs,
	})
	add(rules, (*mb).RecordMysqlRowOperationsDataPoint, map[string]metadata.AttributeRowOperations{
		"Innodb_rows_deleted":  metadata.AttributeRowOperationsDeleted,
		"Innodb_rows_inserted": metadata.AttributeRowOperationsInserted,
		"Innodb_rows_read":     metadata.AttributeRowOperationsRead,
		"Innodb_rows_updated":  metadata.AttributeRowOperationsUpdated,
	})
	add(rules, (*mb).RecordMysqlLocksDataPoint, map[string]metadata.AttributeLocks{
		"Table_locks_immediate": metadata.AttributeLocksImmediate,
		"Table_locks_waited":    metadata.AttributeLocksWaited,
	})
	add(rules, (*mb).RecordMysqlSortsDataPoint, map[string]metadata.AttributeSorts{
		"Sort_merge_passes": metadata.AttributeSortsMergePasses,
		"Sort_range":        metadata.AttributeSortsRange,
		"Sort_rows":         metadata.AttributeSortsRows,
		"Sort_scan":         metadata.AttributeSortsScan,
	})
	add(rules, (*mb).RecordMysqlThreadsDataPoint, map[string]metadata.AttributeThreads{
		"Threads_cached":    metadata.AttributeThreadsCached,
		"Threads_connected": metadata.AttributeThreadsConnected,
		"Threads_running":   metadata.AttributeThreadsRunning,
	})
	add(rules, (*mb).RecordMysqlClientNetworkIoDataPoint, map[string]metadata.AttributeDirection{
		"Bytes_received": metadata.AttributeDirectionReceived,
		"Bytes_sent":     metadata.AttributeDirectionSent,
	})
	add(rules, (*mb).RecordMysqlOpenedResourcesDataPoint, map[string]metadata.AttributeOpenedResources{
		"Opened_files":             metadata.AttributeOpenedResourcesFile,
		"Opened_table_definitions": metadata.AttributeOpenedResourcesTableDefinition,
		"Opened_tables":            metadata.AttributeOpenedResourcesTable,
	})
	add(rules, (*mb).RecordMysqlOpenResourcesDataPoint, map[string]metadata.AttributeOpenedResources{
		"Open_files":             metadata.AttributeOpenedResourcesFile,
		"Open_table_definitions": metadata.AttributeOpenedResourcesTableDefinition,
		"Open_tables":            metadata.AttributeOpenedResourcesTable,
	})
	add(rules, (*mb).RecordMysqlInnodbMemoryDataPoint, map[string]metadata.AttributeInnodbMemory{
		"Innodb_mem_adaptive_hash": metadata.AttributeInnodbMemoryAdaptiveHash,
		"Innodb_mem_dictionary":    metadata.AttributeInnodbMemoryDictionary,
	})
	add(rules, (*mb).RecordMysqlConnectionErrorsDataPoint, map[string]metadata.AttributeConnectionError{
		"Connection_errors_accept":          metadata.AttributeConnectionErrorAccept,
		"Connection_errors_internal":        metadata.AttributeConnectionErrorInternal,
		"Connection_errors_max_connections": metadata.AttributeConnectionErrorMaxConnections,
		"Connection_errors_peer_address":    metadata.AttributeConnectionErrorPeerAddress,
		"Connection_errors_select":          metadata.AttributeConnectionErrorSelect,
		"Connection_errors_tcpwrap":         metadata.AttributeConnectionErrorTcpwrap,
		"Aborted_connects":                  metadata.AttributeConnectionErrorAborted,
		"Aborted_clients":                   metadata.AttributeConnectionErrorAbortedClients,
		"Locked_connects":                   metadata.AttributeConnectionErrorLocked,
	})
	add(rules, (*mb).RecordMysqlMysqlxConnectionsDataPoint, map[string]metadata.AttributeConnectionStatus{
		"Mysqlx_connections_accepted": metadata.AttributeConnectionStatusAccepted,
		"Mysqlx_connections_closed":   metadata.AttributeConnectionStatusClosed,
		"Mysqlx_connections_rejected": metadata.AttributeConnectionStatusRejected,
	})
	add(rules, (*mb).RecordMysqlMysqlxWorkerThreadsDataPoint, map[string]metadata.AttributeMysqlxThreads{
		"Mysqlx_worker_threads":        metadata.AttributeMysqlxThreadsAvailable,
		"Mysqlx_worker_threads_active": metadata.AttributeMysqlxThreadsActive,
	})
	add(rules, (*mb).RecordMysqlJoinsDataPoint, map[string]metadata.AttributeJoinKind{
		"Select_full_join":       metadata.AttributeJoinKindFull,
		"Select_full_range_join": metadata.AttributeJoinKindFullRange,
		"Select_range":           metadata.AttributeJoinKindRange,
		"Select_range_check":     metadata.AttributeJoinKindRangeCheck,
		"Select_scan":            metadata.AttributeJoinKindScan,
	})
	add(rules, (*mb).RecordMysqlTmpResourcesDataPoint, map[string]metadata.AttributeTmpResource{
		"Created_tmp_disk_tables": metadata.AttributeTmpResourceDiskTables,
		"Created_tmp_files":       metadata.AttributeTmpResourceFiles,
		"Created_tmp_tables":      metadata.AttributeTmpResourceTables,
	})
	add(rules, (*mb).RecordMysqlTableOpenCacheDataPoint, map[string]metadata.AttributeCacheStatus{
		"Table_open_cache_hits":      metadata.AttributeCacheStatusHit,
		"Table_open_cache_misses":    metadata.AttributeCacheStatusMiss,
		"Table_open_cache_overflows": metadata.AttributeCacheStatusOverflow,
	})
	return rules
}()

func plain(record func(*metadata.MetricsBuilder, pcommon.Timestamp, int64)) statusRule {
	return func(r *statusRecorder, v int64) { record(r.mb, r.ts, v) }
}

// add maps each status variable to record(value, its attribute).
func add[A any](rules map[string]statusRule, record func(*metadata.MetricsBuilder, pcommon.Timestamp, int64, A), attrs map[string]A) {
	for name, attr := range attrs {
		rules[name] = func(r *statusRecorder, v int64) { record(r.mb, r.ts, v, attr) }
	}
}
