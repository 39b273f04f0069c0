// Command dashboards writes the platform's Grafana dashboards
// (internal/dashboards) as JSON into grafana/dashboards/, where Grafana's file
// provisioning loads them. The output is deterministic: run it after changing
// a dashboard and commit the result (`make dashboards`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moalog/platform-collector/internal/dashboards"
)

func main() {
	out := flag.String("out", "grafana/dashboards", "folder to write the dashboard JSON files into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "dashboards:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	all, err := dashboards.All()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, d := range all {
		b, err := dashboards.Render(d.Dashboard)
		if err != nil {
			return fmt.Errorf("%s: %w", d.File, err)
		}
		if err := os.WriteFile(filepath.Join(out, d.File), b, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", filepath.Join(out, d.File))
	}
	return nil
}
