package metrictest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/moalog/platform-collector/internal/testenv"
)

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

// CheckMigrationTable holds the migration table under heading in README.md
// (first column: the exporter's name(s); second: the PromQL to use instead)
// to the receiver and the repository's exporter-compat rules: every metric
// name with prefix that the PromQL reads is one the receiver renders
// (rendered maps each metric to its Prometheus name), and every name the
// rules record with that prefix has a row.
func CheckMigrationTable(t testing.TB, heading, prefix string, rendered map[string]string) {
	t.Helper()
	rows, err := TableAfter("README.md", heading)
	require.NoError(t, err)
	recorded, err := RecordedNames(filepath.Join(testenv.RepoRoot(), "compose", "prometheus", "exporter-compat", "exporter-compat.yml"))
	require.NoError(t, err)
	exported := slices.Collect(maps.Values(rendered))
	inTable := map[string]bool{}
	for _, cells := range rows {
		if len(cells) < 2 {
			continue
		}
		for _, n := range NamesIn(cells[1], prefix) {
			assert.Contains(t, exported, n, "row %q reads %s, which the receiver does not export", cells[0], n)
		}
		for _, n := range NamesIn(cells[0], prefix) {
			inTable[n] = true
		}
	}
	for _, n := range recorded {
		if strings.HasPrefix(n, prefix) {
			assert.True(t, inTable[n], "exporter-compat records %s, which the migration table lacks", n)
		}
	}
}
