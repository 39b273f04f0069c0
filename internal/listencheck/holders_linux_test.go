package listencheck

import (
	"net"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// /proc/net/tcp and tcp6 as an x86-64 Linux 6 kernel prints them (compare
// `head -1 /proc/net/tcp; grep ' 0A ' /proc/net/tcp`), with addresses, ports
// and inodes chosen for the cases: port 9090 (2382) on 127.0.0.1, 0.0.0.0,
// 127.0.0.2, ::ffff:127.0.0.1 and ::1, one on 9091, one connection (state 01).
const (
	procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 100 0 0 10 0
   1: 00000000:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 100 0 0 10 0
   2: 0200007F:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 103 1 0000000000000000 100 0 0 10 0
   3: 0100007F:2383 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 104 1 0000000000000000 100 0 0 10 0
   4: 0100007F:2382 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 105 1 0000000000000000 20 4 30 10 -1
`
	procNetTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 201 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202 1 0000000000000000 100 0 0 10 0
`
)

func TestListeningInodes(t *testing.T) {
	loopback := []net.IP{net.IPv4(127, 0, 0, 1)}
	for _, tc := range []struct {
		name   string
		table  string
		wanted []net.IP
		want   []uint64
	}{
		{"127.0.0.1:9090: the same address and the wildcard", procNetTCP, loopback, []uint64{101, 102}},
		{":9090: every listener on the port", procNetTCP, nil, []uint64{101, 102, 103}},
		{"0.0.0.0:9090: every listener on the port", procNetTCP, []net.IP{net.IPv4zero}, []uint64{101, 102, 103}},
		{"127.0.0.1:9090 in tcp6: the v4-mapped listener", procNetTCP6, loopback, []uint64{201}},
		{"[::1]:9090 in tcp6", procNetTCP6, []net.IP{net.IPv6loopback}, []uint64{202}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, listeningInodes(strings.NewReader(tc.table), 9090, conflictsWith(tc.wanted)))
		})
	}
}

func TestDescribeForeign(t *testing.T) {
	self := "/usr/local/bin/otelcol"
	for _, tc := range []struct {
		name    string
		holders []holder
		unowned int
		want    string
	}{
		{"only this executable: the collector being reloaded", []holder{{1, self}}, 0, ""},
		{"another program", []holder{{1, self}, {2, "/usr/bin/python3.11"}}, 0, "pid 2 (/usr/bin/python3.11)"},
		{"an executable this user cannot read", []holder{{3, ""}}, 0, "pid 3"},
		{"a socket without a visible process", nil, 1, unseen},
		{"both", []holder{{2, "/usr/bin/nc"}}, 1, "pid 2 (/usr/bin/nc), " + unseen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, describeForeign(tc.holders, tc.unowned, self))
		})
	}
}

// The lookup on the live /proc: a socket of this test process is found with
// its pid and executable, and a port held by this executable only is free to
// reuse.
func TestSocketHoldersOfThisProcess(t *testing.T) {
	ln, err := net.Listen("tcp", testenv.Addr(testenv.FreePort(t)))
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	tables, err := os.Open("/proc/net/tcp")
	require.NoError(t, err)
	defer tables.Close()
	inodes := listeningInodes(tables, port, conflictsWith(nil))
	require.Len(t, inodes, 1)
	holders, owned := socketHolders(map[uint64]bool{inodes[0]: true})
	assert.Equal(t, []holder{{os.Getpid(), selfExecutable()}}, holders)
	assert.Equal(t, map[uint64]bool{inodes[0]: true}, owned)

	l := Listener{`exporter "prometheus"`, "exporters::prometheus::endpoint", ln.Addr().String()}
	assert.NoError(t, checkFree(l))
}
