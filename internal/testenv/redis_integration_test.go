//go:build integration

package testenv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartRedisVariants(t *testing.T) {
	primary := StartRedis(t, RedisOptions{
		Password:   "s3cret pass",
		ACLUsers:   []string{"monitor on >mon-pass -@all +info +ping"},
		UnixSocket: true,
		TLS:        true,
	})
	require.Equal(t, "PONG", primary.CLI(t, "PING"))
	require.FileExists(t, primary.SocketPath, "unix socket")
	require.NoError(t, WaitTCP(primary.TLSAddr, 5*time.Second), "tls port")
	require.Contains(t, primary.CLI(t, "ACL", "USERS"), "monitor")

	replica := StartRedis(t, RedisOptions{ReplicaOf: primary})
	require.Contains(t, replica.Info(t, "replication"), "role:slave")

	primary.Kill()
	require.False(t, primary.Process.Running(), "primary still running after Kill")
	primary.Restart(t)
	assert.Equal(t, "PONG", primary.CLI(t, "PING"), "after restart")
}
