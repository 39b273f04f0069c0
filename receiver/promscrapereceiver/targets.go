package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"net/url"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/relabel"
)

// target is one endpoint to scrape and the labels its series get.
type target struct {
	url    string
	labels labels.Labels // job, instance and the other labels left after relabelling; no "__" labels
}

// key identifies a target across discovery refreshes.
func (t target) key() string { return t.url + " " + t.labels.String() }

// targetsOf turns discovered groups into targets as Prometheus does
// (scrape.PopulateLabels): group labels under target labels, the job's
// settings as __scheme__, __metrics_path__, __param_*; relabel_configs; then
// instance defaults to __address__ and every "__" label is dropped.
func targetsOf(sc *ScrapeConfig, groups []group) []target {
	seen := map[string]bool{}
	var out []target
	for _, g := range groups {
		for _, address := range g.Targets {
			t, ok := populate(sc, g.Labels, address)
			if ok && !seen[t.key()] {
				seen[t.key()] = true
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func populate(sc *ScrapeConfig, groupLabels model.LabelSet, address string) (target, bool) {
	b := labels.NewBuilder(labels.EmptyLabels())
	for name, value := range groupLabels {
		b.Set(string(name), string(value))
	}
	b.Set(model.AddressLabel, address)
	b.Set(model.JobLabel, sc.JobName)
	b.Set(model.SchemeLabel, sc.Scheme)
	b.Set(model.MetricsPathLabel, sc.MetricsPath)
	b.Set(model.ScrapeIntervalLabel, sc.ScrapeInterval.String())
	b.Set(model.ScrapeTimeoutLabel, sc.ScrapeTimeout.String())
	for name, values := range sc.Params {
		if len(values) > 0 {
			b.Set(model.ParamLabelPrefix+name, values[0])
		}
	}
	if !relabel.ProcessBuilder(b, sc.RelabelConfigs...) {
		return target{}, false
	}
	address = b.Get(model.AddressLabel)
	if address == "" {
		return target{}, false
	}
	if b.Get(model.InstanceLabel) == "" {
		b.Set(model.InstanceLabel, address)
	}
	query := url.Values{}
	for name, values := range sc.Params {
		query[name] = values
	}
	var internal []string
	b.Range(func(l labels.Label) {
		if strings.HasPrefix(l.Name, model.ParamLabelPrefix) {
			query[strings.TrimPrefix(l.Name, model.ParamLabelPrefix)] = []string{l.Value}
		}
		if strings.HasPrefix(l.Name, model.ReservedLabelPrefix) {
			internal = append(internal, l.Name)
		}
	})
	u := url.URL{Scheme: b.Get(model.SchemeLabel), Host: address, Path: b.Get(model.MetricsPathLabel), RawQuery: query.Encode()}
	for _, name := range internal {
		b.Del(name)
	}
	return target{url: u.String(), labels: b.Labels()}, true
}
