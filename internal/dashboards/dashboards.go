package dashboards

import (
	"fmt"
	"slices"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// f formats PromQL; every metric name comes from names.go.
func f(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// rate is rate(metric{selector}[$__rate_interval]).
func rate(metric, selector string) string {
	return f("rate(%s{%s}[$__rate_interval])", metric, selector)
}

// ---- System Overview ----

func systemOverview() *dashboard.DashboardBuilder {
	const by = "job, instance"
	return newDashboard("moalog-overview", "System Overview",
		"Every service of the moalog platform at a glance: availability, moalog-server traffic and errors, JVM heap, Redis and MySQL. The links at the top open the detailed dashboards.").
		WithRow(row("Availability")).
		WithPanel(upDown("Service status (1m: up, 0: down)", 24,
			q(f(`%s{job="%s"}`, Up, JobMoalog), "{{job}} {{instance}}"),
			q(JolokiaUp, "{{job}} {{instance}}"),
			q(RedisUp, "{{job}} {{instance}}"),
			q(MySQLUp, "{{job}} {{instance}}"),
		).Description("One box per target: moalog-server from the collector's Prometheus receiver (up), the JVMs through Jolokia (jolokia_up), Redis (redis_up), MySQL (mysql_up). Alert ServiceDown fires after 1m at 0.")).
		WithRow(row("moalog-server")).
		WithPanel(ts("Request rate", "reqps", 8,
			q(f("sum by (%s) (%s)", by, rate(HTTPRequests, "")), "{{job}} {{instance}}"))).
		WithPanel(ts("5xx ratio", "percentunit", 8,
			q(f(`sum by (%[1]s) (%[2]s) / sum by (%[1]s) (%[3]s)`, by, rate(HTTPRequests, `status=~"5.."`), rate(HTTPRequests, "")), "{{job}} {{instance}}")).
			Thresholds(percentThresholds(0.005, 0.01)).
			Description("Share of responses with a 5xx status. Alert HighErrorRatio fires above 1%.")).
		WithPanel(ts("p95 latency", "s", 8,
			q(f("histogram_quantile(0.95, sum by (%s, le) (%s))", by, rate(HTTPDurationBucket, "")), "{{job}} {{instance}}")).
			Thresholds(thresholds(step(nil, "green"), step(ptr(0.5), "red"))).
			Description("95th percentile of request duration. SLO and alert HighLatencyP95: 500 ms.")).
		WithRow(row("JVM services")).
		WithPanel(ts("Heap used (% of max)", "percentunit", 12,
			q(f(`sum by (%[1]s) (%[2]s{%[4]s="heap"}) / sum by (%[1]s) (%[3]s{%[4]s="heap"})`, by, JVMMemoryUsed, JVMMemoryLimit, LabelJVMMemoryType), "{{job}} {{instance}}")).
			Min(0).Max(1).
			Thresholds(percentThresholds(0.7, 0.8)).
			Description("Heap in use divided by the heap's limit (-Xmx), per JVM. Alert JVMHeapHigh fires above 80%.")).
		WithPanel(ts("GC time (share of wall time)", "percentunit", 12,
			q(f("sum by (%s) (%s)", by, rate(JVMGCElapsed, "")), "{{job}} {{instance}}"))).
		WithRow(row("Redis")).
		WithPanel(ts("Redis memory", "bytes", 12,
			q(f("sum by (%s) (%s)", by, RedisMemoryUsed), "used {{job}} {{instance}}"),
			q(f("sum by (%s) (%s)", by, RedisMaxmemory), "maxmemory {{job}} {{instance}}"),
		).Description("maxmemory 0 means no limit.")).
		WithPanel(ts("Redis clients", "short", 12,
			q(f("sum by (%s) (%s)", by, RedisClientsConnected), "connected {{job}} {{instance}}"),
			q(f("sum by (%s) (%s)", by, RedisClientsBlocked), "blocked {{job}} {{instance}}"))).
		WithRow(row("MySQL")).
		WithPanel(ts("MySQL connections", "short", 12,
			q(f(`sum by (%s) (%s{kind="connected"})`, by, MySQLThreads), "connected {{job}} {{instance}}"),
			q(f("sum by (%s) (%s)", by, MySQLConnectionMax), "max_connections {{job}} {{instance}}"),
		).Description("Alert MySQLConnectionsHigh fires above 80% of max_connections.")).
		WithPanel(ts("MySQL queries per second", "qps", 12,
			q(f("sum by (%s) (%s)", by, rate(MySQLQueries, "")), "queries {{job}} {{instance}}"),
			q(f("sum by (%s) (%s)", by, rate(MySQLSlowQueries, "")), "slow {{job}} {{instance}}")))
}

// ---- moalog-server ----

func moalogServer() *dashboard.DashboardBuilder {
	s := sel(`job=~"$job"`, `instance=~"$instance"`)
	s5xx := sel(s, `status=~"5.."`)
	return newDashboard("moalog-server", "moalog-server",
		"moalog-server (Rust/axum): HTTP traffic, latency, in-flight requests, the database pool and the OpenAI calls. Metrics: docs/moalog-metrics-contract.md.").
		WithVariable(variable("job", "Job", HTTPRequests, "job")).
		WithVariable(variable("instance", "Instance", f(`%s{job=~"$job"}`, HTTPRequests), "instance")).
		WithRow(row("Overview")).
		WithPanel(upDown("Up", 4, q(f(`%s{job=~"$job",instance=~"$instance"}`, Up), "{{instance}}"))).
		WithPanel(st("Requests per second", "reqps", 5, q(f("sum(%s)", rate(HTTPRequests, s)), "requests/s"))).
		WithPanel(st("5xx ratio", "percentunit", 5,
			q(f("sum(%s) / sum(%s)", rate(HTTPRequests, s5xx), rate(HTTPRequests, s)), "5xx")).
			Thresholds(percentThresholds(0.005, 0.01))).
		WithPanel(st("p95 latency", "s", 5,
			q(f("histogram_quantile(0.95, sum by (le) (%s))", rate(HTTPDurationBucket, s)), "p95")).
			Thresholds(thresholds(step(nil, "green"), step(ptr(0.5), "red")))).
		WithPanel(st("In flight", "short", 5, q(f("sum(%s{%s})", HTTPPending, s), "in flight"))).
		WithRow(row("HTTP")).
		WithPanel(ts("Requests by status", "reqps", 12,
			q(f("sum by (status) (%s)", rate(HTTPRequests, s)), "{{status}}"))).
		WithPanel(ts("Requests by endpoint", "reqps", 12,
			q(f("sum by (method, endpoint) (%s)", rate(HTTPRequests, s)), "{{method}} {{endpoint}}"))).
		WithPanel(ts("Errors by endpoint (4xx, 5xx)", "reqps", 12,
			q(f("sum by (method, endpoint, status) (%s)", rate(HTTPRequests, sel(s, `status=~"[45].."`))), "{{status}} {{method}} {{endpoint}}"))).
		WithPanel(ts("5xx ratio", "percentunit", 12,
			q(f("sum(%s) / sum(%s)", rate(HTTPRequests, s5xx), rate(HTTPRequests, s)), "5xx ratio")).
			Thresholds(percentThresholds(0.005, 0.01))).
		WithPanel(ts("Latency percentiles", "s", 12,
			q(f("histogram_quantile(0.50, sum by (le) (%s))", rate(HTTPDurationBucket, s)), "p50"),
			q(f("histogram_quantile(0.90, sum by (le) (%s))", rate(HTTPDurationBucket, s)), "p90"),
			q(f("histogram_quantile(0.95, sum by (le) (%s))", rate(HTTPDurationBucket, s)), "p95"),
			q(f("histogram_quantile(0.99, sum by (le) (%s))", rate(HTTPDurationBucket, s)), "p99"),
			q(f("sum(%s) / sum(%s)", rate(HTTPDurationSum, s), rate(HTTPDurationCount, s)), "mean"))).
		WithPanel(ts("p95 latency by endpoint", "s", 12,
			q(f("histogram_quantile(0.95, sum by (le, method, endpoint) (%s))", rate(HTTPDurationBucket, s)), "{{method}} {{endpoint}}"))).
		WithPanel(ts("In-flight requests", "short", 12,
			q(f("sum by (instance) (%s{%s})", HTTPPending, s), "{{instance}}"))).
		WithRow(row("Database pool")).
		WithPanel(ts("Connections by state", "short", 12,
			q(f("sum by (%s) (%s{%s})", LabelDBState, DBConnCount, s), "{{"+LabelDBState+"}}"),
			q(f("sum(%s{%s})", DBConnMax, s), "max"))).
		WithPanel(ts("Pool in use (% of max)", "percentunit", 12,
			q(f(`sum(%s{%s}) / sum(%s{%s})`, DBConnCount, sel(s, LabelDBState+`="used"`), DBConnMax, s), "used / max")).
			Min(0).Max(1).Thresholds(percentThresholds(0.7, 0.9))).
		WithPanel(ts("Requests waiting for a connection", "short", 12,
			q(f("sum(%s{%s})", DBConnPending, s), "pending"))).
		WithPanel(ts("Connection wait time", "s", 12,
			q(f("histogram_quantile(0.95, sum by (le) (%s))", rate(DBConnWaitBucket, s)), "p95"),
			q(f("histogram_quantile(0.99, sum by (le) (%s))", rate(DBConnWaitBucket, s)), "p99"))).
		WithRow(row("AI calls")).
		WithPanel(ts("AI calls by model and outcome", "reqps", 12,
			q(f(`sum by (%s, %s) (%s)`, LabelGenAIModel, LabelGenAIErrorType, rate(GenAIDurationCount, s)), "{{"+LabelGenAIModel+"}} {{"+LabelGenAIErrorType+"}}"))).
		WithPanel(ts("AI call latency", "s", 12,
			q(f("histogram_quantile(0.50, sum by (le, %s) (%s))", LabelGenAIModel, rate(GenAIDurationBucket, s)), "p50 {{"+LabelGenAIModel+"}}"),
			q(f("histogram_quantile(0.95, sum by (le, %s) (%s))", LabelGenAIModel, rate(GenAIDurationBucket, s)), "p95 {{"+LabelGenAIModel+"}}"))).
		WithPanel(ts("Tokens per second", "short", 12,
			q(f("sum by (%s, %s) (%s)", LabelGenAIModel, LabelGenAITokenType, rate(GenAITokenUsageSum, s)), "{{"+LabelGenAITokenType+"}} {{"+LabelGenAIModel+"}}"))).
		WithPanel(ts("AI cost per hour", "currencyUSD", 12,
			q(f("sum by (%s) (%s) * 3600", LabelGenAIModel, rate(GenAICost, s)), "{{"+LabelGenAIModel+"}}")).
			Description("Estimated spend rate in US dollars per hour, from moalog_gen_ai_client_cost_usd_total.")).
		WithPanel(st("AI cost in the time range", "currencyUSD", 12,
			q(f("sum(increase(%s{%s}[$__range]))", GenAICost, s), "cost")))
}

// ---- JVM Services ----

func jvmServices() *dashboard.DashboardBuilder {
	s := sel(`job=~"$job"`, `instance=~"$instance"`)
	heap := sel(s, LabelJVMMemoryType+`="heap"`)
	nonHeap := sel(s, LabelJVMMemoryType+`="non_heap"`)
	by := "job, instance"
	pool := "{{" + LabelJVMMemoryPool + "}} {{job}}"
	return newDashboard("moalog-jvm", "JVM Services",
		"rate-limiter and fluxpay-engine (and any JVM with a Jolokia agent), read by the collector's jolokia receiver. Pick a service with the Job selector.").
		WithVariable(variable("job", "Service", JolokiaUp, "job")).
		WithVariable(variable("instance", "Instance", f(`%s{job=~"$job"}`, JolokiaUp), "instance")).
		WithRow(row("Status")).
		WithPanel(upDown("Jolokia agent", 4, q(f("%s{%s}", JolokiaUp, s), "{{job}} {{instance}}"))).
		WithPanel(st("Uptime", "s", 4, q(f("max by (%s) (%s{%s})", by, JVMUptime, s), "{{job}}"))).
		WithPanel(st("Heap used (% of max)", "percentunit", 5,
			q(f("sum by (%[1]s) (%[2]s{%[4]s}) / sum by (%[1]s) (%[3]s{%[4]s})", by, JVMMemoryUsed, JVMMemoryLimit, heap), "{{job}}")).
			Thresholds(percentThresholds(0.7, 0.8))).
		WithPanel(st("Threads", "short", 4, q(f("sum by (%s) (%s{%s})", by, JVMThreadCount, s), "{{job}}"))).
		WithPanel(st("CPUs", "short", 3, q(f("max by (%s) (%s{%s})", by, JVMCPUCount, s), "{{job}}"))).
		WithPanel(st("Jolokia scrape duration", "s", 4, q(f("max by (%s) (%s{%s})", by, JolokiaScrapeDuration, s), "{{job}}"))).
		WithRow(row("Memory")).
		WithPanel(ts("Heap used by pool", "bytes", 12, q(f("sum by (%s, %s) (%s{%s})", by, LabelJVMMemoryPool, JVMMemoryUsed, heap), pool))).
		WithPanel(ts("Non-heap used by pool", "bytes", 12, q(f("sum by (%s, %s) (%s{%s})", by, LabelJVMMemoryPool, JVMMemoryUsed, nonHeap), pool))).
		WithPanel(ts("Heap: used, committed, max", "bytes", 12,
			q(f("sum by (%s) (%s{%s})", by, JVMMemoryUsed, heap), "used {{job}} {{instance}}"),
			q(f("sum by (%s) (%s{%s})", by, JVMMemoryCommitted, heap), "committed {{job}} {{instance}}"),
			q(f("sum by (%s) (%s{%s})", by, JVMMemoryLimit, heap), "max {{job}} {{instance}}"))).
		WithPanel(ts("Heap used after last GC by pool", "bytes", 12, q(f("sum by (%s, %s) (%s{%s})", by, LabelJVMMemoryPool, JVMMemoryUsedAfterGC, s), pool))).
		WithRow(row("Garbage collection")).
		WithPanel(ts("Collections per second", "ops", 12,
			q(f("sum by (%s, %s) (%s)", by, LabelJVMGCName, rate(JVMGCCount, s)), "{{"+LabelJVMGCName+"}} {{job}}"))).
		WithPanel(ts("GC time (share of wall time)", "percentunit", 12,
			q(f("sum by (%s, %s) (%s)", by, LabelJVMGCName, rate(JVMGCElapsed, s)), "{{"+LabelJVMGCName+"}} {{job}}"))).
		WithRow(row("Threads and classes")).
		WithPanel(ts("Threads", "short", 8, q(f("sum by (%s) (%s{%s})", by, JVMThreadCount, s), "{{job}} {{instance}}"))).
		WithPanel(ts("Loaded classes", "short", 8, q(f("sum by (%s) (%s{%s})", by, JVMClassCount, s), "{{job}} {{instance}}"))).
		WithPanel(ts("Classes loaded and unloaded per second", "short", 8,
			q(f("sum by (%s) (%s)", by, rate(JVMClassLoaded, s)), "loaded {{job}}"),
			q(f("sum by (%s) (%s)", by, rate(JVMClassUnloaded, s)), "unloaded {{job}}"))).
		WithRow(row("CPU")).
		WithPanel(ts("Process CPU", "percentunit", 12,
			q(f("max by (%s) (%s{%s})", by, JVMCPURecentUtilization, s), "recent utilization {{job}}"),
			q(f("sum by (%[1]s) (%[2]s) / max by (%[1]s) (%[3]s{%[4]s})", by, rate(JVMCPUTime, s), JVMCPUCount, s), "cpu time / cpus {{job}}"))).
		WithPanel(ts("System CPU", "short", 12,
			q(f("max by (%s) (%s{%s})", by, JVMSystemCPUUtilization, s), "utilization {{job}}"),
			q(f("max by (%s) (%s{%s})", by, JVMSystemCPULoad1m, s), "load 1m {{job}}"))).
		WithRow(row("Buffers and file descriptors")).
		WithPanel(ts("Buffer pool memory", "bytes", 8,
			q(f("sum by (%s, %s) (%s{%s})", by, LabelJVMBufferPool, JVMBufferUsed, s), "used {{"+LabelJVMBufferPool+"}} {{job}}"),
			q(f("sum by (%s, %s) (%s{%s})", by, LabelJVMBufferPool, JVMBufferLimit, s), "capacity {{"+LabelJVMBufferPool+"}} {{job}}"))).
		WithPanel(ts("Buffers", "short", 8,
			q(f("sum by (%s, %s) (%s{%s})", by, LabelJVMBufferPool, JVMBufferCount, s), "{{"+LabelJVMBufferPool+"}} {{job}}"))).
		WithPanel(ts("File descriptors", "short", 8,
			q(f("max by (%s) (%s{%s})", by, JVMFDCount, s), "open {{job}}"),
			q(f("max by (%s) (%s{%s})", by, JVMFDLimit, s), "limit {{job}}"))).
		WithRow(row("Application MBeans")).
		WithPanel(ts("Payments per second by kind", "ops", 24,
			q(f("sum by (%s, %s) (%s)", by, LabelPaymentKind, rate(FluxpayPayments, s)), "{{"+LabelPaymentKind+"}} {{job}}")).
			Description("From the application's own MBeans (com.moalog.test:type=Payments,name=* TotalPayments in the test app), mapped by the jolokia receiver's config."))
}

// ---- Infrastructure ----

// instanceRates is a time series panel, 8 columns wide, of each metric's rate
// (matching selector) summed per instance, legend "<legend> {{instance}}";
// legendMetric alternates legend and metric.
func instanceRates(title, unit, selector string, legendMetric ...string) *timeseries.PanelBuilder {
	var qs []query
	for pair := range slices.Chunk(legendMetric, 2) {
		qs = append(qs, q(f("sum by (instance) (%s)", rate(pair[1], selector)), pair[0]+" {{instance}}"))
	}
	return ts(title, unit, 8, qs...)
}

// instanceRatesBy is a time series panel of metric's rate (matching
// selector) summed per instance and label, legend "{{label}} {{instance}}".
func instanceRatesBy(title, unit string, w uint32, selector, label, metric string) *timeseries.PanelBuilder {
	return ts(title, unit, w, q(f("sum by (instance, %s) (%s)", label, rate(metric, selector)), "{{"+label+"}} {{instance}}"))
}

func infrastructure() *dashboard.DashboardBuilder {
	r := sel(`job=~"$redis_job"`, `instance=~"$redis_instance"`)
	m := sel(`job=~"$mysql_job"`, `instance=~"$mysql_instance"`)
	inst := "{{instance}}"
	return newDashboard("moalog-infrastructure", "Infrastructure",
		"Redis and MySQL in depth, from the collector's redis and mysql receivers.").
		WithVariable(variable("redis_job", "Redis job", RedisUp, "job")).
		WithVariable(variable("redis_instance", "Redis", f(`%s{job=~"$redis_job"}`, RedisUp), "instance")).
		WithVariable(variable("mysql_job", "MySQL job", MySQLUp, "job")).
		WithVariable(variable("mysql_instance", "MySQL", f(`%s{job=~"$mysql_job"}`, MySQLUp), "instance")).
		WithRow(row("Redis")).
		WithPanel(upDown("Redis", 4, q(f("%s{%s}", RedisUp, r), inst))).
		WithPanel(st("Uptime", "s", 5, q(f("max by (instance) (%s{%s})", RedisUptime, r), inst))).
		WithPanel(st("Connected clients", "short", 5, q(f("sum by (instance) (%s{%s})", RedisClientsConnected, r), inst))).
		WithPanel(st("Memory used", "bytes", 5, q(f("sum by (instance) (%s{%s})", RedisMemoryUsed, r), inst))).
		WithPanel(st("Hit ratio", "percentunit", 5,
			q(f("sum by (instance) (%[1]s) / (sum by (instance) (%[1]s) + sum by (instance) (%[2]s))", rate(RedisKeyspaceHits, r), rate(RedisKeyspaceMisses, r)), inst))).
		WithPanel(ts("Memory", "bytes", 12,
			q(f("sum by (instance) (%s{%s})", RedisMemoryUsed, r), "used "+inst),
			q(f("sum by (instance) (%s{%s})", RedisMemoryPeak, r), "peak "+inst),
			q(f("sum by (instance) (%s{%s})", RedisMemoryRSS, r), "rss "+inst),
			q(f("sum by (instance) (%s{%s})", RedisMaxmemory, r), "maxmemory "+inst),
		).Description("maxmemory 0 means no limit. Alert RedisMemoryHigh fires above 80% of maxmemory.")).
		WithPanel(ts("Memory fragmentation ratio", "short", 12, q(f("max by (instance) (%s{%s})", RedisMemoryFragmentation, r), inst))).
		WithPanel(ts("Clients", "short", 8,
			q(f("sum by (instance) (%s{%s})", RedisClientsConnected, r), "connected "+inst),
			q(f("sum by (instance) (%s{%s})", RedisClientsBlocked, r), "blocked "+inst))).
		WithPanel(ts("Commands per second", "ops", 8, q(f("sum by (instance) (%s)", rate(RedisCommandsProcessed, r)), inst))).
		WithPanel(instanceRates("Keyspace hits and misses per second", "ops", r, "hits", RedisKeyspaceHits, "misses", RedisKeyspaceMisses)).
		WithPanel(instanceRates("Connections per second", "short", r, "received", RedisConnReceived, "rejected", RedisConnRejected)).
		WithPanel(ts("Keys by database", "short", 8,
			q(f("sum by (instance, db) (%s{%s})", RedisDBKeys, r), "keys db{{db}} "+inst),
			q(f("sum by (instance, db) (%s{%s})", RedisDBExpires, r), "with TTL db{{db}} "+inst))).
		WithPanel(instanceRates("Keys expired and evicted per second", "ops", r, "expired", RedisKeysExpired, "evicted", RedisKeysEvicted)).
		WithPanel(instanceRates("Network", "Bps", r, "in", RedisNetInput, "out", RedisNetOutput)).
		WithPanel(instanceRatesBy("CPU by state", "percentunit", 8, r, "state", RedisCPUTime)).
		WithPanel(ts("Replication", "short", 8,
			q(f("max by (instance) (%s{%s})", RedisSlavesConnected, r), "replicas "+inst),
			q(f("max by (instance) (%s)", rate(RedisReplicationOffset, r)), "offset bytes/s "+inst))).
		WithRow(row("MySQL")).
		WithPanel(upDown("MySQL", 4, q(f("%s{%s}", MySQLUp, m), inst))).
		WithPanel(st("Uptime", "s", 5, q(f("max by (instance) (%s{%s})", MySQLUptime, m), inst))).
		WithPanel(st("Connections (% of max)", "percentunit", 5,
			q(f(`sum by (instance) (%s{%s}) / sum by (instance) (%s{%s})`, MySQLThreads, sel(m, `kind="connected"`), MySQLConnectionMax, m), inst)).
			Thresholds(percentThresholds(0.7, 0.8))).
		WithPanel(st("Queries per second", "qps", 5, q(f("sum by (instance) (%s)", rate(MySQLQueries, m)), inst))).
		WithPanel(st("Slow queries per minute", "short", 5,
			q(f("sum by (instance) (%s) * 60", rate(MySQLSlowQueries, m)), inst)).
			Thresholds(thresholds(step(nil, "green"), step(ptr(10.0), "red")))).
		WithPanel(ts("Threads", "short", 12, q(f("sum by (instance, kind) (%s{%s})", MySQLThreads, m), "{{kind}} "+inst))).
		WithPanel(ts("Connections", "short", 12,
			q(f(`sum by (instance) (%s{%s})`, MySQLThreads, sel(m, `kind="connected"`)), "connected "+inst),
			q(f("max by (instance) (%s{%s})", MySQLConnectionMaxUsed, m), "max used "+inst),
			q(f("max by (instance) (%s{%s})", MySQLConnectionMax, m), "max_connections "+inst))).
		WithPanel(instanceRates("Queries per second", "qps", m, "queries", MySQLQueries, "slow", MySQLSlowQueries)).
		WithPanel(ts("Commands per second (top 10)", "ops", 8,
			q(f("topk(10, sum by (instance, command) (%s))", rate(MySQLCommands, m)), "{{command}} "+inst))).
		WithPanel(ts("Connection attempts and errors per second", "ops", 8,
			q(f("sum by (instance) (%s)", rate(MySQLConnections, m)), "attempts "+inst),
			q(f("sum by (instance, error) (%s)", rate(MySQLConnectionErrors, m)), "error {{error}} "+inst))).
		WithPanel(ts("InnoDB buffer pool", "bytes", 8,
			q(f("sum by (instance, status) (%s{%s})", MySQLBufferPoolUsage, m), "{{status}} "+inst),
			q(f("max by (instance) (%s{%s})", MySQLBufferPoolLimit, m), "size "+inst))).
		WithPanel(instanceRatesBy("Buffer pool operations per second", "ops", 8, m, "operation", MySQLBufferPoolOps)).
		WithPanel(instanceRatesBy("Row operations per second", "ops", 8, m, "operation", MySQLRowOps)).
		WithPanel(instanceRatesBy("Locks per second", "ops", 8, m, "kind", MySQLLocks)).
		WithPanel(instanceRatesBy("Client network traffic", "Bps", 8, m, "kind", MySQLClientNetworkIO)).
		WithPanel(ts("Handlers per second (top 10)", "ops", 8,
			q(f("topk(10, sum by (instance, kind) (%s))", rate(MySQLHandlers, m)), "{{kind}} "+inst))).
		WithPanel(instanceRatesBy("Temporary resources per second", "ops", 12, m, "resource", MySQLTmpResources)).
		WithPanel(instanceRatesBy("Sorts per second", "ops", 12, m, "kind", MySQLSorts))
}
