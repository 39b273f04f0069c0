package jolokiareceiver

import (
	"fmt"
	"sort"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fleetTargets(n int) []Target {
	out := make([]Target, n)
	for i := range out {
		out[i] = Target{Endpoint: fmt.Sprintf("http://127.0.0.1:%d/jolokia", 20000+i)}
	}
	return out
}

// TestShardsCoverFleetOnce: 3 shards of a 30-target fleet hold every target
// exactly once, whatever the order of `targets`.
func TestShardsCoverFleetOnce(t *testing.T) {
	fleet := fleetTargets(30)
	seen := map[string]int{}
	for index := 0; index < 3; index++ {
		mine := ShardConfig{Count: 3, Index: index}.inShard(fleet)
		assert.NotEmpty(t, mine, "shard %d", index)
		for _, tg := range mine {
			seen[tg.Endpoint]++
		}
		// The same shard of the reversed list holds the same targets.
		reversed := append([]Target(nil), fleet...)
		sort.Slice(reversed, func(i, j int) bool { return reversed[i].Endpoint > reversed[j].Endpoint })
		assert.ElementsMatch(t, mine, ShardConfig{Count: 3, Index: index}.inShard(reversed))
	}
	require.Len(t, seen, 30, "every target is in a shard")
	for endpoint, n := range seen {
		assert.Equal(t, 1, n, "%s is in %d shards", endpoint, n)
	}
	assert.Len(t, ShardConfig{}.inShard(fleet), 30, "no shard: every target")
	assert.Len(t, ShardConfig{Count: 1}.inShard(fleet), 30, "one shard: every target")
}

// TestShardIsPrometheusHashmod: a target's shard is what Prometheus' hashmod
// relabel action computes from the same string (the endpoint, or the JMX
// service URL of a proxied target), so a Prometheus-sharded setup and this
// receiver split a fleet the same way.
func TestShardIsPrometheusHashmod(t *testing.T) {
	targets := fleetTargets(30)
	targets = append(targets, Target{Endpoint: "http://proxy:8778/jolokia",
		ProxyTarget: &ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://app-7:9010/jmxrmi"}})
	for _, count := range []int{2, 3, 7} {
		cfg := &relabel.Config{SourceLabels: model.LabelNames{"key"}, Action: relabel.HashMod, Modulus: uint64(count),
			TargetLabel: "shard", Separator: ";", Regex: relabel.MustNewRegexp("(.*)"), Replacement: "$1",
			NameValidationScheme: model.UTF8Validation}
		require.NoError(t, cfg.Validate(model.UTF8Validation))
		for _, tg := range targets {
			lb := labels.NewBuilder(labels.FromStrings("key", shardKey(tg)))
			require.True(t, relabel.ProcessBuilder(lb, cfg))
			assert.Equal(t, lb.Get("shard"), fmt.Sprint(shardOf(shardKey(tg), count)), "%s mod %d", shardKey(tg), count)
		}
	}
}

func TestShardValidate(t *testing.T) {
	for shard, want := range map[ShardConfig]string{
		{}:                    "",
		{Count: 3, Index: 0}:  "",
		{Count: 3, Index: 2}:  "",
		{Count: 3, Index: 3}:  "`shard.index` must be in 0..2 for `shard.count` 3, got 3",
		{Count: 3, Index: -1}: "`shard.index` must be in 0..2 for `shard.count` 3, got -1",
		{Count: -2}:           "`shard.count` must be 0 (no sharding) or the number of replicas, got -2",
		{Index: 1}:            "`shard.index` is 1 but `shard.count` is not set",
	} {
		cfg := configFor("http://127.0.0.1:8778/jolokia")
		cfg.Shard = shard
		if want == "" {
			assert.NoError(t, cfg.Validate(), "%+v", shard)
		} else {
			assert.ErrorContains(t, cfg.Validate(), want, "%+v", shard)
		}
	}
}
