package jolokiareceiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gopkg.in/yaml.v2"
)

// recordedJMXValues are the attribute values of testdata/jmxexporter/read-jolokia-2.4.2.json.
func recordedJMXValues(t testing.TB) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "jmxexporter", "read-jolokia-2.4.2.json"))
	require.NoError(t, err)
	var values map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&values))
	return values
}

// jmxSeries runs the rules over values, except the MBeans the config
// excludes, and returns "TYPE name{labels} value" lines, sorted (TYPE:
// counter, gauge or untyped, as the exporter prints it).
func jmxSeries(t testing.TB, st *jmxState, values map[string]map[string]any) []string {
	t.Helper()
	scrape := st.begin()
	for _, name := range sortedKeys(values) {
		on, err := parseObjectName(name)
		require.NoError(t, err)
		if st.engine.excluded(on) {
			continue
		}
		mb := &jmxMBean{open: map[string]bool{}}
		for a, v := range values[name] {
			_, mb.open[a] = v.(map[string]any)
		}
		scrape.flattenBean(name, values[name], mb)
	}
	sm := pmetric.NewScopeMetrics()
	scrape.emit(sm, 0, 0)
	var out []string
	for _, m := range sm.Metrics().All() {
		typ, dps := "gauge", pmetric.NumberDataPointSlice{}
		switch m.Type() {
		case pmetric.MetricTypeSum:
			typ, dps = "counter", m.Sum().DataPoints()
		default:
			dps = m.Gauge().DataPoints()
			if v, ok := m.Metadata().Get("prometheus.type"); ok && v.Str() == "unknown" {
				typ = "untyped"
			}
		}
		for _, dp := range dps.All() {
			var labels []string
			for k, v := range dp.Attributes().All() {
				labels = append(labels, fmt.Sprintf("%s=%q", k, v.Str()))
			}
			sort.Strings(labels)
			out = append(out, fmt.Sprintf("%s %s{%s} %v", typ, m.Name(), strings.Join(labels, ","), dp.DoubleValue()))
		}
	}
	sort.Strings(out)
	return out
}

func mustJMXState(t testing.TB, rules string) *jmxState {
	t.Helper()
	e, err := compileJMXExporter(decodeJMXExporter(t, []byte(rules)))
	require.NoError(t, err)
	return newJMXState(e)
}

// TestJMXFlattening: the series a jmx_exporter config yields from recorded
// reads, as jmx_exporter 1.0.1 names them (each row checked against the real
// agent's output by TestJMXExporterSideBySide's rule sets).
func TestJMXFlattening(t *testing.T) {
	values := recordedJMXValues(t)
	for name, tt := range map[string]struct {
		rules string
		want  []string
	}{
		"default name: domain, first key value, attribute path; other keys are labels": {"{}\n", []string{
			`untyped com_moalog_test_Payments_Amount{name="card"} 12.5`,
			`untyped com_moalog_test_Payments_Enabled{name="card"} 1`,
			`untyped com_moalog_test_Payments_TotalPayments{name="card"} 42`,
			`untyped com_moalog_test_Pool_ByRegion{name="main",region="eu"} 3`,
			`untyped com_moalog_test_Pool_ByRegion{name="main",region="us"} 5`,
			`untyped com_moalog_test_Pool_Usage_committed{name="main"} 500`,
			`untyped com_moalog_test_Pool_Usage_init{name="main"} 100`,
			`untyped com_moalog_test_Pool_Usage_max{name="main"} 1000`,
			`untyped com_moalog_test_Pool_Usage_used{name="main"} 300`,
			`untyped com_moalog_test_Quoted_Value{name="\"a,b\""} 5`,
			`untyped java_lang_MarkSweepCompact_CollectionCount{type="GarbageCollector"} 1`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_GcThreadCount{type="GarbageCollector"} 1`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_duration{type="GarbageCollector"} 10`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_endTime{type="GarbageCollector"} 529`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_id{type="GarbageCollector"} 1`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageAfterGc_committed{key="Tenured Gen",type="GarbageCollector"} 4.4761088e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageAfterGc_init{key="Tenured Gen",type="GarbageCollector"} 4.4761088e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageAfterGc_max{key="Tenured Gen",type="GarbageCollector"} 4.4761088e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageAfterGc_used{key="Tenured Gen",type="GarbageCollector"} 2.872224e+06`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageBeforeGc_committed{key="Eden Space",type="GarbageCollector"} 1.7891328e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageBeforeGc_init{key="Eden Space",type="GarbageCollector"} 1.7891328e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageBeforeGc_max{key="Eden Space",type="GarbageCollector"} 1.7891328e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_memoryUsageBeforeGc_used{key="Eden Space",type="GarbageCollector"} 1.0040024e+07`,
			`untyped java_lang_MarkSweepCompact_LastGcInfo_startTime{type="GarbageCollector"} 519`,
			`untyped java_lang_Memory_HeapMemoryUsage_committed{} 6.488064e+07`,
			`untyped java_lang_Memory_HeapMemoryUsage_init{} 6.7108864e+07`,
			`untyped java_lang_Memory_HeapMemoryUsage_max{} 6.488064e+07`,
			`untyped java_lang_Memory_HeapMemoryUsage_used{} 9.065352e+06`,
			`untyped java_lang_Memory_Verbose{} 0`,
		}},
		"capture groups, valueFactor, lowercaseOutputName, COUNTER with _total": {`
lowercaseOutputName: true
rules:
- pattern: 'java.lang<type=Memory><HeapMemoryUsage>(\w+)'
  name: Heap_$1_KB
  valueFactor: 0.001
  type: GAUGE
- pattern: 'java.lang<name=(\w+), type=GarbageCollector><>CollectionCount'
  name: gc_collections_total
  type: COUNTER
  labels:
    gc: $1
`, []string{
			`counter gc_collections{gc="MarkSweepCompact"} 1`,
			`gauge heap_committed_kb{} 64880.64`,
			`gauge heap_init_kb{} 67108.864`,
			`gauge heap_max_kb{} 64880.64`,
			`gauge heap_used_kb{} 9065.352`,
		}},
		"TabularData rows and the MXBean map of GcInfo; an empty label is left out": {`
rules:
- pattern: 'com.moalog.test<type=Pool, name=(\w+)(?:, region=(\w+))?><(\w*)>(\w+)'
  name: pool_$3_$4
  attrNameSnakeCase: true
  labels: {pool: $1, region: $2}
- pattern: 'java.lang<name=(\w+), type=GarbageCollector, key=([^>]+)><LastGcInfo, memoryUsageAfterGc>used'
  name: gc_after_used
  labels: {gc: $1, pool: $2}
`, []string{
			`untyped gc_after_used{gc="MarkSweepCompact",pool="Tenured Gen"} 2.872224e+06`,
			`untyped pool_Usage_committed{pool="main"} 500`,
			`untyped pool_Usage_init{pool="main"} 100`,
			`untyped pool_Usage_max{pool="main"} 1000`,
			`untyped pool_Usage_used{pool="main"} 300`,
			`untyped pool_by_region{pool="main",region="eu"} 3`, // "pool__by_region": runs of _ collapse
			`untyped pool_by_region{pool="main",region="us"} 5`,
		}},
		"value text in labels, value on a string, quotes kept, lowercaseOutputLabelNames": {`
lowercaseOutputLabelNames: true
rules:
- pattern: 'com.moalog.test<type=Payments, name=(\w+)><>Status: OK'
  name: payments_ok
  value: 1
- pattern: 'com.moalog.test<type=Payments, name=(\w+)><>(Amount|TotalPayments): (.*)'
  name: payments_$2
  labels: {Raw: $3}
- pattern: 'com.moalog.test<type=Quoted, name=(.+)><>Value'
  name: quoted
  labels: {Name: $1}
`, []string{
			`untyped payments_Amount{raw="12.5"} 12.5`,
			`untyped payments_TotalPayments{raw="42"} 42`,
			`untyped payments_ok{} 1`,
			`untyped quoted{name="\"a,b\""} 5`,
		}},
		"same name and labels from two MBeans: _objectname; mixed types: untyped": {`
rules:
- pattern: 'com.moalog.test<type=(\w+), name=(\w+)><(\w*)>(committed|TotalPayments)'
  name: same
  type: GAUGE
- pattern: 'java.lang<type=Memory><HeapMemoryUsage>committed'
  name: same
  type: COUNTER
`, []string{
			`untyped same{_objectname="com.moalog.test<type=Payments, name=card><>TotalPayments"} 42`,
			`untyped same{_objectname="com.moalog.test<type=Pool, name=main><Usage>committed"} 500`,
			`untyped same{_objectname="java.lang<type=Memory><HeapMemoryUsage>committed"} 6.488064e+07`,
		}},
		"excludeObjectNames drops MBeans; cache: true matches the same": {`
excludeObjectNames: ["com.moalog.test:type=Payments,*"]
rules:
- pattern: 'com.moalog.test<(.*)><>(\w+)'
  name: test_$2
  cache: true
`, []string{
			`untyped test_ByRegion{_objectname="com.moalog.test<type=Pool, name=main, region=eu><>ByRegion"} 3`,
			`untyped test_ByRegion{_objectname="com.moalog.test<type=Pool, name=main, region=us><>ByRegion"} 5`,
			`untyped test_Value{} 5`,
		}},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.want, jmxSeries(t, mustJMXState(t, tt.rules), values))
		})
	}
}

func TestJMXCache(t *testing.T) {
	st := mustJMXState(t, `
rules:
- pattern: 'com.moalog.test<type=Pool, name=main><Usage>(\w+)'
  name: pool_$1
  cache: true
`)
	values := recordedJMXValues(t)
	first := jmxSeries(t, st, values)
	// One verdict per flattened name, without the value: matched or not.
	assert.Len(t, st.cache[0], 30)
	assert.Equal(t, first, jmxSeries(t, st, values))
	delete(values, "com.moalog.test:type=Pool,name=main")
	jmxSeries(t, st, values)
	assert.Len(t, st.cache[0], 24, "entries of an MBean that is gone are evicted")
}

func TestJMXExporterConfigErrors(t *testing.T) {
	for _, tt := range []struct{ rules, want string }{
		{"rules:\n- pattern: 'a(b'\n", "`jmx_exporter.rules[0]`: `pattern` \"a(b\" does not compile"},
		{"rules:\n- pattern: '(?<=x)a'\n", "RE2 syntax: no look-around"},
		{"rules:\n- pattern: ok\n- pattern: '(a)(b)'\n  name: x_$3\n", "`jmx_exporter.rules[1]`: `name` \"x_$3\": no capture group $3 (`pattern` \"(a)(b)\" has 2 capture groups)"},
		{"rules:\n- pattern: '(a)'\n  name: x\n  labels: {l: '${nope}'}\n", "`jmx_exporter.rules[0]`: `labels.l` \"${nope}\": no capture group named \"nope\""},
		{"rules:\n- pattern: '(a)'\n  name: x\n  value: '$'\n", "`jmx_exporter.rules[0]`: `value` \"$\": illegal group reference"},
		{"rules:\n- labels: {a: b}\n", "`jmx_exporter.rules[0]`: `labels` and `help` need a `name`"},
		{"rules:\n- name: x\n", "`jmx_exporter.rules[0]`: `name` needs a `pattern`"},
		{"rules:\n- pattern: a\n  type: SUMMARY\n", "`jmx_exporter.rules[0]`: `type` \"SUMMARY\" is unknown: use GAUGE, COUNTER or UNTYPED"},
		{"hostPort: localhost:9999\n", "`jmx_exporter.hostPort`/`jmxUrl`: this receiver reads through the Jolokia agent at `endpoint`"},
		{"includeObjectNames: ['java.lang']\n", "`jmx_exporter.includeObjectNames[0]`: \"java.lang\" is not a valid ObjectName"},
	} {
		cfg := configFor("http://localhost:8778/jolokia")
		cfg.JMXExporter = decodeJMXExporter(t, []byte(tt.rules))
		assert.ErrorContains(t, cfg.Validate(), tt.want, tt.rules)
	}
}

func TestExpandJava(t *testing.T) {
	rule, err := compileJMXRule(JMXRule{Pattern: `(?P<first>a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)`})
	require.NoError(t, err)
	m := rule.re.FindStringSubmatch("abcdefghijk")
	for tmpl, want := range map[string]string{
		"$1":        "a",
		"$11":       "k", // as many digits as name a group
		"$12":       "a2",
		"${first}":  "a",
		`\$1`:       "$1",
		`x\\y`:      `x\y`,
		"plain":     "plain",
		"$0":        "abcdefghijk",
		"$1-$2.$10": "a-b.j",
	} {
		got, err := expandJava(tmpl, m, rule.re)
		require.NoError(t, err, tmpl)
		assert.Equal(t, want, got, tmpl)
	}
}

func TestJMXNames(t *testing.T) {
	for in, want := range map[string]string{"a.b-c": "a_b_c", "1abc": "_1abc", "a__b": "a_b", "a:b": "a:b", "é": "_", "x\"y z\"": "x_y_z_"} {
		assert.Equal(t, want, safeName(in), in)
	}
	for in, want := range map[string]string{"HeapMemoryUsage": "heap_memory_usage", "CPULoad": "cpuload", "already_snake": "already_snake", "aB_C": "a_b_c", "": ""} {
		assert.Equal(t, want, toSnakeAndLowerCase(in), in)
	}
	for in, want := range map[string]string{"a_total": "a", "a_total_info": "a", "_total": "total", "a_totals": "a_totals", "a_created_bucket": "a"} {
		assert.Equal(t, want, trimReservedSuffixes(in), in)
	}
	for names, want := range map[[2]string]bool{ // pattern, name
		{"*:*", "java.lang:type=Memory"}:                         true,
		{"java.lang:type=Memory", "java.lang:type=Memory"}:       true,
		{"java.lang:type=Memory", "java.lang:type=Memory,x=y"}:   false,
		{"java.lang:type=Memory,*", "java.lang:type=Memory,x=y"}: true,
		{"java.*:type=Mem?ry", "java.lang:type=Memory"}:          true,
		{"kafka.*:*", "java.lang:type=Memory"}:                   false,
	} {
		p, err := parseObjectName(names[0])
		require.NoError(t, err)
		on, err := parseObjectName(names[1])
		require.NoError(t, err)
		assert.Equal(t, want, p.matches(on), names)
	}
}

// TestReadmeJMXExporterExample: the README's "Coming from jmx_exporter"
// example, resolved as the collector resolves its configuration, is a valid
// receiver configuration whose block is testdata/jmxexporter/kafka-client.yaml
// unchanged (a rule set the side-by-side test runs).
func TestReadmeJMXExporterExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), "<!-- jmx_exporter example")
	require.True(t, ok, "README has no jmx_exporter example")
	_, after, _ = strings.Cut(after, "```yaml\n")
	example, _, _ := strings.Cut(after, "```")
	cfg := resolveReceiver(t, "yaml:"+example, "jolokia/payments", yamlprovider.NewFactory())
	require.NoError(t, cfg.Validate())
	want, err := os.ReadFile(filepath.Join("testdata", "jmxexporter", "kafka-client.yaml"))
	require.NoError(t, err)
	assert.Equal(t, decodeJMXExporter(t, want), cfg.JMXExporter)
	assert.Empty(t, cfg.Presets)
}

// TestJMXNotANumber: NaN and infinite doubles, as each agent answers them
// (error texts from testdata/recorded/jolokia-2.4.2-agent/test-mbeans.json,
// null from testdata/recorded/jolokia-1.7.1-core/receiver-test-mbeans.json).
func TestJMXNotANumber(t *testing.T) {
	const nanError = `java.lang.NumberFormatException : Character N is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`
	const infError = `java.lang.NumberFormatException : Character I is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`
	mb := &jmxMBean{floats: map[string]string{"Ratio": "double", "Boxed": "java.lang.Double"}}
	tests := []struct {
		attr    string
		value   any
		status  int
		errText string
		want    json.Number
		ok      bool
	}{
		{"Ratio", nil, 400, nanError, "NaN", true},      // 2.x NaN
		{"Ratio", nil, 400, infError, "Infinity", true}, // 2.x +-Infinity
		{"Boxed", nil, 400, nanError, "NaN", true},
		{"Ratio", nil, 200, "", "NaN", true},              // 1.x null for a primitive double
		{"Boxed", nil, 200, "", "", false},                // a Double may be null: no value
		{"Ratio", json.Number("0.5"), 200, "", "", false}, // a number stays
		{"Count", nil, 400, nanError, "", false},          // not a double
		{"Ratio", nil, 400, "java.lang.Exception : boom", "", false},
	}
	for _, tt := range tests {
		got, ok := mb.notANumber(tt.attr, tt.value, tt.status, tt.errText)
		assert.Equal(t, tt.ok, ok, "%+v", tt)
		if ok {
			assert.Equal(t, tt.want, got, "%+v", tt)
		}
	}
}

// TestJMXSearchRefused: an agent whose policy refuses `search` (a fake agent
// answering every entry with 403, as the agents do for a command the policy
// lacks) sets jolokia.up 0, with the fix in the log.
func TestJMXSearchRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqs []map[string]any
		require.NoError(t, json.NewDecoder(r.Body).Decode(&reqs))
		answers := make([]map[string]any, len(reqs))
		for i := range reqs {
			answers[i] = map[string]any{"status": 403, "error": "java.lang.SecurityException : Operation search not allowed"}
		}
		require.NoError(t, json.NewEncoder(w).Encode(answers))
	}))
	defer srv.Close()
	cfg := configFor(srv.URL + "/jolokia")
	cfg.Presets = nil
	cfg.JMXExporter = decodeJMXExporter(t, []byte("{}\n"))
	core, logs := observer.New(zap.WarnLevel)
	md := scrapeOnce(newTestScraper(t, cfg, zap.New(core)))
	assert.Equal(t, int64(0), onlyResource(t, md)["jolokia.up{}"])
	require.Equal(t, 1, logs.Len())
	assert.Equal(t, "jolokia "+cfg.Endpoint+": jmx_exporter rules: search *:*: status 403: java.lang.SecurityException : Operation search not allowed: "+
		"the jmx_exporter block needs `search` and `list` besides `read` (check the agent's jolokia-access.xml)", logs.All()[0].ContextMap()["error"])
}

func decodeJMXExporter(t testing.TB, content []byte) *JMXExporterConfig {
	t.Helper()
	var raw map[string]any
	require.NoError(t, yaml.Unmarshal(content, &raw))
	out := &JMXExporterConfig{}
	require.NoError(t, confmap.NewFromStringMap(raw).Unmarshal(out))
	return out
}
