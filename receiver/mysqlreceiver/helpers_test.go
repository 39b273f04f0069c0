package mysqlreceiver

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// recorded is one fixture: the statement from its header line, the column
// names and the rows (nil for NULL), as `mariadb --batch` printed them.
type recorded struct {
	statement string
	columns   []string
	rows      [][][]byte
}

// readFixture reads a testdata/*.tsv file written by testdata/record.sh.
func readFixture(t testing.TB, path string) recorded {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var r recorded
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			_, stmt, ok := strings.Cut(line, `mariadb --batch -e "`)
			if !ok {
				t.Fatalf("%s: header without the statement: %s", path, line)
			}
			r.statement = strings.TrimSuffix(stmt, `"`)
		case r.columns == nil:
			r.columns = strings.Split(line, "\t")
		default:
			var row [][]byte
			for _, v := range strings.Split(line, "\t") {
				if v == "NULL" {
					row = append(row, nil)
				} else {
					row = append(row, []byte(v))
				}
			}
			r.rows = append(r.rows, row)
		}
	}
	return r
}

// fakeClient answers the receiver's statements from a folder of fixtures;
// a statement without a fixture is an error, so the fixtures stay recorded
// with the statements the scraper really sends.
type fakeClient struct {
	fixtures   map[string]recorded
	errs       map[string]error // statement prefix -> error to return
	sent       []string
	reconnects int
}

func newFakeClient(t testing.TB, dir string) *fakeClient {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.tsv"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata/%s: %v", dir, err)
	}
	c := &fakeClient{fixtures: map[string]recorded{}, errs: map[string]error{}}
	for _, p := range paths {
		r := readFixture(t, p)
		c.fixtures[r.statement] = r
	}
	return c
}

func (c *fakeClient) query(_ context.Context, statement string, fn func([]string, [][]byte)) error {
	c.sent = append(c.sent, statement)
	for prefix, err := range c.errs {
		if strings.HasPrefix(statement, prefix) {
			return err
		}
	}
	r, ok := c.fixtures[statement]
	if !ok {
		return fmt.Errorf("fake client: no fixture for %q", statement)
	}
	for _, row := range r.rows {
		fn(r.columns, row)
	}
	return nil
}

func (c *fakeClient) reconnect() { c.reconnects++ }

func (c *fakeClient) beginScrape() {}

func (c *fakeClient) close() error { return nil }

// allMetrics enables every metric the receiver has.
func allMetrics() metadata.MetricsBuilderConfig {
	cfg := metadata.DefaultMetricsBuilderConfig()
	metrictest.Enable(&cfg.Metrics, "")
	return cfg
}

// newFixtureScraper is a started scraper whose client answers from
// testdata/<dir>, with its warnings in logs.
func newFixtureScraper(t testing.TB, dir string, mbc metadata.MetricsBuilderConfig) (*mysqlScraper, *fakeClient, *observer.ObservedLogs) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = "db.internal:3306"
	cfg.MetricsBuilderConfig = mbc
	set, logs := metrictest.ObservedSettings(metadata.Type, zap.WarnLevel)
	s := newScraper(cfg, set)
	fc := newFakeClient(t, dir)
	s.newClient = func() (client, error) { return fc, nil }
	require.NoError(t, s.start(context.Background(), nil))
	return s, fc, logs
}

// scrapeMetrics scrapes once. A failed target is mysql.up 0: the scraper
// never returns an error, which scraperhelper would log at every interval.
func (s *mysqlScraper) scrapeMetrics(t require.TestingT) pmetric.Metrics {
	md, err := s.scrape(context.Background())
	require.NoError(t, err)
	return md
}

func (s *mysqlScraper) scrapePoints(t require.TestingT) map[string]int64 {
	return points(s.scrapeMetrics(t))
}

// metricNames lists the metrics present.
func metricNames(md pmetric.Metrics) []string { return metrictest.MetricNames(points(md)) }

func newNopSettings() receiver.Settings { return receivertest.NewNopSettings(metadata.Type) }

// points flattens metrics into "name{attr=value,...}" -> value, the form the
// tables of the tests are written in.
func points(md pmetric.Metrics) map[string]int64 { return metrictest.Points[int64](md) }

func replicaPoints(got map[string]int64) map[string]int64 {
	out := maps.Clone(got)
	maps.DeleteFunc(out, func(series string, _ int64) bool { return !strings.HasPrefix(series, "mysql.replica.") })
	return out
}
