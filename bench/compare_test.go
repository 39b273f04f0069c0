//go:build benchcompare

package bench

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/moalog/platform-collector/internal/moalogcontract"
	"github.com/moalog/platform-collector/internal/testenv"
)

// TestCompare is `make bench-compare`: it starts the real targets on loopback,
// the collector (twice: every receiver, and only the targets the exporters
// read) and Debian's redis and mysqld exporters, scrapes every one at the same
// interval, and writes the cost table into RESULTS.md (or $BENCH_RESULTS).
//
//	OTELCOL_BIN=$PWD/otelcol go test -tags benchcompare -run TestCompare -v -timeout 15m ./bench
//
// Knobs: BENCH_INTERVAL (5s), BENCH_WARMUP (20s), BENCH_WINDOW (150s).
func TestCompare(t *testing.T) {
	interval := envDuration(t, "BENCH_INTERVAL", 5*time.Second)
	warmup := envDuration(t, "BENCH_WARMUP", 20*time.Second)
	window := envDuration(t, "BENCH_WINDOW", 150*time.Second)
	if window < 4*interval {
		t.Fatalf("BENCH_WINDOW %s must hold at least 4 intervals of %s", window, interval)
	}
	results := os.Getenv("BENCH_RESULTS")
	if results == "" {
		results = filepath.Join(testenv.RepoRoot(), "bench", "RESULTS.md")
	}
	bin := testenv.CollectorBin(t, "otelcol")
	have := receiverTypes(t, bin)
	t.Logf("collector %s has receivers %v", bin, slices.Sorted(maps.Keys(have)))

	// --- targets ---
	redis := testenv.StartRedis(t, testenv.RedisOptions{})
	// 4000 keys, so the keyspace and memory figures have something to say.
	redis.CLI(t, "EVAL", "for i=1,4000 do redis.call('SET', 'key:'..i, i) end", "0")
	maria := testenv.StartMariaDB(t, testenv.MariaDBOptions{})
	const mysqlUser, mysqlPassword = "monitor", "bench-monitor-pw"
	maria.CreateMonitorUser(t, mysqlUser, mysqlPassword)
	maria.Exec(t, // the platform's database, with a table that has some rows
		"CREATE DATABASE retrospect",
		"CREATE TABLE retrospect.retrospects (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(200), body TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
		"INSERT INTO retrospect.retrospects (title, body) SELECT CONCAT('r', seq), REPEAT('x', 200) FROM retrospect.seq_1_to_1000")
	jvm1 := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, CommonsPool2: true})
	jvm2 := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2})
	mux := http.NewServeMux()
	mux.Handle("/metrics", moalogcontract.New())
	moalog := httptest.NewServer(mux)
	t.Cleanup(moalog.Close)

	// --- the collector, twice ---
	type collectorRun struct {
		name, targets string
		receivers     []string
		collector     *testenv.Collector
		heapMax       float64 // otelcol_process_runtime_heap_alloc_bytes, max over the window
		sysMax        float64 // otelcol_process_runtime_total_sys_memory_bytes, max
	}
	// The receivers bench/config/<type>.yaml defines, for each type the
	// binary has; the exporters read the redis and mysql targets too.
	receivers := map[string][]string{
		"promscrape": {"promscrape/moalog"}, "jolokia": {"jolokia/rate-limiter", "jolokia/fluxpay"}, "redis": {"redis"}, "mysql": {"mysql"},
	}
	var all, same, notes []string
	files := []string{"base.yaml"}
	for _, typ := range []string{"promscrape", "jolokia", "redis", "mysql"} {
		if !have[typ] {
			if typ != "promscrape" {
				notes = append(notes, fmt.Sprintf("**The collector binary has no `%s` receiver yet**: its targets are not read by the collector in this run.", typ))
			}
			continue
		}
		all = append(all, receivers[typ]...)
		files = append(files, typ+".yaml")
		if typ == "redis" || typ == "mysql" {
			same = append(same, typ)
		}
	}
	runs := []*collectorRun{{name: "collector, every receiver", targets: describeTargets(all), receivers: all}}
	if len(same) > 0 {
		runs = append(runs, &collectorRun{name: "collector, only " + strings.Join(same, " + "), targets: describeTargets(same), receivers: same})
	}
	for _, run := range runs {
		env := []string{
			"BENCH_INTERVAL=" + interval.String(),
			"BENCH_MOALOG_TARGET=" + strings.TrimPrefix(moalog.URL, "http://"),
			"BENCH_JVM1_ENDPOINT=" + jvm1.Endpoint,
			"BENCH_JVM2_ENDPOINT=" + jvm2.Endpoint,
			"BENCH_REDIS_ENDPOINT=" + redis.Addr,
			"BENCH_MYSQL_ENDPOINT=" + maria.Addr,
			"BENCH_MYSQL_USER=" + mysqlUser,
			"BENCH_MYSQL_PASSWORD=" + mysqlPassword,
		}
		var sources []string
		for _, f := range files[1:] {
			sources = append(sources, "file:"+filepath.Join(testenv.RepoRoot(), "bench", "config", f))
		}
		sources = append(sources, "yaml:service::pipelines::metrics::receivers: ["+strings.Join(run.receivers, ", ")+"]")
		// BENCH_COLLECTOR_ARGS: extra --set values or config sources of the
		// collectors, e.g. "processors::memory_limiter::check_interval=2s".
		sources = append(sources, strings.Fields(os.Getenv("BENCH_COLLECTOR_ARGS"))...)
		// BENCH_COLLECTOR_ENV: extra environment of the collectors only, e.g. "GOGC=50 GOMEMLIMIT=40MiB".
		env = append(env, strings.Fields(os.Getenv("BENCH_COLLECTOR_ENV"))...)
		run.collector = testenv.StartCollector(t, testenv.CollectorOptions{
			Binary: bin,
			Config: filepath.Join(testenv.RepoRoot(), "bench", "config", files[0]),
			Sets:   sources,
			Env:    env,
		})
	}

	// --- the exporters ---
	redisExp := testenv.Addr(testenv.FreePort(t))
	rexp := testenv.NewProcess(t, "prometheus-redis-exporter", testenv.Binary(t, "prometheus-redis-exporter"),
		"--redis.addr=redis://"+redis.Addr, "--web.listen-address="+redisExp)
	rexp.Start(t)
	mycnf := filepath.Join(t.TempDir(), "my.cnf")
	host, port, _ := strings.Cut(maria.Addr, ":")
	mycnfText := fmt.Sprintf("[client]\nuser=%s\npassword=%s\nhost=%s\nport=%s\n", mysqlUser, mysqlPassword, host, port)
	require.NoError(t, os.WriteFile(mycnf, []byte(mycnfText), 0o600))
	mysqlExp := testenv.Addr(testenv.FreePort(t))
	mexp := testenv.NewProcess(t, "prometheus-mysqld-exporter", testenv.Binary(t, "prometheus-mysqld-exporter"),
		"--config.my-cnf="+mycnf, "--web.listen-address="+mysqlExp)
	mexp.Start(t)

	type target struct {
		m    Measured
		proc *testenv.Process
		url  string
	}
	var targets []*target
	for _, run := range runs {
		targets = append(targets, &target{m: Measured{Name: run.name, Targets: run.targets}, proc: run.collector.Process, url: run.collector.MetricsURL()})
	}
	rexp.WaitHTTP(t, "http://"+redisExp+"/metrics", 30*time.Second)
	mexp.WaitHTTP(t, "http://"+mysqlExp+"/metrics", 30*time.Second)
	exporters := []*target{
		{m: Measured{Name: "prometheus-redis-exporter " + debVersion("prometheus-redis-exporter"), Targets: "Redis"}, proc: rexp, url: "http://" + redisExp + "/metrics"},
		{m: Measured{Name: "prometheus-mysqld-exporter " + debVersion("prometheus-mysqld-exporter"), Targets: "MariaDB"}, proc: mexp, url: "http://" + mysqlExp + "/metrics"},
	}
	targets = append(targets, exporters...)

	// --- measure ---
	client := &http.Client{Timeout: interval, Transport: &http.Transport{DisableCompression: true}}
	lastBody := make([][]byte, len(targets))
	var mu sync.Mutex
	rss := make([][]int64, len(targets))
	anon := make([][]int64, len(targets))
	var start []ProcSample
	measuring := false
	readProcs := func() []ProcSample {
		samples := make([]ProcSample, len(targets))
		for i, tg := range targets {
			s, err := ReadProc(tg.proc.Pid())
			require.NoError(t, err, "%s (running: %v)\n%s", tg.m.Name, tg.proc.Running(), testenv.Tail(tg.proc.Log(), 3000))
			samples[i] = s
		}
		return samples
	}
	sample := func() {
		samples := readProcs()
		mu.Lock()
		defer mu.Unlock()
		for i, s := range samples {
			if measuring {
				rss[i] = append(rss[i], s.RSS)
				anon[i] = append(anon[i], s.Anon)
			}
		}
	}
	scrape := func() {
		var wg sync.WaitGroup
		for _, run := range runs {
			wg.Go(func() {
				families, err := run.collector.Telemetry().Scrape()
				if err != nil {
					return
				}
				heap, _ := testenv.TargetValue(families, "otelcol_process_runtime_heap_alloc_bytes", nil)
				sys, _ := testenv.TargetValue(families, "otelcol_process_runtime_total_sys_memory_bytes", nil)
				mu.Lock()
				defer mu.Unlock()
				if measuring {
					run.heapMax = max(run.heapMax, heap)
					run.sysMax = max(run.sysMax, sys)
				}
			})
		}
		for i, tg := range targets {
			wg.Go(func() {
				n, body, err := get(client, tg.url)
				mu.Lock()
				defer mu.Unlock()
				if !measuring {
					return
				}
				tg.m.Scrapes++
				if err != nil {
					tg.m.ScrapeErrors++
					t.Logf("%s: scrape: %v", tg.m.Name, err)
					return
				}
				tg.m.BytesServed += n
				lastBody[i] = body
			})
		}
		wg.Wait()
	}

	t.Logf("warming up for %s, then measuring for %s (scrape every %s)", warmup, window, interval)
	began := time.Now()
	scrapeTick := time.NewTicker(interval)
	sampleTick := time.NewTicker(time.Second)
	defer scrapeTick.Stop()
	defer sampleTick.Stop()
	var stop time.Time
	for stop.IsZero() || time.Now().Before(stop) {
		select {
		case <-scrapeTick.C:
			if stop.IsZero() && time.Since(began) >= warmup {
				start = readProcs()
				mu.Lock()
				measuring = true
				mu.Unlock()
				stop = time.Now().Add(window)
			}
			scrape()
		case <-sampleTick.C:
			sample()
		}
	}
	mu.Lock()
	measuring = false
	mu.Unlock()
	cycles := int(window / interval)
	end := readProcs()
	for i, tg := range targets {
		tg.m.CPUSeconds = end[i].CPUSeconds() - start[i].CPUSeconds()
		tg.m.PeakRSS = end[i].HWM
		tg.m.SteadyRSS = Median(rss[i])
		tg.m.SteadyAnon = Median(anon[i])
		tg.m.Cycles = cycles
		tg.m.Series = seriesCount(t, lastBody[i])
		// A scrape slower than the interval fails; on a busy shared machine a
		// few do. The table shows them; more than 10% fails the run.
		if tg.m.ScrapeErrors*10 > tg.m.Scrapes {
			t.Errorf("%s: %d of %d scrapes failed", tg.m.Name, tg.m.ScrapeErrors, tg.m.Scrapes)
		}
	}
	notes = append(notes, metricPrefixes(t, lastBody[0])...)
	for _, run := range runs {
		notes = append(notes, fmt.Sprintf("%s: Go heap in use (`otelcol_process_runtime_heap_alloc_bytes`) at most %.1f MiB, memory obtained from the OS (`..._total_sys_memory_bytes`) at most %.1f MiB during the window.",
			run.name, run.heapMax/(1<<20), run.sysMax/(1<<20)))
	}
	if env := os.Getenv("BENCH_COLLECTOR_ENV"); env != "" {
		notes = append(notes, "The collectors ran with the environment `"+env+"`.")
	}
	if a := os.Getenv("BENCH_COLLECTOR_ARGS"); a != "" {
		notes = append(notes, "The collectors ran with the extra arguments `"+a+"`.")
	}

	// --- report ---
	report := Report{
		Date:      time.Now(),
		Machine:   machine(),
		Versions:  versions(bin),
		Interval:  interval,
		Window:    window,
		Exporters: []Measured{exporters[0].m, exporters[1].m},
		References: []Reference{{
			// Issue 14's side-by-side run: ~12 MB per JVM, 23.7 MB for two processes (MB or MiB: both ends).
			Name:    "Jolokia exporter (Rust), one process per JVM × 2 — **not run here** (cannot be built from the registries here; measured ~12 MB per JVM in an earlier side-by-side run)",
			Targets: "2 JVMs", RSSLow: 23_700_000, RSSHigh: 237 * (1 << 20) / 10,
		}},
		All:   targets[0].m.Name,
		Notes: notes,
	}
	for _, tg := range targets[:len(runs)] {
		report.Collectors = append(report.Collectors, tg.m)
	}
	if len(runs) > 1 {
		report.Compare = targets[1].m.Name
	}
	if !have["mysql"] || !have["redis"] {
		for _, e := range exporters {
			if (have["redis"] && e.m.Targets == "Redis") || (have["mysql"] && e.m.Targets == "MariaDB") {
				report.CompareExporters = append(report.CompareExporters, e.m.Name)
			}
		}
	}
	md := report.Markdown()
	t.Logf("\n%s", md)
	old, err := os.ReadFile(results)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	require.NoError(t, os.WriteFile(results, []byte(ReplaceSection(string(old), md)), 0o644))
	t.Logf("wrote %s", results)
}

func get(c *http.Client, url string) (int64, []byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return int64(len(body)), body, nil
}

// seriesCount is how many series a Prometheus text page holds.
func seriesCount(t *testing.T, page []byte) int {
	families, err := testenv.ParsePage(string(page))
	require.NoError(t, err)
	n := 0
	for _, family := range families {
		n += testenv.FamilySeries(family)
	}
	return n
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration like 5s", name, v)
	}
	return d
}

// receiverTypes lists the receiver types of `otelcol components`.
func receiverTypes(t *testing.T, bin string) map[string]bool {
	out, err := exec.Command(bin, "components").Output()
	require.NoError(t, err, "%s components", bin)
	var components struct {
		Receivers []struct{ Name string }
	}
	require.NoError(t, yaml.Unmarshal(out, &components), "%s components", bin)
	have := map[string]bool{}
	for _, r := range components.Receivers {
		have[r.Name] = true
	}
	return have
}

// targetNames names, for the table, the targets a receiver reads; the second
// jolokia receiver's JVM is counted with the first's.
var targetNames = map[string]string{
	"redis": "Redis", "mysql": "MariaDB", "promscrape/moalog": "moalog contract", "jolokia/rate-limiter": "2 JVMs (Jolokia)",
}

func describeTargets(receivers []string) string {
	var ts []string
	for _, r := range receivers {
		if name, ok := targetNames[r]; ok {
			ts = append(ts, name)
		}
	}
	return strings.Join(ts, ", ")
}

// metricPrefixes says, per receiver, how many series of the collector's last
// scrape it produced: proof that every receiver was reading its target.
func metricPrefixes(t *testing.T, page []byte) []string {
	prefixes := []string{"axum_", "db_client_", "gen_ai_", "jvm_", "redis_", "mysql_", "otelcol_", "scrape_", "up"}
	families, err := testenv.ParsePage(string(page))
	require.NoError(t, err)
	counts := map[string]int{}
	for name, family := range families {
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				counts[p] += testenv.FamilySeries(family)
				break
			}
		}
	}
	var parts []string
	for _, p := range prefixes {
		parts = append(parts, fmt.Sprintf("`%s*` %d", p, counts[p]))
	}
	return []string{"Series in the collector's last scrape (every receiver), by name prefix: " + strings.Join(parts, ", ") + "."}
}

func debVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return "(version unknown)"
	}
	return string(out)
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return name + ": " + err.Error()
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

func machine() string {
	model := "unknown CPU"
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.*)$`).FindSubmatch(cpuinfo); m != nil {
		model = strings.TrimSpace(string(m[1]))
	}
	mem := ""
	meminfo, _ := os.ReadFile("/proc/meminfo")
	if m := regexp.MustCompile(`(?m)^MemTotal:\s+(\d+) kB$`).FindSubmatch(meminfo); m != nil {
		kb, _ := strconv.ParseFloat(string(m[1]), 64)
		mem = fmt.Sprintf(", %.0f GiB memory", kb/(1<<20))
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	load, _ := os.ReadFile("/proc/loadavg")
	return fmt.Sprintf("%d × %s%s, Linux %s, load average at the end %s (the machine is shared: CPU times are per process, wall-clock is not used)",
		runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)), strings.Join(strings.Fields(string(load))[:3], " "))
}

func versions(bin string) []string {
	st, _ := os.Stat(bin)
	buildFlags := ""
	if out, err := exec.Command("go", "version", "-m", bin).Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "build" && (strings.HasPrefix(f[1], "-tags=") || strings.HasPrefix(f[1], "-ldflags=")) {
				buildFlags += " " + strings.Join(f[1:], " ")
			}
		}
	}
	if buildFlags == "" {
		buildFlags = " no -tags"
	}
	return []string{
		fmt.Sprintf("collector `%s` (%s, %.1f MB, built with%s)", filepath.Base(bin), firstLine(bin, "--version"), float64(st.Size())/1e6, buildFlags),
		"prometheus-redis-exporter " + debVersion("prometheus-redis-exporter"),
		"prometheus-mysqld-exporter " + debVersion("prometheus-mysqld-exporter"),
		firstLine("redis-server", "--version"),
		firstLine("mariadbd", "--version"),
		firstLine("java", "-version") + " with the Jolokia 2.4.2 JVM agent",
		"driver " + runtime.Version(),
	}
}
