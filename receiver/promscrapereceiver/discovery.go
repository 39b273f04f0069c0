package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"
)

// group is a Prometheus target group: addresses sharing labels.
type group struct {
	Targets []string       `yaml:"targets" json:"targets"`
	Labels  model.LabelSet `yaml:"labels" json:"labels"`
}

// discoverer finds one SD config's target groups; refresh 0 means never again.
type discoverer struct {
	name    string // for errors: "file_sd_configs[0]"
	refresh time.Duration
	find    func(ctx context.Context) ([]group, error)
}

// discoverers lists one discoverer per SD config of sc. Static targets are one
// discoverer that never refreshes. Every mechanism is small and our own:
// Prometheus' discovery packages bring its discovery manager, which wakes
// every 100 ms even with static targets (bench/RESULTS.md).
func discoverers(sc *ScrapeConfig) []discoverer {
	var ds []discoverer
	if len(sc.StaticConfigs) > 0 {
		static := make([]group, len(sc.StaticConfigs))
		for i, s := range sc.StaticConfigs {
			static[i] = group{Targets: s.Targets, Labels: s.Labels}
		}
		ds = append(ds, discoverer{name: "static_configs", find: func(context.Context) ([]group, error) { return static, nil }})
	}
	for i, fc := range sc.FileSDConfigs {
		ds = append(ds, discoverer{name: fmt.Sprintf("file_sd_configs[%d]", i), refresh: time.Duration(fc.RefreshInterval),
			find: func(context.Context) ([]group, error) { return readFileSD(fc.Files) }})
	}
	for i, hc := range sc.HTTPSDConfigs {
		ds = append(ds, discoverer{name: fmt.Sprintf("http_sd_configs[%d]", i), refresh: time.Duration(hc.RefreshInterval),
			find: func(ctx context.Context) ([]group, error) { return fetchHTTPSD(ctx, hc.URL) }})
	}
	for i, dc := range sc.DNSSDConfigs {
		ds = append(ds, discoverer{name: fmt.Sprintf("dns_sd_configs[%d]", i), refresh: time.Duration(dc.RefreshInterval),
			find: func(ctx context.Context) ([]group, error) { return resolveDNSSD(ctx, net.DefaultResolver, dc) }})
	}
	return ds
}

// readFileSD reads every file matching the globs: a list of target groups in
// JSON (.json) or YAML (.yml, .yaml), as Prometheus' file_sd reads them.
func readFileSD(patterns []string) ([]group, error) {
	var groups []group
	for _, pattern := range patterns {
		files, err := filepath.Glob(pattern)
		if err != nil {
			return nil, fmt.Errorf("files %q: %w", pattern, err)
		}
		for _, file := range files {
			fileGroups, err := readTargetFile(file)
			if err != nil {
				return nil, err
			}
			for i := range fileGroups {
				fileGroups[i].Labels = withLabel(fileGroups[i].Labels, "__meta_filepath", file)
			}
			groups = append(groups, fileGroups...)
		}
	}
	return groups, nil
}

func readTargetFile(file string) ([]group, error) {
	content, err := os.ReadFile(file) // #nosec G304 -- a target file the user's file_sd_configs names, as Prometheus reads it
	if err != nil {
		return nil, fmt.Errorf("file_sd: %w", err)
	}
	var groups []group
	switch ext := filepath.Ext(file); ext {
	case ".json":
		err = json.Unmarshal(content, &groups)
	case ".yml", ".yaml":
		err = yaml.UnmarshalStrict(content, &groups)
	default:
		return nil, fmt.Errorf("file_sd: %s: extension %q: name target files *.json, *.yml or *.yaml", file, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("file_sd: %s is not a list of {targets: [...], labels: {...}}: %w", file, err)
	}
	return groups, nil
}

// maxHTTPSDBody bounds an http_sd answer (Prometheus' limit is the same order).
const maxHTTPSDBody = 10 << 20

// fetchHTTPSD GETs url: a JSON list of target groups (Prometheus' http_sd format).
func fetchHTTPSD(ctx context.Context, url string) ([]group, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("http_sd %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("http_sd %s: HTTP status %s: check url", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPSDBody))
	if err != nil {
		return nil, fmt.Errorf("http_sd %s: %w", url, err)
	}
	var groups []group
	if err := json.Unmarshal(body, &groups); err != nil {
		return nil, fmt.Errorf("http_sd %s: the answer is not a JSON list of {targets, labels}: %w", url, err)
	}
	for i := range groups {
		groups[i].Labels = withLabel(groups[i].Labels, "__meta_url", url)
	}
	return groups, nil
}

// resolver is the part of net.Resolver dns_sd uses.
type resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// resolveDNSSD resolves every name: A/AAAA give addresses on the configured
// port, SRV gives each record's target and port. Every target carries
// __meta_dns_name like Prometheus' dns_sd.
func resolveDNSSD(ctx context.Context, r resolver, dc DNSSDConfig) ([]group, error) {
	var groups []group
	for _, name := range dc.Names {
		var targets []string
		switch strings.ToUpper(dc.Type) {
		case "SRV":
			_, records, err := r.LookupSRV(ctx, "", "", name)
			if err != nil {
				return nil, fmt.Errorf("dns_sd SRV %s: %w", name, err)
			}
			for _, rec := range records {
				targets = append(targets, net.JoinHostPort(strings.TrimSuffix(rec.Target, "."), strconv.Itoa(int(rec.Port))))
			}
		default:
			addrs, err := r.LookupHost(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("dns_sd %s %s: %w", dc.Type, name, err)
			}
			for _, addr := range addrs {
				if isIPv6(addr) != (strings.ToUpper(dc.Type) == "AAAA") {
					continue
				}
				targets = append(targets, net.JoinHostPort(addr, strconv.Itoa(dc.Port)))
			}
		}
		groups = append(groups, group{Targets: targets, Labels: model.LabelSet{"__meta_dns_name": model.LabelValue(name)}})
	}
	return groups, nil
}

func isIPv6(addr string) bool { return strings.Contains(addr, ":") }

func withLabel(ls model.LabelSet, name, value string) model.LabelSet {
	out := ls.Clone()
	if out == nil {
		out = model.LabelSet{}
	}
	out[model.LabelName(name)] = model.LabelValue(value)
	return out
}
