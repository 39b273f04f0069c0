//go:build integration

package testenv

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bulkRead is one entry of a bulk request with the exact value every agent
// must answer (JSON).
type bulkRead struct{ name, request, want string }

// contractReads read one MBean of each kind the test app registers.
var contractReads = []bulkRead{
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

// requests are the reads' request entries, in order.
func requests(reads []bulkRead) []string {
	reqs := make([]string, 0, len(reads))
	for _, r := range reads {
		reqs = append(reqs, r.request)
	}
	return reqs
}

// checkReads checks the first len(reads) entries of an answer to requests(reads).
func checkReads(t *testing.T, reads []bulkRead, entries []entry) {
	t.Helper()
	for i, r := range reads {
		checkEntry(t, r.name, entries[i], r.want)
	}
}

// forEachAgent runs test against each agent, in parallel subtests named after it.
func forEachAgent(t *testing.T, agents []JolokiaAgent, test func(t *testing.T, agent JolokiaAgent)) {
	for _, agent := range agents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			test(t, agent)
		})
	}
}

type entry struct {
	Status    int             `json:"status"`
	Value     json.RawMessage `json:"value"`
	ErrorType string          `json:"error_type"`
}

func TestJVMContract(t *testing.T) {
	forEachAgent(t, JolokiaAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent, User: "monitor", Password: "s3cret"})
		entries := postBulk(t, jvm, append(requests(contractReads),
			`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":"Ratio"}`,
			`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":"Inf"}`,
			`{"type":"read","mbean":"com.moalog.test:type=Dynamic","attribute":"Ticks"}`)...)
		checkReads(t, contractReads, entries)

		// NaN and +Infinity: 1.7.1 answers null, 2.4.2 fails the entry.
		for _, e := range entries[len(contractReads) : len(contractReads)+2] {
			switch agent {
			case JolokiaCore1:
				checkEntry(t, "NaN/Inf on 1.7.1", e, "null")
			case JolokiaAgent2:
				assert.Equal(t, []any{400, "java.lang.NumberFormatException"}, []any{e.Status, e.ErrorType}, "NaN/Inf on 2.4.2")
			}
		}
		assert.Equal(t, 200, entries[len(entries)-1].Status, "Ticks")
		assert.Equal(t, http.StatusUnauthorized, postVersion(t, http.DefaultClient, jvm.Endpoint).StatusCode, "without credentials")
	})
}

func TestJVMRestartKeepsPort(t *testing.T) {
	forEachAgent(t, JolokiaAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent})
		jvm.Process.Kill()
		_, _, err := jvm.Post(`{"type":"version"}`)
		require.Error(t, err, "the killed JVM still answers")
		jvm.Process.Restart(t)
		jvm.WaitReady(t)
		postBulk(t, jvm, `{"type":"version"}`)
	})
}

func TestJVMBenchItems(t *testing.T) {
	t.Parallel()
	jvm := StartJVM(t, JVMOptions{Agent: JolokiaAgent2, ExtraArgs: []string{"-Dmoalog.benchItems=20"}})
	entries := postBulk(t, jvm, `{"type":"search","mbean":"com.moalog.bench:type=Item,*"}`,
		`{"type":"read","mbean":"com.moalog.bench:type=Item,name=9"}`)
	var names []string
	assert.NoError(t, json.Unmarshal(entries[0].Value, &names), "search: %s", entries[0].Value)
	assert.Len(t, names, 20, "search")
	checkEntry(t, "item 9", entries[1], `{"Count":9000,"Latency":2.25,"Size":9,"Errors":2}`)
}

// postBulk POSTs the entries as one bulk request and returns the answer's
// entries, failing the test unless there is one per request entry.
func postBulk(t *testing.T, jvm *JVM, requests ...string) []entry {
	t.Helper()
	status, resp, err := jvm.Post("[" + strings.Join(requests, ",") + "]")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "%s", resp)
	var entries []entry
	require.NoError(t, json.Unmarshal(resp, &entries), "%s", resp)
	require.Len(t, entries, len(requests), "%s", resp)
	return entries
}

// postVersion POSTs a version request without credentials; the answer's
// body is closed.
func postVersion(t *testing.T, client *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := client.Post(url, "application/json", strings.NewReader(`{"type":"version"}`))
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// checkEntry reports a bulk answer's entry that failed or whose value is
// not want (JSON, compared after normalize).
func checkEntry(t *testing.T, name string, e entry, want string) {
	t.Helper()
	if assert.Equal(t, 200, e.Status, "%s (%s)", name, e.ErrorType) {
		assert.Equal(t, normalize(t, []byte(want)), normalize(t, e.Value), name)
	}
}

// normalize re-encodes JSON with sorted keys, keeping numbers exact.
func normalize(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	decodeExact(t, b, &v)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

// decodeExact decodes JSON keeping numbers as written (json.Number).
func decodeExact(t *testing.T, b []byte, into any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	require.NoError(t, dec.Decode(into), "decode %s", b)
}

func TestJVMCommonsPool2(t *testing.T) {
	forEachAgent(t, JolokiaAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent, CommonsPool2: true})
		entries := postBulk(t, jvm, `{"type":"read","mbean":"org.apache.commons.pool2:type=GenericObjectPool,name=redis-pool",
			"attribute":["NumActive","NumIdle","CreatedCount","BorrowedCount","ReturnedCount","DestroyedCount","MaxTotal","Closed"]}`)
		checkEntry(t, "redis-pool", entries[0],
			`{"NumActive":3,"NumIdle":2,"CreatedCount":5,"BorrowedCount":4,"ReturnedCount":1,"DestroyedCount":0,"MaxTotal":8,"Closed":false}`)
	})
}

// TestJVMTLS: HTTPS with a test CA, a required client certificate and
// credentials holding every character the 2.x agent's option string cannot.
func TestJVMTLS(t *testing.T) {
	forEachAgent(t, allAgents, func(t *testing.T, agent JolokiaAgent) {
		pki := NewTestPKI(t, t.TempDir(), "127.0.0.1")
		jvm := StartJVM(t, JVMOptions{Agent: agent, TLS: pki, ClientAuth: true,
			User: "mon,it=or", Password: `p=a,ss:w\rd #!x `})
		require.True(t, strings.HasPrefix(jvm.Endpoint, "https://"), "endpoint %s", jvm.Endpoint)
		postBulk(t, jvm, `{"type":"version"}`)

		// The test CA and a client certificate, but no credentials: 401.
		assert.Equal(t, http.StatusUnauthorized, postVersion(t, jvm.HTTPClient(), jvm.Endpoint).StatusCode, "without credentials")
		// A client that does not trust the test CA: certificate error.
		_, err := http.Post(jvm.Endpoint, "application/json", strings.NewReader(`{"type":"version"}`))
		assert.ErrorContains(t, err, "certificate", "untrusted server certificate")
		// Plain HTTP to the HTTPS port: no valid HTTP answer.
		if resp, err := http.Post("http://"+strings.TrimPrefix(jvm.Endpoint, "https://"), "application/json", strings.NewReader(`{"type":"version"}`)); err == nil {
			resp.Body.Close()
			assert.NotEqual(t, http.StatusOK, resp.StatusCode, "plain HTTP to the HTTPS port")
		}
		// Trusting the CA but without a client certificate: the handshake fails.
		noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: jvm.HTTPClient().Transport.(*http.Transport).TLSClientConfig.Clone()}}
		noCert.Transport.(*http.Transport).TLSClientConfig.Certificates = nil
		req, _ := http.NewRequest(http.MethodPost, jvm.Endpoint, strings.NewReader(`{"type":"version"}`))
		req.SetBasicAuth("mon,it=or", `p=a,ss:w\rd #!x `)
		resp, err := noCert.Do(req)
		switch agent {
		case JolokiaAgent2, JolokiaAgent1: // handshake accepted, then HTTP 403
			if assert.NoError(t, err, "%s without a client certificate", agent) {
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s without a client certificate", agent)
			}
		case JolokiaCore1: // the handshake fails
			assert.Error(t, err, "1.7.1 without a client certificate: want a TLS error")
		}
		if err == nil {
			resp.Body.Close()
		}
	})
}

// TestJVMReadOnlyPolicy: with ReadOnlyPolicy both agents refuse exec and
// write per entry (status 403, HTTP 200) and the MBean stays unchanged.
func TestJVMReadOnlyPolicy(t *testing.T) {
	forEachAgent(t, allAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent, Policy: ReadOnlyPolicy})
		entries := postBulk(t, jvm,
			`{"type":"write","mbean":"com.moalog.test:type=Dynamic","attribute":"Writable","value":7}`,
			`{"type":"exec","mbean":"com.moalog.test:type=Dynamic","operation":"reset()"}`,
			`{"type":"read","mbean":"com.moalog.test:type=Dynamic","attribute":"Writable"}`,
			`{"type":"search","mbean":"com.moalog.test:type=Payments,*"}`,
			`{"type":"list","path":"com.moalog.test/type=Quoted,name=\"a,b\""}`,
			`{"type":"version"}`)
		for i, want := range []int{403, 403, 200, 200, 200, 200} {
			assert.Equal(t, want, entries[i].Status, "entry %d (%s)", i, entries[i].ErrorType)
		}
		assert.Equal(t, "0", string(entries[2].Value), "Writable after a refused write")
	})
}

// TestJVMJSR160Proxy: each agent forwards "target" requests to a JVM that has
// only remote JMX (RMI), with JMX credentials, within its allowlist.
func TestJVMJSR160Proxy(t *testing.T) {
	jmx := StartJMXJVM(t, JMXOptions{User: "jmxmon", Password: "jmx-s3cret"})
	forEachAgent(t, allAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent, JSR160Proxy: true,
			ProxyAllowedTargets: []string{regexp.QuoteMeta(jmx.ServiceURL)}})
		target := `"target":{"url":"` + jmx.ServiceURL + `","user":"jmxmon","password":"jmx-s3cret"}`
		other := strings.Replace(jmx.ServiceURL, strconv.Itoa(jmx.Port), strconv.Itoa(jmx.Port+1), 1)
		entries := postBulk(t, jvm,
			`{"type":"read","mbean":"com.moalog.test:type=Payments,name=card","attribute":"TotalPayments",`+target+`}`,
			`{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid",`+target+`}`,
			`{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid"}`,
			`{"type":"read","mbean":"com.moalog.test:type=Pool,name=main","attribute":"Usage","path":"used",`+target+`}`,
			`{"type":"read","mbean":"com.moalog.test:type=Payments,name=*","attribute":"TotalPayments",`+target+`}`,
			`{"type":"read","mbean":"com.moalog.test:type=Payments,name=card","attribute":"TotalPayments","target":{"url":"`+jmx.ServiceURL+`","user":"jmxmon","password":"wrong"}}`,
			`{"type":"read","mbean":"com.moalog.test:type=Payments,name=card","attribute":"TotalPayments","target":{"url":"`+other+`"}}`)
		checkEntry(t, "proxied read", entries[0], "42")
		assert.Equal(t, []int{200, 200}, []int{entries[1].Status, entries[2].Status}, "proxied and own Pid")
		assert.NotEqual(t, string(entries[2].Value), string(entries[1].Value), "the proxied Pid must be the JMX JVM's, not the agent's")
		checkEntry(t, "proxied path read", entries[3], "300")
		checkEntry(t, "proxied wildcard read", entries[4],
			`{"com.moalog.test:name=card,type=Payments":{"TotalPayments":42},"com.moalog.test:name=bank,type=Payments":{"TotalPayments":7}}`)
		assert.NotEqual(t, 200, entries[5].Status, "wrong JMX password")
		assert.Equal(t, 403, entries[6].Status, "target outside the allowlist (%s)", entries[6].ErrorType)
	})
	// Without JSR160Proxy the 1.x agents ignore "target" and silently read
	// their own JVM: a receiver cannot tell from the status alone.
	for _, agent := range []JolokiaAgent{JolokiaCore1, JolokiaAgent1} {
		t.Run(agent.String()+"-without-proxy", func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent})
			entries := postBulk(t, jvm, `{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid","target":{"url":"`+jmx.ServiceURL+`"}}`,
				`{"type":"read","mbean":"java.lang:type=Runtime","attribute":"Pid"}`)
			checkEntry(t, agent.String()+" without the jsr160 dispatcher: its own Pid", entries[0], string(entries[1].Value))
		})
	}
}

// TestJVMApps: every library profile in one JVM, on both agents, with the
// exact values its program caused.
func TestJVMApps(t *testing.T) {
	forEachAgent(t, JolokiaAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent, Apps: JavaApps})
		connector := strconv.Quote("http-nio-127.0.0.1-" + strconv.Itoa(jvm.TomcatPort))
		reads := []bulkRead{
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
		// All producer-metrics at once: some averages are NaN without traffic.
		entries := postBulk(t, jvm, append(requests(reads),
			`{"type":"read","mbean":"kafka.producer:type=producer-metrics,client-id=payments-producer"}`)...)
		checkReads(t, reads, entries)
		all := entries[len(reads)]
		switch agent {
		case JolokiaAgent2: // a NaN fails the whole entry
			assert.Equal(t, []any{400, "java.lang.NumberFormatException"}, []any{all.Status, all.ErrorType}, "2.4.2 all producer-metrics")
		case JolokiaCore1: // NaN -> null
			assert.Equal(t, 200, all.Status, "1.7.1 all producer-metrics")
			assert.Contains(t, string(all.Value), "null", "1.7.1 all producer-metrics")
		}
	})
}

// TestJVMHikariCPMariaDB: the HikariCP profile pooling real connections to
// the test MariaDB; the server sees the pool's 4 connections.
func TestJVMHikariCPMariaDB(t *testing.T) {
	t.Parallel()
	db := StartMariaDB(t, MariaDBOptions{})
	db.CreateUser(t, "fluxpay", "db-s3cret")
	jvm := StartJVM(t, JVMOptions{Agent: JolokiaAgent2, Apps: []JavaApp{AppHikariCP},
		JDBC: &JDBC{URL: "jdbc:mariadb://" + db.Addr + "/", User: "fluxpay", Password: "db-s3cret"}})
	entries := postBulk(t, jvm, `{"type":"read","mbean":"com.zaxxer.hikari:type=Pool (fluxpay-db)"}`)
	checkEntry(t, "fluxpay-db", entries[0], `{"ActiveConnections":2,"IdleConnections":2,"TotalConnections":4,"ThreadsAwaitingConnection":0}`)
	assert.Equal(t, "4", db.QueryValue(t, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'fluxpay'"),
		"connections of fluxpay that MariaDB sees")
}

// TestJVMGCs: the memory pool and collector MBeans of each GC, after one
// System.gc() (-Dmoalog.systemGC=true).
func TestJVMGCs(t *testing.T) {
	for gc, want := range map[GC]struct{ pools, collectors []string }{
		GCSerial:   {[]string{"Eden Space", "Survivor Space", "Tenured Gen"}, []string{"Copy", "MarkSweepCompact"}},
		GCG1:       {[]string{"G1 Eden Space", "G1 Old Gen", "G1 Survivor Space"}, []string{"G1 Old Generation", "G1 Young Generation"}},
		GCParallel: {[]string{"PS Eden Space", "PS Old Gen", "PS Survivor Space"}, []string{"PS MarkSweep", "PS Scavenge"}},
		GCZ:        {[]string{"ZHeap"}, []string{"ZGC Cycles", "ZGC Pauses"}},
	} {
		t.Run(string(gc), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: JolokiaAgent2, GC: gc, ExtraArgs: []string{"-Dmoalog.systemGC=true"}})
			entries := postBulk(t, jvm, `{"type":"read","mbean":"java.lang:type=MemoryPool,name=*","attribute":["Name","Type"]}`,
				`{"type":"read","mbean":"java.lang:type=GarbageCollector,name=*","attribute":["Name","CollectionCount"]}`)
			var pools, collectors map[string]map[string]any
			require.NoError(t, json.Unmarshal(entries[0].Value, &pools))
			require.NoError(t, json.Unmarshal(entries[1].Value, &collectors))
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
			assert.ElementsMatch(t, want.pools, heap, "heap pools")
			assert.ElementsMatch(t, want.collectors, names, "collectors")
			assert.GreaterOrEqual(t, collections, 1.0, "collections counted after System.gc()")
		})
	}
}

// TestJVMSlowAndBig: an MBean that takes -Dmoalog.slowMillis to read (the
// agent's answer waits for it) and one whose String is -Dmoalog.bigBytes long.
func TestJVMSlowAndBig(t *testing.T) {
	forEachAgent(t, JolokiaAgents, func(t *testing.T, agent JolokiaAgent) {
		jvm := StartJVM(t, JVMOptions{Agent: agent, ExtraArgs: []string{"-Dmoalog.slowMillis=1500", "-Dmoalog.bigBytes=2000000"}})
		start := time.Now()
		entries := postBulk(t, jvm, `{"type":"read","mbean":"com.moalog.test:type=Slow","attribute":"Value"}`)
		assert.GreaterOrEqual(t, time.Since(start), 1500*time.Millisecond, "slow read")
		assert.Equal(t, "1", string(entries[0].Value), "slow read")
		status, body, err := jvm.Post(`[{"type":"read","mbean":"com.moalog.test:type=Big","attribute":"Payload"}]`)
		require.NoError(t, err, "big read")
		assert.Equal(t, 200, status, "big read")
		assert.GreaterOrEqual(t, len(body), 2000000, "big read")
	})
}

// allAgents adds the real 1.x JVM agent to JolokiaAgents.
var allAgents = []JolokiaAgent{JolokiaAgent2, JolokiaCore1, JolokiaAgent1}

// TestJolokia1CoreMatchesAgent: Jolokia1Server (Debian's 1.7.1 core) answers
// the same bodies as the real 1.7.2 JVM agent, apart from timestamps, stack
// traces and the agent id; the real agent answers /jolokia (no slash) with 404.
func TestJolokia1CoreMatchesAgent(t *testing.T) {
	core := StartJVM(t, JVMOptions{Agent: JolokiaCore1})
	agent := StartJVM(t, JVMOptions{Agent: JolokiaAgent1})
	reqs := append(requests(contractReads),
		`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Ratio","Inf","Big"]}`,
		`{"type":"read","mbean":"com.moalog.test:type=Missing"}`,
		`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Big","Missing"]}`,
		`{"type":"read","mbean":"com.moalog.test:type=Counters","attribute":["Big","Missing"],"config":{"ignoreErrors":true}}`,
		`{"type":"read","mbean":"com.moalog.test:*","attribute":"Missing"}`,
		`{"type":"read","mbean":"com.moalog.nothing:*"}`,
		`{"type":"search","mbean":"com.moalog.test:*"}`,
		`{"type":"read","mbean":"com.moalog.test:type=Payments,name=*","config":{"serializeLong":"string","canonicalNaming":false}}`)
	clean := func(jvm *JVM) string {
		status, resp, err := jvm.Post("[" + strings.Join(reqs, ",") + "]")
		require.NoError(t, err, "%s", jvm.opts.Agent)
		require.Equal(t, 200, status, "%s", jvm.opts.Agent)
		var entries []map[string]any
		decodeExact(t, resp, &entries)
		for _, e := range entries {
			delete(e, "timestamp")
			delete(e, "stacktrace")
		}
		out, _ := json.MarshalIndent(entries, "", " ")
		return string(out)
	}
	assert.Equal(t, clean(agent), clean(core), "1.7.1 core (actual) and 1.7.2 agent (expected) differ")

	// The 1.x agent's context is /jolokia/: without the slash, HTTP 404 text/html.
	resp := postVersion(t, http.DefaultClient, strings.TrimSuffix(agent.Endpoint, "/"))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "1.7.2 agent, /jolokia without slash")
	assert.Regexp(t, "^text/html", resp.Header.Get("Content-Type"), "1.7.2 agent, /jolokia without slash")
	for _, j := range []*JVM{core, agent} {
		status, v, err := j.Post(`{"type":"version"}`)
		require.NoError(t, err, "%s version", j.opts.Agent)
		assert.Equal(t, 200, status, "%s version", j.opts.Agent)
		assert.Contains(t, string(v), `"protocol":"7.2"`, "%s version", j.opts.Agent)
	}
}
