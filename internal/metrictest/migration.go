package metrictest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/testenv"
)

// MigrationRow is one row of a README's migration table: the exporter's
// name(s) and the PromQL to use instead, as written in the first two columns.
type MigrationRow struct {
	Exporter, Ours string
}

// MigrationTable reads the migration table under heading in a README: its
// first two columns.
func MigrationTable(readme, heading string) ([]MigrationRow, error) {
	rows, err := TableAfter(readme, heading)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationRow, 0, len(rows))
	for _, cells := range rows {
		if len(cells) >= 2 {
			out = append(out, MigrationRow{Exporter: cells[0], Ours: cells[1]})
		}
	}
	return out, nil
}

// TableAfter reads the first Markdown table after heading in a Markdown
// file: the cells of each row below the header, trimmed.
func TableAfter(file, heading string) ([][]string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	_, section, ok := strings.Cut(string(raw), "\n"+heading+"\n")
	if !ok {
		return nil, fmt.Errorf("%s: no heading %q", file, heading)
	}
	var rows [][]string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			if rows != nil {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !strings.HasPrefix(cells[0], "---") {
			rows = append(rows, cells)
		}
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no table after %q", file, heading)
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

// CheckMigrationTable loads the migration table under heading in README.md
// and the repository's exporter-compat rules, and fails t with
// MigrationProblems. rendered maps each metric to its Prometheus name.
func CheckMigrationTable(t testing.TB, heading, prefix string, rendered map[string]string) {
	t.Helper()
	rows, err := MigrationTable("README.md", heading)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := RecordedNames(filepath.Join(testenv.RepoRoot(), "compose", "prometheus", "exporter-compat", "exporter-compat.yml"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, name := range rendered {
		names[name] = true
	}
	for _, p := range MigrationProblems(rows, prefix, names, recorded) {
		t.Error(p)
	}
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
				problems = append(problems, fmt.Sprintf("row %q reads %s, which the receiver does not export", r.Exporter, n))
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
