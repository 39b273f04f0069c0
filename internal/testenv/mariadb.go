package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// MariaDBOptions configures StartMariaDB. The zero value is a primary with
// performance_schema on, the binary log on (so replicas can follow it) and a
// 32 MiB buffer pool.
type MariaDBOptions struct {
	// ServerID is server_id; 0 picks a unique one.
	ServerID int
	// NoPerformanceSchema starts the server with performance_schema off (the
	// MariaDB default), for testing what a receiver does without it.
	NoPerformanceSchema bool
	// TLS, when set, serves TLS with the PKI's server certificate and
	// trusts its CA for client certificates (REQUIRE SSL / X509 users).
	TLS *TestPKI
	// Args are extra mariadbd options, e.g. "--long-query-time=0.1".
	Args []string
}

// MariaDB is a running mariadbd on 127.0.0.1:Port and on the unix socket
// Socket, with a fresh datadir that is removed at the end of the test. root
// is reachable only over the socket (unix_socket authentication); Exec and
// Query use it through the `mariadb` client.
type MariaDB struct {
	Addr    string // 127.0.0.1:port
	Port    int
	Socket  string
	DataDir string
	// ServerID is this server's server_id.
	ServerID int
	Process  *Process

	client string // path of the mariadb client
}

var mariadbServerIDs atomic.Int32

// StartMariaDB starts a mariadbd for the test and waits until root can query
// it. The datadir is a copy of a template initialized once by
// mariadb-install-db and cached under CacheDir().
func StartMariaDB(t testing.TB, opts MariaDBOptions) *MariaDB {
	t.Helper()
	return mustStart(t, func() (*MariaDB, error) { return NewMariaDB(t, opts) })
}

// NewMariaDB is StartMariaDB for owner. A start that fails because
// its free port was taken in between runs again on a new one.
func NewMariaDB(owner Owner, opts MariaDBOptions) (*MariaDB, error) {
	return newServer(func(s *setup) *MariaDB {
		server := s.binary("mariadbd", "/usr/sbin/mariadbd")
		client := s.binary("mariadb")
		dir := s.tempDir(owner, "mdb")
		dataDir := filepath.Join(dir, "data")
		s.step(func() error {
			template, err := mariadbTemplate(server)
			if err != nil {
				return err
			}
			_, err = Run("cp", "-a", template, dataDir)
			return err
		})
		id := opts.ServerID
		if id == 0 {
			id = int(mariadbServerIDs.Add(1)) + 100
		}
		port := s.port()
		m := &MariaDB{
			Addr:     Addr(port),
			Port:     port,
			Socket:   filepath.Join(dir, "mysqld.sock"),
			DataDir:  dataDir,
			ServerID: id,
			client:   client,
		}
		ps := "ON"
		if opts.NoPerformanceSchema {
			ps = "OFF"
		}
		args := append([]string{
			"--no-defaults",
			"--user=root",
			"--datadir=" + dataDir,
			"--socket=" + m.Socket,
			"--port=" + strconv.Itoa(port),
			"--bind-address=127.0.0.1",
			"--pid-file=" + filepath.Join(dir, "mariadbd.pid"),
			"--skip-name-resolve",
			"--performance-schema=" + ps,
			"--innodb-buffer-pool-size=32M",
			"--innodb-log-file-size=4M",
			"--innodb-data-file-path=ibdata1:8M:autoextend",
			"--log-bin=mysql-bin",
			"--server-id=" + strconv.Itoa(id),
		}, opts.Args...)
		if opts.TLS != nil {
			args = append(args, "--ssl-ca="+opts.TLS.CACert, "--ssl-cert="+opts.TLS.ServerCert, "--ssl-key="+opts.TLS.ServerKey)
		}
		m.Process = s.launch(owner, "mariadbd", server, args...)
		s.step(m.waitReady)
		return m
	})
}

// WaitReady waits until root can run a query (after Start or Restart).
func (m *MariaDB) WaitReady(t testing.TB) {
	t.Helper()
	require.NoError(t, m.waitReady())
}

func (m *MariaDB) waitReady() error {
	return m.Process.waitUntil("not ready on "+m.Addr, 60*time.Second, 50*time.Millisecond, func() error {
		_, err := m.query("SELECT 1")
		return err
	})
}

// Exec runs statements as root over the socket, failing the test on error.
func (m *MariaDB) Exec(t testing.TB, statements ...string) {
	t.Helper()
	require.NoError(t, m.ExecAll(statements...))
}

// ExecAll is Exec returning the first error.
func (m *MariaDB) ExecAll(statements ...string) error {
	for _, s := range statements {
		if out, err := m.query(s); err != nil {
			return fmt.Errorf("mariadb %s: %s: %w\n%s", m.Addr, s, err, out)
		}
	}
	return nil
}

// Query runs one statement as root and returns its rows, tab-separated
// columns, without the header (the `mariadb --batch` format: NULL is "NULL").
func (m *MariaDB) Query(t testing.TB, statement string) [][]string {
	t.Helper()
	out, err := m.query(statement)
	require.NoError(t, err, "mariadb %s: %s\n%s", m.Addr, statement, out)
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	return rows
}

// QueryValue returns the single value a statement selects.
func (m *MariaDB) QueryValue(t testing.TB, statement string) string {
	t.Helper()
	rows := m.Query(t, statement)
	require.True(t, len(rows) == 1 && len(rows[0]) == 1, "mariadb %s: %s: want one value, got %q",
		m.Addr, statement, rows)
	return rows[0][0]
}

func (m *MariaDB) query(statement string) (string, error) {
	return Run(m.client, "--no-defaults", "--protocol=socket", "--socket="+m.Socket, "--user=root",
		"--batch", "--skip-column-names", "--connect-timeout=5", "-e", statement)
}

// MonitorGrants are the least privileges a metrics scraper needs on MariaDB
// 10.5+: the global status and variables need none; PROCESS for the InnoDB
// status, SLAVE MONITOR for SHOW REPLICA STATUS, SELECT on performance_schema
// for the I/O wait and statement summaries.
var MonitorGrants = []string{
	"GRANT PROCESS, SLAVE MONITOR ON *.* TO %s",
	"GRANT SELECT ON performance_schema.* TO %s",
}

// CreateMonitorUser creates user@'%' (reachable over TCP and the socket)
// with password and the MonitorGrants.
func (m *MariaDB) CreateMonitorUser(t testing.TB, user, password string) {
	t.Helper()
	m.Exec(t, MonitorUserStatements(user, password)...)
}

// MonitorUserStatements create user@'%' with password and the MonitorGrants.
func MonitorUserStatements(user, password string) []string {
	account := fmt.Sprintf("'%s'@'%%'", sqlEscape(user))
	stmts := []string{fmt.Sprintf("CREATE USER %s IDENTIFIED BY '%s'", account, sqlEscape(password))}
	for _, g := range MonitorGrants {
		stmts = append(stmts, fmt.Sprintf(g, account))
	}
	return stmts
}

// CreateUser creates user@'%' with password and no privileges beyond USAGE.
func (m *MariaDB) CreateUser(t testing.TB, user, password string) {
	t.Helper()
	m.Exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", sqlEscape(user), sqlEscape(password)))
}

// StartReplica starts a second mariadbd that replicates from m (GTID,
// from the start of m's binary log) and waits until both replication threads
// run. Statements run on m afterwards reach the replica; WaitReplicated waits
// for them.
func (m *MariaDB) StartReplica(t testing.TB, opts MariaDBOptions) *MariaDB {
	t.Helper()
	m.Exec(t,
		"CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'",
		"GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'")
	opts.Args = append([]string{"--read-only=ON"}, opts.Args...)
	r := StartMariaDB(t, opts)
	r.Exec(t,
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1", m.Port),
		"START SLAVE")
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		// Slave_running is ON while both the I/O and the SQL thread run.
		out, err := r.query("SHOW GLOBAL STATUS LIKE 'Slave_running'")
		require.NoError(ct, err, "replica %s", r.Addr)
		assert.Equal(ct, "Slave_running\tON", strings.TrimSpace(out), "replica %s of %s", r.Addr, m.Addr)
	}, 30*time.Second, 50*time.Millisecond)
	r.WaitReplicated(t, m)
	return r
}

// WaitReplicated waits until this replica has applied everything the
// primary has written so far (its GTID position).
func (m *MariaDB) WaitReplicated(t testing.TB, primary *MariaDB) {
	t.Helper()
	pos := primary.QueryValue(t, "SELECT @@GLOBAL.gtid_binlog_pos")
	if pos == "" || pos == "NULL" {
		return
	}
	got := m.QueryValue(t, fmt.Sprintf("SELECT MASTER_GTID_WAIT('%s', 30)", sqlEscape(pos)))
	require.Equal(t, "0", got, "replica %s did not reach the primary's GTID position %s within 30s", m.Addr, pos)
}

func sqlEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}

// notInFolderName matches what the mariadbd version may not keep in the
// template's folder name.
var notInFolderName = regexp.MustCompile(`[^a-zA-Z0-9.-]`)

// mariadbTemplate returns a datadir initialized by mariadb-install-db, made
// once per mariadbd version and cached under CacheDir().
func mariadbTemplate(server string) (string, error) {
	installDB, err := lookBinary("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return "", err
	}
	version, err := Run(server, "--version")
	if err != nil {
		return "", err
	}
	final := filepath.Join(CacheDir(), "mariadb", notInFolderName.ReplaceAllString(strings.TrimSpace(version), "_"))
	if _, err := os.Stat(filepath.Join(final, "mysql")); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return "", err
	}
	// Initialize beside the final place and rename: packages testing in
	// parallel never see a half-made template.
	tmp, err := os.MkdirTemp(filepath.Dir(final), "init-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "data")
	if out, err := Run(installDB, "--no-defaults", "--user=root", "--datadir="+data,
		"--auth-root-authentication-method=socket", "--skip-test-db",
		"--innodb-log-file-size=4M", "--innodb-data-file-path=ibdata1:8M:autoextend"); err != nil {
		return "", fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	if err := os.Rename(data, final); err != nil {
		if _, statErr := os.Stat(filepath.Join(final, "mysql")); statErr != nil {
			return "", fmt.Errorf("cache the mariadb datadir template: %w", err)
		}
	}
	return final, nil
}
