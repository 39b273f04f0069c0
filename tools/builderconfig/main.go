// Command builderconfig writes the full build's ocb manifest: the lean
// builder-config.yaml with an overlay applied, so the components both builds
// share are listed once. The overlay's `dist` keys replace the lean ones; its
// component lists are appended to the lean lists.
//
//	go run ./tools/builderconfig builder-config.yaml builder-config.full-overlay.yaml > manifest.yaml
package main

import (
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: builderconfig <builder-config.yaml> <overlay.yaml>")
		os.Exit(2)
	}
	merged, err := merge(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "builderconfig:", err)
		os.Exit(1)
	}
	if err := yaml.NewEncoder(os.Stdout).Encode(merged); err != nil {
		fmt.Fprintln(os.Stderr, "builderconfig:", err)
		os.Exit(1)
	}
}

func merge(basePath, overlayPath string) (map[string]any, error) {
	base, err := readYAML(basePath)
	if err != nil {
		return nil, err
	}
	overlay, err := readYAML(overlayPath)
	if err != nil {
		return nil, err
	}
	for key, value := range overlay {
		switch v := value.(type) {
		case map[string]any: // dist: replace key by key
			section, _ := base[key].(map[string]any)
			if section == nil {
				section = map[string]any{}
			}
			for k, x := range v {
				section[k] = x
			}
			base[key] = section
		case []any: // receivers, exporters, ...: append
			list, _ := base[key].([]any)
			base[key] = append(list, v...)
		default:
			return nil, fmt.Errorf("%s: key %q must be a map (dist) or a list of components", overlayPath, key)
		}
	}
	return base, nil
}

func readYAML(path string) (map[string]any, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := yaml.Unmarshal(content, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
