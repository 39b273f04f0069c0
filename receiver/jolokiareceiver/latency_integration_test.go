//go:build integration

package jolokiareceiver

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/moalog/platform-collector/internal/testenv"
)

// BenchmarkLiveScrape measures whole scrapes (jvm preset + test MBeans, one
// bulk POST) of a real JVM per agent, back to back on a kept-alive
// connection, with the JDK default sun.net.httpserver.nodelay=false. It
// reports the p50 and p99 scrape latency.
//
//	go test -tags integration -run '^$' -bench LiveScrape -benchtime 500x ./receiver/jolokiareceiver/
//
// -gap pauses between scrapes, as between real collection intervals:
//
//	go test -tags integration -run '^$' -bench LiveScrape -benchtime 40x ./receiver/jolokiareceiver/ -gap 500ms
func BenchmarkLiveScrape(b *testing.B) {
	for _, agent := range testenv.JolokiaAgents {
		jvm := testenv.StartJVM(b, testenv.JVMOptions{Agent: agent})
		for _, quickAck := range []bool{true, false} {
			name := agent.String()
			if !quickAck {
				name += "/plain-transport"
			}
			b.Run(name, func(b *testing.B) {
				cfg := configFor(jvm.Endpoint)
				cfg.Metrics = testMBeanMetrics
				s := newTestScraper(b, cfg, nil)
				if !quickAck { // for comparison: Go's default transport, no TCP_QUICKACK
					plain := &http.Client{Transport: &http.Transport{}}
					for _, t := range s.targets {
						t.client.http = plain
					}
				}
				for range 3 { // warm up (and let 2.x split type=Counters)
					scrapeOnce(s)
				}
				durations := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					time.Sleep(*scrapeGap) // outside the measured span: began is taken after it
					began := time.Now()
					md := scrapeOnce(s)
					durations = append(durations, time.Since(began))
					if md.DataPointCount() < 50 {
						b.Fatalf("scrape returned %d points", md.DataPointCount())
					}
				}
				b.StopTimer()
				slices.Sort(durations)
				b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
