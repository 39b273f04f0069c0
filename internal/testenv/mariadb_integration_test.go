//go:build integration

package testenv

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMariaDBPrimaryReplicaMonitorUser(t *testing.T) {
	primary := StartMariaDB(t, MariaDBOptions{})
	assert.Equal(t, "1", primary.QueryValue(t, "SELECT @@GLOBAL.performance_schema"))
	assert.Equal(t, "1", primary.QueryValue(t, "SELECT @@GLOBAL.log_bin"))

	primary.CreateMonitorUser(t, "otel", "pa'ss word")
	grants := primary.Query(t, "SHOW GRANTS FOR 'otel'@'%'")
	require.Len(t, grants, 2)
	assert.Contains(t, grants[0][0], "GRANT PROCESS, SLAVE MONITOR ON *.* TO `otel`@`%`")
	assert.Contains(t, grants[1][0], "GRANT SELECT ON `performance_schema`.* TO `otel`@`%`")

	replica := primary.StartReplica(t, MariaDBOptions{})
	assert.NotEqual(t, primary.ServerID, replica.ServerID)
	primary.Exec(t, "CREATE DATABASE shop", "CREATE TABLE shop.t (id INT PRIMARY KEY)", "INSERT INTO shop.t VALUES (1), (2)")
	replica.WaitReplicated(t, primary)
	assert.Equal(t, "2", replica.QueryValue(t, "SELECT COUNT(*) FROM shop.t"))

	// Kill and restart keep the datadir.
	primary.Process.Kill()
	assert.False(t, primary.Process.Running())
	primary.Process.Restart(t)
	primary.WaitReady(t)
	assert.Equal(t, "2", primary.QueryValue(t, "SELECT COUNT(*) FROM shop.t"))
}

func TestMariaDBWithoutPerformanceSchema(t *testing.T) {
	m := StartMariaDB(t, MariaDBOptions{NoPerformanceSchema: true, Args: []string{"--max-connections=42"}})
	assert.Equal(t, "0", m.QueryValue(t, "SELECT @@GLOBAL.performance_schema"))
	assert.Equal(t, "42", m.QueryValue(t, "SELECT @@GLOBAL.max_connections"))
}

func TestMariaDBTLS(t *testing.T) {
	pki := NewTestPKI(t, t.TempDir(), "127.0.0.1", "localhost")
	m := StartMariaDB(t, MariaDBOptions{TLS: pki})
	assert.Equal(t, "1", m.QueryValue(t, "SELECT @@GLOBAL.have_ssl = 'YES'"))
}
