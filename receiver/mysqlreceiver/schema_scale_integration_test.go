//go:build integration

package mysqlreceiver

import (
	"flag"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/metrictest"
	"github.com/moalog/platform-collector/internal/testenv"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

var schemaTables = flag.Int("schema-tables", 0, "run TestSchemaScale against a real MariaDB with this many tables (a primary key and one index each), e.g. 2000")

// TestSchemaScale measures what the per-table and per-index I/O wait
// metrics cost on a real schema: series, bytes read from the server, scrape
// time and the heap the scrape's metrics hold, with the defaults and with
// the four I/O wait metrics on. Run (bench/RESULTS.md has the figures):
//
//	go test -tags integration ./receiver/mysqlreceiver -run TestSchemaScale -schema-tables 2000 -v -timeout 20m
func TestSchemaScale(t *testing.T) {
	if *schemaTables == 0 {
		t.Skip("measurement: run with -schema-tables 2000 (see bench/RESULTS.md)")
	}
	m := startMariaDB(t, testenv.MariaDBOptions{})
	m.Exec(t, "CREATE DATABASE big")
	const chunk = 400 // statements per client call, under the argument size limit
	for from := 0; from < *schemaTables; from += chunk {
		var sql strings.Builder
		for i := from; i < min(from+chunk, *schemaTables); i++ {
			fmt.Fprintf(&sql, "CREATE TABLE big.t%d (id INT PRIMARY KEY, v INT, KEY by_v (v)); INSERT INTO big.t%d VALUES (1, 1); SELECT v FROM big.t%d WHERE v = 1;", i, i, i)
		}
		m.Exec(t, sql.String())
	}
	ioWaitsOn := metadata.DefaultMetricsBuilderConfig()
	metrictest.Enable(&ioWaitsOn.Metrics, "mysql.table.io.wait.", "mysql.index.io.wait.")
	for _, c := range []struct {
		name string
		mbc  metadata.MetricsBuilderConfig
	}{{"defaults", metadata.DefaultMetricsBuilderConfig()}, {"I/O wait metrics on", ioWaitsOn}} {
		s := startScraper(t, func(cfg *Config) {
			cfg.Endpoint = m.Addr
			cfg.MetricsBuilderConfig = c.mbc
			cfg.MaxSeries = 0
			cfg.TableLimit = math.MaxInt32 // the cost without the limit, as bench/RESULTS.md gives it
			cfg.Timeout = time.Minute
		})
		s.scrapeMetrics(t) // connect, warm up
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		began := time.Now()
		md := s.scrapeMetrics(t)
		took := time.Since(began)
		runtime.GC()
		runtime.ReadMemStats(&after)
		sc := s.client.(*sqlClient)
		read := sc.budget.max - sc.budget.left.Load()
		require.Equal(t, int64(1), points(md)["mysql.up"])
		t.Logf("FIGURE %d tables, %s: %d series, %d KiB read from the server, scrape %s, %d KiB of heap held by the scrape's metrics",
			*schemaTables, c.name, md.DataPointCount(), read>>10, took.Round(time.Millisecond), (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>10)
		runtime.KeepAlive(md)
	}
}
