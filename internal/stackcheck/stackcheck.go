// Package stackcheck proves the monitoring stack against live data: the
// generated Grafana dashboards' queries, run against a real Prometheus that
// scrapes the collector (or, for moalog-server, the contract program).
package stackcheck

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moalog/platform-collector/internal/dashboards"
	"github.com/moalog/platform-collector/internal/testenv"
)

// PanelResult is what one panel's queries returned.
type PanelResult struct {
	Title  string
	Series int      // series returned by all the panel's queries together
	Empty  []string // queries (after substitution) that returned no series
	Errors []string // queries that Prometheus refused
}

// DashboardResult is one dashboard's panels and template variables.
type DashboardResult struct {
	File      string
	Panels    []PanelResult
	Variables []PanelResult // Title is the variable's name
	Missing   []string      // metric names the dashboard reads that Prometheus does not hold
	Excused   []string      // Options.Absent names this dashboard reads, with the reason
}

// Report is the per-dashboard table CheckDashboardsLive returns.
type Report []DashboardResult

// String renders the report as Markdown tables (panel title -> series count).
func (r Report) String() string {
	var b strings.Builder
	for _, d := range r {
		fmt.Fprintf(&b, "\n### %s\n\n| panel | series |\n|---|---|\n", d.File)
		for _, v := range d.Variables {
			fmt.Fprintf(&b, "| variable `$%s` | %d |\n", v.Title, v.Series)
		}
		for _, p := range d.Panels {
			fmt.Fprintf(&b, "| %s | %d |\n", p.Title, p.Series)
		}
		if len(d.Missing) > 0 {
			fmt.Fprintf(&b, "\nmissing metric names: %s\n", strings.Join(d.Missing, ", "))
		}
		if len(d.Excused) > 0 {
			fmt.Fprintf(&b, "\nabsent by design: %s\n", strings.Join(d.Excused, "; "))
		}
	}
	return b.String()
}

func (d DashboardResult) failures() []string {
	var out []string
	for _, m := range d.Missing {
		out = append(out, fmt.Sprintf("%s: metric %s is not in Prometheus", d.File, m))
	}
	for _, group := range [][]PanelResult{d.Variables, d.Panels} {
		for _, p := range group {
			for _, e := range p.Errors {
				out = append(out, fmt.Sprintf("%s: %q: query error: %s", d.File, p.Title, e))
			}
			for _, e := range p.Empty {
				out = append(out, fmt.Sprintf("%s: %q: no series: %s", d.File, p.Title, e))
			}
		}
	}
	return out
}

// MariaDBAbsent are the dashboards' metric names MariaDB 10.11, the test
// server (and the compose test's mysql stand-in), cannot produce.
var MariaDBAbsent = map[string]string{
	dashboards.MySQLRowOps: "MariaDB 10.11 (the test server) has no Innodb_rows_* status variables; MySQL 8.0 has them",
}

// Options tunes CheckDashboardsLive.
type Options struct {
	// Files limits the check to these dashboard files (e.g. "moalog-server.json"); empty means all.
	Files []string
	// Timeout is how long to wait for every query to return data (rates need
	// two scrapes inside the substituted 1m window). Default 90s.
	Timeout time.Duration
	// Absent are metric names the targets under test cannot produce, with the
	// reason (e.g. MariaDB has no Innodb_rows_* counters). Their absence and
	// the queries reading only them are reported, not failed.
	Absent map[string]string
}

// CheckDashboardsLive asserts, against the Prometheus at promURL, that every
// metric name any panel reads exists in Prometheus and that every query of
// every panel and template variable returns at least one series. Template
// variables become ".*", $__rate_interval 1m and $__range 5m. It retries until
// all pass or the timeout ends, then reports each failure with t.Errorf and
// returns the per-dashboard table (panel title -> series count).
func CheckDashboardsLive(t testing.TB, promURL, dashboardsDir string, opts Options) Report {
	t.Helper()
	opts.Timeout = cmp.Or(opts.Timeout, 90*time.Second)
	files := opts.Files
	if len(files) == 0 {
		paths, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no dashboards in %s: %v", dashboardsDir, err)
		}
		for _, p := range paths {
			files = append(files, filepath.Base(p))
		}
	}
	prom := &testenv.Prometheus{URL: promURL}

	var report Report
	var failures []string
	// The failures are reported one by one below, not as Poll's error.
	_ = testenv.Poll(opts.Timeout, 2*time.Second, func() error {
		report, failures = checkOnce(t, prom, dashboardsDir, files, opts.Absent)
		if len(failures) > 0 {
			return errors.New("panels without data")
		}
		return nil
	})
	for _, f := range failures {
		t.Errorf("%s", f)
	}
	if len(failures) > 0 {
		t.Logf("live dashboard check:\n%s", report)
	}
	return report
}

func checkOnce(t testing.TB, prom *testenv.Prometheus, dir string, files []string, absent map[string]string) (Report, []string) {
	t.Helper()
	have := map[string]bool{}
	for _, n := range prom.MetricNames(t) {
		have[n] = true
	}
	var report Report
	var failures []string
	for _, file := range files {
		// t.Fatalf, not require: the Errorf of a fakeT only records.
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("read dashboard: %v", err)
		}
		d, err := dashboards.Load(raw)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		panels, err := dashboards.Queries(d)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		vars, err := dashboards.Variables(d)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		res := DashboardResult{File: file}
		missing := map[string]bool{}
		for _, v := range vars {
			res.Variables = append(res.Variables, run(prom, v.Name, []string{v.Selector}, have, missing, absent))
		}
		for _, p := range panels {
			res.Panels = append(res.Panels, run(prom, p.Title, p.Exprs, have, missing, absent))
		}
		for m := range missing {
			if reason, ok := absent[m]; ok {
				res.Excused = append(res.Excused, m+": "+reason)
				continue
			}
			res.Missing = append(res.Missing, m)
		}
		sort.Strings(res.Excused)
		sort.Strings(res.Missing)
		report = append(report, res)
		failures = append(failures, res.failures()...)
	}
	return report, failures
}

func run(prom *testenv.Prometheus, title string, exprs []string, have, missing map[string]bool, absent map[string]string) PanelResult {
	r := PanelResult{Title: title}
	for _, e := range exprs {
		names, err := dashboards.MetricNames(e)
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", e, err))
			continue
		}
		excused := true
		for _, n := range names {
			if !have[n] {
				missing[n] = true
			}
			if _, ok := absent[n]; !ok {
				excused = false
			}
		}
		q := dashboards.Substitute(e)
		samples, err := prom.QueryErr(q)
		switch {
		case err != nil:
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", q, err))
		case len(samples) == 0 && !excused:
			r.Empty = append(r.Empty, q)
		}
		r.Series += len(samples)
	}
	return r
}

// CheckRulesHealthy waits until Prometheus at promURL has evaluated every
// loaded rule and asserts each evaluation succeeded (health "ok"), returning
// the alerts' names with their state (inactive, pending, firing).
func CheckRulesHealthy(t testing.TB, promURL string, timeout time.Duration) map[string]string {
	t.Helper()
	var states map[string]string
	err := testenv.Poll(timeout, time.Second, func() error {
		var problems []string
		var err error
		states, problems, err = ruleStates(&testenv.Prometheus{URL: promURL})
		switch {
		case err != nil:
			return err
		case len(problems) > 0:
			return fmt.Errorf("%v", problems)
		case len(states) == 0:
			return errors.New("no rule evaluated yet")
		}
		return nil
	})
	if err != nil {
		t.Errorf("rules not healthy: %v", err)
	}
	return states
}

func ruleStates(prom *testenv.Prometheus) (map[string]string, []string, error) {
	var body struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					State     string `json:"state"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := prom.GetJSON("/api/v1/rules", &body); err != nil {
		return nil, nil, err
	}
	states := map[string]string{}
	var problems []string
	for _, g := range body.Data.Groups {
		for _, r := range g.Rules {
			states[r.Name] = r.State
			if r.Health != "ok" {
				problems = append(problems, fmt.Sprintf("%s: health %q %s", r.Name, r.Health, r.LastError))
			}
		}
	}
	return states, problems, nil
}
