//go:build integration && linux

package listencheck

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// A port held by another program fails the check with that program's pid and
// executable. The other program is sleep(1) holding a listening socket this
// test opened and handed over.
func TestCheckFreeNamesAnotherProgram(t *testing.T) {
	address, sleep := listenInOtherProcess(t)
	l := Listener{`exporter "prometheus"`, "exporters::prometheus::endpoint", address}
	executable, err := filepath.EvalSymlinks(sleep.Path) // exec.Command looked it up in PATH
	require.NoError(t, err)
	err = checkFree(l)
	require.Error(t, err)
	assert.Equal(t, `exporter "prometheus" cannot listen on `+address+` (exporters::prometheus::endpoint): `+
		`address already in use by pid `+strconv.Itoa(sleep.Process.Pid)+` (`+executable+`): `+
		`stop that process or change exporters::prometheus::endpoint`, err.Error())
}

// listenInOtherProcess starts sleep(1) with a socket listening on a free
// loopback port as its fd 3, closes this process's copy and returns the address.
func listenInOtherProcess(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	ln, err := net.Listen("tcp", testenv.Addr(testenv.FreePort(t)))
	require.NoError(t, err)
	file, err := ln.(*net.TCPListener).File()
	require.NoError(t, err)
	sleep := exec.Command("sleep", "120")
	sleep.ExtraFiles = []*os.File{file}
	require.NoError(t, sleep.Start())
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })
	require.NoError(t, file.Close())
	require.NoError(t, ln.Close())
	return ln.Addr().String(), sleep
}
