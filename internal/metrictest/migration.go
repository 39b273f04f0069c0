package metrictest

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// MigrationRow is one row of a README's migration table: the exporter's
// name(s) and the PromQL to use instead, as written in the first two columns.
type MigrationRow struct {
	Exporter, Ours string
}

// MigrationTable reads the first Markdown table after heading in a README.
func MigrationTable(readme, heading string) ([]MigrationRow, error) {
	raw, err := os.ReadFile(readme)
	if err != nil {
		return nil, err
	}
	_, section, ok := strings.Cut(string(raw), "\n"+heading+"\n")
	if !ok {
		return nil, fmt.Errorf("%s: no heading %q", readme, heading)
	}
	var rows []MigrationRow
	inTable := false
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 2 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		rows = append(rows, MigrationRow{Exporter: cells[0], Ours: cells[1]})
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no table after %q", readme, heading)
	}
	return rows[1:], nil // without the header row
}

var codeSpan = regexp.MustCompile("`([^`]*)`")

// NamesIn returns the metric names starting with prefix in a cell's code
// spans (PromQL), e.g. "mysql_threads" in "`mysql_threads{kind=\"connected\"}`".
func NamesIn(cell, prefix string) []string {
	name := regexp.MustCompile(`\b` + regexp.QuoteMeta(prefix) + `[a-z0-9_]*`)
	var out []string
	for _, span := range codeSpan.FindAllStringSubmatch(cell, -1) {
		expr := regexp.MustCompile(`"[^"]*"`).ReplaceAllString(span[1], `""`) // not label values
		out = append(out, name.FindAllString(expr, -1)...)
	}
	return out
}

// RecordedNames returns the names a Prometheus rule file records.
func RecordedNames(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rf struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rf); err != nil {
		return nil, err
	}
	var out []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				out = append(out, r.Record)
			}
		}
	}
	return out, nil
}

// MigrationProblems checks a receiver's migration table: every metric name
// (with prefix) the PromQL column reads is one the receiver renders, and
// every name the exporter-compat rules record with that prefix has a row.
func MigrationProblems(rows []MigrationRow, prefix string, rendered map[string]bool, recorded []string) []string {
	var problems []string
	inTable := map[string]bool{}
	for _, r := range rows {
		for _, n := range NamesIn(r.Ours, prefix) {
			if !rendered[n] {
				problems = append(problems, fmt.Sprintf("row %q reads %s, which the receiver does not export", strings.TrimSpace(r.Exporter), n))
			}
		}
		for _, n := range NamesIn(r.Exporter, prefix) {
			inTable[n] = true
		}
	}
	for _, n := range recorded {
		if strings.HasPrefix(n, prefix) && !inTable[n] {
			problems = append(problems, fmt.Sprintf("exporter-compat records %s, which the migration table lacks", n))
		}
	}
	return problems
}
