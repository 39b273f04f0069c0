package jolokiareceiver

import (
	"crypto/md5" //nolint:gosec // a stable spread of targets, not a security boundary (as Prometheus' hashmod)
	"encoding/binary"
	"fmt"
)

// ShardConfig splits the targets of one receiver among collector replicas:
// replica Index of Count scrapes only the targets whose stable hash modulo
// Count is Index. Count 0 (the default) scrapes every target.
type ShardConfig struct {
	Count int `mapstructure:"count"`
	Index int `mapstructure:"index"`
}

func (s ShardConfig) validate() error {
	switch {
	case s.Count < 0:
		return fmt.Errorf("`shard.count` must be 0 (no sharding) or the number of replicas, got %d", s.Count)
	case s.Count == 0 && s.Index != 0:
		return fmt.Errorf("`shard.index` is %d but `shard.count` is not set: set both (e.g. count: 3, index: ${env:SHARD_INDEX})", s.Index)
	case s.Count > 0 && (s.Index < 0 || s.Index >= s.Count):
		return fmt.Errorf("`shard.index` must be in 0..%d for `shard.count` %d, got %d", s.Count-1, s.Count, s.Index)
	}
	return nil
}

// shardKey is what a target is hashed by: the JMX service URL of a proxied
// target (many of them share one proxy endpoint), else the endpoint.
func shardKey(t Target) string {
	if t.ProxyTarget != nil {
		return t.ProxyTarget.URL
	}
	return t.Endpoint
}

// shardOf is Prometheus' hashmod relabel action on the target's key: the
// last 8 bytes of its MD5 as a big-endian integer, modulo count. It depends
// on nothing but the key, so every replica computes the same assignment
// whatever the order of `targets` or the other targets listed.
func shardOf(key string, count int) int {
	sum := md5.Sum([]byte(key)) //nolint:gosec
	return int(binary.BigEndian.Uint64(sum[8:]) % uint64(count))
}

// inShard keeps the targets of this replica's shard.
func (s ShardConfig) inShard(targets []Target) []Target {
	if s.Count <= 1 {
		return targets
	}
	var out []Target
	for _, t := range targets {
		if shardOf(shardKey(t), s.Count) == s.Index {
			out = append(out, t)
		}
	}
	return out
}
