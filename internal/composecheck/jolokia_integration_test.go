//go:build integration

package composecheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// TestJolokiaPolicyOnTheAgent: the shipped jolokia-access.xml, loaded by the
// real Jolokia 2.4.2 agent, lets read, search, list and version through and
// refuses exec and write.
func TestJolokiaPolicyOnTheAgent(t *testing.T) {
	policy, err := os.ReadFile(filepath.Join(composeDir(), "jolokia", "jolokia-access.xml"))
	require.NoError(t, err)
	jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaAgent2, Policy: string(policy)})

	status, body, err := jvm.Post(`[
		{"type":"read","mbean":"java.lang:type=Memory","attribute":"HeapMemoryUsage"},
		{"type":"search","mbean":"java.lang:type=*"},
		{"type":"list","path":"java.lang/type=Memory"},
		{"type":"version"},
		{"type":"exec","mbean":"java.lang:type=Memory","operation":"gc"},
		{"type":"write","mbean":"java.lang:type=Memory","attribute":"Verbose","value":true}
	]`)
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))
	var entries []struct {
		Status int `json:"status"`
	}
	require.NoError(t, json.Unmarshal(body, &entries), string(body))
	got := []int{}
	for _, e := range entries {
		got = append(got, e.Status)
	}
	require.Equal(t, []int{200, 200, 200, 200, 403, 403}, got, string(body))
}
