//go:build integration

package reliability

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/faultproxy"
	"github.com/moalog/platform-collector/internal/testenv"
)

// figures collects the numbers docs/RELIABILITY.md reports; with
// RELIABILITY_REPORT=path they are also appended to that file.
type figures struct {
	mu    sync.Mutex
	lines []string
}

func (f *figures) add(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log("FIGURE " + line)
	f.mu.Lock()
	f.lines = append(f.lines, line)
	f.mu.Unlock()
}

func (f *figures) flush(t *testing.T, title string) {
	path := os.Getenv("RELIABILITY_REPORT")
	if path == "" {
		return
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("RELIABILITY_REPORT: %v", err)
		return
	}
	defer file.Close()
	fmt.Fprintf(file, "\n## %s (%s)\n\n- %s\n", title, time.Now().UTC().Format(time.RFC3339), strings.Join(f.lines, "\n- "))
}

// witness is a healthy target whose scrape times are recorded by its proxy.
type witness struct {
	name  string
	up    string            // its *_up metric
	id    map[string]string // its job and instance on :9090
	times func() []time.Time
}

// faultTarget is a target that takes faults, as the test sees it.
type faultTarget struct {
	lane      string            // the name of its lane of faults
	up        string            // its *_up metric
	id        map[string]string // its job and instance on :9090
	logTarget string            // what the "target scrape failed" line names
	proxy     interface{ SetMode(faultproxy.Mode) }
	arrivals  func() []time.Time // what reaches its proxy: its scrape attempts
	witnesses []witness
}

// fault is one failure of one target, injected and healed by the test.
type fault struct {
	*faultTarget
	name         string
	inject, heal func(t *testing.T)
	gigantic     bool // a 256 MiB stream: see relRig.gigantic
}

func (ft *faultTarget) fault(name string, inject, heal func(t *testing.T)) fault {
	return fault{faultTarget: ft, name: name, inject: inject, heal: heal}
}

// mode is the fault of the target's proxy in mode m, healed by Pass.
func (ft *faultTarget) mode(name string, m faultproxy.Mode) fault {
	f := ft.fault(name, func(*testing.T) { ft.proxy.SetMode(m) }, func(*testing.T) { ft.proxy.SetMode(faultproxy.Pass) })
	f.gigantic = m == faultproxy.Gigantic
	return f
}

// failingScrapes is how many scrapes of a faulty target reach its proxy
// before the fault heals. Scrapes of one target run one after the other, so
// the first two have failed (and logged) when the third arrives: a reason
// logged once per scrape would show twice. The Jolokia receiver backs off
// (1, 2, then 4 intervals), so its third attempt comes 3 intervals after the
// first.
const failingScrapes = 3

// witnessScrapes is how many scrapes of each witness the test waits for after
// the faulty target is back, so the witness's interval across the recovery
// is measured too.
const witnessScrapes = 2

// TestReliability runs the whole collector (shipped otelcol.yaml, every
// receiver at 1s) against real targets behind fault proxies: faults on two
// JVMs, redis and mysql (the four at once, one fault after another on each)
// while three witnesses never fail, untrusted TLS, load on :9090, a soak,
// and the security checks over everything the run sent and logged. Short
// forms by default (1000 scrapes of :9090, no soak); `make reliability` sets
// RELIABILITY_SOAK=10m and RELIABILITY_LOAD=20000.
func TestReliability(t *testing.T) {
	r := startRelRig(t)
	runStart := time.Now()
	figs := &figures{}
	t.Cleanup(func() { figs.flush(t, "TestReliability") })

	t.Run("faults", func(t *testing.T) {
		// Not t.Parallel: -parallel (GOMAXPROCS, 2 here) would hold a lane back.
		var lanes sync.WaitGroup
		for _, lane := range relFaultLanes(r) {
			lanes.Go(func() {
				t.Run(lane.lane, func(t *testing.T) {
					for _, f := range lane.faults {
						if !t.Run(f.name, func(t *testing.T) { runFault(t, r, f, figs) }) {
							lane.proxy.SetMode(faultproxy.Pass) // heal what the failed fault left behind
						}
					}
				})
			})
		}
		lanes.Wait()
	})

	t.Run("untrusted TLS certificate", func(t *testing.T) {
		// Both receivers fail at every scrape from start-up on, through every
		// fault above (their targets are the witnesses fluxpay and redis; run
		// alone, this waits for failingScrapes+1 attempts at each, all but the
		// last complete): they are down and say why, once.
		r.waitUp(t, "jolokia_up", map[string]string{"job": "untrusted-tls"}, 0, 5*time.Second)
		r.waitUp(t, "redis_up", promID("redis", r.tlsRedisProxy.Addr), 0, 5*time.Second)
		r.waitScrapes(t, "untrusted-tls", r.tlsProxy.Arrivals, time.Time{}, failingScrapes+1, 30*time.Second)
		r.waitScrapes(t, "redis/untrusted-tls", r.tlsRedisProxy.Arrivals, time.Time{}, failingScrapes+1, 30*time.Second)
		log := r.c.Log()
		for _, target := range []string{r.tlsProxy.URL, r.tlsRedisProxy.Addr} {
			lines := linesWith(log, "target scrape failed", target)
			if !assert.Len(t, lines, 1, "want exactly one failure line for %s (logged once per change of state)", target) {
				continue
			}
			assert.Contains(t, lines[0], "certificate", "the failure line for %s does not say the certificate is the problem", target)
			figs.add(t, "untrusted TLS %s: %s", target, errorField(lines[0]))
		}
	})

	t.Run("load on /metrics", func(t *testing.T) { runLoad(t, r, figs) })
	t.Run("soak", func(t *testing.T) { runSoak(t, r, figs) })
	t.Run("security", func(t *testing.T) { runSecurity(t, r, figs) })
	t.Run("shutdown during a scrape", func(t *testing.T) { runShutdown(t, r, figs) })
	// The witnesses never fail: their interval over the whole run, through
	// every fault, the load and the soak.
	for _, w := range r.witnesses() {
		figs.add(t, "whole run (%s), %s: %s", time.Since(runStart).Round(time.Second), w.name,
			intervalStats(w.times(), runStart, time.Now(), relInterval))
	}
}

// faultLane is the faults of one target, run one after another.
type faultLane struct {
	*faultTarget
	faults []fault
}

// witnesses are the targets that never fail, one per receiver type.
func (r *relRig) witnesses() []witness {
	return []witness{
		{"fluxpay (Jolokia 1.7.1)", "jolokia_up", promID("fluxpay-engine", r.fpProxy.Addr),
			func() []time.Time { return r.fpProxy.Times(nil) }},
		{"witness redis", "redis_up", promID("redis", r.redisWitnessProxy.Addr),
			func() []time.Time { return r.redisWitnessProxy.Times(redisScrapes) }},
		{"witness mysql (MariaDB)", "mysql_up", promID("mysql", r.mysqlWitnessProxy.Addr),
			func() []time.Time { return r.mysqlWitnessProxy.Times(nil) }},
	}
}

// relFaultLanes lists every fault of the rig, one lane per faulty target.
// The lanes run at once, so every fault also runs beside the other lanes'
// faults; its witnesses are r.witnesses().
func relFaultLanes(r *relRig) []faultLane {
	witnesses := r.witnesses()
	jolokia := func(lane, job string, p *faultproxy.HTTP) *faultTarget {
		return &faultTarget{lane: lane, up: "jolokia_up", id: promID(job, p.Addr),
			logTarget: p.URL, proxy: p, arrivals: p.Arrivals, witnesses: witnesses}
	}
	// A redis or mysql target: its lane is its job.
	stream := func(job string, p *faultproxy.TCP) *faultTarget {
		return &faultTarget{lane: job, up: job + "_up", id: promID(job, p.Addr),
			logTarget: p.Addr, proxy: p, arrivals: p.Arrivals, witnesses: witnesses}
	}
	rl := jolokia("jolokia 2.4.2", "rate-limiter", r.rlProxy)
	ledger := jolokia("jolokia 1.7.1", "ledger", r.ledgerProxy)
	rd := stream("redis", r.redisProxy)
	my := stream("mysql", r.mysqlProxy)
	alterPassword := func(t *testing.T, password string) {
		r.mariadb.Exec(t, fmt.Sprintf("ALTER USER '%s'@'%%' IDENTIFIED BY '%s'", relMySQLUser, password))
	}
	// The Jolokia faults take two JVMs: the receiver backs off after a
	// failure, so a Jolokia fault lasts about 10 s, and one lane of them all
	// would take twice as long as redis's or mysql's.
	return []faultLane{
		{rl, []fault{
			rl.fault("JVM kill -9 and restart",
				func(*testing.T) { r.rateLimiter.Process.Kill() },
				func(t *testing.T) { r.rateLimiter.Process.Restart(t); r.rateLimiter.WaitReady(t) }),
			rl.mode("answers after the timeout (4s delay, 3s timeout)", faultproxy.Delay),
			rl.mode("malformed body", faultproxy.Malformed),
			rl.mode("truncated body", faultproxy.Truncated),
		}},
		{ledger, []fault{
			ledger.mode("accepts and never answers", faultproxy.Blackhole),
			ledger.mode("gigantic body (256 MiB stream)", faultproxy.Gigantic),
			ledger.mode("wrong credentials (HTTP 401)", faultproxy.WrongAuth),
			ledger.mode("connection closed without an answer", faultproxy.Refuse),
			ledger.mode("connection reset (TCP RST)", faultproxy.Reset),
		}},
		{rd, slices.Concat([]fault{
			rd.fault("redis-server kill -9 and restart",
				func(*testing.T) { r.redis.Kill() },
				func(t *testing.T) { r.redis.Restart(t) }),
		}, streamFaults(rd, "reply", "bulk reply"), []fault{
			rd.fault("wrong password (rotated on the server)",
				func(t *testing.T) {
					r.redis.CLI(t, "CONFIG", "SET", "requirepass", relRedisPassword2)
					r.redis.Password = relRedisPassword2
					r.redisProxy.DropConnections() // the receiver logs in again
				},
				func(t *testing.T) {
					r.redis.CLI(t, "CONFIG", "SET", "requirepass", relRedisPassword)
					r.redis.Password = relRedisPassword
				}),
		})},
		{my, slices.Concat([]fault{
			my.fault("mariadbd kill -9 and restart",
				func(*testing.T) { r.mariadb.Process.Kill() },
				func(t *testing.T) { r.mariadb.Process.Restart(t); r.mariadb.WaitReady(t) }),
		}, streamFaults(my, "greeting", "packet"), []fault{
			my.fault("wrong password (rotated on the server)",
				func(t *testing.T) {
					alterPassword(t, relMySQLPassword2)
					r.mysqlProxy.DropConnections() // the receiver logs in again
				},
				func(t *testing.T) { alterPassword(t, relMySQLPassword) }),
		})},
	}
}

// streamFaults are the proxy's faults on a byte-stream target: reply names
// what the client reads first, gigantic what the Gigantic mode sends.
func streamFaults(ft *faultTarget, reply, gigantic string) []fault {
	return []fault{
		ft.mode("accepts and never answers", faultproxy.Blackhole),
		ft.mode("connection reset (TCP RST)", faultproxy.Reset),
		ft.mode("garbage "+reply, faultproxy.Malformed),
		ft.mode("truncated "+reply, faultproxy.Truncated),
		ft.mode("gigantic "+gigantic, faultproxy.Gigantic),
	}
}

func runFault(t *testing.T, r *relRig, f fault, figs *figures) {
	if f.gigantic {
		r.gigantic.Lock()
		defer r.gigantic.Unlock()
	}
	offset := len(r.c.Log())
	start := time.Now()
	f.inject(t)
	injected := time.Now()
	downAt := r.waitUp(t, f.up, f.id, 0, 20*time.Second)
	// Nothing stale stays: up 0 and the scrape's own series are all of the
	// target on :9090 (the receiver marks the rest stale with up 0).
	r.c.WaitOnlyDown(t, f.up, f.id, 5*time.Second)
	// Several failing scrapes: the log must not repeat.
	r.waitScrapes(t, f.name, f.arrivals, injected, failingScrapes, 30*time.Second)
	healStart := time.Now()
	f.heal(t)
	healed := time.Now()
	upAt := r.waitUp(t, f.up, f.id, 1, 30*time.Second)
	for _, w := range f.witnesses {
		r.waitScrapes(t, w.name, w.times, upAt, witnessScrapes, 10*time.Second)
	}

	log := r.c.Log()[offset:]
	// The exact target: the mysql receiver's optional parts log as "<endpoint> <part>".
	target := fmt.Sprintf(`"target": %q`, f.logTarget)
	failed := linesWith(log, "target scrape failed", target)
	back := linesWith(log, "target is reachable again", target)
	assert.NotEmpty(t, failed, "no \"target scrape failed\" line naming %s; log since the fault:\n%s", f.logTarget, log)
	// Once per outage and reason, never once per scrape. How many reasons a
	// fault gives depends on timing (a dying server resets reads, writes and
	// connects; a hang is first a lost connection, then a timeout), so what
	// must hold is that no reason is logged twice.
	assert.Empty(t, repeatedReasons(failed), "a reason logged more than once during one fault (want each once per outage):\n%s", strings.Join(failed, "\n"))
	assert.Len(t, back, 1, "want one \"target is reachable again\" line naming %s; log since the fault:\n%s", f.logTarget, log)
	reason := ""
	if len(failed) > 0 {
		reason = errorField(failed[0])
	}
	figs.add(t, "%s %s: down after %s, recovered %s after the fault ended (heal took %s); logged: %s",
		f.lane, f.name, downAt.Sub(start).Round(10*time.Millisecond), upAt.Sub(healed).Round(10*time.Millisecond),
		healed.Sub(healStart).Round(10*time.Millisecond), reason)

	end := time.Now()
	for _, w := range f.witnesses {
		s := intervalStats(w.times(), start, end, relInterval)
		figs.add(t, "  %s during it: %s", w.name, s)
		want := int(end.Sub(start)/relInterval) - 2
		assert.GreaterOrEqual(t, s.n, want, "%s was scraped %d times in %s (want at least %d at a %s interval)",
			w.name, s.n+1, end.Sub(start).Round(time.Second), want, relInterval)
		// A scrape that waited for the failing target would cost a gap of at
		// least its 3s timeout; allow CPU contention below that.
		assert.False(t, s.max > 2500*time.Millisecond || (s.median-relInterval).Abs() > 150*time.Millisecond,
			"%s lost its %s interval during the fault: %s", w.name, relInterval, s)
	}
}

// repeatedReasons lists the error texts that more than one line carries.
func repeatedReasons(lines []string) []string {
	seen := map[string]bool{}
	var repeated []string
	for _, line := range lines {
		reason := errorField(line)
		if seen[reason] {
			repeated = append(repeated, reason)
		}
		seen[reason] = true
	}
	return repeated
}

// errorField extracts the "error" field of a zap console line.
func errorField(line string) string {
	i := strings.Index(line, "{")
	if i < 0 {
		return line
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(line[i:]), &fields); err != nil {
		return line[i:]
	}
	if e, ok := fields["error"].(string); ok {
		return e
	}
	return line[i:]
}

// runLoad sends a fixed number of concurrent scrapes to the collector's
// Prometheus endpoint while every receiver runs.
func runLoad(t *testing.T, r *relRig, figs *figures) {
	total, err := strconv.Atoi(cmp.Or(os.Getenv("RELIABILITY_LOAD"), "1000"))
	require.NoError(t, err, "RELIABILITY_LOAD must be a number of scrapes")
	const workers = 16
	transport := &http.Transport{MaxIdleConnsPerHost: workers}
	client := &http.Client{Timeout: 10 * time.Second, Transport: transport}
	before := pprofGoroutines(t, r.pprofAddr)
	url := "http://" + r.c.MetricsAddr + "/metrics"

	var mu sync.Mutex
	var latencies []time.Duration
	var failures []string
	var taken atomic.Int64
	started := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for taken.Add(1) <= int64(total) {
				t0 := time.Now()
				resp, err := client.Get(url)
				var n int64
				if err == nil {
					n, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				d := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err.Error())
				case resp.StatusCode != http.StatusOK || n == 0:
					failures = append(failures, fmt.Sprintf("status %d, %d bytes", resp.StatusCode, n))
				default:
					latencies = append(latencies, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(started)
	transport.CloseIdleConnections()
	if len(failures) > 0 {
		t.Errorf("%d of %d scrapes failed, first: %s", len(failures), total, failures[0])
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(p*float64(len(latencies)-1))].Round(100 * time.Microsecond)
	}
	// Server-side connection goroutines end once the client closed them.
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.LessOrEqual(ct, pprofGoroutines(ct, r.pprofAddr), before+5, "goroutines after the load (%d before)", before)
	}, 10*time.Second, 250*time.Millisecond)
	after := pprofGoroutines(t, r.pprofAddr)
	figs.add(t, "load: %d scrapes of /metrics by %d concurrent clients in %s (%.0f/s): p50 %s, p90 %s, p99 %s, max %s; %d errors; goroutines %d before, %d after",
		total, workers, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), pct(0.5), pct(0.9), pct(0.99), pct(1), len(failures), before, after)
	r.waitAllUp(t, 5*time.Second)
}

// runSoak samples RSS and goroutines while every receiver runs (two of them
// failing at every scrape) and a Prometheus-like client scrapes every second,
// then fits a line through the samples after a warm-up. It runs only when
// RELIABILITY_SOAK sets its length, as `make reliability` does: a soak short
// enough for every `make test` would fit a line through noise.
func runSoak(t *testing.T, r *relRig, figs *figures) {
	duration, err := time.ParseDuration(cmp.Or(os.Getenv("RELIABILITY_SOAK"), "0s"))
	require.NoError(t, err, "RELIABILITY_SOAK")
	if duration == 0 {
		t.Skip("the soak runs in `make reliability` (RELIABILITY_SOAK=10m); set RELIABILITY_SOAK=2m for a short one")
	}
	const every = 2 * time.Second
	pid := r.c.Pid()
	start := time.Now()
	var xs, rss, gor []float64
	client := time.NewTicker(time.Second) // a Prometheus-like client's scrape interval
	defer client.Stop()
	for ; time.Since(start) < duration; <-client.C {
		_, _ = testenv.HTTPGetText("http://" + r.c.MetricsAddr + "/metrics")
		if len(xs) == 0 || time.Since(start) >= time.Duration(len(xs))*every {
			xs = append(xs, time.Since(start).Minutes())
			rss = append(rss, float64(testenv.ProcStatusBytes(t, pid, "VmRSS"))/(1<<20))
			gor = append(gor, float64(pprofGoroutines(t, r.pprofAddr)))
		}
		require.True(t, r.c.Running(), "collector exited during the soak:\n%s", r.c.Log())
	}
	// The first fifth is warm-up (heap growing to its steady size).
	warm := len(xs) / 5
	xs, rss, gor = xs[warm:], rss[warm:], gor[warm:]
	rssSlope := linearSlope(xs, rss)
	gorSlope := linearSlope(xs, gor)
	// Bounds: the fitted growth over the run stays under 8 MiB of RSS and 5
	// goroutines (and under 0.5 MiB/min and 0.3 goroutines/min for runs
	// longer than 16 minutes).
	minutes := duration.Minutes()
	rssBound, gorBound := max(0.5, 8/minutes), max(0.3, 5/minutes)
	figs.add(t, "soak %s (%d samples after warm-up): RSS %.1f-%.1f MiB, slope %+.2f MiB/min (bound %.2f); goroutines %.0f-%.0f, slope %+.2f/min (bound %.2f)",
		duration, len(xs), slices.Min(rss), slices.Max(rss), rssSlope, rssBound, slices.Min(gor), slices.Max(gor), gorSlope, gorBound)
	assert.LessOrEqual(t, rssSlope, rssBound, "RSS growth over the soak, MiB/min")
	assert.LessOrEqual(t, gorSlope, gorBound, "goroutine growth over the soak, per minute")
	r.waitAllUp(t, 5*time.Second)
}

// allowedJolokia are the only Jolokia operations the collector may send.
var allowedJolokia = map[string]bool{"read": true, "search": true, "list": true, "version": true}

// allowedRedis are the only Redis commands the collector may send.
var allowedRedis = map[string]bool{"AUTH": true, "INFO": true, "CLUSTER": true, "PING": true}

func runSecurity(t *testing.T, r *relRig, figs *figures) {
	t.Run("jolokia operations", func(t *testing.T) {
		seen := map[string]int{}
		proxies := map[string]*faultproxy.HTTP{"rate-limiter": r.rlProxy, "ledger": r.ledgerProxy, "fluxpay": r.fpProxy, "untrusted-tls": r.tlsProxy}
		for name, p := range proxies {
			for _, req := range p.Requests() {
				for _, typ := range jolokiaTypes(t, name, req) {
					seen[typ]++
					assert.True(t, allowedJolokia[typ], "%s: the collector sent a Jolokia %q request: %s %s %.300s", name, typ, req.Method, req.Path, req.Body)
				}
			}
		}
		figs.add(t, "Jolokia operations the collector sent during the whole run: %v", seen)
		assert.NotZero(t, seen["read"], "no read request recorded at all")
	})

	t.Run("redis commands", func(t *testing.T) {
		seen := map[string]int{}
		for _, req := range append(r.redisProxy.Requests(), r.redisWitnessProxy.Requests()...) {
			for _, cmd := range respCommands(req.Body) {
				seen[cmd]++
				assert.True(t, allowedRedis[cmd], "the collector sent the Redis command %q: %q", cmd, req.Body)
			}
		}
		figs.add(t, "Redis commands the collector sent during the whole run: %v", seen)
		assert.NotZero(t, seen["INFO"], "no INFO command recorded at all")
	})

	t.Run("read-only policy on the real agents", func(t *testing.T) {
		// Both JVMs run the shipped compose/jolokia/jolokia-access.xml; the
		// collector scraped through it all along. exec and write are refused.
		for _, jvm := range []struct {
			name string
			post func(string) (int, []byte, error)
		}{{"2.4.2 agent", r.rateLimiter.Post}, {"1.7.1 core", r.fluxpay.Post}} {
			for _, req := range []string{
				`{"type":"exec","mbean":"java.lang:type=Memory","operation":"gc"}`,
				`{"type":"write","mbean":"java.lang:type=Memory","attribute":"Verbose","value":true}`,
			} {
				status, body, err := jvm.post(req)
				require.NoError(t, err, jvm.name)
				var entry struct {
					Status int `json:"status"`
				}
				_ = json.Unmarshal(body, &entry)
				assert.False(t, status == http.StatusOK && entry.Status != http.StatusForbidden, "%s allowed %s: HTTP %d %s", jvm.name, req, status, body)
			}
			status, body, err := jvm.post(`{"type":"read","mbean":"java.lang:type=Memory","attribute":"HeapMemoryUsage"}`)
			assert.True(t, err == nil && status == http.StatusOK && strings.Contains(string(body), `"status":200`),
				"%s refused a read through the shipped policy: %d %s %v", jvm.name, status, body, err)
		}
	})

	t.Run("no password anywhere", func(t *testing.T) {
		secrets := []string{relJolokiaPassword, relRedisPassword, relRedisPassword2, relMySQLPassword, relMySQLPassword2}
		sources := map[string]string{"collector log": r.c.Log()}
		for _, page := range []string{"/debug/servicez", "/debug/pipelinez", "/debug/extensionz", "/debug/featurez"} {
			status, body := testenv.HTTPGetText("http://" + r.zpagesAddr + page)
			assert.Equal(t, http.StatusOK, status, "zpages %s", page)
			sources["zpages "+page] = body
		}
		_, sources["/metrics"] = testenv.HTTPGetText("http://" + r.c.MetricsAddr + "/metrics")
		_, sources["pprof cmdline"] = testenv.HTTPGetText("http://" + r.pprofAddr + "/debug/pprof/cmdline")
		out, err := exec.Command(testenv.CollectorBin(t, "otelcol"), "print-config", "--config", testenv.DefaultConfig(), "--config", "file:"+r.configLayer).CombinedOutput()
		require.NoError(t, err, "print-config: %s", out)
		sources["print-config"] = string(out)
		assert.Contains(t, string(out), "[REDACTED]", "print-config shows no [REDACTED] password")
		for name, text := range sources {
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s contains the test password %q", name, s)
				}
			}
		}
		figs.add(t, "passwords scanned in: collector log (%d bytes), zpages, /metrics, pprof cmdline, print-config: none found", len(r.c.Log()))
	})
}

// jolokiaTypes returns the "type" of every Jolokia operation in one request:
// a POST body (object or array) or a GET path /jolokia/<type>/...
func jolokiaTypes(t *testing.T, proxy string, req faultproxy.Request) []string {
	t.Helper()
	if req.Method == http.MethodGet {
		rest := req.Path[strings.Index(req.Path, "/jolokia")+len("/jolokia"):]
		rest = strings.TrimPrefix(rest, "/")
		typ, _, _ := strings.Cut(rest, "/")
		typ, _, _ = strings.Cut(typ, "?")
		return []string{cmp.Or(typ, "version")} // GET /jolokia is version
	}
	body := strings.TrimSpace(string(req.Body))
	if !strings.HasPrefix(body, "[") {
		body = "[" + body + "]" // one operation: decoded as a bulk request of one
	}
	var ops []struct {
		Type string `json:"type"`
	}
	assert.NoError(t, json.Unmarshal([]byte(body), &ops), "%s: undecodable request body: %.300s", proxy, req.Body)
	var out []string
	for _, op := range ops {
		out = append(out, strings.ToLower(op.Type))
	}
	return out
}

// runShutdown starts a second collector whose batch processor holds
// everything (1m timeout) and whose Jolokia scrape is in flight (the agent
// answers after 3s, within the 5s timeout), sends SIGTERM once redis was
// scraped (its data is in the batch) while that scrape is held, and checks the
// documented rule (docs/RELIABILITY.md "Shutdown"): the Jolokia receiver
// cancels its in-flight scrape at once (that scrape's data is dropped, and
// not logged as a target failure), the batch processor
// flushes everything already collected to the exporters, and the process
// exits within 2s.
func runShutdown(t *testing.T, r *relRig, figs *figures) {
	slow := startProxy(t, faultproxy.StartHTTP, r.fluxpay.Endpoint)
	slow.SetDelay(3 * time.Second)
	slow.SetMode(faultproxy.Delay)
	redisProxy := startProxy(t, faultproxy.StartTCP, r.redis.Addr)
	const timeout = 5 * time.Second
	config := filepath.Join(t.TempDir(), "shutdown.yaml")
	require.NoError(t, os.WriteFile(config, []byte(fmt.Sprintf(`receivers:
  jolokia/fluxpay:
    endpoint: %s
    service_name: fluxpay-engine
    collection_interval: 1m
    timeout: %s
    username: ${env:JOLOKIA_USER}
    password: ${env:JOLOKIA_PASSWORD}
    presets: [jvm]
  redis:
    endpoint: %s
    password: ${env:REDIS_PASSWORD}
    collection_interval: 1s
processors:
  batch:
    timeout: 1m
    send_batch_size: 1000000
exporters:
  debug:
    verbosity: detailed
  prometheus:
    endpoint: 127.0.0.1:0
extensions:
  health_check:
    endpoint: 127.0.0.1:0
service:
  extensions: [health_check]
  pipelines:
    metrics:
      receivers: [jolokia/fluxpay, redis]
      processors: [batch]
      exporters: [debug, prometheus]
`, slow.URL, timeout, redisProxy.Addr)), 0o600))
	c := testenv.StartOtelcol(t, config)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.NotEmpty(ct, slow.Requests(), "the Jolokia scrape reached the agent")
		// A scrape hands its data to the pipeline before the next one
		// starts: at the second INFO, the first scrape's data is in the batch.
		assert.GreaterOrEqual(ct, len(redisProxy.Times(redisScrapes)), 2, "redis scrapes")
	}, 10*time.Second, 20*time.Millisecond)
	held := slow.Requests()[0]
	require.Zero(t, held.Status, "the Jolokia scrape was answered before SIGTERM (the machine stalled for seconds): it is no longer in flight")
	before := c.Log()
	if strings.Contains(before, "Str(fluxpay-engine)") || strings.Contains(before, "Str(redis)") {
		t.Fatalf("the batch processor exported before shutdown; the test needs it to hold the data:\n%s", before)
	}
	sent := time.Now()
	require.NoError(t, c.Signal(syscall.SIGTERM))
	require.Eventually(t, func() bool { return !c.Running() }, timeout+10*time.Second, 5*time.Millisecond, "exit after SIGTERM")
	took := time.Since(sent)
	after := c.Log()[len(before):]
	jolokiaExported := strings.Contains(after, "Str(fluxpay-engine)") && strings.Contains(after, "jolokia.up")
	redisExported := strings.Contains(after, "Str(redis)") && strings.Contains(after, "redis.up")
	figs.add(t, "shutdown: SIGTERM %s into a Jolokia scrape the agent answers after 3s (timeout %s): exited after %s; in-flight Jolokia scrape exported: %v (the rule: canceled, dropped); batch-held redis data exported: %v",
		sent.Sub(held.Time).Round(10*time.Millisecond), timeout, took.Round(10*time.Millisecond), jolokiaExported, redisExported)
	assert.LessOrEqual(t, took, 2*time.Second, "shutdown: the in-flight Jolokia scrape should be canceled at once")
	assert.False(t, jolokiaExported, "the in-flight Jolokia scrape was exported at shutdown; the documented rule is that it is canceled and dropped (update docs/RELIABILITY.md if the receiver changed)")
	if strings.Contains(after, "target scrape failed") {
		t.Errorf("the canceled scrape was logged as a target failure after SIGTERM:\n%.3000s", after)
	}
	assert.True(t, redisExported, "the redis data held by the batch processor was not flushed at shutdown; log after SIGTERM:\n%.3000s", after)
}
