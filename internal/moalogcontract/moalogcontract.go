// Package moalogcontract serves moalog-server's metrics contract
// (docs/moalog-metrics-contract.md) with deterministic values that change over
// time: the HTTP metrics axum-prometheus exports today, and the DB-pool and
// AI-call metrics the contract asks the moalog-server team to add.
//
// Every value is a pure function of the seconds elapsed since the server's
// start, so tests can compute what a scrape must return, and counters grow
// steadily so rate() and histogram_quantile() have data.
package moalogcontract

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Metric names of the contract, as moalog-server exposes them on /metrics.
const (
	HTTPRequestsTotal    = "axum_http_requests_total"
	HTTPRequestsDuration = "axum_http_requests_duration_seconds"
	HTTPRequestsPending  = "axum_http_requests_pending"

	DBConnectionCount    = "db_client_connection_count"
	DBConnectionMax      = "db_client_connection_max"
	DBConnectionPending  = "db_client_connection_pending_requests"
	DBConnectionWaitTime = "db_client_connection_wait_time_seconds"

	GenAIOperationDuration = "gen_ai_client_operation_duration_seconds"
	GenAITokenUsage        = "gen_ai_client_token_usage"
	GenAICost              = "moalog_gen_ai_client_cost_usd_total"
)

// Label names of the contract (OpenTelemetry attribute names, dots -> underscores).
const (
	LabelPoolName      = "db_client_connection_pool_name"
	LabelState         = "db_client_connection_state"
	LabelOperationName = "gen_ai_operation_name"
	LabelProviderName  = "gen_ai_provider_name"
	LabelRequestModel  = "gen_ai_request_model"
	LabelTokenType     = "gen_ai_token_type"
	LabelErrorType     = "error_type"
)

// PoolName is the SeaORM pool's name (the database it connects to).
const PoolName = "retrospect"

// PoolMax is the pool's max_connections.
const PoolMax = 10

// HTTPBuckets are axum-prometheus' default buckets.
var HTTPBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// DBWaitBuckets are the contract's buckets for the pool wait time.
var DBWaitBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5}

// GenAIDurationBuckets are the semantic conventions' advised buckets for
// gen_ai.client.operation.duration.
var GenAIDurationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}

// GenAITokenBuckets are the semantic conventions' advised buckets for
// gen_ai.client.token.usage.
var GenAITokenBuckets = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}

// route is one HTTP series: requests per second and a typical latency.
type route struct {
	method, endpoint, status string
	perSecond                float64
	latency                  float64 // median seconds; the distribution is log-normal-ish around it
}

var routes = []route{
	{"GET", "/api/retrospects", "200", 8, 0.020},
	{"POST", "/api/retrospects", "201", 1.5, 0.060},
	{"GET", "/api/retrospects/:id", "200", 5, 0.015},
	{"GET", "/api/retrospects/:id", "404", 0.2, 0.004},
	{"POST", "/api/retrospects/:id/analysis", "200", 0.3, 0.800},
	{"POST", "/api/retrospects/:id/analysis", "500", 0.02, 0.300},
	{"POST", "/api/auth/login", "200", 0.5, 0.120},
	{"POST", "/api/auth/login", "401", 0.1, 0.090},
	{"GET", "/health", "200", 1, 0.001},
}

// aiCall is one gen_ai series: calls per second, median latency, tokens per call.
type aiCall struct {
	model, errorType            string
	perSecond, latency          float64
	inputTokens, outputTk       float64
	usdPerMInput, usdPerMOutput float64
}

var aiCalls = []aiCall{
	{"gpt-4o-mini", "", 0.25, 2.4, 1200, 350, 0.15, 0.60},
	{"gpt-4o", "", 0.05, 4.8, 1500, 500, 2.50, 10.00},
	{"gpt-4o-mini", "timeout", 0.005, 30, 1200, 0, 0.15, 0.60},
}

// Server is an http.Handler serving the contract at any path.
type Server struct {
	start time.Time
	now   func() time.Time
}

// New returns a server whose counters start at zero now.
func New() *Server { return NewAt(time.Now(), time.Now) }

// NewAt returns a server whose counters start at zero at start, reading the time from now.
func NewAt(start time.Time, now func() time.Time) *Server {
	return &Server{start: start, now: now}
}

func (s *Server) elapsed() float64 {
	return max(0, s.now().Sub(s.start).Seconds())
}

// ServeHTTP writes the Prometheus text exposition (version 0.0.4).
func (s *Server) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = io.WriteString(w, Render(s.elapsed()))
}

// Render returns the exposition after t seconds of uptime. It is a pure function of t.
func Render(t float64) string {
	sec := int(t)
	var b strings.Builder

	// HTTP (axum-prometheus).
	header(&b, HTTPRequestsTotal, "counter", "Total number of HTTP requests handled.")
	for _, r := range routes {
		fmt.Fprintf(&b, "%s{method=%q,endpoint=%q,status=%q} %d\n", HTTPRequestsTotal, r.method, r.endpoint, r.status, count(r.perSecond, t))
	}
	header(&b, HTTPRequestsDuration, "histogram", "HTTP request latencies in seconds.")
	for _, r := range routes {
		labels := fmt.Sprintf("method=%q,endpoint=%q,status=%q", r.method, r.endpoint, r.status)
		histogram(&b, HTTPRequestsDuration, labels, HTTPBuckets, count(r.perSecond, t), r.latency)
	}
	header(&b, HTTPRequestsPending, "gauge", "Number of HTTP requests in flight.")
	fmt.Fprintf(&b, "%s %d\n", HTTPRequestsPending, 1+sec%4)

	// DB pool (OpenTelemetry db.client.connection.*).
	used := 2 + (sec/5)%5 // 2..6, changes every 5s
	pool := fmt.Sprintf("%s=%q", LabelPoolName, PoolName)
	header(&b, DBConnectionCount, "gauge", "Connections in the pool by state (used, idle).")
	fmt.Fprintf(&b, "%s{%s,%s=\"idle\"} %d\n", DBConnectionCount, pool, LabelState, PoolMax-used-2)
	fmt.Fprintf(&b, "%s{%s,%s=\"used\"} %d\n", DBConnectionCount, pool, LabelState, used)
	header(&b, DBConnectionMax, "gauge", "The pool's max_connections.")
	fmt.Fprintf(&b, "%s{%s} %d\n", DBConnectionMax, pool, PoolMax)
	header(&b, DBConnectionPending, "gauge", "Requests waiting for a connection.")
	fmt.Fprintf(&b, "%s{%s} %d\n", DBConnectionPending, pool, (sec/7)%3)
	header(&b, DBConnectionWaitTime, "histogram", "Time to obtain a connection from the pool in seconds.")
	var dbAcquires float64
	for _, r := range routes {
		dbAcquires += r.perSecond
	}
	histogram(&b, DBConnectionWaitTime, pool, DBWaitBuckets, count(dbAcquires, t), 0.002)

	// AI calls (OpenTelemetry gen_ai.client.*), plus the cost counter.
	header(&b, GenAIOperationDuration, "histogram", "Duration of GenAI client operations in seconds.")
	for _, c := range aiCalls {
		histogram(&b, GenAIOperationDuration, aiLabels(c, true), GenAIDurationBuckets, count(c.perSecond, t), c.latency)
	}
	header(&b, GenAITokenUsage, "histogram", "Tokens used per GenAI client operation, by token type.")
	for _, c := range aiCalls {
		if c.errorType != "" {
			continue // failed calls report no usage
		}
		n := count(c.perSecond, t)
		histogram(&b, GenAITokenUsage, aiLabels(c, false)+fmt.Sprintf(",%s=\"input\"", LabelTokenType), GenAITokenBuckets, n, c.inputTokens)
		histogram(&b, GenAITokenUsage, aiLabels(c, false)+fmt.Sprintf(",%s=\"output\"", LabelTokenType), GenAITokenBuckets, n, c.outputTk)
	}
	header(&b, GenAICost, "counter", "Estimated cost of GenAI calls in US dollars, from the provider's token prices.")
	costs := map[string]float64{}
	for _, c := range aiCalls {
		n := float64(count(c.perSecond, t))
		costs[c.model] += n * (c.inputTokens*c.usdPerMInput + c.outputTk*c.usdPerMOutput) / 1e6
	}
	models := make([]string, 0, len(costs))
	for m := range costs {
		models = append(models, m)
	}
	sort.Strings(models)
	for _, m := range models {
		fmt.Fprintf(&b, "%s{%s=\"openai\",%s=%q} %s\n", GenAICost, LabelProviderName, LabelRequestModel, m, num(costs[m]))
	}
	return b.String()
}

func aiLabels(c aiCall, withError bool) string {
	l := fmt.Sprintf("%s=\"chat\",%s=\"openai\",%s=%q", LabelOperationName, LabelProviderName, LabelRequestModel, c.model)
	if withError && c.errorType != "" {
		l += fmt.Sprintf(",%s=%q", LabelErrorType, c.errorType)
	}
	return l
}

func header(b *strings.Builder, name, typ, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// count is the number of events after t seconds at perSecond (a whole number, never decreasing).
func count(perSecond, t float64) int64 { return int64(math.Floor(perSecond * t)) }

// histogram writes cumulative buckets for n observations spread log-normally
// around median m (bucket le gets the share of observations at or below le).
func histogram(b *strings.Builder, name, labels string, bounds []float64, n int64, m float64) {
	sep := ","
	if labels == "" {
		sep = ""
	}
	for _, le := range bounds {
		fmt.Fprintf(b, "%s_bucket{%s%sle=%q} %d\n", name, labels, sep, num(le), int64(math.Floor(float64(n)*cdf(le, m))))
	}
	fmt.Fprintf(b, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, n)
	if labels == "" {
		fmt.Fprintf(b, "%s_sum %s\n%s_count %d\n", name, num(float64(n)*m), name, n)
		return
	}
	fmt.Fprintf(b, "%s_sum{%s} %s\n%s_count{%s} %d\n", name, labels, num(float64(n)*m), name, labels, n)
}

// cdf is a log-normal CDF with median m and sigma 0.6.
func cdf(x, m float64) float64 {
	if x <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(-math.Log(x/m)/(0.6*math.Sqrt2))
}

func num(f float64) string {
	s := fmt.Sprintf("%.6f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" || s == "-" {
		return "0"
	}
	return s
}
