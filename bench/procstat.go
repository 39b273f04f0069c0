// Package bench measures the collector against the separate exporters it
// replaces: resident memory and CPU time read from /proc, bytes served read
// from the scrapes, rendered as the Markdown table of bench/RESULTS.md.
//
// The driver is TestCompare (compare_test.go, build tag benchcompare), run by
// `make bench-compare`; this file holds what it measures with, unit-tested in
// the ordinary `go test ./...`.
package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat. It is
// 100 on every Linux architecture Go supports (sysconf(_SC_CLK_TCK) needs cgo).
const ClockTicks = 100

// ProcSample is one reading of /proc/<pid>/status and /proc/<pid>/stat.
type ProcSample struct {
	RSS int64 // VmRSS, bytes
	HWM int64 // VmHWM (peak RSS since start), bytes
	// Anon is RssAnon (heap, stacks: memory only this process holds); the
	// rest of RSS is RssFile, the pages of the binary it touched (clean,
	// reclaimable page cache, shared with other processes of the same binary).
	Anon     int64
	CPUTicks uint64
}

// CPUSeconds is utime+stime in seconds.
func (s ProcSample) CPUSeconds() float64 { return float64(s.CPUTicks) / ClockTicks }

// ReadProc reads the memory and CPU counters of pid.
func ReadProc(pid int) (ProcSample, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcSample{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcSample{}, err
	}
	var s ProcSample
	if s.RSS, s.HWM, s.Anon, err = ParseStatus(status); err != nil {
		return ProcSample{}, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	if s.CPUTicks, err = ParseStat(stat); err != nil {
		return ProcSample{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return s, nil
}

// ParseStatus returns VmRSS, VmHWM and RssAnon of a /proc/<pid>/status text, in bytes.
func ParseStatus(b []byte) (rss, hwm, anon int64, err error) {
	found := 0
	for _, line := range bytes.Split(b, []byte("\n")) {
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &hwm
		case "RssAnon":
			dst = &anon
		default:
			continue
		}
		fields := strings.Fields(string(rest))
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, 0, 0, fmt.Errorf("unexpected %s line %q", name, line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		*dst = kb * 1024
		found++
	}
	if found != 3 {
		return 0, 0, 0, errors.New("VmRSS, VmHWM or RssAnon missing (kernel thread or zombie?)")
	}
	return rss, hwm, anon, nil
}

// ParseStat returns utime+stime (clock ticks) of a /proc/<pid>/stat line. The
// command name (field 2) may hold spaces and parentheses, so fields are counted
// from the last ')'.
func ParseStat(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("no ')' in stat line")
	}
	// After ')': state(3) ppid(4) ... utime(14) stime(15).
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("stat line has %d fields after the command", len(fields))
	}
	utime, err := strconv.ParseUint(fields[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("utime: %w", err)
	}
	stime, err := strconv.ParseUint(fields[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stime: %w", err)
	}
	return utime + stime, nil
}

// Median of xs (0 when empty); xs is not modified.
func Median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]int64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
