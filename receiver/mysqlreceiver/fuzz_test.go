package mysqlreceiver

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"151", 151, true},
		{"33554432", 33554432, true},
		{"-3", -3, true},
		{"+7", 7, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false},
		{"18446744073709551615", 0, false}, // an unsigned counter past int64
		{"99999999999999999999999", 0, false},
		{"0.034308", 0, true}, // Query_time
		{"12.9", 12, true},    // truncated
		{"-1.5", -1, true},    // toward zero
		{"1e3", 1000, true},   // exponent
		{"0.000", 0, true},    // Busy_time
		{"", 0, false},        // Ssl_cipher
		{"NULL", 0, false},    // Max_memory_used
		{"ON", 0, false},      // Compression
		{"-", 0, false},       // sign only
		{".5", 0, false},      // no digit before the point
		{"1.2.3", 0, false},   // a version
		{"1e999", 0, false},   // infinite
		{"12abc", 0, false},   // trailing text
		{" 12", 0, false},     // no trimming
		{"mysql-bin.000001", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseInt([]byte(tt.in))
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

// FuzzParseInt: never panics, agrees with strconv on what both accept.
// Corpus: testdata/fuzz/FuzzParseInt (values from the recorded status).
func FuzzParseInt(f *testing.F) {
	for _, seed := range []string{"0", "151", "-3", "0.034308", "", "NULL", "ON", "18446744073709551615", "1e3", "Buffer pool(s) load completed at 261130 20:56:54"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parseInt(b)
		if want, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			if !ok || got != want {
				t.Fatalf("parseInt(%q) = %d, %v; strconv says %d", b, got, ok, want)
			}
		}
		if !ok && got != 0 {
			t.Fatalf("parseInt(%q) = %d with ok=false", b, got)
		}
	})
}

// FuzzStatusRow: any status row (known name or not, any value) is recorded
// without panic, and a known counter's integer value comes out unchanged.
func FuzzStatusRow(f *testing.F) {
	f.Add([]byte("Queries"), []byte("35"))
	f.Add([]byte("Innodb_buffer_pool_pages_dirty"), []byte("30"))
	f.Add([]byte("Ssl_cipher"), []byte(""))
	f.Add([]byte("Uptime"), []byte("x"))
	f.Fuzz(func(t *testing.T, name, value []byte) {
		mb := metadata.NewMetricsBuilder(allMetrics(), newNopSettings())
		r := statusRecorder{mb: mb, ts: pcommon.Timestamp(1)}
		r.record([]byte("Innodb_buffer_pool_pages_data"), []byte("100"))
		r.record(name, value)
		r.finish()
		got := points(mb.Emit())
		if string(name) == "Queries" {
			if v, err := strconv.ParseInt(string(value), 10, 64); err == nil && got["mysql.query.count"] != v {
				t.Fatalf("Queries=%q gave %d", value, got["mysql.query.count"])
			}
		}
	})
}
