package redisreceiver

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// fixture reads a recorded server reply from testdata/.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// allMetrics enables every metric the receiver has.
func allMetrics() metadata.MetricsBuilderConfig {
	cfg := metadata.DefaultMetricsBuilderConfig()
	m := &cfg.Metrics
	for _, mc := range []*metadata.MetricConfig{
		&m.RedisMaxmemory, &m.RedisRole, &m.RedisCmdCalls, &m.RedisCmdUsec,
		&m.RedisCmdLatency, &m.RedisReplicationReplicaOffset,
	} {
		mc.Enabled = true
	}
	return cfg
}

func newTestSettings() receiver.Settings { return receivertest.NewNopSettings(metadata.Type) }

func newTestBuilder(cfg metadata.MetricsBuilderConfig) *metadata.MetricsBuilder {
	return metadata.NewMetricsBuilder(cfg, newTestSettings())
}

// points flattens metrics into "name{attr=value,...}" -> value, the form the
// tables of the tests are written in.
func points(md pmetric.Metrics) map[string]float64 {
	out := map[string]float64{}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				default:
					continue
				}
				for l := 0; l < dps.Len(); l++ {
					dp := dps.At(l)
					v := dp.DoubleValue()
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						v = float64(dp.IntValue())
					}
					out[m.Name()+attrString(dp.Attributes())] = v
				}
			}
		}
	}
	return out
}

func attrString(attrs pcommon.Map) string {
	if attrs.Len() == 0 {
		return ""
	}
	var kv []string
	attrs.Range(func(k string, v pcommon.Value) bool {
		kv = append(kv, k+"="+v.AsString())
		return true
	})
	sort.Strings(kv)
	return "{" + strings.Join(kv, ",") + "}"
}

// resourceAttrs returns the attributes of the only resource.
func resourceAttrs(t testing.TB, md pmetric.Metrics) map[string]any {
	t.Helper()
	if md.ResourceMetrics().Len() != 1 {
		t.Fatalf("want 1 resource, got %d", md.ResourceMetrics().Len())
	}
	return md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()
}
