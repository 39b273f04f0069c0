package jolokiareceiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileBody is a bulk response of one entry whose value repeats item(i)
// until the body holds maxValues JSON values or maxBytes bytes.
func hostileBody(open string, item func(int) string, closing string, maxBytes, maxValues int64) []byte {
	var b bytes.Buffer
	b.WriteString(open)
	values := countValues([]byte(open + closing))
	perItem := countValues([]byte(item(0))) + 1 // and its comma
	for i := 0; int64(b.Len()+len(item(i))+len(closing)+1) < maxBytes && values+perItem <= maxValues; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item(i))
		values += perItem
	}
	b.WriteString(closing)
	return b.Bytes()
}

// TestDecodeMemoryBound: whatever the shape of a body the client lets
// through (at most max_response_bytes and max_response_bytes/8 values), its
// decode holds at most 16 times max_response_bytes of heap. Without the
// value bound, "[0,0,...]" took 25x and "[{},{},...]" 34x the body.
func TestDecodeMemoryBound(t *testing.T) {
	const maxBytes = 1 << 20
	same := func(s string) func(int) string { return func(int) string { return s } }
	for _, shape := range []struct {
		name, open string
		item       func(int) string
		closing    string
	}{
		{"object of {}", `[{"status":200,"value":{`, func(i int) string { return fmt.Sprintf(`"%x":{}`, i) }, `}}]`},
		{"array of {}", `[{"status":200,"value":[`, same(`{}`), `]}]`},
		{"array of 0", `[{"status":200,"value":[`, same(`0`), `]}]`},
		{"array of strings", `[{"status":200,"value":[`, func(i int) string { return fmt.Sprintf(`"%x"`, i) }, `]}]`},
	} {
		t.Run(shape.name, func(t *testing.T) {
			body := hostileBody(shape.open, shape.item, shape.closing, maxBytes, maxBytes/minBytesPerValue)
			require.LessOrEqual(t, countValues(body), int64(maxBytes/minBytesPerValue))
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			entries, err := decodeResponse(body, 1)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			t.Logf("FIGURE %s: %d bytes, %d values: %.1f MiB of heap, %.1fx max_response_bytes", shape.name, len(body), countValues(body), float64(held)/(1<<20), float64(held)/maxBytes)
			assert.Less(t, held, int64(16*maxBytes))
			runtime.KeepAlive(entries)
		})
	}
}

// TestDecodeRecordedErrors uses the Java side's recordings of error answers.
func TestDecodeRecordedErrors(t *testing.T) {
	for _, agent := range []string{agent2, core1} {
		t.Run(agent, func(t *testing.T) {
			_, resp := readRecorded(t, agent, "errors")
			entries, err := decodeResponse(resp, 7)
			require.NoError(t, err)
			var got []int
			for _, e := range entries {
				got = append(got, e.Status)
			}
			assert.Equal(t, []int{404, 404, 404, 404, 400, 200, 200}, got)
			assert.Equal(t, "javax.management.InstanceNotFoundException", entries[0].ErrorType)

			_, err = decodeResponse(resp, 8)
			assert.EqualError(t, err, "bulk response has 7 entries for 8 requests: the agent or a proxy in between cut it short")

			_, resp = readRecorded(t, agent, "errors-bad-objectname")
			_, err = decodeResponse(resp, 2)
			assert.ErrorContains(t, err, "agent refused the bulk read with status 400: ")
			assert.ErrorContains(t, err, "Invalid object name")
		})
	}
}

func TestDecodeFaults(t *testing.T) {
	for name, tt := range map[string]struct{ body, err string }{
		"empty":                  {"", "empty response body: check that the endpoint is a Jolokia agent (URL ends in /jolokia)"},
		"html":                   {"<html><body>Login</body></html>", `response is not JSON (it starts with "<html><body>Login</body></html>"): check that the endpoint is a Jolokia agent (URL ends in /jolokia)`},
		"2.x unparsable request": {"400 (Bad Request)\n\nInvalid JSON request", `response is not JSON (it starts with "400 (Bad Request)\n\nInvalid JSON request"): check that the endpoint is a Jolokia agent (URL ends in /jolokia)`},
		"truncated":              {`[{"request":{"type":"read"},"value":{"A":1},"status":200},{"requ`, "response body is cut short (incomplete JSON): check for a proxy or a crashed agent"},
		"fewer entries":          {`[{"value":{"A":1},"status":200}]`, "bulk response has 1 entries for 2 requests: the agent or a proxy in between cut it short"},
		"object ok":              {`{"status":200,"value":{}}`, "agent answered the bulk read with a single object, not a list: check that the endpoint is a Jolokia agent"},
		"trailing garbage":       {`[{"status":200},{"status":200}] x`, `response is not a Jolokia bulk response: data after the JSON value`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeResponse([]byte(tt.body), 2)
			assert.EqualError(t, err, tt.err)
		})
	}
}

func TestToNumber(t *testing.T) {
	tests := []struct {
		in   any
		want number
		ok   bool
	}{
		{json.Number("9007199254740993"), number{i: 9007199254740993, isInt: true}, true},
		{json.Number("9223372036854775807"), number{i: 9223372036854775807, isInt: true}, true},
		{json.Number("18446744073709551615"), number{f: 18446744073709551615}, true},
		{json.Number("-5"), number{i: -5, isInt: true}, true},
		{json.Number("12.5"), number{f: 12.5}, true},
		{json.Number("1e3"), number{f: 1000}, true},
		{"9007199254740993", number{i: 9007199254740993, isInt: true}, true}, // serializeLong=string
		{"12.75", number{f: 12.75}, true},
		{true, number{i: 1, isInt: true}, true},
		{false, number{i: 0, isInt: true}, true},
		{"-0.5e-3", number{f: -0.0005}, true},
		{"OK", number{}, false},
		{"0x1p4", number{}, false}, // strconv reads hex floats; a string attribute is not one
		{"1_000", number{}, false},
		{" 42 ", number{}, false},
		{"042", number{}, false},
		{"1.", number{}, false},
		{"1e+-5", number{}, false},
		{"+1", number{}, false},
		{"NaN", number{}, false},
		{"Infinity", number{}, false},
		{nil, number{}, false},
		{map[string]any{}, number{}, false},
	}
	for _, tt := range tests {
		got, ok := toNumber(tt.in)
		assert.Equal(t, tt.ok, ok, "%v", tt.in)
		assert.Equal(t, tt.want, got, "%v", tt.in)
	}
}
