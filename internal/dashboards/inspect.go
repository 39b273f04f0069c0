package dashboards

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/prometheus/prometheus/promql/parser"
)

var registerOnce sync.Once

// Load reads a dashboard JSON file the strict way (unknown or mistyped fields
// are errors, at any depth) and runs the SDK's Validate.
//
// SDK v0.0.22 quirk: the strict unmarshalers of its union types
// (PanelOrRowPanel, the value-mapping union) return a nested typed-nil
// cog.BuildErrors as a non-nil error and so leave the decoded panel out, while
// the error list they report stays correct. Load therefore checks the whole
// document strictly, then decodes each panel again through Panel/RowPanel's
// own strict unmarshalers so the returned dashboard holds its panels.
func Load(raw []byte) (dashboard.Dashboard, error) {
	registerOnce.Do(plugins.RegisterDefaultPlugins)
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); isError(err) {
		return d, fmt.Errorf("strict unmarshal: %w", err)
	}
	panels, err := rawArray(raw, "panels")
	if err != nil {
		return d, err
	}
	d.Panels = nil
	for i, rp := range panels {
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(rp, &kind); err != nil {
			return d, err
		}
		if kind.Type == "row" {
			row := &dashboard.RowPanel{}
			if err := row.UnmarshalJSONStrict(rp); isError(err) {
				return d, fmt.Errorf("panels[%d]: %w", i, err)
			}
			nested, err := rawArray(rp, "panels")
			if err != nil {
				return d, err
			}
			row.Panels = nil
			for j, np := range nested {
				panel, err := loadPanel(np)
				if err != nil {
					return d, fmt.Errorf("panels[%d].panels[%d]: %w", i, j, err)
				}
				row.Panels = append(row.Panels, *panel)
			}
			d.Panels = append(d.Panels, dashboard.PanelOrRowPanel{RowPanel: row})
			continue
		}
		panel, err := loadPanel(rp)
		if err != nil {
			return d, fmt.Errorf("panels[%d]: %w", i, err)
		}
		d.Panels = append(d.Panels, dashboard.PanelOrRowPanel{Panel: panel})
	}
	if err := d.Validate(); isError(err) {
		return d, fmt.Errorf("validate: %w", err)
	}
	return d, nil
}

// loadPanel decodes one panel strictly, its Prometheus targets included (the
// SDK's generic target path drops them on the same typed-nil quirk).
func loadPanel(raw []byte) (*dashboard.Panel, error) {
	panel := &dashboard.Panel{}
	if err := panel.UnmarshalJSONStrict(raw); isError(err) {
		return nil, err
	}
	targets, err := rawArray(raw, "targets")
	if err != nil {
		return nil, err
	}
	panel.Targets = nil
	for i, rt := range targets {
		q := &prometheus.Dataquery{}
		if err := q.UnmarshalJSONStrict(rt); isError(err) {
			return nil, fmt.Errorf("targets[%d]: %w", i, err)
		}
		panel.Targets = append(panel.Targets, q)
	}
	return panel, nil
}

// rawArray returns the elements of the JSON array under key in the object
// raw: none when the key is missing or null. It runs after the strict
// unmarshal, which rejects any key not spelled exactly as the schema's.
func rawArray(raw []byte, key string) ([]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	var elems []json.RawMessage
	if value, ok := fields[key]; ok {
		if err := json.Unmarshal(value, &elems); err != nil {
			return nil, err
		}
	}
	return elems, nil
}

// isError reports whether err holds an error. The SDK returns its
// cog.BuildErrors slice through the error interface, so an empty or nil slice
// arrives as a non-nil interface holding a typed nil.
func isError(err error) bool {
	if err == nil {
		return false
	}
	v := reflect.ValueOf(err)
	switch v.Kind() {
	case reflect.Slice, reflect.Pointer, reflect.Map, reflect.Interface:
		if v.IsNil() {
			return false
		}
	}
	if v.Kind() == reflect.Slice && v.Len() == 0 {
		return false
	}
	return true
}

// PanelQueries is one panel's PromQL expressions, as written in the dashboard.
type PanelQueries struct {
	Title string
	Exprs []string
}

// Queries returns every data panel (rows' nested panels included) with its expressions.
func Queries(d dashboard.Dashboard) ([]PanelQueries, error) {
	var out []PanelQueries
	add := func(p dashboard.Panel) error {
		title := ""
		if p.Title != nil {
			title = *p.Title
		}
		pq := PanelQueries{Title: title}
		for i, t := range p.Targets {
			pt, ok := t.(*prometheus.Dataquery)
			if !ok {
				return fmt.Errorf("panel %q target %d: %T is not a Prometheus query", title, i, t)
			}
			if pt.Expr == "" {
				return fmt.Errorf("panel %q target %d: empty expr", title, i)
			}
			pq.Exprs = append(pq.Exprs, pt.Expr)
		}
		out = append(out, pq)
		return nil
	}
	for _, p := range d.Panels {
		switch {
		case p.Panel != nil:
			if err := add(*p.Panel); err != nil {
				return nil, err
			}
		case p.RowPanel != nil:
			for _, rp := range p.RowPanel.Panels {
				if err := add(rp); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

var labelValuesRe = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// VariableQuery is a template variable's label_values(selector, label).
type VariableQuery struct {
	Name, Selector, Label string
}

// Variables returns every query variable's selector and label.
func Variables(d dashboard.Dashboard) ([]VariableQuery, error) {
	var out []VariableQuery
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		if v.Query == nil || v.Query.String == nil {
			return nil, fmt.Errorf("variable %s: query is not a string", v.Name)
		}
		m := labelValuesRe.FindStringSubmatch(*v.Query.String)
		if m == nil {
			return nil, fmt.Errorf("variable %s: %q is not label_values(selector, label)", v.Name, *v.Query.String)
		}
		out = append(out, VariableQuery{Name: v.Name, Selector: m[1], Label: m[2]})
	}
	return out, nil
}

var variableRe = regexp.MustCompile(`\$(__rate_interval|__range|__interval|[a-zA-Z_][a-zA-Z0-9_]*)`)

// Substitute replaces Grafana's variables with values that keep the PromQL
// valid and match everything: $__rate_interval and $__interval -> 1m,
// $__range -> 5m, any template variable -> .* (the dashboards use them only
// in =~ matchers).
func Substitute(expr string) string {
	return variableRe.ReplaceAllStringFunc(expr, func(v string) string {
		switch v {
		case "$__rate_interval", "$__interval":
			return "1m"
		case "$__range":
			return "5m"
		}
		return ".*"
	})
}

// MetricNames parses expr (after Substitute) with Prometheus' PromQL parser
// and returns the metric names its selectors read, in order, without repeats.
func MetricNames(expr string) ([]string, error) {
	node, err := parser.NewParser(parser.Options{}).ParseExpr(Substitute(expr))
	if err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			name := vs.Name
			if name == "" {
				for _, m := range vs.LabelMatchers {
					if m.Name == "__name__" {
						name = m.Value
					}
				}
			}
			if name != "" && !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
		return nil
	})
	return names, nil
}
