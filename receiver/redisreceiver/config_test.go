package redisreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/confmap"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	def := metrictest.LoadConfig(t, "redis", createDefaultConfig().(*Config))
	metrictest.CheckContribDefaults(t, "localhost:6379", def.AddrConfig, def.ControllerConfig, def.TLS)
	assert.Equal(t, metadata.DefaultMetricsBuilderConfig(), def.MetricsBuilderConfig)

	all := metrictest.LoadConfig(t, "redis/all_keys", createDefaultConfig().(*Config))
	assert.Equal(t, "redis.internal:6380", all.Endpoint)
	assert.Equal(t, "monitor", all.Username)
	assert.Equal(t, "s3cret", string(all.Password))
	assert.Equal(t, 30*time.Second, all.CollectionInterval)
	assert.Equal(t, 2*time.Second, all.InitialDelay)
	assert.Equal(t, 5*time.Second, all.Timeout)
	assert.False(t, all.TLS.Insecure)
	assert.Equal(t, "/etc/ssl/redis-ca.pem", all.TLS.CAFile)
	assert.True(t, all.Metrics.RedisMaxmemory.Enabled)
	assert.False(t, all.Metrics.RedisUptime.Enabled)
	assert.True(t, all.Metrics.RedisMemoryUsed.Enabled)
	assert.False(t, all.ResourceAttributes.ServerAddress.Enabled)

	unix := metrictest.LoadConfig(t, "redis/unix", createDefaultConfig().(*Config))
	assert.Equal(t, confignet.AddrConfig{Endpoint: "/run/redis/redis.sock", Transport: confignet.TransportTypeUnix}, unix.AddrConfig)
}

func TestDefaultsMatchTheIssue(t *testing.T) {
	m := metadata.DefaultMetricsBuilderConfig()
	on, off := metrictest.Toggles(m.Metrics)
	assert.Subset(t, off, []string{
		"redis.maxmemory", "redis.role", "redis.cmd.calls", "redis.cmd.usec", "redis.cmd.latency", "redis.replication.replica_offset",
	}, "off by default, like contrib")
	assert.Subset(t, on, []string{"redis.up", "redis.db.keys"})
	r := m.ResourceAttributes
	assert.True(t, r.RedisVersion.Enabled && r.ServerAddress.Enabled && r.ServerPort.Enabled && r.ServiceName.Enabled && r.ServiceInstanceID.Enabled)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		endpoint  string
		transport confignet.TransportType
		wantErr   string
	}{
		{"host and port", "localhost:6379", "tcp", ""},
		{"ipv6", "[::1]:6379", "tcp6", ""},
		{"unix socket", "/run/redis.sock", "unix", ""},
		{"no endpoint", "", "tcp", "`endpoint` must be set: host:port such as localhost:6379, or a socket path with `transport: unix`"},
		{"no port", "localhost", "tcp", "`endpoint` \"localhost\" is not host:port"},
		{"socket path without transport unix", "/run/redis.sock", "tcp", "set `transport: unix` for a socket path"},
		{"udp", "localhost:6379", "udp", "`transport` \"udp\" is not supported for redis localhost:6379: use tcp or unix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Endpoint, cfg.Transport = tt.endpoint, tt.transport
			err := confmap.Validate(cfg)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestStartFailsOnUnreadableTLSFiles(t *testing.T) {
	cfg := configFor("localhost:6380")
	cfg.TLS.Insecure = false
	cfg.TLS.CAFile = filepath.Join(t.TempDir(), "missing-ca.pem")
	s := newScraper(cfg, newTestSettings())
	err := s.start(t.Context(), nil)
	assert.ErrorContains(t, err, "redis localhost:6380: failed to load TLS config")
	assert.ErrorContains(t, err, "missing-ca.pem")
	assert.ErrorContains(t, err, "check the files under `tls`")
}

// currentContribMetrics are the metric keys of the contrib redis receiver's
// current metadata (its generated config.schema.yaml): a contrib
// configuration that enables any of them loads here unchanged.
var currentContribMetrics = []string{
	"redis.clients.blocked", "redis.clients.connected", "redis.clients.max_input_buffer",
	"redis.clients.max_output_buffer", "redis.cluster.cluster_enabled", "redis.cluster.known_nodes",
	"redis.cluster.links_buffer_limit_exceeded.count", "redis.cluster.node.count", "redis.cluster.node.uptime",
	"redis.cluster.slots_assigned", "redis.cluster.slots_fail", "redis.cluster.slots_ok", "redis.cluster.slots_pfail",
	"redis.cluster.state", "redis.cluster.stats_messages_received", "redis.cluster.stats_messages_sent",
	"redis.cluster.uptime", "redis.cmd.calls", "redis.cmd.latency", "redis.cmd.usec", "redis.commands",
	"redis.commands.processed", "redis.connections.received", "redis.connections.rejected", "redis.cpu.time",
	"redis.db.avg_ttl", "redis.db.expires", "redis.db.keys", "redis.keys.evicted", "redis.keys.expired",
	"redis.keyspace.hits", "redis.keyspace.misses", "redis.latest_fork", "redis.maxmemory",
	"redis.memory.fragmentation_ratio", "redis.memory.lua", "redis.memory.peak", "redis.memory.rss",
	"redis.memory.used", "redis.memory.used_memory_overhead", "redis.memory.used_memory_startup", "redis.mode",
	"redis.net.input", "redis.net.output", "redis.rdb.changes_since_last_save",
	"redis.replication.backlog_first_byte_offset", "redis.replication.offset", "redis.replication.replica_offset",
	"redis.role", "redis.sentinel.masters", "redis.sentinel.running_scripts", "redis.sentinel.scripts_queue_length",
	"redis.sentinel.simulate_failure_flags", "redis.sentinel.tilt_since_seconds", "redis.sentinel.total_tilt",
	"redis.slaves.connected", "redis.tracking_total_keys", "redis.uptime",
}

func TestCurrentContribMetricKeysLoad(t *testing.T) {
	metrictest.LoadContribKeys(t, createDefaultConfig(), currentContribMetrics, nil)
}
