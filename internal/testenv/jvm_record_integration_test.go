//go:build integration

package testenv

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	record     = flag.Bool("record", false, "record Jolokia responses into receiver/jolokiareceiver/testdata/recorded")
	recordOnly = flag.String("record-only", "", "with -record: record only the fixtures whose name matches this regular expression")
)

// fixture is one recorded exchange: the request body sent and the exact answer kept.
type fixture struct {
	name    string
	request []any // bulk request entries
	opts    JVMOptions
	// proxy: every entry gets "target" set to a JMX JVM (StartJMXJVM), with
	// these keys: "jmx" (the JVM, with credentials), "jmx-wrong-password",
	// "unreachable" (allowed, nothing listens), "not-allowed".
	proxy []string
}

func read(mbean string, attrs ...string) map[string]any {
	r := map[string]any{"type": "read", "mbean": mbean}
	if len(attrs) == 1 {
		r["attribute"] = attrs[0]
	} else if len(attrs) > 1 {
		r["attribute"] = attrs
	}
	return r
}

func readPath(mbean, attr, path string) map[string]any {
	r := read(mbean, attr)
	r["path"] = path
	return r
}

func ignoreErrors(r map[string]any) map[string]any {
	r["config"] = map[string]any{"ignoreErrors": true}
	return r
}

func search(pattern string) map[string]any { return map[string]any{"type": "search", "mbean": pattern} }

// jvmPresetReads are the reads of the receiver's jvm preset.
var jvmPresetReads = []any{
	read("java.lang:type=Memory", "HeapMemoryUsage", "NonHeapMemoryUsage"),
	read("java.lang:type=MemoryPool,name=*", "Usage", "CollectionUsage", "Type"),
	read("java.lang:type=GarbageCollector,name=*", "CollectionCount", "CollectionTime"),
	read("java.lang:type=Threading", "ThreadCount", "DaemonThreadCount"),
	read("java.lang:type=ClassLoading", "LoadedClassCount", "UnloadedClassCount", "TotalLoadedClassCount"),
	read("java.lang:type=OperatingSystem", "ProcessCpuTime", "AvailableProcessors", "ProcessCpuLoad", "CpuLoad",
		"SystemCpuLoad", "SystemLoadAverage", "OpenFileDescriptorCount", "MaxFileDescriptorCount"),
	read("java.nio:type=BufferPool,name=*", "MemoryUsed", "TotalCapacity", "Count"),
	read("java.lang:type=Runtime", "Uptime"),
}

var fixtures = []fixture{
	{name: "version", request: []any{map[string]any{"type": "version"}}},
	{name: "search", request: []any{
		search("com.moalog.test:*"),
		search("java.lang:type=MemoryPool,*"),
		search("com.moalog.nothing:*"),
	}},
	{name: "jvm-preset", request: jvmPresetReads},
	// The same reads on G1 (what server-class JVMs run), after one System.gc().
	{name: "jvm-preset-g1", request: jvmPresetReads,
		opts: JVMOptions{GC: GCG1, ExtraArgs: []string{"-Dmoalog.systemGC=true"}}},
	{name: "test-mbeans", request: []any{
		read("com.moalog.test:type=Payments,name=card"),
		read("com.moalog.test:type=Payments,name=bank"),
		read("com.moalog.test:type=Payments,name=*"),
		read("com.moalog.test:type=Payments,name=*", "TotalPayments", "Amount"),
		read("com.moalog.test:type=Pool,name=main"),
		readPath("com.moalog.test:type=Pool,name=main", "Usage", "used"),
		readPath("com.moalog.test:type=Pool,name=main", "ByRegion", "*/value"),
		readPath("com.moalog.test:type=Pool,name=main", "ByRegion", "eu/value"),
		read("com.moalog.test:type=Counters", "Big", "Huge", "Negative", "Unlimited", "Text", "Nothing"),
		read("com.moalog.test:type=Counters", "Ratio"),
		read("com.moalog.test:type=Counters", "Inf"),
		read("com.moalog.test:type=Counters"),
		read(`com.moalog.test:type=Quoted,name="a,b"`),
		read("com.moalog.test:type=Dynamic"),
	}},
	{name: "errors", request: []any{
		read("com.moalog.test:type=Missing"),
		read("com.moalog.test:type=Counters", "Missing"),
		read("com.moalog.test:type=Counters", "Big", "Missing"),
		read("com.moalog.nothing:type=Item,name=*"),
		read("com.moalog.test:type=Payments,name=*", "Missing"),
		read("com.moalog.test:*", "TotalPayments"),
		read("com.moalog.test:type=Quoted,name=\"a,b\"", "Value"),
	}},
	// The same failures with "ignoreErrors": the failing attribute becomes an error value.
	{name: "errors-ignored", request: []any{
		ignoreErrors(read("com.moalog.test:type=Counters", "Big", "Missing")),
		ignoreErrors(read("com.moalog.test:type=Counters")),
		ignoreErrors(read("com.moalog.test:type=Payments,name=*", "TotalPayments", "Missing")),
		ignoreErrors(read("com.moalog.test:type=Missing")),
	}},
	// A malformed ObjectName fails the whole bulk request, so it gets its own file.
	{name: "errors-bad-objectname", request: []any{
		read("com.moalog.test:type=Counters", "Big"),
		read("not an object name"),
	}},
	{name: "bench-1000", request: []any{read("com.moalog.bench:type=Item,name=*")},
		opts: JVMOptions{ExtraArgs: []string{"-Dmoalog.benchItems=1000"}}},
	// A real commons-pool2 2.12.1 GenericObjectPool (java/pool/CommonsPool2App.java).
	{name: "commons-pool2", request: []any{
		read("org.apache.commons.pool2:type=GenericObjectPool,name=*"),
		read("org.apache.commons.pool2:type=GenericObjectPool,name=redis-pool",
			"NumActive", "NumIdle", "MaxTotal", "CreatedCount", "BorrowedCount", "ReturnedCount", "DestroyedCount"),
	}, opts: JVMOptions{CommonsPool2: true}},
	// The library profiles (java/apps/): what their presets read.
	{name: "apps", request: []any{
		read("Tomcat:type=GlobalRequestProcessor,name=*"),
		read("Tomcat:type=ThreadPool,name=*", "currentThreadCount", "currentThreadsBusy", "maxThreads", "connectionCount", "maxConnections"),
		read("Tomcat:type=Manager,*", "activeSessions", "sessionCounter", "maxActive", "rejectedSessions", "expiredSessions"),
		read("kafka.producer:type=producer-metrics,client-id=*"),
		read("kafka.producer:type=producer-metrics,client-id=*", "record-send-total", "record-error-total", "record-retry-total",
			"request-latency-avg", "buffer-available-bytes", "connection-count"),
		read("kafka.consumer:type=consumer-metrics,client-id=*", "request-total", "connection-count", "incoming-byte-total"),
		read("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=*"),
		read("kafka.producer:type=app-info,client-id=*"),
		read("metrics:*"),
		read("com.zaxxer.hikari:*"),
		read("io.r2dbc.pool:*"),
	}, opts: JVMOptions{Apps: JavaApps}},
	// JSR-160 proxy mode: the agent forwards each entry to a JVM with only
	// remote JMX (RMI). The echoed target sits in request.target (1.x) or
	// request.options.target (2.x).
	{name: "proxy", request: []any{
		map[string]any{"type": "version"},
		read("com.moalog.test:type=Payments,name=card", "TotalPayments"),
		read("com.moalog.test:type=Payments,name=*", "TotalPayments"),
		readPath("com.moalog.test:type=Pool,name=main", "Usage", "used"),
		read("java.lang:type=Memory", "HeapMemoryUsage"),
		read("com.moalog.test:type=Missing"),
	}, proxy: []string{"jmx", "jmx", "jmx", "jmx", "jmx", "jmx"}, opts: JVMOptions{JSR160Proxy: true}},
	{name: "proxy-errors", request: slices.Repeat([]any{read("com.moalog.test:type=Payments,name=card", "TotalPayments")}, 4),
		proxy: []string{"jmx-wrong-password", "unreachable", "not-allowed", "jmx"}, opts: JVMOptions{JSR160Proxy: true}},
}

const (
	proxyUser     = "jmxmon"
	proxyPassword = "jmx-s3cret"
)

// TestRecordFixtures records the receiver's unit-test fixtures from both agents:
//
//	go test -tags integration ./internal/testenv -run TestRecordFixtures -record
func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("records fixtures only with -record")
	}
	only, err := regexp.Compile(*recordOnly)
	require.NoError(t, err, "-record-only")
	var jmx *JMXJVM
	targets := map[string]map[string]any{}
	for _, f := range fixtures {
		if only.MatchString(f.name) && len(f.proxy) > 0 && jmx == nil {
			jmx = StartJMXJVM(t, JMXOptions{User: proxyUser, Password: proxyPassword})
			dead := fmt.Sprintf("service:jmx:rmi:///jndi/rmi://%s/jmxrmi", Addr(FreePort(t)))
			targets = map[string]map[string]any{
				"jmx":                {"url": jmx.ServiceURL, "user": proxyUser, "password": proxyPassword},
				"jmx-wrong-password": {"url": jmx.ServiceURL, "user": proxyUser, "password": "wrong"},
				"unreachable":        {"url": dead},
				"not-allowed":        {"url": "service:jmx:rmi:///jndi/rmi://127.0.0.1:1/jmxrmi"},
			}
		}
	}
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			// Each agent's <name>.json and <name>.request.json.
			dir := filepath.Join(RepoRoot(), "receiver", "jolokiareceiver", "testdata", "recorded", agent.String())
			require.NoError(t, os.MkdirAll(dir, 0o755))
			jvms := map[string]*JVM{}
			for _, f := range fixtures {
				if !only.MatchString(f.name) {
					continue
				}
				opts := f.opts
				opts.Agent = agent
				request := f.request
				if len(f.proxy) > 0 {
					opts.ProxyAllowedTargets = []string{
						regexp.QuoteMeta(targets["jmx"]["url"].(string)),
						regexp.QuoteMeta(targets["unreachable"]["url"].(string)),
					}
					request = withTargets(f.request, f.proxy, targets)
				}
				key := fmt.Sprint(opts)
				jvm := jvms[key]
				if jvm == nil {
					jvm = StartJVM(t, opts)
					jvms[key] = jvm
				}
				recordOne(t, jvm, dir, f.name, request)
			}
		})
	}
}

// withTargets copies the request entries, adding "target" to entry i from targets[names[i]].
func withTargets(request []any, names []string, targets map[string]map[string]any) []any {
	out := make([]any, len(request))
	for i, r := range request {
		e := maps.Clone(r.(map[string]any))
		e["target"] = targets[names[i]]
		out[i] = e
	}
	return out
}

func recordOne(t *testing.T, jvm *JVM, dir, name string, request []any) {
	t.Helper()
	body, err := json.MarshalIndent(request, "", "  ")
	require.NoError(t, err)
	body = append(body, '\n')
	status, resp, err := jvm.Post(string(body))
	require.NoError(t, err, name)
	require.Equal(t, http.StatusOK, status, "%s: %s", name, resp)
	require.True(t, json.Valid(resp), "%s: not JSON: %s", name, resp)
	if !bytes.HasSuffix(resp, []byte("\n")) {
		resp = append(resp, '\n') // files end with a newline; the agents send none
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".request.json"), body, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), resp, 0o644))
}
