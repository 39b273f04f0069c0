package dashboards

import "github.com/moalog/platform-collector/internal/moalogcontract"

// Every metric name the dashboards and the alert rules use, as Prometheus
// stores it after the collector's Prometheus exporter rendered it. This is the
// one place to edit when a receiver renames a metric; the tests check that the
// rules in compose/prometheus/rules/ use only names listed here.
//
// job = service.name, instance = service.instance.id.
const (
	// Availability of each target (1 up, 0 down).
	Up        = "up" // moalog-server, from the promscrape receiver
	JolokiaUp = "jolokia_up"
	RedisUp   = "redis_up"
	MySQLUp   = "mysql_up"

	// moalog-server (axum-prometheus today, plus docs/moalog-metrics-contract.md).
	HTTPRequests        = moalogcontract.HTTPRequestsTotal
	HTTPDurationBucket  = moalogcontract.HTTPRequestsDuration + "_bucket"
	HTTPDurationSum     = moalogcontract.HTTPRequestsDuration + "_sum"
	HTTPDurationCount   = moalogcontract.HTTPRequestsDuration + "_count"
	HTTPPending         = moalogcontract.HTTPRequestsPending
	DBConnCount         = moalogcontract.DBConnectionCount
	DBConnMax           = moalogcontract.DBConnectionMax
	DBConnPending       = moalogcontract.DBConnectionPending
	DBConnWaitBucket    = moalogcontract.DBConnectionWaitTime + "_bucket"
	GenAIDurationBucket = moalogcontract.GenAIOperationDuration + "_bucket"
	GenAIDurationCount  = moalogcontract.GenAIOperationDuration + "_count"
	GenAITokenUsageSum  = moalogcontract.GenAITokenUsage + "_sum"
	GenAICost           = moalogcontract.GenAICost
	LabelDBState        = moalogcontract.LabelState
	LabelGenAIModel     = moalogcontract.LabelRequestModel
	LabelGenAITokenType = moalogcontract.LabelTokenType
	LabelGenAIErrorType = moalogcontract.LabelErrorType

	// JVM (jolokia receiver, OpenTelemetry JVM semantic conventions).
	JVMMemoryUsed           = "jvm_memory_used_bytes"
	JVMMemoryCommitted      = "jvm_memory_committed_bytes"
	JVMMemoryLimit          = "jvm_memory_limit_bytes"
	JVMMemoryUsedAfterGC    = "jvm_memory_used_after_last_gc_bytes"
	JVMGCCount              = "jvm_gc_collections_count_total"
	JVMGCElapsed            = "jvm_gc_collections_elapsed_seconds_total"
	JVMThreadCount          = "jvm_thread_count"
	JVMClassLoaded          = "jvm_class_loaded_total"
	JVMClassUnloaded        = "jvm_class_unloaded_total"
	JVMClassCount           = "jvm_class_count"
	JVMCPUTime              = "jvm_cpu_time_seconds_total"
	JVMCPUCount             = "jvm_cpu_count"
	JVMCPURecentUtilization = "jvm_cpu_recent_utilization_ratio"
	JVMSystemCPUUtilization = "jvm_system_cpu_utilization_ratio"
	JVMSystemCPULoad1m      = "jvm_system_cpu_load_1m"
	JVMBufferUsed           = "jvm_buffer_memory_used_bytes"
	JVMBufferLimit          = "jvm_buffer_memory_limit_bytes"
	JVMBufferCount          = "jvm_buffer_count"
	JVMFDCount              = "jvm_file_descriptor_count"
	JVMFDLimit              = "jvm_file_descriptor_limit"
	JVMUptime               = "process_uptime_seconds"
	JolokiaScrapeDuration   = "jolokia_scrape_duration_seconds"
	FluxpayPayments         = "fluxpay_payments_total" // application MBean (com.moalog.test:type=Payments)
	LabelJVMMemoryType      = "jvm_memory_type"
	LabelJVMMemoryPool      = "jvm_memory_pool_name"
	LabelJVMGCName          = "jvm_gc_name"
	LabelJVMBufferPool      = "jvm_buffer_pool_name"
	LabelPaymentKind        = "payment_kind"

	// Redis (redis receiver, contrib-compatible names).
	RedisClientsConnected    = "redis_clients_connected"
	RedisClientsBlocked      = "redis_clients_blocked"
	RedisMemoryUsed          = "redis_memory_used_bytes"
	RedisMemoryPeak          = "redis_memory_peak_bytes"
	RedisMemoryRSS           = "redis_memory_rss_bytes"
	RedisMemoryFragmentation = "redis_memory_fragmentation_ratio"
	RedisMaxmemory           = "redis_maxmemory_bytes"
	RedisKeyspaceHits        = "redis_keyspace_hits_total"
	RedisKeyspaceMisses      = "redis_keyspace_misses_total"
	RedisCommandsProcessed   = "redis_commands_processed_total"
	RedisConnReceived        = "redis_connections_received_total"
	RedisConnRejected        = "redis_connections_rejected_total"
	RedisKeysExpired         = "redis_keys_expired_total"
	RedisKeysEvicted         = "redis_keys_evicted_total"
	RedisNetInput            = "redis_net_input_bytes_total"
	RedisNetOutput           = "redis_net_output_bytes_total"
	RedisDBKeys              = "redis_db_keys"
	RedisDBExpires           = "redis_db_expires"
	RedisUptime              = "redis_uptime_seconds_total"
	RedisCPUTime             = "redis_cpu_time_seconds_total"
	RedisReplicationOffset   = "redis_replication_offset_bytes"
	RedisSlavesConnected     = "redis_slaves_connected"

	// MySQL (mysql receiver, contrib-compatible names).
	MySQLThreads           = "mysql_threads"
	MySQLQueries           = "mysql_query_count_total"
	MySQLSlowQueries       = "mysql_query_slow_count_total"
	MySQLConnections       = "mysql_connection_count_total"
	MySQLConnectionErrors  = "mysql_connection_errors_total"
	MySQLConnectionMax     = "mysql_connection_max"
	MySQLConnectionMaxUsed = "mysql_connection_max_used"
	MySQLCommands          = "mysql_commands_total"
	MySQLBufferPoolUsage   = "mysql_buffer_pool_usage_bytes"
	MySQLBufferPoolLimit   = "mysql_buffer_pool_limit_bytes"
	MySQLBufferPoolOps     = "mysql_buffer_pool_operations_total"
	MySQLRowOps            = "mysql_row_operations_total"
	MySQLLocks             = "mysql_locks_total"
	MySQLUptime            = "mysql_uptime_seconds_total"
	MySQLClientNetworkIO   = "mysql_client_network_io_bytes_total"
	MySQLHandlers          = "mysql_handlers_total"
	MySQLTmpResources      = "mysql_tmp_resources_total"
	MySQLSorts             = "mysql_sorts_total"
)

// Names only the alert rules read (compose/prometheus/rules/database-alerts.yml);
// no panel shows them.
const (
	RedisClientsMax        = "redis_clients_max"
	RedisMemoryTotalSystem = "redis_memory_total_system_bytes"
	RedisRDBLastSaveTime   = "redis_rdb_last_save_time_seconds"
	RedisRDBLastBgsaveOK   = "redis_rdb_last_bgsave_status"
	RedisAOFLastWriteOK    = "redis_aof_last_write_status"
	RedisAOFEnabled        = "redis_aof_enabled"
	MySQLReplicaLag        = "mysql_replica_time_behind_source_seconds"
	MySQLReplicaSQLDelay   = "mysql_replica_sql_delay_seconds"
	MySQLInnodbOpenFiles   = "mysql_innodb_open_files"
	MySQLOpenLimit         = "mysql_open_resources_limit"
	MySQLPreparedOpen      = "mysql_prepared_statements_open"
	MySQLPreparedLimit     = "mysql_prepared_statements_limit"
	MySQLHistoryListLength = "mysql_innodb_history_list_length"
	MySQLLogOperations     = "mysql_log_operations_total"
	MySQLForceRecovery     = "mysql_innodb_force_recovery"
)

// Replica state (mysql and redis receivers), read by the replication alerts
// only: the platform's stack has no replica, so no panel shows them.
const (
	MySQLReplicaSQLRunning   = "mysql_replica_sql_running"
	MySQLReplicaIORunning    = "mysql_replica_io_running"
	MySQLReplicaLastSQLErrno = "mysql_replica_last_sql_errno"
	MySQLReplicaLastIOErrno  = "mysql_replica_last_io_errno"
	RedisMasterLinkUp        = "redis_replication_master_link_up"
)

// AlertOnly lists the names alert rules may read besides Known.
var AlertOnly = []string{
	MySQLReplicaSQLRunning, MySQLReplicaIORunning, MySQLReplicaLastSQLErrno, MySQLReplicaLastIOErrno, RedisMasterLinkUp,
	RedisClientsMax, RedisMemoryTotalSystem, RedisRDBLastSaveTime, RedisRDBLastBgsaveOK, RedisAOFLastWriteOK,
	RedisAOFEnabled, MySQLReplicaLag, MySQLReplicaSQLDelay, MySQLInnodbOpenFiles, MySQLOpenLimit,
	MySQLPreparedOpen, MySQLPreparedLimit, MySQLHistoryListLength, MySQLLogOperations, MySQLForceRecovery,
}

// MemoryGuardShedding is 1 while memory_guard makes the receivers drop their
// targets' data (README "Memory"). It is the collector's own telemetry
// (:8888, job otelcol-telemetry in compose), not a series of :9090.
const MemoryGuardShedding = "otelcol_memory_guard_shedding"

// CollectorTelemetry lists the names of the collector's own telemetry that
// alert rules may read.
var CollectorTelemetry = []string{MemoryGuardShedding}

// Jobs (service.name) of the platform's targets, as the default collector config names them.
const (
	JobMoalog  = "moalog-server"
	JobRedis   = "redis"
	JobMySQL   = "mysql"
	JobRateLim = "rate-limiter"
	JobFluxpay = "fluxpay-engine"
)

// Known lists every metric name above, for tests that check names used
// elsewhere (alert rules, live Prometheus) against this file.
var Known = []string{
	Up, JolokiaUp, RedisUp, MySQLUp,
	HTTPRequests, HTTPDurationBucket, HTTPDurationSum, HTTPDurationCount, HTTPPending,
	DBConnCount, DBConnMax, DBConnPending, DBConnWaitBucket,
	GenAIDurationBucket, GenAIDurationCount, GenAITokenUsageSum, GenAICost,
	JVMMemoryUsed, JVMMemoryCommitted, JVMMemoryLimit, JVMMemoryUsedAfterGC, JVMGCCount, JVMGCElapsed,
	JVMThreadCount, JVMClassLoaded, JVMClassUnloaded, JVMClassCount, JVMCPUTime, JVMCPUCount,
	JVMCPURecentUtilization, JVMSystemCPUUtilization, JVMSystemCPULoad1m, JVMBufferUsed, JVMBufferLimit,
	JVMBufferCount, JVMFDCount, JVMFDLimit, JVMUptime, JolokiaScrapeDuration, FluxpayPayments,
	RedisClientsConnected, RedisClientsBlocked, RedisMemoryUsed, RedisMemoryPeak, RedisMemoryRSS,
	RedisMemoryFragmentation, RedisMaxmemory, RedisKeyspaceHits, RedisKeyspaceMisses, RedisCommandsProcessed,
	RedisConnReceived, RedisConnRejected, RedisKeysExpired, RedisKeysEvicted, RedisNetInput, RedisNetOutput,
	RedisDBKeys, RedisDBExpires, RedisUptime, RedisCPUTime, RedisReplicationOffset, RedisSlavesConnected,
	MySQLThreads, MySQLQueries, MySQLSlowQueries, MySQLConnections, MySQLConnectionErrors, MySQLConnectionMax,
	MySQLConnectionMaxUsed, MySQLCommands, MySQLBufferPoolUsage, MySQLBufferPoolLimit, MySQLBufferPoolOps,
	MySQLRowOps, MySQLLocks, MySQLUptime, MySQLClientNetworkIO, MySQLHandlers, MySQLTmpResources, MySQLSorts,
}
