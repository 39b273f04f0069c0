package testenv

import (
	"os/exec"
	"runtime"
	"syscall"
)

// StartChild starts cmd in its own process group (so a stop reaches the
// server's own children too), and has the kernel kill it when the test binary
// dies (parent-death signal): a test killed by its timeout leaves no server behind.
func StartChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	// Pdeathsig is bound to the OS thread that forks, not to the process: keep
	// that thread alive while forking, or the child dies with a parked thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Start()
}
