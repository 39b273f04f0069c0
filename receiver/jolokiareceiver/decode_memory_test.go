package jolokiareceiver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// TestRecordedResponsesAreNotDense: every response recorded from a real
// agent has at most half the values the bound allows for its size.
func TestRecordedResponsesAreNotDense(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "recorded", "*", "*.json"))
	require.NoError(t, err)
	responses := 0
	for _, p := range paths {
		if strings.HasSuffix(p, ".request.json") {
			continue
		}
		responses++
		body, err := os.ReadFile(p)
		require.NoError(t, err)
		values := countValues(body)
		assert.LessOrEqual(t, values*minBytesPerValue*2, int64(len(body)), "%s: one value per %d bytes", p, int64(len(body))/max(values, 1))
	}
	require.NotZero(t, responses)
}

func TestCountValues(t *testing.T) {
	for body, want := range map[string]int64{
		`[]`:                          1,
		`[{"status":200,"value":1}]`:  3,
		`["a,b{[", "\"[,", 2]`:        3, // nothing inside strings counts
		`{"a":[1,2,{"b":[]}],"c":{}}`: 8,
	} {
		assert.Equal(t, want, countValues([]byte(body)), body)
	}
}
