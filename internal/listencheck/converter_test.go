package listencheck

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/moalog/platform-collector/internal/testenv"
)

// TestOverlap: which two listen addresses one of two components could not bind.
func TestOverlap(t *testing.T) {
	for a, overlapping := range map[string][]string{
		"127.0.0.1:9090": {"127.0.0.1:9090", "localhost:9090", "0.0.0.0:9090", ":9090"},
		":9090":          {"127.0.0.1:9090"},
	} {
		for _, b := range overlapping {
			assert.True(t, overlap(a, b), "%s and %s overlap", a, b)
		}
	}
	for _, apart := range [][2]string{
		{"127.0.0.1:9090", "127.0.0.2:9090"}, {"127.0.0.1:9090", "127.0.0.1:9091"}, {"127.0.0.1:0", "127.0.0.1:0"},
	} {
		assert.False(t, overlap(apart[0], apart[1]), "%s and %s do not overlap", apart[0], apart[1])
	}
}

// Two listeners of one config on one address: each port is free, yet the
// second component's start would fail.
func TestConvertRefusesTwoListenersOnOneAddress(t *testing.T) {
	port := testenv.FreePort(t)
	conf := parse(t, fmt.Sprintf(`
exporters: {prometheus: {endpoint: 127.0.0.1:0}}
extensions: {health_check: {endpoint: 127.0.0.1:%d}, pprof: {endpoint: "localhost:%d"}}
service:
  extensions: [health_check, pprof]
  telemetry: {metrics: {level: none}}
  pipelines: {metrics: {receivers: [redis], exporters: [prometheus]}}
`, port, port))
	err := converter{}.Convert(context.Background(), conf)
	assert.EqualError(t, err, fmt.Sprintf(`extension "health_check" (extensions::health_check::endpoint) and `+
		`extension "pprof" (extensions::pprof::endpoint) both listen on localhost:%d: change one of them`, port))
}
