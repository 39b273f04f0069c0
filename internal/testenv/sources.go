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

// buildTags are the Makefile's BUILD_TAGS: the files they select are the
// ones the binary holds.
const buildTags = "remove_all_sd,enable_dns_sd"

var newestSources sync.Map // main package dir -> source

// newestSource is the most recently changed of go.mod, go.sum and this
// module's Go and embedded files that the main package in dir is built from
// (test files, tools and test helpers are not). It asks `go list` once per
// test binary and package.
func newestSource(dir string) (source, error) {
	if cached, ok := newestSources.Load(dir); ok {
		return cached.(source), nil
	}
	cmd := exec.Command("go", "list", "-deps", "-tags", buildTags, "-f",
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
