// Package testenv starts the real servers the tests run against (redis-server,
// mariadbd, Prometheus, JVMs with a Jolokia agent) on loopback, on free ports,
// and stops them when the test ends, also when it fails or the test binary dies.
//
// Every server comes from a Debian package or Maven Central; scripts/install-deps.sh
// installs what a fresh machine lacks. A missing binary fails the test with the
// command that installs it: tests never skip silently.
package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a server started for a test. It is killed at the test's cleanup
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
	nStart int
}

// NewProcess describes a server; Start runs it. Its output goes to a file in
// the test's temporary directory (LogPath, read by Log).
func NewProcess(t testing.TB, name string, path string, args ...string) *Process {
	t.Helper()
	return &Process{
		Name:    name,
		Path:    path,
		Args:    args,
		LogPath: filepath.Join(t.TempDir(), name+".log"),
	}
}

// Start runs the process and registers its cleanup with t.
func (p *Process) Start(t testing.TB) {
	t.Helper()
	if err := p.start(); err != nil {
		t.Fatalf("start %s: %v", p.Name, err)
	}
	t.Cleanup(p.Stop)
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
	p.cmd = cmd
	p.nStart++
	go func() { _ = cmd.Wait() }()
	return nil
}

// Kill sends SIGKILL to the process group and waits until it is gone: the
// "target crashed" case of the fault tests.
func (p *Process) Kill() { p.signal(syscall.SIGKILL) }

// Stop asks the process to exit (SIGTERM), then kills it after 10s.
func (p *Process) Stop() { p.signal(syscall.SIGTERM) }

func (p *Process) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(cmd.Process.Pid, 0) != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// Restart starts a stopped or killed process again with the same arguments.
func (p *Process) Restart(t testing.TB) {
	t.Helper()
	if err := p.start(); err != nil {
		t.Fatalf("restart %s: %v", p.Name, err)
	}
}

// starts counts how often the process was started (Start and Restart).
func (p *Process) starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nStart
}

// Pid is the running process' id (0 when it is not running), for measurements.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Running reports whether the process is alive.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && p.cmd.Process != nil && syscall.Kill(p.cmd.Process.Pid, 0) == nil
}

// Log returns what the process printed so far, for failure messages.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// WaitTCP waits until addr accepts connections, failing the test with the
// process log after timeout.
func (p *Process) WaitTCP(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	if err := WaitTCP(addr, timeout); err != nil {
		t.Fatalf("%s did not listen on %s: %v\n--- %s log ---\n%s", p.Name, addr, err, p.Name, tail(p.Log(), 4000))
	}
}

// WaitTCP waits until addr accepts a TCP (or, with a leading '/', unix) connection.
func WaitTCP(addr string, timeout time.Duration) error {
	network := "tcp"
	if filepath.IsAbs(addr) {
		network = "unix"
	}
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout(network, addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s: %w", timeout, lastErr)
}

// Addr is "127.0.0.1:port".
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// Binary finds a server binary, failing the test with the install command when
// it is missing.
func Binary(t testing.TB, name string, candidates ...string) string {
	t.Helper()
	for _, c := range append([]string{name}, candidates...) {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Fatalf("%s is not installed: run `make test-deps` (scripts/install-deps.sh) first", name)
	return ""
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
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return out.String(), fmt.Errorf("%s %v: %w: %s", name, args, err, tail(out.String(), 2000))
		}
	}
	return out.String(), err
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
