//go:build integration

package testenv

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestStartRedisVariants(t *testing.T) {
	primary := StartRedis(t, RedisOptions{
		Password:   "s3cret pass",
		ACLUsers:   []string{"monitor on >mon-pass -@all +info +ping"},
		UnixSocket: true,
		TLS:        true,
	})
	if got := primary.CLI(t, "PING"); got != "PONG" {
		t.Fatalf("PING = %q", got)
	}
	if _, err := os.Stat(primary.SocketPath); err != nil {
		t.Fatalf("unix socket: %v", err)
	}
	if err := WaitTCP(primary.TLSAddr, 5*time.Second); err != nil {
		t.Fatalf("tls port: %v", err)
	}
	if users := primary.CLI(t, "ACL", "USERS"); !strings.Contains(users, "monitor") {
		t.Fatalf("ACL USERS = %q", users)
	}

	replica := StartRedis(t, RedisOptions{ReplicaOf: primary})
	if info := replica.Info(t, "replication"); !strings.Contains(info, "role:slave") {
		t.Fatalf("replica INFO replication:\n%s", info)
	}

	primary.Kill()
	if primary.Process.Running() {
		t.Fatal("primary still running after Kill")
	}
	primary.Restart(t)
	if got := primary.CLI(t, "PING"); got != "PONG" {
		t.Fatalf("PING after restart = %q", got)
	}
}
