package jolokiareceiver

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/confmap"
)

// Each presets/<name>.yaml is a preset named <name>, in the format of the
// user's `metrics:` list. Adding a preset is adding a file.
//
//go:embed presets/*.yaml
var presetFiles embed.FS

type presetFile struct {
	Metrics []MetricConfig `mapstructure:"metrics"`
}

func loadPreset(name string) ([]MetricConfig, error) {
	data, err := presetFiles.ReadFile("presets/" + name + ".yaml")
	if errors.Is(err, fs.ErrNotExist) || strings.ContainsAny(name, "/\\.") {
		return nil, fmt.Errorf("`presets`: unknown preset %q (known: %s)", name, strings.Join(presetNames(), ", "))
	}
	if err != nil {
		return nil, err
	}
	retrieved, err := confmap.NewRetrievedFromYAML(data)
	if err != nil {
		return nil, fmt.Errorf("preset %q: %w", name, err)
	}
	conf, err := retrieved.AsConf()
	if err != nil {
		return nil, fmt.Errorf("preset %q: %w", name, err)
	}
	var p presetFile
	if err := conf.Unmarshal(&p); err != nil {
		return nil, fmt.Errorf("preset %q: %w", name, err)
	}
	return p.Metrics, nil
}

func presetNames() []string {
	entries, _ := presetFiles.ReadDir("presets")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}
