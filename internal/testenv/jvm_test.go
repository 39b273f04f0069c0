package testenv

import (
	"strings"
	"testing"
)

func TestStartJVM(t *testing.T) {
	for _, agent := range JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			t.Parallel()
			jvm := StartJVM(t, JVMOptions{Agent: agent})
			status, body, err := jvm.Post(`{"type":"version"}`)
			if err != nil || status != 200 || !strings.Contains(string(body), `"status":200`) {
				t.Fatalf("version: %d %v %s", status, err, body)
			}
		})
	}
}
