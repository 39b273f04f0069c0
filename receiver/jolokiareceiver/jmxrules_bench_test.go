package jolokiareceiver

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// jmxBenchRules end with the rule that matches, after two that do not: the
// common shape of a jmx_exporter config (specific rules first).
const jmxBenchRules = `
rules:
- pattern: 'kafka.(producer|consumer)<type=(.+), client-id=(.+)><>(.+-total):'
  name: kafka_$1_$2_$4
  type: COUNTER
  cache: %[1]v
- pattern: 'Tomcat<type=GlobalRequestProcessor, name=\"(\w+-\w+)-(\d+)\"><>(\w+):'
  name: tomcat_$3_total
  cache: %[1]v
- pattern: 'com.example<type=Item, name=(\d+)><>(\w+): .*'
  name: item_$2
  labels:
    item: $1
  cache: %[1]v
`

// BenchmarkJMXRules flattens and matches 1,000 MBeans x 10 numeric
// attributes (10,000 data points) per iteration, with the rules' match cache
// off and on; ns/point and allocs/point are the cost per data point.
func BenchmarkJMXRules(b *testing.B) {
	values := map[string]map[string]any{}
	for i := 0; i < 1000; i++ {
		attrs := map[string]any{}
		for a := 0; a < 10; a++ {
			attrs[fmt.Sprintf("Attribute%d", a)] = json.Number(fmt.Sprint(i*10 + a))
		}
		values[fmt.Sprintf("com.example:type=Item,name=%d", i)] = attrs
	}
	mb := &jmxMBean{}
	for _, cache := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cache), func(b *testing.B) {
			st := mustJMXState(b, fmt.Sprintf(jmxBenchRules, cache))
			metrictest.BenchPoints(b, 10000, func() {
				scrape := st.begin()
				for name, attrs := range values {
					scrape.flattenBean(name, attrs, mb)
				}
				if len(scrape.samples) != 10000 {
					b.Fatalf("%d samples", len(scrape.samples))
				}
			})
		})
	}
}

// FuzzJMXRule runs a rule (pattern x name template) over a flattened name:
// compiling refuses or accepts, matching never panics, one match takes
// bounded time (RE2: linear in the input), and the cheap probe decides like
// the wrapped pattern.
func FuzzJMXRule(f *testing.F) {
	f.Add(`kafka.(producer|consumer)<type=(.+), client-id=(.+)><>(.+-total):`, "kafka_$1_$2_$4", "kafka.producer<type=producer-metrics, client-id=p1><>record-send-total: 5")
	f.Add(`java.lang<name=([^,]+), type=GarbageCollector, key=([^>]+)><LastGcInfo, (memoryUsage\w+)>(\w+)`, "gc_$3_${x}", "java.lang<name=Copy, type=GarbageCollector, key=Eden Space><LastGcInfo, memoryUsageAfterGc>used: 0")
	f.Add(`(a+)+$`, `$11\$\\`, strings.Repeat("a", 64)+"!")
	f.Add(`Tomcat<type=Manager, host=([-a-zA-Z0-9+&@#/%?=~_|!:.,;]*[-a-zA-Z0-9+&@#/%=~_|]), context=([-a-zA-Z0-9+/$%~_-|!.]*)><>(\w+):`, "tomcat_$3", `Tomcat<type=Manager, host=localhost, context=/><>activeSessions: 0`)
	f.Fuzz(func(t *testing.T, pattern, name, flattened string) {
		rule, err := compileJMXRule(JMXRule{Pattern: pattern, Name: name, Labels: map[string]string{"l": name}})
		if err != nil {
			return
		}
		st := newJMXState(&jmxEngine{rules: []jmxRule{rule}})
		scrape := st.begin()
		b := parseJMXBean(flattened)
		began := time.Now()
		m, _ := scrape.apply(&st.engine.rules[0], b.domain, b.props, nil, "a", "a", flattened)
		if d := time.Since(began); d > time.Second {
			t.Fatalf("one match took %v", d)
		}
		if m != nil && m.name != safeName(m.name) {
			t.Fatalf("name %q is not safe", m.name)
		}
		if !strings.ContainsRune(flattened, '\n') && rule.probe.MatchString(flattened) != rule.re.MatchString(flattened) {
			t.Fatalf("%q: the pattern alone and jmx_exporter's ^.*(?:pattern).*$ disagree on %q", pattern, flattened)
		}
	})
}
