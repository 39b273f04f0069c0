package redisreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// The primary's INFO, recorded in testdata/info_primary.txt: every data point
// the receiver makes of it, with every metric enabled.
var primaryPoints = map[string]float64{
	"redis.uptime":                                3,
	"redis.cpu.time{state=sys}":                   0.010548,
	"redis.cpu.time{state=sys_children}":          0,
	"redis.cpu.time{state=sys_main_thread}":       0.010498,
	"redis.cpu.time{state=user}":                  0,
	"redis.cpu.time{state=user_children}":         0,
	"redis.cpu.time{state=user_main_thread}":      0,
	"redis.clients.connected":                     1,
	"redis.clients.max_input_buffer":              20480,
	"redis.clients.max_output_buffer":             0,
	"redis.clients.blocked":                       0,
	"redis.keys.expired":                          0,
	"redis.keys.evicted":                          0,
	"redis.connections.received":                  9,
	"redis.connections.rejected":                  0,
	"redis.memory.used":                           1113408,
	"redis.memory.peak":                           1131472,
	"redis.memory.rss":                            7094272,
	"redis.memory.lua":                            32768,
	"redis.memory.fragmentation_ratio":            6.61,
	"redis.maxmemory":                             0,
	"redis.rdb.changes_since_last_save":           8,
	"redis.commands":                              0,
	"redis.commands.processed":                    14,
	"redis.net.input":                             503,
	"redis.net.output":                            69,
	"redis.keyspace.hits":                         1,
	"redis.keyspace.misses":                       1,
	"redis.latest_fork":                           0,
	"redis.role{role=primary}":                    1,
	"redis.slaves.connected":                      1,
	"redis.replication.offset":                    312,
	"redis.replication.backlog_first_byte_offset": 1,
	"redis.db.keys{db=0}":                         4,
	"redis.db.keys{db=1}":                         3,
	"redis.db.keys{db=3}":                         1,
	"redis.db.expires{db=0}":                      1,
	"redis.db.expires{db=1}":                      1,
	"redis.db.expires{db=3}":                      0,
	"redis.db.avg_ttl{db=0}":                      3598978,
	"redis.db.avg_ttl{db=1}":                      498979,
	"redis.db.avg_ttl{db=3}":                      0,
	"redis.rdb.last_save.time":                    1796071139,
	"redis.rdb.last_bgsave.status":                1,
	"redis.aof.enabled":                           0,
	"redis.aof.last_write.status":                 1,
	"redis.clients.max":                           10000,
	"redis.memory.total_system":                   25276514304,
	"redis.mode{mode=standalone}":                 1,
	"redis.memory.used_memory_overhead":           897540,
	"redis.memory.used_memory_startup":            876304,
	"redis.tracking_total_keys":                   0,
	"redis.cluster.cluster_enabled":               0,
}

func TestRecordInfoFixtures(t *testing.T) {
	tests := []struct {
		name    string
		info    string
		cluster bool
		want    map[string]float64 // exact when all is true, else a subset
		all     bool
		absent  []string
	}{
		{name: "primary, default sections", info: "info_primary.txt", want: primaryPoints, all: true},
		{
			name: "replica", info: "info_replica.txt",
			want: map[string]float64{
				"redis.role{role=replica}":                  1,
				"redis.replication.replica_offset":          326,
				"redis.replication.offset":                  326,
				"redis.replication.master_link.up":          1,
				"redis.replication.master_last_io":          1,
				"redis.replication.master_sync.in_progress": 0,
				"redis.slaves.connected":                    0,
				"redis.db.keys{db=0}":                       4,
				"redis.db.avg_ttl{db=0}":                    0,
			},
			absent: []string{"redis.role{role=primary}"},
		},
		{
			name: "INFO all: per-command calls, usec and latency percentiles in seconds", info: "info_all.txt",
			want: map[string]float64{
				"redis.cmd.calls{cmd=get}":                    2,
				"redis.cmd.usec{cmd=get}":                     9,
				"redis.cmd.calls{cmd=info}":                   1,
				"redis.cmd.usec{cmd=psync}":                   48,
				"redis.cmd.latency{cmd=get,percentile=p50}":   4.015e-6,
				"redis.cmd.latency{cmd=get,percentile=p99}":   5.023e-6,
				"redis.cmd.latency{cmd=get,percentile=p99.9}": 5.023e-6,
				"redis.cmd.latency{cmd=set,percentile=p99}":   12.031e-6,
			},
		},
		{
			name: "cluster node", info: "info_cluster.txt", cluster: true,
			want: map[string]float64{"redis.uptime": 3, "redis.clients.connected": 1, "redis.memory.used": 1665688,
				"redis.mode{mode=cluster}": 1, "redis.cluster.cluster_enabled": 1},
		},
		{
			// Redis 7.0 has no sentinel_total_tilt (7.2 added it).
			name: "sentinel", info: "info_sentinel.txt",
			want: map[string]float64{
				"redis.mode{mode=sentinel}":             1,
				"redis.sentinel.masters":                1,
				"redis.sentinel.tilt_since_seconds":     -1,
				"redis.sentinel.running_scripts":        0,
				"redis.sentinel.scripts_queue_length":   0,
				"redis.sentinel.simulate_failure_flags": 0,
			},
			absent: []string{"redis.sentinel.total_tilt", "redis.db.keys{db=0}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mb := newTestBuilder(allMetrics())
			sum := recordInfo(mb, pcommon.Timestamp(1), fixture(t, tt.info))
			assert.Equal(t, "7.0.15", sum.version, "every fixture was recorded from Redis 7.0.15")
			assert.Equal(t, tt.cluster, sum.clusterEnabled)
			got := points(mb.Emit())
			if tt.all {
				assert.InDeltaMapValues(t, tt.want, got, 1e-12)
				assert.Len(t, got, len(tt.want))
			}
			for k, v := range tt.want {
				if assert.Contains(t, got, k) {
					assert.InDelta(t, v, got[k], 1e-12, k)
				}
			}
			for _, k := range tt.absent {
				assert.NotContains(t, got, k)
			}
		})
	}
}

func TestRecordClusterInfoFixture(t *testing.T) {
	mb := newTestBuilder(allMetrics())
	recordClusterInfo(mb, pcommon.Timestamp(1), fixture(t, "cluster_info.txt"))
	assert.Equal(t, singleNodeClusterPoints, points(mb.Emit()))
}

// singleNodeClusterPoints are the cluster metrics of one node serving all
// 16384 slots (testdata/cluster_info.txt, and the integration test's node).
var singleNodeClusterPoints = map[string]float64{
	"redis.cluster.state{cluster_state=ok}":           1,
	"redis.cluster.slots_assigned":                    16384,
	"redis.cluster.slots_ok":                          16384,
	"redis.cluster.slots_pfail":                       0,
	"redis.cluster.slots_fail":                        0,
	"redis.cluster.known_nodes":                       1,
	"redis.cluster.node.count":                        1,
	"redis.cluster.uptime":                            0,
	"redis.cluster.node.uptime":                       0,
	"redis.cluster.stats_messages_sent":               0,
	"redis.cluster.stats_messages_received":           0,
	"redis.cluster.links_buffer_limit_exceeded.count": 0,
}

// Bad input: unknown fields are ignored, missing fields skip their metric,
// a malformed value skips only its own metric.
func TestRecordInfoBadInput(t *testing.T) {
	tests := []struct {
		name string
		info string
		want map[string]float64
	}{
		{"empty", "", map[string]float64{}},
		{"headers and blank lines only", "# Server\r\n\r\n# Clients\r\n", map[string]float64{}},
		{"unknown fields ignored", "future_field:42\r\nconnected_clients:7\r\nsomething\r\n:nokey\r\n", map[string]float64{"redis.clients.connected": 7}},
		{"LF only line ends", "connected_clients:7\nused_memory:100", map[string]float64{"redis.clients.connected": 7, "redis.memory.used": 100}},
		{"malformed value skips its metric only", "connected_clients:seven\r\nused_memory:100\r\n", map[string]float64{"redis.memory.used": 100}},
		{"float where int expected", "used_memory:1.5\r\n", map[string]float64{}},
		{"non-finite floats skipped", "used_cpu_sys:-inf\r\nused_cpu_user:NaN\r\nmem_fragmentation_ratio:1e400\r\n", map[string]float64{}},
		{"keyspace with unknown and missing parts", "db2:keys=5,subexpiry=0,avg_ttl=x\r\n", map[string]float64{"redis.db.keys{db=2}": 5}},
		{"not a keyspace line", "dbx:keys=5\r\ndb:keys=1\r\n", map[string]float64{}},
		{"unknown role and percentile", "role:sentinel\r\nlatency_percentiles_usec_get:p75=1,p50=2\r\n", map[string]float64{"redis.cmd.latency{cmd=get,percentile=p50}": 2e-6}},
		{"failed RDB save and AOF write", "rdb_last_bgsave_status:err\r\naof_last_write_status:err\r\n", map[string]float64{"redis.rdb.last_bgsave.status": 0, "redis.aof.last_write.status": 0}},
		{"unknown mode", "redis_mode:future\r\n", map[string]float64{}},
		{"empty command names", "cmdstat_:calls=1\r\nlatency_percentiles_usec_:p50=1\r\n", map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mb := newTestBuilder(allMetrics())
			recordInfo(mb, pcommon.Timestamp(1), tt.info)
			assert.Equal(t, tt.want, points(mb.Emit()))
		})
	}
}
