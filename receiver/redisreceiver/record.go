package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// fieldRecorder records the data point(s) of one INFO field. A value that
// does not parse records nothing: the metric is skipped for this scrape.
type fieldRecorder func(mb *metadata.MetricsBuilder, ts pcommon.Timestamp, value string)

type mb = metadata.MetricsBuilder

func intField(record func(*mb, pcommon.Timestamp, int64)) fieldRecorder {
	return func(m *mb, ts pcommon.Timestamp, v string) {
		if n, ok := parseInt(v); ok {
			record(m, ts, n)
		}
	}
}

func floatField(record func(*mb, pcommon.Timestamp, float64)) fieldRecorder {
	return func(m *mb, ts pcommon.Timestamp, v string) {
		if f, ok := parseFloat(v); ok {
			record(m, ts, f)
		}
	}
}

// okField records 1 for "ok" and 0 for any other status ("err"), the way
// INFO reports the result of the last RDB save and AOF write.
func okField(record func(*mb, pcommon.Timestamp, int64)) fieldRecorder {
	return func(m *mb, ts pcommon.Timestamp, v string) {
		if v == "ok" {
			record(m, ts, 1)
		} else if v != "" {
			record(m, ts, 0)
		}
	}
}

func cpuField(state metadata.AttributeState) fieldRecorder {
	return func(m *mb, ts pcommon.Timestamp, v string) {
		if f, ok := parseFloat(v); ok {
			m.RecordRedisCPUTimeDataPoint(ts, f, state)
		}
	}
}

// infoFields maps INFO field names to their metric, as the contrib receiver
// does. Fields of INFO not listed here are ignored.
var infoFields = map[string]fieldRecorder{
	"uptime_in_seconds":               intField((*mb).RecordRedisUptimeDataPoint),
	"used_cpu_sys":                    cpuField(metadata.AttributeStateSys),
	"used_cpu_sys_children":           cpuField(metadata.AttributeStateSysChildren),
	"used_cpu_sys_main_thread":        cpuField(metadata.AttributeStateSysMainThread),
	"used_cpu_user":                   cpuField(metadata.AttributeStateUser),
	"used_cpu_user_children":          cpuField(metadata.AttributeStateUserChildren),
	"used_cpu_user_main_thread":       cpuField(metadata.AttributeStateUserMainThread),
	"connected_clients":               intField((*mb).RecordRedisClientsConnectedDataPoint),
	"client_recent_max_input_buffer":  intField((*mb).RecordRedisClientsMaxInputBufferDataPoint),
	"client_recent_max_output_buffer": intField((*mb).RecordRedisClientsMaxOutputBufferDataPoint),
	"blocked_clients":                 intField((*mb).RecordRedisClientsBlockedDataPoint),
	"expired_keys":                    intField((*mb).RecordRedisKeysExpiredDataPoint),
	"evicted_keys":                    intField((*mb).RecordRedisKeysEvictedDataPoint),
	"total_connections_received":      intField((*mb).RecordRedisConnectionsReceivedDataPoint),
	"rejected_connections":            intField((*mb).RecordRedisConnectionsRejectedDataPoint),
	"used_memory":                     intField((*mb).RecordRedisMemoryUsedDataPoint),
	"used_memory_peak":                intField((*mb).RecordRedisMemoryPeakDataPoint),
	"used_memory_rss":                 intField((*mb).RecordRedisMemoryRssDataPoint),
	"used_memory_lua":                 intField((*mb).RecordRedisMemoryLuaDataPoint),
	"mem_fragmentation_ratio":         floatField((*mb).RecordRedisMemoryFragmentationRatioDataPoint),
	"maxmemory":                       intField((*mb).RecordRedisMaxmemoryDataPoint),
	"rdb_changes_since_last_save":     intField((*mb).RecordRedisRdbChangesSinceLastSaveDataPoint),
	"instantaneous_ops_per_sec":       intField((*mb).RecordRedisCommandsDataPoint),
	"total_commands_processed":        intField((*mb).RecordRedisCommandsProcessedDataPoint),
	"total_net_input_bytes":           intField((*mb).RecordRedisNetInputDataPoint),
	"total_net_output_bytes":          intField((*mb).RecordRedisNetOutputDataPoint),
	"keyspace_hits":                   intField((*mb).RecordRedisKeyspaceHitsDataPoint),
	"keyspace_misses":                 intField((*mb).RecordRedisKeyspaceMissesDataPoint),
	"latest_fork_usec":                intField((*mb).RecordRedisLatestForkDataPoint),
	"connected_slaves":                intField((*mb).RecordRedisSlavesConnectedDataPoint),
	"repl_backlog_first_byte_offset":  intField((*mb).RecordRedisReplicationBacklogFirstByteOffsetDataPoint),
	"master_repl_offset":              intField((*mb).RecordRedisReplicationOffsetDataPoint),
	"slave_repl_offset":               intField((*mb).RecordRedisReplicationReplicaOffsetDataPoint),
	"rdb_last_save_time":              intField((*mb).RecordRedisRdbLastSaveTimeDataPoint),
	"rdb_last_bgsave_status":          okField((*mb).RecordRedisRdbLastBgsaveStatusDataPoint),
	"aof_enabled":                     intField((*mb).RecordRedisAofEnabledDataPoint),
	"aof_last_write_status":           okField((*mb).RecordRedisAofLastWriteStatusDataPoint),
	"maxclients":                      intField((*mb).RecordRedisClientsMaxDataPoint),
	"total_system_memory":             intField((*mb).RecordRedisMemoryTotalSystemDataPoint),
	"used_memory_overhead":            intField((*mb).RecordRedisMemoryUsedMemoryOverheadDataPoint),
	"used_memory_startup":             intField((*mb).RecordRedisMemoryUsedMemoryStartupDataPoint),
	"tracking_total_keys":             intField((*mb).RecordRedisTrackingTotalKeysDataPoint),
	"sentinel_masters":                intField((*mb).RecordRedisSentinelMastersDataPoint),
	"sentinel_running_scripts":        intField((*mb).RecordRedisSentinelRunningScriptsDataPoint),
	"sentinel_scripts_queue_length":   intField((*mb).RecordRedisSentinelScriptsQueueLengthDataPoint),
	"sentinel_simulate_failure_flags": intField((*mb).RecordRedisSentinelSimulateFailureFlagsDataPoint),
	"sentinel_tilt_since_seconds":     intField((*mb).RecordRedisSentinelTiltSinceSecondsDataPoint),
	"sentinel_total_tilt":             intField((*mb).RecordRedisSentinelTotalTiltDataPoint),
	"redis_mode": func(m *mb, ts pcommon.Timestamp, v string) {
		if mode, ok := metadata.MapAttributeMode[v]; ok {
			m.RecordRedisModeDataPoint(ts, 1, mode)
		}
	},
	"master_link_status": func(m *mb, ts pcommon.Timestamp, v string) {
		up := int64(0)
		if v == "up" {
			up = 1
		}
		m.RecordRedisReplicationMasterLinkUpDataPoint(ts, up)
	},
	// -1 while the link is down: no value, so the series goes stale.
	"master_last_io_seconds_ago": func(m *mb, ts pcommon.Timestamp, v string) {
		if n, ok := parseInt(v); ok && n >= 0 {
			m.RecordRedisReplicationMasterLastIoDataPoint(ts, n)
		}
	},
	"master_sync_in_progress": intField((*mb).RecordRedisReplicationMasterSyncInProgressDataPoint),
	"role": func(m *mb, ts pcommon.Timestamp, v string) {
		if role, ok := roles[v]; ok {
			m.RecordRedisRoleDataPoint(ts, 1, role)
		}
	},
}

// roles maps INFO's role to the role attribute's value.
var roles = map[string]metadata.AttributeRole{
	"master": metadata.AttributeRolePrimary,
	"slave":  metadata.AttributeRoleReplica,
}

// clusterFields maps CLUSTER INFO fields to their metric.
var clusterFields = map[string]fieldRecorder{
	"cluster_state": func(m *mb, ts pcommon.Timestamp, v string) {
		switch v {
		case "ok":
			m.RecordRedisClusterStateDataPoint(ts, 1, metadata.AttributeClusterStateOk)
		case "fail":
			m.RecordRedisClusterStateDataPoint(ts, 0, metadata.AttributeClusterStateFail)
		}
	},
	"cluster_slots_assigned":                    intField((*mb).RecordRedisClusterSlotsAssignedDataPoint),
	"cluster_slots_ok":                          intField((*mb).RecordRedisClusterSlotsOkDataPoint),
	"cluster_slots_pfail":                       intField((*mb).RecordRedisClusterSlotsPfailDataPoint),
	"cluster_slots_fail":                        intField((*mb).RecordRedisClusterSlotsFailDataPoint),
	"cluster_known_nodes":                       intField((*mb).RecordRedisClusterKnownNodesDataPoint),
	"cluster_size":                              intField((*mb).RecordRedisClusterNodeCountDataPoint),
	"cluster_current_epoch":                     intField((*mb).RecordRedisClusterUptimeDataPoint),
	"cluster_my_epoch":                          intField((*mb).RecordRedisClusterNodeUptimeDataPoint),
	"cluster_stats_messages_sent":               intField((*mb).RecordRedisClusterStatsMessagesSentDataPoint),
	"cluster_stats_messages_received":           intField((*mb).RecordRedisClusterStatsMessagesReceivedDataPoint),
	"total_cluster_links_buffer_limit_exceeded": intField((*mb).RecordRedisClusterLinksBufferLimitExceededCountDataPoint),
}

// infoSummary is what the scraper needs from INFO besides data points.
type infoSummary struct {
	version        string // redis_version
	clusterEnabled bool   // cluster_enabled:1
}

// recordInfo records the data points of one INFO reply.
func recordInfo(m *mb, ts pcommon.Timestamp, text string) infoSummary {
	var sum infoSummary
	forEachField(text, func(key, value string) {
		if rec, ok := infoFields[key]; ok {
			rec(m, ts, value)
			return
		}
		switch {
		case key == "redis_version":
			sum.version = value
		case key == "cluster_enabled":
			sum.clusterEnabled = value == "1"
			intField((*mb).RecordRedisClusterClusterEnabledDataPoint)(m, ts, value)
		case strings.HasPrefix(key, "cmdstat_"):
			recordCmdstat(m, ts, key[len("cmdstat_"):], value)
		case strings.HasPrefix(key, "latency_percentiles_usec_"):
			recordLatency(m, ts, key[len("latency_percentiles_usec_"):], value)
		default:
			if db, ok := dbIndex(key); ok {
				ks := parseKeyspace(value)
				if ks.hasKeys {
					m.RecordRedisDbKeysDataPoint(ts, ks.keys, db)
				}
				if ks.hasExpires {
					m.RecordRedisDbExpiresDataPoint(ts, ks.expires, db)
				}
				if ks.hasAvgTTL {
					m.RecordRedisDbAvgTTLDataPoint(ts, ks.avgTTL, db)
				}
			}
		}
	})
	return sum
}

// recordCmdstat records "cmdstat_get:calls=2,usec=9,usec_per_call=4.50,...".
func recordCmdstat(m *mb, ts pcommon.Timestamp, cmd, value string) {
	if cmd == "" {
		return
	}
	forEachPair(value, func(k, v string) {
		switch k {
		case "calls":
			if n, ok := parseInt(v); ok {
				m.RecordRedisCmdCallsDataPoint(ts, n, cmd)
			}
		case "usec":
			if n, ok := parseInt(v); ok {
				m.RecordRedisCmdUsecDataPoint(ts, n, cmd)
			}
		}
	})
}

// recordLatency records "latency_percentiles_usec_get:p50=4.015,p99=5.023,p99.9=5.023"
// in seconds.
func recordLatency(m *mb, ts pcommon.Timestamp, cmd, value string) {
	if cmd == "" {
		return
	}
	forEachPair(value, func(k, v string) {
		p, ok := metadata.MapAttributePercentile[k]
		if !ok {
			return
		}
		if f, ok := parseFloat(v); ok {
			m.RecordRedisCmdLatencyDataPoint(ts, f/1e6, cmd, p)
		}
	})
}

// recordClusterInfo records the data points of a CLUSTER INFO reply.
func recordClusterInfo(m *mb, ts pcommon.Timestamp, text string) {
	forEachField(text, func(key, value string) {
		if rec, ok := clusterFields[key]; ok {
			rec(m, ts, value)
		}
	})
}
