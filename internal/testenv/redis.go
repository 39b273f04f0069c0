package testenv

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RedisOptions selects how StartRedis configures Debian's redis-server.
// The zero value is a plain server on a free loopback port, no password,
// no persistence.
type RedisOptions struct {
	// Password sets `requirepass` (the password of the `default` user).
	Password string
	// ACLUsers are ACL rules, one user each, written as `user <rule>` lines
	// of redis.conf, e.g. "monitor on >secret -@all +info +ping".
	ACLUsers []string
	// UnixSocket also listens on a unix socket (Redis.SocketPath).
	UnixSocket bool
	// TLS also listens with TLS on Redis.TLSPort, with a CA and server
	// certificate generated for this test (Redis.TLS). Clients need not
	// present a certificate (tls-auth-clients optional).
	TLS bool
	// ReplicaOf starts the server as a replica of that primary (using the
	// primary's password as masterauth).
	ReplicaOf *Redis
	// Cluster sets `cluster-enabled yes` (a single node; slots unassigned
	// until the test assigns them, e.g. with CLUSTER ADDSLOTSRANGE).
	Cluster bool
	// Config holds extra redis.conf lines.
	Config []string
}

// Redis is a redis-server started for a test, killed at the test's cleanup.
type Redis struct {
	Addr       string // 127.0.0.1:Port
	Port       int
	TLSAddr    string // 127.0.0.1:TLSPort when RedisOptions.TLS
	TLSPort    int
	SocketPath string // when RedisOptions.UnixSocket
	Password   string
	TLS        *TestPKI // when RedisOptions.TLS
	Dir        string   // working directory holding redis.conf
	Process    *Process
}

// StartRedis starts redis-server with opts and waits until it accepts
// connections (and, for a replica, until it is in sync with its primary).
// It is stopped at the test's cleanup.
func StartRedis(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	return mustStart(t, func() (*Redis, error) { return NewRedis(t, opts) })
}

// NewRedis is StartRedis for owner. A start that fails because
// its free port was taken in between runs again on a new one.
func NewRedis(owner Owner, opts RedisOptions) (*Redis, error) {
	return newServer(func(s *setup) *Redis {
		bin := s.binary("redis-server")
		dir := s.tempDir(owner, "redis")
		r := &Redis{Port: s.port(), Password: opts.Password, Dir: dir}
		r.Addr = Addr(r.Port)
		conf := []string{
			"bind 127.0.0.1",
			"port " + strconv.Itoa(r.Port),
			"protected-mode no",
			"dir " + dir,
			`save ""`,
			"appendonly no",
			"daemonize no",
			"loglevel notice",
		}
		if opts.Password != "" {
			conf = append(conf, "requirepass "+strconv.Quote(opts.Password))
		}
		for _, u := range opts.ACLUsers {
			conf = append(conf, "user "+u)
		}
		if opts.UnixSocket {
			r.SocketPath = filepath.Join(dir, "redis.sock")
			conf = append(conf, "unixsocket "+r.SocketPath, "unixsocketperm 700")
		}
		if opts.TLS {
			r.TLSPort = s.port()
			r.TLSAddr = Addr(r.TLSPort)
			// In the step, so that a failed earlier step (r.TLS nil) skips it.
			s.step(func() (err error) {
				if r.TLS, err = newTestPKI(dir, "127.0.0.1", "localhost"); err != nil {
					return err
				}
				conf = append(conf,
					"tls-port "+strconv.Itoa(r.TLSPort),
					"tls-cert-file "+r.TLS.ServerCert,
					"tls-key-file "+r.TLS.ServerKey,
					"tls-ca-cert-file "+r.TLS.CACert,
					"tls-auth-clients optional",
				)
				return nil
			})
		}
		if p := opts.ReplicaOf; p != nil {
			conf = append(conf, fmt.Sprintf("replicaof 127.0.0.1 %d", p.Port))
			if p.Password != "" {
				conf = append(conf, "masterauth "+strconv.Quote(p.Password))
			}
		}
		if opts.Cluster {
			conf = append(conf, "cluster-enabled yes", "cluster-config-file "+filepath.Join(dir, "nodes.conf"))
		}
		conf = append(conf, opts.Config...)
		// redis-server changes into the conf's dir itself.
		r.Process = s.launch(owner, "redis-server", bin, s.write(filepath.Join(dir, "redis.conf"), strings.Join(conf, "\n")+"\n"))
		s.step(func() error { return r.Process.waitTCP(r.Addr, 15*time.Second) })
		if opts.ReplicaOf != nil {
			s.step(r.waitReplicaInSync)
		}
		return r
	})
}

// Kill kills the server (SIGKILL): the "target crashed" case.
func (r *Redis) Kill() { r.Process.Kill() }

// Restart starts a killed server again with the same configuration and
// waits until it accepts connections.
func (r *Redis) Restart(t testing.TB) {
	t.Helper()
	r.Process.Restart(t)
	r.Process.WaitTCP(t, r.Addr, 15*time.Second)
}

// CLI runs one command through redis-cli against the plain TCP port,
// authenticated as the default user, and returns its trimmed output. It
// fails the test when redis-cli fails or the reply is an error.
func (r *Redis) CLI(t testing.TB, args ...string) string {
	t.Helper()
	out, err := r.Do(args...)
	require.NoError(t, err)
	return out
}

// Do is CLI returning the error: "redis-cli ARGS: ...".
func (r *Redis) Do(args ...string) (string, error) {
	out, err := r.cli("--no-raw", args...)
	text := strings.TrimSpace(string(out))
	if err != nil {
		return text, fmt.Errorf("redis-cli %s: %w: %s", strings.Join(args, " "), err, text)
	}
	if strings.HasPrefix(text, "(error)") {
		return text, fmt.Errorf("redis-cli %s: %s", strings.Join(args, " "), text)
	}
	return text, nil
}

// Info returns the raw INFO text of the given sections (all defaults when
// none), as redis-cli prints it with --raw.
func (r *Redis) Info(t testing.TB, sections ...string) string {
	t.Helper()
	out, err := r.cli("--raw", append([]string{"INFO"}, sections...)...)
	require.NoError(t, err, "redis-cli INFO: %s", out)
	return string(out)
}

// cli runs redis-cli with the reply format flag (--raw or --no-raw) against
// the plain TCP port, authenticated as the default user.
func (r *Redis) cli(format string, args ...string) ([]byte, error) {
	cliArgs := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(r.Port), "--no-auth-warning", format}
	if r.Password != "" {
		cliArgs = append(cliArgs, "-a", r.Password)
	}
	return exec.Command("redis-cli", append(cliArgs, args...)...).CombinedOutput()
}

// waitReplicaInSync waits until this server is a replica whose link to the
// primary is up and whose initial sync finished.
func (r *Redis) waitReplicaInSync() error {
	return r.Process.waitUntil("replica "+r.Addr, 15*time.Second, 50*time.Millisecond, func() error {
		info, _ := r.Do("INFO", "replication")
		if strings.Contains(info, "master_link_status:up") && strings.Contains(info, "master_sync_in_progress:0") {
			return nil
		}
		return fmt.Errorf("not in sync:\n%s", info)
	})
}
