// Command jmxrules shows, on a live Jolokia agent, which rule of a
// jmx_exporter config matches each MBean value and the sample it gives, the
// way the Jolokia receiver's `jmx_exporter:` block runs them:
//
//	go run ./tools/jmxrules -endpoint http://127.0.0.1:8778/jolokia -rules jmx_exporter.yaml
//
// -username sets basic auth; the password is read from JOLOKIA_PASSWORD.
// For each value it prints the flattened name the rules see, then
// "rules[i]: name{labels} type", "rules[i]: matched, no sample" or "no rule".
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"

	"github.com/moalog/platform-collector/receiver/jolokiareceiver"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8778/jolokia", "Jolokia agent URL")
	rules := flag.String("rules", "", "jmx_exporter config file (YAML)")
	username := flag.String("username", "", "basic auth user (password: $JOLOKIA_PASSWORD)")
	flag.Parse()
	if err := run(*endpoint, *rules, *username); err != nil {
		fmt.Fprintln(os.Stderr, "jmxrules:", err)
		os.Exit(1)
	}
}

func run(endpoint, rulesFile, username string) error {
	if rulesFile == "" {
		return fmt.Errorf("-rules is required: the jmx_exporter config file")
	}
	content, err := os.ReadFile(rulesFile)
	if err != nil {
		return err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(content, &raw); err != nil {
		return fmt.Errorf("%s: %w", rulesFile, err)
	}
	factory := jolokiareceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*jolokiareceiver.Config)
	cfg.Endpoint = endpoint
	cfg.Username = username
	cfg.Password = configopaque.String(os.Getenv("JOLOKIA_PASSWORD"))
	cfg.Presets = nil
	cfg.JMXExporter = &jolokiareceiver.JMXExporterConfig{}
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg.JMXExporter); err != nil {
		return fmt.Errorf("%s: %w", rulesFile, err)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return jolokiareceiver.ExplainJMXExporter(context.Background(), cfg, os.Stdout)
}
