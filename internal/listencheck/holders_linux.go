package listencheck

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// foreignHolders describes who, other than this executable, listens where
// address wants to: from the listening sockets in /proc/net/tcp{,6} to the
// processes whose /proc/PID/fd holds them.
func foreignHolders(address string) (string, bool) {
	wanted, port, err := resolve(address)
	if err != nil {
		return "", false
	}
	inodes := map[uint64]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table) //nolint:gosec // one of the two fixed paths above
		if err != nil {
			continue // no IPv6 in this kernel
		}
		for _, inode := range listeningInodes(f, port, conflictsWith(wanted)) {
			inodes[inode] = true
		}
		_ = f.Close()
	}
	if len(inodes) == 0 {
		// The kernel refused the bind, yet no socket of this network
		// namespace listens there.
		return unseen, true
	}
	holders, owned := socketHolders(inodes)
	return describeForeign(holders, len(inodes)-len(owned), selfExecutable()), true
}

// tcpListen is the state column of a listening socket (include/net/tcp_states.h).
const tcpListen = "0A"

// listeningInodes returns the inodes of the sockets of a /proc/net/tcp or
// tcp6 table that listen on port at an address that conflicts.
func listeningInodes(table io.Reader, port int, conflicts func(net.IP) bool) []uint64 {
	var inodes []uint64
	lines := bufio.NewScanner(table)
	lines.Scan() // the header
	for lines.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		fields := strings.Fields(lines.Text())
		if len(fields) < 10 || fields[3] != tcpListen {
			continue
		}
		ip, p, err := parseLocalAddress(fields[1])
		if err != nil || p != port || !conflicts(ip) {
			continue
		}
		if inode, err := strconv.ParseUint(fields[9], 10, 64); err == nil {
			inodes = append(inodes, inode)
		}
	}
	return inodes
}

// parseLocalAddress reads "0100007F:2382": the address as the kernel prints
// it, 32-bit words in host byte order, then the port in hex.
func parseLocalAddress(field string) (net.IP, int, error) {
	hexIP, hexPort, ok := strings.Cut(field, ":")
	if !ok {
		return nil, 0, fmt.Errorf("no port in %q", field)
	}
	raw, err := hex.DecodeString(hexIP)
	if err != nil || (len(raw) != net.IPv4len && len(raw) != net.IPv6len) {
		return nil, 0, fmt.Errorf("bad address in %q", field)
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 { // each word back to the bytes it was in memory
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("bad port in %q: %w", field, err)
	}
	return ip, int(port), nil
}

// socketHolders finds the processes that hold one of inodes open, by reading
// every /proc/PID/fd this user may read, and which of inodes they hold.
func socketHolders(inodes map[uint64]bool) ([]holder, map[uint64]bool) {
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	owned := map[uint64]bool{}
	var holders []holder
	for _, fd := range fds {
		inode, ok := socketInode(fd)
		if !ok || !inodes[inode] {
			continue
		}
		owned[inode] = true
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(fd))))
		if err != nil || slices.ContainsFunc(holders, func(h holder) bool { return h.pid == pid }) {
			continue // a process holding several of the sockets, or sharing one after fork
		}
		holders = append(holders, holder{pid: pid, exe: executableOf(pid)})
	}
	return holders, owned
}

// socketInode reads the inode of a "socket:[12345]" fd link.
func socketInode(fd string) (uint64, bool) {
	target, err := os.Readlink(fd)
	if err != nil {
		return 0, false
	}
	inode, ok := strings.CutPrefix(target, "socket:[")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(inode, "]"), 10, 64)
	return n, err == nil
}

// executableOf is /proc/PID/exe without the " (deleted)" the kernel appends
// once the file was replaced, as `make build` does to a running ./otelcol.
func executableOf(pid int) string {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(exe, " (deleted)")
}
