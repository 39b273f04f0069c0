// Package redisreceiver scrapes a Redis server's INFO (and, in cluster mode,
// CLUSTER INFO) into OpenTelemetry metrics with the names, units and defaults
// of the contrib redis receiver, plus `redis.up` and cluster metrics.
//
//go:generate go tool mdatagen metadata.yaml
package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"
