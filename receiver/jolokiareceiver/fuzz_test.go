package jolokiareceiver

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// FuzzDecodeConvert feeds hostile bodies to the decoder and the converter of
// the test MBeans' plan: they return an error or data points, never panic.
// Seeds: testdata/fuzz/FuzzDecodeConvert/ (recorded responses of both agents).
func FuzzDecodeConvert(f *testing.F) {
	for _, agent := range []string{agent2, core1} {
		for _, name := range []string{"receiver-test-mbeans", "errors", "errors-bad-objectname"} {
			b, err := os.ReadFile(filepath.Join("testdata", "recorded", agent, name+".json"))
			if err == nil {
				f.Add(b)
			}
		}
	}
	p := mustPlan(f, nil, testMBeanMetrics)
	f.Fuzz(func(t *testing.T, body []byte) {
		entries, err := decodeResponse(body, len(p.slots))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		md := pmetric.NewMetrics()
		sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
		now := pcommon.NewTimestampFromTime(time.Unix(0, 0))
		results := newConverter(p, sm, now, now, nil).convert(entries, p.slots)
		if len(results) != len(p.slots) {
			t.Fatalf("%d results for %d entries", len(results), len(p.slots))
		}
	})
}
