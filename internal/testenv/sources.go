package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// source is a file a binary is built from and when it last changed.
type source struct {
	path    string
	modTime time.Time
}

var newestSources sync.Map // main package dir -> source

// newestSource is the most recently changed of go.mod, go.sum and this
// module's Go and embedded files that the main package in dir is built from
// (test files, tools and test helpers are not). The Makefile's BUILD_TAGS
// select files of dependencies only, which are not listed, so no -tags. It
// asks `go list` once per test binary and package.
func newestSource(dir string) (source, error) {
	if cached, ok := newestSources.Load(dir); ok {
		return cached.(source), nil
	}
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}{{end}}`, ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return source{}, fmt.Errorf("list the sources of %s: %w", dir, err)
	}
	root := RepoRoot()
	files := append(strings.Fields(string(out)), filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	var newest source
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return source{}, err
		}
		if info.ModTime().After(newest.modTime) {
			newest = source{path: f, modTime: info.ModTime()}
		}
	}
	newestSources.Store(dir, newest)
	return newest, nil
}
