package testenv

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/prometheus/common/model"
)

// PrometheusOptions configures StartPrometheus. The zero value scrapes every
// target each second as job "targets" and keeps Prometheus' own job/instance.
type PrometheusOptions struct {
	// Job is the scrape job's name (default "targets").
	Job string
	// HonorLabels keeps the job and instance labels the target sets, as the
	// compose stack does for the collector.
	HonorLabels bool
	// ScrapeInterval defaults to 1s; evaluation runs at the same interval.
	ScrapeInterval time.Duration
	// RuleFiles are alerting/recording rule files to load (absolute paths).
	RuleFiles []string
	// ListenAddress is where Prometheus serves its API and UI (default: a free loopback port).
	ListenAddress string
	// Retention bounds the TSDB (default 1h).
	Retention time.Duration
	// RemoteWriteReceiver accepts remote write at WriteURL (--web.enable-remote-write-receiver).
	RemoteWriteReceiver bool
}

// Prometheus is a running server with fresh storage that answers Prometheus'
// query API: Prometheus itself, or VictoriaMetrics (StartVictoriaMetrics).
type Prometheus struct {
	// URL is http://127.0.0.1:<port>
	URL string
	// WriteURL takes Prometheus remote write (empty when the server does not).
	WriteURL string
	Process  *Process
}

// StartPrometheus starts Debian's prometheus on a free loopback port, scraping
// scrapeTargets ("127.0.0.1:9090") at /metrics, with storage in a temporary
// folder. It is stopped when the test ends.
func StartPrometheus(t testing.TB, scrapeTargets []string, opts PrometheusOptions) *Prometheus {
	t.Helper()
	return mustStart(t, func() (*Prometheus, error) { return NewPrometheus(t, scrapeTargets, opts) })
}

// NewPrometheus is StartPrometheus for owner. A start that fails because
// its free port was taken in between runs again on a new one.
func NewPrometheus(owner Owner, scrapeTargets []string, opts PrometheusOptions) (*Prometheus, error) {
	return newServer(func(s *setup) *Prometheus {
		bin := s.binary("prometheus")
		opts.Job = cmp.Or(opts.Job, "targets")
		opts.ScrapeInterval = cmp.Or(opts.ScrapeInterval, time.Second)
		opts.Retention = cmp.Or(opts.Retention, time.Hour)
		dir := s.tempDir(owner, "prometheus")
		configPath := s.write(filepath.Join(dir, "prometheus.yml"), renderPrometheusConfig(scrapeTargets, opts))
		addr := opts.ListenAddress
		if addr == "" {
			addr = Addr(s.port())
		}
		args := []string{
			"--config.file=" + configPath,
			"--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--storage.tsdb.retention.time=" + model.Duration(opts.Retention).String(),
			"--web.listen-address=" + addr,
			"--log.level=warn",
		}
		prom := &Prometheus{URL: "http://" + addr}
		if opts.RemoteWriteReceiver {
			args = append(args, "--web.enable-remote-write-receiver")
			prom.WriteURL = prom.URL + "/api/v1/write"
		}
		prom.Process = s.launch(owner, "prometheus", bin, args...)
		// Ready means the TSDB is open and the first config is applied.
		s.step(func() error { return prom.Process.waitHTTP(prom.URL+"/-/ready", 60*time.Second) })
		return prom
	})
}

// StartVictoriaMetrics starts Debian's single-node victoria-metrics on a free
// loopback port with storage in a temporary folder; it takes remote write at
// WriteURL (the protocol its cluster's vminsert takes too). Queries see a
// sample as soon as it is written (no latency offset, no response cache).
// It is stopped when the test ends.
func StartVictoriaMetrics(t testing.TB) *Prometheus {
	t.Helper()
	bin := Binary(t, "victoria-metrics")
	addr := Addr(FreePort(t))
	vm := &Prometheus{URL: "http://" + addr, WriteURL: "http://" + addr + "/api/v1/write"}
	vm.Process = NewProcess(t, "victoria-metrics", bin,
		"-httpListenAddr="+addr,
		"-storageDataPath="+filepath.Join(t.TempDir(), "data"),
		"-retentionPeriod=1d",
		"-search.latencyOffset=0s",
		"-search.disableCache",
		"-loggerLevel=WARN",
	)
	vm.Process.Start(t)
	vm.Process.WaitHTTP(t, vm.URL+"/health", 60*time.Second)
	return vm
}

func renderPrometheusConfig(targets []string, opts PrometheusOptions) string {
	var b strings.Builder
	interval := opts.ScrapeInterval.String()
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n", interval, interval, interval)
	if len(opts.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range opts.RuleFiles {
			fmt.Fprintf(&b, "  - %s\n", strconv.Quote(f))
		}
	}
	if len(targets) == 0 {
		return b.String() // a store for remote write only
	}
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %s\n    honor_labels: %t\n    static_configs:\n      - targets:\n", strconv.Quote(opts.Job), opts.HonorLabels)
	for _, target := range targets {
		fmt.Fprintf(&b, "          - %s\n", strconv.Quote(target))
	}
	return b.String()
}

// Sample is one series of an instant query's result.
type Sample struct {
	Labels map[string]string
	Value  string
}

// Query runs an instant PromQL query and returns the series of its result
// (a scalar or string result counts as one series). A query error fails the test.
func (p *Prometheus) Query(t testing.TB, promql string) []Sample {
	t.Helper()
	samples, err := p.QueryErr(promql)
	require.NoError(t, err, "prometheus query %q", promql)
	return samples
}

// QueryErr is Query returning the error instead of failing the test.
func (p *Prometheus) QueryErr(promql string) ([]Sample, error) {
	var body struct {
		Status    string `json:"status"`
		Error     string `json:"error"`
		ErrorType string `json:"errorType"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := p.GetJSON("/api/v1/query?query="+url.QueryEscape(promql), &body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s: %s", body.ErrorType, body.Error)
	}
	if body.Data.ResultType == "scalar" || body.Data.ResultType == "string" {
		var v [2]any
		if err := json.Unmarshal(body.Data.Result, &v); err != nil {
			return nil, err
		}
		s, _ := v[1].(string)
		return []Sample{{Value: s}}, nil
	}
	// A vector's series have a "value"; a matrix's have "values", left out.
	var series []struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	if err := json.Unmarshal(body.Data.Result, &series); err != nil {
		return nil, err
	}
	out := make([]Sample, 0, len(series))
	for _, s := range series {
		v, _ := s.Value[1].(string)
		out = append(out, Sample{Labels: s.Metric, Value: v})
	}
	return out, nil
}

// MetricNames returns every metric name Prometheus holds.
func (p *Prometheus) MetricNames(t testing.TB) []string {
	t.Helper()
	var body struct {
		Status string   `json:"status"`
		Data   []string `json:"data"`
	}
	if err := p.GetJSON("/api/v1/label/__name__/values", &body); err != nil {
		t.Fatalf("prometheus metric names: %v", err) // not require: stackcheck's fakeT only records Errorf
	}
	sort.Strings(body.Data)
	return body.Data
}

// WaitFor polls an instant query until it returns at least one series.
func (p *Prometheus) WaitFor(t testing.TB, promql string, timeout time.Duration) []Sample {
	t.Helper()
	var samples []Sample
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var err error
		samples, err = p.QueryErr(promql)
		require.NoError(ct, err)
		require.NotEmpty(ct, samples, "no series")
	}, timeout, 250*time.Millisecond, "prometheus: %q returns a series", promql)
	return samples
}

// GetJSON GETs path of the HTTP API and decodes the JSON answer into into.
func (p *Prometheus) GetJSON(path string, into any) error {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(p.URL + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, Tail(string(b), 500))
	}
	return nil
}
