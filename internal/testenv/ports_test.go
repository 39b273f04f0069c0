package testenv

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPortRange(t *testing.T) {
	for _, tc := range []struct {
		spec      string
		low, high int
		bad       bool
	}{
		{spec: "", low: portLow, high: portHigh},
		{spec: "24000-26000", low: 24000, high: 26000},
		{spec: "19999-21000", bad: true}, // below the range: the kernel may hand it out
		{spec: "30000-40000", bad: true}, // into the ephemeral range
		{spec: "26000-24000", bad: true},
		{spec: "24000", bad: true},
	} {
		t.Setenv("TESTENV_PORT_RANGE", tc.spec)
		low, high, err := portRange()
		if tc.bad {
			assert.ErrorContains(t, err, "TESTENV_PORT_RANGE=\""+tc.spec+"\": want low-high with 20000 <= low < high <= 32768")
			continue
		}
		assert.NoError(t, err)
		assert.Equal(t, [2]int{tc.low, tc.high}, [2]int{low, high}, tc.spec)
	}
}

// A start is retried on new ports only when a port was taken in between,
// and at most attempts times.
func TestStartOnFreePorts(t *testing.T) {
	inUse := errors.New("listen tcp 127.0.0.1:24001: bind: Address already in use")
	for _, tc := range []struct {
		name      string
		errs      []error // what each call returns, the last one repeated
		wantCalls int
		wantErr   error
	}{
		{"started", []error{nil}, 1, nil},
		{"taken once", []error{inUse, nil}, 2, nil},
		{"taken every time", []error{inUse}, 3, inUse},
		{"another error", []error{errors.New("redis-server is not installed")}, 1, errors.New("redis-server is not installed")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			got, err := startOnFreePorts(3, func() (int, error) {
				err := tc.errs[min(calls, len(tc.errs)-1)]
				calls++
				return calls, err
			})
			assert.Equal(t, tc.wantCalls, calls)
			assert.Equal(t, tc.wantCalls, got)
			assert.Equal(t, tc.wantErr, err)
		})
	}
}

func TestEnvCloseRunsCleanupsLastFirstOnce(t *testing.T) {
	var ran []int
	var env Env
	for i := range 3 {
		env.Cleanup(func() { ran = append(ran, i) })
	}
	env.Close()
	env.Close()
	assert.Equal(t, []int{2, 1, 0}, ran)
}
