package listencheck

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// holder is a process with a socket listening on a port we want.
type holder struct {
	pid int
	exe string // "" when this user cannot read /proc/PID/exe
}

func (h holder) String() string {
	if h.exe == "" {
		return fmt.Sprintf("pid %d", h.pid)
	}
	return fmt.Sprintf("pid %d (%s)", h.pid, h.exe)
}

// unseen stands for a listening socket whose process this user cannot see
// (another user's process without root, or another PID namespace).
const unseen = "a process this user cannot see"

// describeForeign lists the holders whose executable is not self (this
// process's), and unseen when some sockets have no visible holder; "" when
// self holds every socket.
func describeForeign(holders []holder, unownedSockets int, self string) string {
	var foreign []string
	for _, h := range holders {
		if h.exe != self || self == "" {
			foreign = append(foreign, h.String())
		}
	}
	if unownedSockets > 0 {
		foreign = append(foreign, unseen)
	}
	return strings.Join(foreign, ", ")
}

// selfExecutable is this process's executable as /proc/PID/exe shows it.
func selfExecutable() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		return resolved
	}
	return exe
}

// conflictsWith reports whether a listener bound to ip keeps a bind to one of
// wanted from succeeding: the same address, or either side a wildcard.
func conflictsWith(wanted []net.IP) func(net.IP) bool {
	return func(ip net.IP) bool {
		if ip.IsUnspecified() || len(wanted) == 0 {
			return true
		}
		for _, w := range wanted {
			if w.IsUnspecified() || w.Equal(ip) {
				return true
			}
		}
		return false
	}
}
