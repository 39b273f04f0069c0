package testenv

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

var record = flag.Bool("record", false, "record Jolokia responses into receiver/jolokiareceiver/testdata/recorded")

// recordedDir is where TestRecordFixtures writes <agent>/<name>.json and
// <name>.request.json.
func recordedDir() string {
	return filepath.Join(RepoRoot(), "receiver", "jolokiareceiver", "testdata", "recorded")
}

// fixture is one recorded exchange: the request body sent and the exact answer kept.
type fixture struct {
	name    string
	request []any // bulk request entries
	opts    JVMOptions
}

func read(mbean string, attrs ...string) map[string]any {
	r := map[string]any{"type": "read", "mbean": mbean}
	switch len(attrs) {
	case 0:
	case 1:
		r["attribute"] = attrs[0]
	default:
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

var fixtures = []fixture{
	{name: "version", request: []any{map[string]any{"type": "version"}}},
	{name: "search", request: []any{
		search("com.moalog.test:*"),
		search("java.lang:type=MemoryPool,*"),
		search("com.moalog.nothing:*"),
	}},
	{name: "jvm-preset", request: []any{
		read("java.lang:type=Memory", "HeapMemoryUsage", "NonHeapMemoryUsage"),
		read("java.lang:type=MemoryPool,name=*", "Usage", "CollectionUsage", "Type"),
		read("java.lang:type=GarbageCollector,name=*", "CollectionCount", "CollectionTime"),
		read("java.lang:type=Threading", "ThreadCount", "DaemonThreadCount"),
		read("java.lang:type=ClassLoading", "LoadedClassCount", "UnloadedClassCount", "TotalLoadedClassCount"),
		read("java.lang:type=OperatingSystem", "ProcessCpuTime", "AvailableProcessors", "ProcessCpuLoad", "CpuLoad",
			"SystemCpuLoad", "SystemLoadAverage", "OpenFileDescriptorCount", "MaxFileDescriptorCount"),
		read("java.nio:type=BufferPool,name=*", "MemoryUsed", "TotalCapacity", "Count"),
		read("java.lang:type=Runtime", "Uptime"),
	}},
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
}

// TestRecordFixtures records the receiver's unit-test fixtures from both agents:
//
//	go test ./internal/testenv -run TestRecordFixtures -record
func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("records fixtures only with -record")
	}
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			dir := filepath.Join(recordedDir(), agent.String())
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			jvms := map[string]*JVM{}
			for _, f := range fixtures {
				opts := f.opts
				opts.Agent = agent
				key := fmt.Sprint(opts)
				jvm := jvms[key]
				if jvm == nil {
					jvm = StartJVM(t, opts)
					jvms[key] = jvm
				}
				recordOne(t, jvm, dir, f.name, f.request)
			}
		})
	}
}

func recordOne(t *testing.T, jvm *JVM, dir, name string, request []any) {
	t.Helper()
	body, err := json.MarshalIndent(request, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	body = append(body, '\n')
	status, resp, err := jvm.Post(string(body))
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s: HTTP %d %v: %s", name, status, err, resp)
	}
	if !json.Valid(resp) {
		t.Fatalf("%s: not JSON: %s", name, resp)
	}
	if !bytes.HasSuffix(resp, []byte("\n")) {
		resp = append(resp, '\n') // files end with a newline; the agents send none
	}
	if err := os.WriteFile(filepath.Join(dir, name+".request.json"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), resp, 0o644); err != nil {
		t.Fatal(err)
	}
}
