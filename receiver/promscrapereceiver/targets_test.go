package promscrapereceiver

import (
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/relabel"
	"github.com/stretchr/testify/assert"
)

func TestTargetsOf(t *testing.T) {
	base := ScrapeConfig{JobName: "apps", ScrapeInterval: model.Duration(15e9), ScrapeTimeout: model.Duration(10e9), MetricsPath: "/metrics", Scheme: "http"}
	withRelabel := base
	withRelabel.Params = map[string][]string{"module": {"http_2xx"}}
	withRelabel.RelabelConfigs = []*relabel.Config{
		// the blackbox-exporter pattern: the address becomes a parameter, the instance keeps it
		{SourceLabels: model.LabelNames{"__address__"}, Regex: relabel.MustNewRegexp("(.*)"), TargetLabel: "__param_target", Replacement: "$1", Action: relabel.Replace},
		{SourceLabels: model.LabelNames{"__param_target"}, Regex: relabel.MustNewRegexp("(.*)"), TargetLabel: "instance", Replacement: "$1", Action: relabel.Replace},
		{Regex: relabel.MustNewRegexp(""), TargetLabel: "__address__", Replacement: "exporter:9115", Action: relabel.Replace},
		{SourceLabels: model.LabelNames{"env"}, Regex: relabel.MustNewRegexp("test"), Action: relabel.Drop},
	}
	for _, tc := range []struct {
		name   string
		sc     ScrapeConfig
		groups []group
		want   []string // url + labels
	}{
		{
			name:   "static targets: instance is the address, group labels kept, duplicates once",
			sc:     base,
			groups: []group{{Targets: []string{"b:8080", "a:8080", "a:8080"}, Labels: model.LabelSet{"env": "prod"}}},
			want: []string{
				`http://a:8080/metrics {env="prod", instance="a:8080", job="apps"}`,
				`http://b:8080/metrics {env="prod", instance="b:8080", job="apps"}`,
			},
		},
		{
			name: "relabel_configs: params from labels, a dropped group",
			sc:   withRelabel,
			groups: []group{
				{Targets: []string{"https://example.org"}, Labels: model.LabelSet{"env": "prod"}},
				{Targets: []string{"https://staging.example.org"}, Labels: model.LabelSet{"env": "test"}},
			},
			want: []string{
				`http://exporter:9115/metrics?module=http_2xx&target=https%3A%2F%2Fexample.org {env="prod", instance="https://example.org", job="apps"}`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.NoError(t, tc.sc.validate()) // sets the relabel rules' name validation
			var got []string
			for _, target := range targetsOf(&tc.sc, tc.groups) {
				got = append(got, target.key())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
