//go:build !linux

package testenv

import (
	"os/exec"
	"syscall"
)

// StartChild starts cmd in its own process group. Only Linux has a
// parent-death signal: elsewhere the test's cleanup stops the server, and a
// test binary killed before its cleanup leaves the server running.
func StartChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}
