package redisreceiver

import (
	"bufio"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// FuzzRecordInfo feeds arbitrary INFO and CLUSTER INFO text to the parser.
// Its seed corpus is testdata/fuzz/FuzzRecordInfo (recorded replies and
// truncated or garbled variants of them). Run it with
// `go test -run '^$' -fuzz FuzzRecordInfo -fuzztime 60s ./receiver/redisreceiver`.
func FuzzRecordInfo(f *testing.F) {
	f.Add("connected_clients:1\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		mb := newTestBuilder(allMetrics())
		sum := recordInfo(mb, pcommon.Timestamp(1), text)
		recordClusterInfo(mb, pcommon.Timestamp(1), text)
		if sum.version != "" && !strings.Contains(text, "redis_version:"+sum.version) {
			t.Fatalf("version %q not in input", sum.version)
		}
		for name, v := range points(mb.Emit()) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s = %v: non-finite values must be skipped", name, v)
			}
		}
	})
}

// FuzzReadReply feeds arbitrary bytes to the RESP reply reader: it must
// return a reply or an error, never panic or over-allocate.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "-WRONGPASS invalid\r\n", "$5\r\nhello\r\n", "$-1\r\n", ":12\r\n", "*1\r\n$1\r\na\r\n", "$99999999999\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(_ *testing.T, data []byte) {
		_, _ = readReply(bufio.NewReader(strings.NewReader(string(data))))
	})
}
