package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const statusText = `Name:	otelcol
Umask:	0022
State:	S (sleeping)
VmPeak:	 1943292 kB
VmHWM:	   91234 kB
VmRSS:	   88712 kB
RssAnon:	   30000 kB
RssFile:	   58712 kB
Threads:	9
`

func TestParseStatus(t *testing.T) {
	rss, hwm, anon, err := ParseStatus([]byte(statusText))
	require.NoError(t, err)
	assert.Equal(t, []int64{88712 * 1024, 91234 * 1024, 30000 * 1024}, []int64{rss, hwm, anon}, "rss, hwm, anon")
	_, _, _, err = ParseStatus([]byte("Name:\tkthreadd\nState:\tS\n"))
	assert.Error(t, err, "a status without VmRSS must fail")
	_, _, _, err = ParseStatus([]byte("VmRSS:\t12 MB\nVmHWM:\t1 kB\nRssAnon:\t1 kB\n"))
	assert.Error(t, err, "a unit other than kB must fail")
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and a ')' must not shift the fields.
	line := "4242 (we ird) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 567 0 0 20 0 9 0 100 2000000 20000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	ticks, err := ParseStat([]byte(line))
	require.NoError(t, err)
	assert.Equal(t, uint64(1234+567), ticks)
	_, err = ParseStat([]byte("1 (x) S 1 2"))
	assert.Error(t, err, "a short stat line must fail")
}

func TestReadProcSelf(t *testing.T) {
	s, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	if s.RSS <= 0 || s.HWM < s.RSS || s.Anon <= 0 || s.Anon > s.RSS {
		t.Fatalf("implausible sample %+v", s)
	}
}

func TestMedian(t *testing.T) {
	assert.Equal(t, int64(3), Median([]int64{5, 1, 3}))
	assert.Equal(t, int64(2), Median([]int64{4, 1, 3, 2}))
	assert.Equal(t, int64(0), Median(nil), "median of nothing")
}

func TestMarkdownRatios(t *testing.T) {
	mb := int64(1 << 20)
	r := Report{
		Date:     time.Date(2026, 11, 30, 21, 0, 0, 0, time.UTC),
		Machine:  "test",
		Interval: 5 * time.Second,
		Window:   100 * time.Second,
		Collectors: []Measured{
			{Name: "collector (all)", Targets: "all", SteadyRSS: 60 * mb, SteadyAnon: 20 * mb, PeakRSS: 70 * mb, CPUSeconds: 0.4, Cycles: 20, Scrapes: 20, BytesServed: 20 * 1000, Series: 100},
			{Name: "collector (same)", Targets: "redis, mysql", SteadyRSS: 30 * mb, SteadyAnon: 10 * mb, PeakRSS: 40 * mb, CPUSeconds: 0.2, Cycles: 20, Scrapes: 20, BytesServed: 20 * 500, Series: 50},
		},
		Exporters: []Measured{
			{Name: "redis_exporter", Targets: "redis", SteadyRSS: 15 * mb, SteadyAnon: 2 * mb, PeakRSS: 16 * mb, CPUSeconds: 0.05, Cycles: 20, Scrapes: 20, BytesServed: 20 * 300, Series: 30},
			{Name: "mysqld_exporter", Targets: "mysql", SteadyRSS: 15 * mb, SteadyAnon: 3 * mb, PeakRSS: 24 * mb, CPUSeconds: 0.25, Cycles: 20, Scrapes: 20, BytesServed: 20 * 700, Series: 70},
		},
		References: []Reference{{Name: "jolokia", Targets: "2 JVMs", RSSLow: 10 * mb, RSSHigh: 12 * mb}},
		Compare:    "collector (same)",
		All:        "collector (all)",
	}
	md := r.Markdown()
	for _, want := range []string{
		"| **sum of the exporters** | redis, mysql | 30.0 | 5.0 | 40.0 | 15.0 | 1000 | 100 |",
		"| collector (same) | redis, mysql | 30.0 | 10.0 | 40.0 | 10.0 | 500 | 50 |",
		"| **ratio: collector (same) / sum of the exporters** (same targets) | | **1.00** | 2.00 | **1.00** | **0.67** | 0.50 | 0.50 |",
		"| **ratio: collector (all) / (sum of the exporters + references)** (steady RSS only) | | **1.43-1.50** |",
		"| jolokia | 2 JVMs | 10.0-12.0 |",
		"(20 cycles)",
	} {
		assert.Contains(t, md, want)
	}
}

func TestReplaceSection(t *testing.T) {
	doc := "# Results\n\nintro\n"
	once := ReplaceSection(doc, "table 1\n")
	if !strings.HasPrefix(once, doc) || !strings.Contains(once, BeginMarker+"\ntable 1\n"+EndMarker) {
		t.Fatalf("first insert:\n%s", once)
	}
	twice := ReplaceSection(once+"\n## After\n", "table 2")
	if strings.Contains(twice, "table 1") || !strings.Contains(twice, "table 2") || !strings.Contains(twice, "## After") || !strings.HasPrefix(twice, doc) {
		t.Fatalf("replace:\n%s", twice)
	}
}
