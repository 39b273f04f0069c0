//go:build integration

package testenv

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// contractReads is one bulk request reading one MBean of each kind the test app
// registers, with the exact value every agent must answer.
var contractReads = []struct {
	name    string
	request string
	value   string // the entry's "value", as JSON
}{
	{"payments card", `{"type":"read","mbean":"com.moalog.test:type=Payments,name=card"}`,
		`{"TotalPayments":42,"Amount":12.5,"Enabled":true,"Status":"OK"}`},
	{"payments wildcard", `{"type":"read","mbean":"com.moalog.test:type=Payments,name=*","attribute":"TotalPayments"}`,
		`{"com.moalog.test:name=card,type=Payments":{"TotalPayments":42},"com.moalog.test:name=bank,type=Payments":{"TotalPayments":7}}`},
	{"pool", `{"type":"read","mbean":"com.moalog.test:type=Pool,name=main"}`,
		`{"Usage":{"used":300,"committed":500,"max":1000,"init":100},"Limits":{"max":-1},
		  "ByRegion":{"eu":{"region":"eu","value":3},"us":{"region":"us","value":5}}}`},
	{"pool path", `{"type":"read","mbean":"com.moalog.test:type=Pool,name=main","attribute":"Usage","path":"used"}`, `300`},
	{"pool tabular path", `{"type":"read","mbean":"com.moalog.test:type=Pool,name=main","attribute":"ByRegion","path":"*/value"}`, `{"eu":3,"us":5}`},
	{"counters", `{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Big","Huge","Negative","Unlimited","Text","Nothing"]}`,
		`{"Big":9007199254740993,"Huge":9223372036854775807,"Negative":-5,"Unlimited":-1,"Text":"12.75","Nothing":null}`},
	{"quoted", `{"type":"read","mbean":"com.moalog.test:type=Quoted,name=\"a,b\"","attribute":"Value"}`, `5`},
	{"dynamic writable", `{"type":"read","mbean":"com.moalog.test:type=Dynamic","attribute":"Writable"}`, `0`},
}

type entry struct {
	Status    int             `json:"status"`
	Value     json.RawMessage `json:"value"`
	ErrorType string          `json:"error_type"`
}

func TestJVMContract(t *testing.T) {
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent, User: "monitor", Password: "s3cret"})

			reqs := make([]string, 0, len(contractReads)+3)
			for _, r := range contractReads {
				reqs = append(reqs, r.request)
			}
			reqs = append(reqs,
				`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":"Ratio"}`,
				`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":"Inf"}`,
				`{"type":"read","mbean":"com.moalog.test:type=Dynamic","attribute":"Ticks"}`)
			entries := postBulk(t, jvm, "["+strings.Join(reqs, ",")+"]", len(reqs))

			for i, r := range contractReads {
				checkEntry(t, r.name, entries[i], r.value)
			}

			// NaN and +Infinity: 1.7.1 answers null, 2.4.2 fails the entry.
			for _, e := range entries[len(contractReads) : len(contractReads)+2] {
				switch agent {
				case JolokiaCore1:
					if e.Status != 200 || string(e.Value) != "null" {
						t.Errorf("NaN/Inf on 1.7.1: want status 200 value null, got %d %s", e.Status, e.Value)
					}
				case JolokiaAgent2:
					if e.Status != 400 || e.ErrorType != "java.lang.NumberFormatException" {
						t.Errorf("NaN/Inf on 2.4.2: want status 400 NumberFormatException, got %d %s", e.Status, e.ErrorType)
					}
				}
			}
			if ticks := entries[len(reqs)-1]; ticks.Status != 200 {
				t.Errorf("Ticks: status %d", ticks.Status)
			}

			// Without credentials: 401.
			resp, err := http.Post(jvm.Endpoint, "application/json", strings.NewReader(`{"type":"version"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without credentials: HTTP %d, want 401", resp.StatusCode)
			}
		})
	}
}

func TestJVMRestartKeepsPort(t *testing.T) {
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent})
			jvm.Process.Kill()
			if _, _, err := jvm.Post(`{"type":"version"}`); err == nil {
				t.Fatal("the killed JVM still answers")
			}
			jvm.Process.Restart(t)
			jvm.WaitReady(t)
			postBulk(t, jvm, `[{"type":"version"}]`, 1)
		})
	}
}

func TestJVMBenchItems(t *testing.T) {
	t.Parallel()
	jvm := StartJVM(t, JVMOptions{Agent: JolokiaAgent2, ExtraArgs: []string{"-Dmoalog.benchItems=20"}})
	entries := postBulk(t, jvm, `[{"type":"search","mbean":"com.moalog.bench:type=Item,*"},
		{"type":"read","mbean":"com.moalog.bench:type=Item,name=9"}]`, 2)
	var names []string
	if err := json.Unmarshal(entries[0].Value, &names); err != nil || len(names) != 20 {
		t.Errorf("search: %d names (%v): %s", len(names), err, entries[0].Value)
	}
	if got, want := normalize(t, entries[1].Value), normalize(t, []byte(`{"Count":9000,"Latency":2.25,"Size":9,"Errors":2}`)); got != want {
		t.Errorf("item 9: got %s want %s", got, want)
	}
}

func postBulk(t *testing.T, jvm *JVM, body string, n int) []entry {
	t.Helper()
	status, resp, err := jvm.Post(body)
	if err != nil || status != http.StatusOK {
		t.Fatalf("POST: HTTP %d %v: %s", status, err, resp)
	}
	var entries []entry
	if err := json.Unmarshal(resp, &entries); err != nil || len(entries) != n {
		t.Fatalf("want %d entries (%v): %s", n, err, resp)
	}
	return entries
}

// normalize re-encodes JSON with sorted keys, keeping numbers exact.
// checkEntry reports a bulk answer's entry that failed or whose value is
// not want (JSON, compared after normalize).
func checkEntry(t *testing.T, name string, e entry, want string) {
	t.Helper()
	if e.Status != 200 {
		t.Errorf("%s: status %d (%s)", name, e.Status, e.ErrorType)
		return
	}
	if got, want := normalize(t, e.Value), normalize(t, []byte(want)); got != want {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func normalize(t *testing.T, b []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestJVMCommonsPool2(t *testing.T) {
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent, CommonsPool2: true})
			entries := postBulk(t, jvm, `[{"type":"read","mbean":"org.apache.commons.pool2:type=GenericObjectPool,name=redis-pool",
				"attribute":["NumActive","NumIdle","CreatedCount","BorrowedCount","ReturnedCount","DestroyedCount","MaxTotal","Closed"]}]`, 1)
			want := `{"NumActive":3,"NumIdle":2,"CreatedCount":5,"BorrowedCount":4,"ReturnedCount":1,"DestroyedCount":0,"MaxTotal":8,"Closed":false}`
			if entries[0].Status != 200 || normalize(t, entries[0].Value) != normalize(t, []byte(want)) {
				t.Errorf("redis-pool: status %d %s %s, want %s", entries[0].Status, entries[0].ErrorType, entries[0].Value, want)
			}
		})
	}
}

// TestJVMTLS: HTTPS with a test CA, a required client certificate and
// credentials holding every character the 2.x agent's option string cannot.
func TestJVMTLS(t *testing.T) {
	for _, agent := range allAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			pki := NewTestPKI(t, t.TempDir(), "127.0.0.1")
			jvm := StartJVM(t, JVMOptions{Agent: agent, TLS: pki, ClientAuth: true,
				User: "mon,it=or", Password: `p=a,ss:w\rd #!x `})
			if !strings.HasPrefix(jvm.Endpoint, "https://") {
				t.Fatalf("endpoint %s", jvm.Endpoint)
			}
			postBulk(t, jvm, `[{"type":"version"}]`, 1)

			// The test CA and a client certificate, but no credentials: 401.
			resp, err := jvm.HTTPClient().Post(jvm.Endpoint, "application/json", strings.NewReader(`{"type":"version"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without credentials: HTTP %d, want 401", resp.StatusCode)
			}
			// A client that does not trust the test CA: certificate error.
			if _, err := http.Post(jvm.Endpoint, "application/json", strings.NewReader(`{"type":"version"}`)); err == nil ||
				!strings.Contains(err.Error(), "certificate") {
				t.Errorf("untrusted server certificate: err %v", err)
			}
			// Plain HTTP to the HTTPS port: no valid HTTP answer.
			if resp, err := http.Post("http://"+strings.TrimPrefix(jvm.Endpoint, "https://"), "application/json", strings.NewReader(`{"type":"version"}`)); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					t.Errorf("plain HTTP to the HTTPS port answered 200")
				}
			}
			// Trusting the CA but without a client certificate: the handshake fails.
			noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: jvm.HTTPClient().Transport.(*http.Transport).TLSClientConfig.Clone()}}
			noCert.Transport.(*http.Transport).TLSClientConfig.Certificates = nil
			req, _ := http.NewRequest(http.MethodPost, jvm.Endpoint, strings.NewReader(`{"type":"version"}`))
			req.SetBasicAuth("mon,it=or", `p=a,ss:w\rd #!x `)
			resp, err = noCert.Do(req)
			switch agent {
			case JolokiaAgent2, JolokiaAgent1: // handshake accepted, then HTTP 403
				if err != nil || resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s without a client certificate: %v %v, want HTTP 403", agent, resp, err)
				}
			case JolokiaCore1: // the handshake fails
				if err == nil {
					t.Errorf("1.7.1 without a client certificate: HTTP %d, want a TLS error", resp.StatusCode)
				}
			}
			if err == nil {
				resp.Body.Close()
			}
		})
	}
}

// TestJVMReadOnlyPolicy: with ReadOnlyPolicy both agents refuse exec and
// write per entry (status 403, HTTP 200) and the MBean stays unchanged.
func TestJVMReadOnlyPolicy(t *testing.T) {
	for _, agent := range allAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent, Policy: ReadOnlyPolicy})
			entries := postBulk(t, jvm, `[
				{"type":"write","mbean":"com.moalog.test:type=Dynamic","attribute":"Writable","value":7},
				{"type":"exec","mbean":"com.moalog.test:type=Dynamic","operation":"reset()"},
				{"type":"read","mbean":"com.moalog.test:type=Dynamic","attribute":"Writable"},
				{"type":"search","mbean":"com.moalog.test:type=Payments,*"},
				{"type":"list","path":"com.moalog.test/type=Quoted,name=\"a,b\""},
				{"type":"version"}]`, 6)
			for i, want := range []int{403, 403, 200, 200, 200, 200} {
				if entries[i].Status != want {
					t.Errorf("entry %d: status %d (%s), want %d", i, entries[i].Status, entries[i].ErrorType, want)
				}
			}
			if string(entries[2].Value) != "0" {
				t.Errorf("Writable = %s after a refused write, want 0", entries[2].Value)
			}
		})
	}
}

// TestJVMJSR160Proxy: each agent forwards "target" requests to a JVM that has
// only remote JMX (RMI), with JMX credentials, within its allowlist.
func TestJVMJSR160Proxy(t *testing.T) {
	jmx := StartJMXJVM(t, JMXOptions{User: "jmxmon", Password: "jmx-s3cret"})
	for _, agent := range allAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent, JSR160Proxy: true,
				ProxyAllowedTargets: []string{regexp.QuoteMeta(jmx.ServiceURL)}})
			target := `"target":{"url":"` + jmx.ServiceURL + `","user":"jmxmon","password":"jmx-s3cret"}`
			other := strings.Replace(jmx.ServiceURL, strconv.Itoa(jmx.Port), strconv.Itoa(jmx.Port+1), 1)
			entries := postBulk(t, jvm, `[
				{"type":"read","mbean":"com.moalog.test:type=Payments,name=card","attribute":"TotalPayments",`+target+`},
				{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid",`+target+`},
				{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid"},
				{"type":"read","mbean":"com.moalog.test:type=Pool,name=main","attribute":"Usage","path":"used",`+target+`},
				{"type":"read","mbean":"com.moalog.test:type=Payments,name=*","attribute":"TotalPayments",`+target+`},
				{"type":"read","mbean":"com.moalog.test:type=Payments,name=card","attribute":"TotalPayments","target":{"url":"`+jmx.ServiceURL+`","user":"jmxmon","password":"wrong"}},
				{"type":"read","mbean":"com.moalog.test:type=Payments,name=card","attribute":"TotalPayments","target":{"url":"`+other+`"}}
			]`, 7)
			if e := entries[0]; e.Status != 200 || string(e.Value) != "42" {
				t.Errorf("proxied read: %d %s %s", e.Status, e.ErrorType, e.Value)
			}
			if entries[1].Status != 200 || entries[2].Status != 200 || string(entries[1].Value) == string(entries[2].Value) {
				t.Errorf("the proxied Pid (%s) must be the JMX JVM's, not the agent's (%s)", entries[1].Value, entries[2].Value)
			}
			if e := entries[3]; e.Status != 200 || string(e.Value) != "300" {
				t.Errorf("proxied path read: %d %s %s", e.Status, e.ErrorType, e.Value)
			}
			if e := entries[4]; e.Status != 200 || normalize(t, e.Value) != normalize(t, []byte(
				`{"com.moalog.test:name=card,type=Payments":{"TotalPayments":42},"com.moalog.test:name=bank,type=Payments":{"TotalPayments":7}}`)) {
				t.Errorf("proxied wildcard read: %d %s %s", e.Status, e.ErrorType, e.Value)
			}
			if e := entries[5]; e.Status == 200 {
				t.Errorf("wrong JMX password: status 200")
			}
			if e := entries[6]; e.Status != 403 {
				t.Errorf("target outside the allowlist: status %d (%s), want 403", e.Status, e.ErrorType)
			}
		})
	}
	// Without JSR160Proxy the 1.x agents ignore "target" and silently read
	// their own JVM: a receiver cannot tell from the status alone.
	for _, agent := range []JolokiaAgent{JolokiaCore1, JolokiaAgent1} {
		t.Run(agent.String()+"-without-proxy", func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent})
			entries := postBulk(t, jvm, `[{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid","target":{"url":"`+jmx.ServiceURL+`"}},
				{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid"}]`, 2)
			if entries[0].Status != 200 || string(entries[0].Value) != string(entries[1].Value) {
				t.Errorf("%s without the jsr160 dispatcher: want its own Pid %s with status 200, got %d %s", agent, entries[1].Value, entries[0].Status, entries[0].Value)
			}
		})
	}
}

// TestJVMApps: every library profile in one JVM, on both agents, with the
// exact values its program caused.
func TestJVMApps(t *testing.T) {
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent, Apps: JavaApps})
			connector := strconv.Quote("http-nio-127.0.0.1-" + strconv.Itoa(jvm.TomcatPort))
			reads := []struct{ name, request, want string }{
				{"tomcat requests", `{"type":"read","mbean":"Tomcat:type=GlobalRequestProcessor,name=` + strings.ReplaceAll(connector, `"`, `\"`) + `","attribute":["requestCount","errorCount"]}`,
					`{"requestCount":7,"errorCount":2}`},
				{"tomcat threads", `{"type":"read","mbean":"Tomcat:type=ThreadPool,name=*","attribute":"maxThreads"}`,
					`{"Tomcat:name=` + strings.ReplaceAll(connector, `"`, `\"`) + `,type=ThreadPool":{"maxThreads":20}}`},
				{"tomcat sessions", `{"type":"read","mbean":"Tomcat:type=Manager,context=/,host=localhost","attribute":["activeSessions","sessionCounter"]}`,
					`{"activeSessions":2,"sessionCounter":2}`},
				{"kafka producer", `{"type":"read","mbean":"kafka.producer:type=producer-metrics,client-id=payments-producer","attribute":["record-send-total","record-error-total"]}`,
					`{"record-send-total":0.0,"record-error-total":0.0}`},
				{"kafka producer version", `{"type":"read","mbean":"kafka.producer:type=app-info,client-id=payments-producer","attribute":"version"}`, `"3.6.1"`},
				{"kafka consumer", `{"type":"read","mbean":"kafka.consumer:type=consumer-metrics,client-id=payments-consumer","attribute":["request-total","connection-count"]}`,
					`{"request-total":0.0,"connection-count":0.0}`},
				{"micrometer counter", `{"type":"read","mbean":"metrics:name=rateLimiterRequests.algorithm.token_bucket.allowed.true,type=meters","attribute":"Count"}`, `5`},
				{"micrometer timer", `{"type":"read","mbean":"metrics:name=rateLimiterCheck.algorithm.token_bucket,type=timers","attribute":["Count","Max","Mean","DurationUnit"]}`,
					`{"Count":3,"Max":30.0,"Mean":20.0,"DurationUnit":"milliseconds"}`},
				{"micrometer gauge", `{"type":"read","mbean":"metrics:name=fluxpayOutboxPending,type=gauges","attribute":"Value"}`, `4.0`},
				{"hikaricp", `{"type":"read","mbean":"com.zaxxer.hikari:type=Pool (fluxpay-db)"}`,
					`{"ActiveConnections":2,"IdleConnections":2,"TotalConnections":4,"ThreadsAwaitingConnection":0}`},
				{"hikaricp config", `{"type":"read","mbean":"com.zaxxer.hikari:type=PoolConfig (fluxpay-db)","attribute":["MaximumPoolSize","MinimumIdle"]}`,
					`{"MaximumPoolSize":4,"MinimumIdle":4}`},
				{"r2dbc-pool", `{"type":"read","mbean":"io.r2dbc.pool:name=fluxpay-r2dbc,type=ConnectionPool","attribute":["AcquiredSize","AllocatedSize","IdleSize","PendingAcquireSize","MaxAllocatedSize"]}`,
					`{"AcquiredSize":2,"AllocatedSize":3,"IdleSize":1,"PendingAcquireSize":0,"MaxAllocatedSize":5}`},
			}
			reqs := make([]string, 0, len(reads)+1)
			for _, r := range reads {
				reqs = append(reqs, r.request)
			}
			// All producer-metrics at once: some averages are NaN without traffic.
			reqs = append(reqs, `{"type":"read","mbean":"kafka.producer:type=producer-metrics,client-id=payments-producer"}`)
			entries := postBulk(t, jvm, "["+strings.Join(reqs, ",")+"]", len(reqs))
			for i, r := range reads {
				checkEntry(t, r.name, entries[i], r.want)
			}
			all := entries[len(reads)]
			switch agent {
			case JolokiaAgent2: // a NaN fails the whole entry
				if all.Status != 400 || all.ErrorType != "java.lang.NumberFormatException" {
					t.Errorf("2.4.2 all producer-metrics: want 400 NumberFormatException, got %d %s", all.Status, all.ErrorType)
				}
			case JolokiaCore1: // NaN -> null
				if all.Status != 200 || !strings.Contains(string(all.Value), "null") {
					t.Errorf("1.7.1 all producer-metrics: want 200 with nulls, got %d %s", all.Status, all.Value)
				}
			}
		})
	}
}

// TestJVMHikariCPMariaDB: the HikariCP profile pooling real connections to
// the test MariaDB; the server sees the pool's 4 connections.
func TestJVMHikariCPMariaDB(t *testing.T) {
	t.Parallel()
	db := StartMariaDB(t, MariaDBOptions{})
	db.CreateUser(t, "fluxpay", "db-s3cret")
	jvm := StartJVM(t, JVMOptions{Agent: JolokiaAgent2, Apps: []JavaApp{AppHikariCP},
		JDBC: &JDBC{URL: "jdbc:mariadb://" + db.Addr + "/", User: "fluxpay", Password: "db-s3cret"}})
	entries := postBulk(t, jvm, `[{"type":"read","mbean":"com.zaxxer.hikari:type=Pool (fluxpay-db)"}]`, 1)
	want := `{"ActiveConnections":2,"IdleConnections":2,"TotalConnections":4,"ThreadsAwaitingConnection":0}`
	if entries[0].Status != 200 || normalize(t, entries[0].Value) != normalize(t, []byte(want)) {
		t.Errorf("fluxpay-db: %d %s %s, want %s", entries[0].Status, entries[0].ErrorType, entries[0].Value, want)
	}
	if n := db.QueryValue(t, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'fluxpay'"); n != "4" {
		t.Errorf("MariaDB sees %s connections of fluxpay, want 4", n)
	}
}

// TestJVMGCs: the memory pool and collector MBeans of each GC, after one
// System.gc() (-Dmoalog.systemGC=true).
func TestJVMGCs(t *testing.T) {
	for gc, want := range map[GC]struct{ pools, collectors string }{
		GCSerial:   {`["Eden Space","Survivor Space","Tenured Gen"]`, `["Copy","MarkSweepCompact"]`},
		GCG1:       {`["G1 Eden Space","G1 Old Gen","G1 Survivor Space"]`, `["G1 Old Generation","G1 Young Generation"]`},
		GCParallel: {`["PS Eden Space","PS Old Gen","PS Survivor Space"]`, `["PS MarkSweep","PS Scavenge"]`},
		GCZ:        {`["ZHeap"]`, `["ZGC Cycles","ZGC Pauses"]`},
	} {
		t.Run(string(gc), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: JolokiaAgent2, GC: gc, ExtraArgs: []string{"-Dmoalog.systemGC=true"}})
			entries := postBulk(t, jvm, `[
				{"type":"read","mbean":"java.lang:type=MemoryPool,name=*","attribute":["Name","Type"]},
				{"type":"read","mbean":"java.lang:type=GarbageCollector,name=*","attribute":["Name","CollectionCount"]}]`, 2)
			var pools, collectors map[string]map[string]any
			if err := json.Unmarshal(entries[0].Value, &pools); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(entries[1].Value, &collectors); err != nil {
				t.Fatal(err)
			}
			var heap, names []string
			var collections float64
			for _, p := range pools {
				if p["Type"] == "HEAP" {
					heap = append(heap, p["Name"].(string))
				}
			}
			for _, c := range collectors {
				names = append(names, c["Name"].(string))
				collections += c["CollectionCount"].(float64)
			}
			sort.Strings(heap)
			sort.Strings(names)
			if got, _ := json.Marshal(heap); string(got) != want.pools {
				t.Errorf("heap pools %s, want %s", got, want.pools)
			}
			if got, _ := json.Marshal(names); string(got) != want.collectors {
				t.Errorf("collectors %s, want %s", got, want.collectors)
			}
			if collections < 1 {
				t.Errorf("no collection counted after System.gc()")
			}
		})
	}
}

// TestJVMSlowAndBig: an MBean that takes -Dmoalog.slowMillis to read (the
// agent's answer waits for it) and one whose String is -Dmoalog.bigBytes long.
func TestJVMSlowAndBig(t *testing.T) {
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent, ExtraArgs: []string{"-Dmoalog.slowMillis=1500", "-Dmoalog.bigBytes=2000000"}})
			start := time.Now()
			entries := postBulk(t, jvm, `[{"type":"read","mbean":"com.moalog.test:type=Slow","attribute":"Value"}]`, 1)
			if d := time.Since(start); d < 1500*time.Millisecond || string(entries[0].Value) != "1" {
				t.Errorf("slow read: %s after %s", entries[0].Value, d)
			}
			status, body, err := jvm.Post(`[{"type":"read","mbean":"com.moalog.test:type=Big","attribute":"Payload"}]`)
			if err != nil || status != 200 || len(body) < 2000000 {
				t.Errorf("big read: HTTP %d %v, %d bytes", status, err, len(body))
			}
		})
	}
}

// allAgents adds the real 1.x JVM agent to JolokiaAgents.
var allAgents = []JolokiaAgent{JolokiaAgent2, JolokiaCore1, JolokiaAgent1}

// TestJolokia1CoreMatchesAgent: Jolokia1Server (Debian's 1.7.1 core) answers
// the same bodies as the real 1.7.2 JVM agent, apart from timestamps, stack
// traces and the agent id; the real agent answers /jolokia (no slash) with 404.
func TestJolokia1CoreMatchesAgent(t *testing.T) {
	core := StartJVM(t, JVMOptions{Agent: JolokiaCore1})
	agent := StartJVM(t, JVMOptions{Agent: JolokiaAgent1})
	reqs := make([]string, 0, len(contractReads)+8)
	for _, r := range contractReads {
		reqs = append(reqs, r.request)
	}
	reqs = append(reqs,
		`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Ratio","Inf","Big"]}`,
		`{"type":"read","mbean":"com.moalog.test:type=Missing"}`,
		`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Big","Missing"]}`,
		`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Big","Missing"],"config":{"ignoreErrors":true}}`,
		`{"type":"read","mbean":"com.moalog.test:*","attribute":"Missing"}`,
		`{"type":"read","mbean":"com.moalog.nothing:*"}`,
		`{"type":"search","mbean":"com.moalog.test:*"}`,
		`{"type":"read","mbean":"com.moalog.test:type=Payments,name=*","config":{"serializeLong":"string","canonicalNaming":false}}`)
	body := "[" + strings.Join(reqs, ",") + "]"
	clean := func(jvm *JVM) string {
		status, resp, err := jvm.Post(body)
		if err != nil || status != 200 {
			t.Fatalf("%s: HTTP %d %v", jvm.opts.Agent, status, err)
		}
		var entries []map[string]any
		dec := json.NewDecoder(bytes.NewReader(resp))
		dec.UseNumber()
		if err := dec.Decode(&entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			delete(e, "timestamp")
			delete(e, "stacktrace")
		}
		out, _ := json.MarshalIndent(entries, "", " ")
		return string(out)
	}
	if got, want := clean(core), clean(agent); got != want {
		t.Errorf("1.7.1 core and 1.7.2 agent differ:\n--- core\n%s\n--- agent\n%s", got, want)
	}

	// The 1.x agent's context is /jolokia/: without the slash, HTTP 404 text/html.
	resp, err := http.Post(strings.TrimSuffix(agent.Endpoint, "/"), "application/json", strings.NewReader(`{"type":"version"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("1.7.2 agent, /jolokia without slash: HTTP %d %s, want 404 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, j := range []*JVM{core, agent} {
		status, v, err := j.Post(`{"type":"version"}`)
		if err != nil || status != 200 || !strings.Contains(string(v), `"protocol":"7.2"`) {
			t.Errorf("%s version: HTTP %d %v %s", j.opts.Agent, status, err, v)
		}
	}
}
