// Package testenv starts the real servers the tests run against (redis-server,
// mariadbd, Prometheus, JVMs with a Jolokia agent, the collector itself) on
// loopback, on free ports, and stops them when the test ends, also when it
// fails or the test binary dies.
//
// The starters a program needs come twice: NewX(owner, opts) (*X, error) for
// programs (tools/demo passes an *Env) and StartX(t, opts) *X, which fails the
// test on the error; those only tests use come as StartX alone. The owner's
// Cleanup stops what the starter started.
//
// Every server comes from a Debian package or Maven Central; scripts/install-deps.sh
// installs what a fresh machine lacks. A missing binary fails the test with the
// command that installs it: tests never skip silently.
package testenv

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Process is a server started for a test. It is killed at its owner's cleanup
// and, on Linux, when the test binary itself dies (StartChild).
type Process struct {
	Name    string
	Path    string
	Args    []string
	Dir     string
	Env     []string
	LogPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// NewProcess describes a server; Start runs it. Its output goes to a file in
// a temporary directory of its own (LogPath, read by Log).
func NewProcess(t testing.TB, name string, path string, args ...string) *Process {
	t.Helper()
	v, err := newProcess(t, name, path, args...)
	require.NoError(t, err)
	return v
}

func newProcess(owner Owner, name string, path string, args ...string) (*Process, error) {
	dir, err := tempDir(owner, name)
	if err != nil {
		return nil, err
	}
	return &Process{Name: name, Path: path, Args: args, LogPath: filepath.Join(dir, name+".log")}, nil
}

// Start runs the process and registers its stop with t.
func (p *Process) Start(t testing.TB) {
	t.Helper()
	require.NoError(t, p.launch(t))
}

// launch runs the process and registers its stop with owner.
func (p *Process) launch(owner Owner) error {
	if err := p.start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	owner.Cleanup(p.Stop)
	return nil
}

func (p *Process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	logFile, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	err = StartChild(cmd)
	logFile.Close()
	if err != nil {
		return err
	}
	exited := make(chan struct{})
	p.cmd, p.exited = cmd, exited
	go func() { _ = cmd.Wait(); close(exited) }()
	return nil
}

// Kill sends SIGKILL to the process group and waits until it is gone: the
// "target crashed" case of the fault tests.
func (p *Process) Kill() { p.stop(syscall.SIGKILL) }

// Stop asks the process to exit (SIGTERM), then kills it after 15s.
func (p *Process) Stop() { p.stop(syscall.SIGTERM) }

func (p *Process) stop(sig syscall.Signal) {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// Signal sends sig to the process alone (SIGHUP: reload the config).
func (p *Process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return fmt.Errorf("%s is not running", p.Name)
	}
	return p.cmd.Process.Signal(sig)
}

// Restart starts a stopped or killed process again with the same arguments.
func (p *Process) Restart(t testing.TB) {
	t.Helper()
	require.NoError(t, p.start(), "restart %s", p.Name)
}

// Pid is the running process' id (0 when it is not running), for measurements.
func (p *Process) Pid() int {
	if cmd, _ := p.state(); cmd != nil {
		return cmd.Process.Pid
	}
	return 0
}

// Running reports whether the process is alive.
func (p *Process) Running() bool {
	cmd, exited := p.state()
	return cmd != nil && !exited
}

// ExitCode is the exit code of a process that exited by itself (not through
// Stop or Kill), -1 while it runs.
func (p *Process) ExitCode() int {
	if cmd, exited := p.state(); exited {
		return cmd.ProcessState.ExitCode()
	}
	return -1
}

// state is the started command (nil once stopped or killed) and whether it exited.
func (p *Process) state() (*exec.Cmd, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.exited:
		return p.cmd, p.cmd != nil
	default:
		return p.cmd, false
	}
}

// Log returns what the process printed so far, for failure messages.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// failure is err with the end of the process' log, for a start that failed.
func (p *Process) failure(format string, args ...any) error {
	return fmt.Errorf("%s: %s\n--- %s log ---\n%s", p.Name, fmt.Sprintf(format, args...), p.Name, Tail(p.Log(), 4000))
}

// WaitTCP waits until addr accepts connections, failing the test with the
// process log after timeout or when the process exits.
func (p *Process) WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	require.NoError(t, p.waitTCP(addr, timeout))
}

func (p *Process) waitTCP(addr string, timeout time.Duration) error {
	return p.waitUntil("did not listen on "+addr, timeout, 50*time.Millisecond, func() error { return dial(addr) })
}

// WaitHTTP waits until url answers 200, failing the test with the process
// log after timeout or when the process exits.
func (p *Process) WaitHTTP(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	require.NoError(t, p.waitHTTP(url, timeout))
}

func (p *Process) waitHTTP(url string, timeout time.Duration) error {
	return p.waitUntil(url+" did not answer 200", timeout, 100*time.Millisecond, func() error {
		status, body, err := httpGet(url)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("HTTP %d: %s", status, Tail(body, 200))
		}
		return err
	})
}

// waitUntil calls ready every interval until it returns nil. It fails with
// the end of the process log after timeout, or at once when the process
// exits: every starter waits for its server with it.
func (p *Process) waitUntil(what string, timeout, interval time.Duration, ready func() error) error {
	err := Poll(timeout, interval, func() error {
		if !p.Running() {
			return giveUp(errors.New("the process exited"))
		}
		return ready()
	})
	if err != nil {
		return p.failure("%s: %v", what, err)
	}
	return nil
}

// WaitTCP waits until addr accepts a TCP (or, with a leading '/', unix) connection.
func WaitTCP(addr string, timeout time.Duration) error {
	return Poll(timeout, 50*time.Millisecond, func() error { return dial(addr) })
}

func dial(addr string) error {
	network := "tcp"
	if filepath.IsAbs(addr) {
		network = "unix"
	}
	conn, err := net.DialTimeout(network, addr, 200*time.Millisecond)
	if err == nil {
		conn.Close()
	}
	return err
}

// Addr is "127.0.0.1:port".
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// Binary finds a server binary, failing the test with the install command when
// it is missing.
func Binary(t testing.TB, name string, candidates ...string) string {
	t.Helper()
	v, err := lookBinary(name, candidates...)
	require.NoError(t, err)
	return v
}

func lookBinary(name string, candidates ...string) (string, error) {
	for _, c := range append([]string{name}, candidates...) {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed: run `make test-deps` (scripts/install-deps.sh) first", name)
}

// ProcStatusBytes reads a size in kB from /proc/<pid>/status (VmRSS: the
// resident set; VmHWM: its high-water mark) and returns it in bytes.
func ProcStatusBytes(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if value, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.Fields(value)[0], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// RepoRoot is the folder holding go.mod.
func RepoRoot() string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// CacheDir is the ignored folder for downloaded jars and compiled test programs.
func CacheDir() string { return filepath.Join(RepoRoot(), ".cache") }

// Run runs a short command (setup steps) and returns its combined output.
func Run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if exitErr := (*exec.ExitError)(nil); errors.As(err, &exitErr) {
		return string(out), fmt.Errorf("%s %v: %w: %s", name, args, err, Tail(string(out), 2000))
	}
	return string(out), err
}

// Tail is the last n bytes of s, for failure messages.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
