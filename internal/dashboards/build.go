// Package dashboards defines the platform's four Grafana dashboards as code
// (grafana-foundation-sdk) and renders them to the JSON files Grafana
// provisions from grafana/dashboards/. `go run ./tools/dashboards` writes them.
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// DatasourceUID is the uid of the Prometheus datasource provisioned from
// grafana/provisioning/datasources/.
const DatasourceUID = "prometheus"

// Tag is on every dashboard; the dashboards link to each other through it.
const Tag = "moalog-platform"

// Dashboard is one generated file.
type Dashboard struct {
	File      string // name in grafana/dashboards/
	Dashboard dashboard.Dashboard
}

// All builds the four dashboards.
func All() ([]Dashboard, error) {
	defs := []struct {
		file  string
		build func() *dashboard.DashboardBuilder
	}{
		{"system-overview.json", systemOverview},
		{"moalog-server.json", moalogServer},
		{"jvm-services.json", jvmServices},
		{"infrastructure.json", infrastructure},
	}
	var out []Dashboard
	for _, d := range defs {
		built, err := d.build().Build()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.file, err)
		}
		numberPanels(&built)
		out = append(out, Dashboard{File: d.file, Dashboard: built})
	}
	return out, nil
}

// numberPanels gives every panel and row a unique id, in layout order.
func numberPanels(d *dashboard.Dashboard) {
	id := uint32(0)
	for _, p := range d.Panels {
		id++
		switch {
		case p.Panel != nil:
			p.Panel.Id = ptr(id)
		case p.RowPanel != nil:
			p.RowPanel.Id = id
			for i := range p.RowPanel.Panels {
				id++
				p.RowPanel.Panels[i].Id = ptr(id)
			}
		}
	}
}

// Render returns a dashboard's JSON as committed: two-space indent, trailing newline.
func Render(d dashboard.Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---- shared pieces ----

func ptr[T any](v T) *T { return &v }

var datasource = common.DataSourceRef{Type: ptr("prometheus"), Uid: ptr(DatasourceUID)}

func newDashboard(uid, title, description string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{Tag}).
		Readonly().
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Link(dashboard.NewDashboardLinkBuilder("Platform dashboards").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{Tag}).
			AsDropdown(false).
			IncludeVars(false).
			KeepTime(true))
}

// query is one PromQL target with its legend.
type query struct{ expr, legend string }

func q(expr, legend string) query { return query{expr, legend} }

func targets(qs []query) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], 0, len(qs))
	for i, x := range qs {
		out = append(out, prometheus.NewDataqueryBuilder().
			Datasource(datasource).
			RefId(string(rune('A'+i))).
			Expr(x.expr).
			LegendFormat(x.legend).
			Range())
	}
	return out
}

func legend() *common.VizLegendOptionsBuilder {
	return common.NewVizLegendOptionsBuilder().
		DisplayMode(common.LegendDisplayModeTable).
		Placement(common.LegendPlacementBottom).
		ShowLegend(true).
		Calcs([]string{"mean", "max", "lastNotNull"})
}

// panelBuilder is what the time series and stat panel builders share.
type panelBuilder[P any] interface {
	Title(title string) P
	Datasource(datasource common.DataSourceRef) P
	Targets(targets []cog.Builder[variants.Dataquery]) P
	Unit(unit string) P
	Span(w uint32) P
	Height(h uint32) P
}

// panel sets what every panel has: its title, the queries on the Prometheus
// datasource, the unit, w of 24 columns wide and h rows high.
func panel[P panelBuilder[P]](b P, title, unit string, w, h uint32, qs []query) P {
	return b.Title(title).Datasource(datasource).Targets(targets(qs)).Unit(unit).Span(w).Height(h)
}

// ts is a time series panel, 8 rows high.
func ts(title, unit string, w uint32, qs ...query) *timeseries.PanelBuilder {
	return panel(timeseries.NewPanelBuilder(), title, unit, w, 8, qs).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(legend()).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
}

// st is a stat panel showing the last value of each series, 4 rows high.
func st(title, unit string, w uint32, qs ...query) *stat.PanelBuilder {
	return panel(stat.NewPanelBuilder(), title, unit, w, 4, qs).
		GraphMode(common.BigValueGraphModeArea).
		TextMode(common.BigValueTextModeValueAndName).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
}

func thresholds(steps ...dashboard.Threshold) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

func step(value *float64, color string) dashboard.Threshold {
	return dashboard.Threshold{Value: value, Color: color}
}

// upDown is a stat panel of 1/0 availability series shown as UP/DOWN.
func upDown(title string, w uint32, qs ...query) *stat.PanelBuilder {
	return st(title, "none", w, qs...).
		GraphMode(common.BigValueGraphModeNone).
		ColorMode(common.BigValueColorModeBackground).
		Mappings([]dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
			Type: dashboard.MappingTypeValueToText,
			Options: map[string]dashboard.ValueMappingResult{
				"0": {Text: ptr("DOWN"), Color: ptr("red"), Index: ptr(int32(0))},
				"1": {Text: ptr("UP"), Color: ptr("green"), Index: ptr(int32(1))},
			},
		}}}).
		Thresholds(thresholds(step(nil, "red"), step(ptr(1.0), "green")))
}

// percentThresholds colors a 0..1 ratio green, orange from warn, red from crit.
func percentThresholds(warn, crit float64) *dashboard.ThresholdsConfigBuilder {
	return thresholds(step(nil, "green"), step(ptr(warn), "orange"), step(ptr(crit), "red"))
}

func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }

// variable is a query variable over label_values(selector, label). "All"
// selects every value the query returned (Grafana joins them into a regex),
// so e.g. the moalog-server dashboard's `up` panel never shows other jobs.
func variable(name, label, selector, labelName string) *dashboard.QueryVariableBuilder {
	query := fmt.Sprintf("label_values(%s, %s)", selector, labelName)
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(datasource).
		Query(dashboard.StringOrMap{String: ptr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		Current(dashboard.VariableOption{
			Selected: ptr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}

// sel joins label matchers into a selector body: sel(`job=~"$job"`, `x="y"`).
func sel(matchers ...string) string { return strings.Join(matchers, ",") }
