package jolokiareceiver

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// plan is compiled once from the configuration: the bulk request body sent to
// every target, and for response entry i, what to take out of it.
type plan struct {
	requests []planRequest
	metrics  []metricInfo
	// jmx is the jmx_exporter block's engine (jmxread.go), nil without one.
	jmx *jmxEngine
	// body and slots are the bulk read with every MBean in one entry.
	body  []byte
	slots []slot
}

// slot is one entry of a bulk read: the attributes of one planRequest, all
// of them or (once split) one.
type slot struct {
	req   int
	attrs []string
}

// planRequest is one entry of the bulk read: one MBean (or pattern) with
// every attribute that any metric needs from it.
type planRequest struct {
	mbean      string
	name       objectName
	pattern    bool
	attributes []string
	extracts   []extract
}

type metricInfo struct {
	name, unit, description, typ string
}

// extract turns one attribute value of one MBean into data points.
type extract struct {
	metric       int
	attribute    string
	path         []string
	scale        float64
	keyLabels    []keyLabel
	staticLabels []keyLabel
	pathLabels   []string
	attrLabels   []attrLabel
	minus        string
	dropNegative bool
}

type keyLabel struct {
	label, key string
	re         *regexp.Regexp // label_regex: keep its capture group
}

type attrLabel struct {
	label     string
	attribute string
	mapping   map[string]string
}

type readRequest struct {
	Type      string         `json:"type"`
	MBean     string         `json:"mbean"`
	Attribute []string       `json:"attribute"`
	Config    map[string]any `json:"config,omitempty"`
	// Target is set in proxy mode: the agent forwards the read to it.
	Target *requestTarget `json:"target,omitempty"`
}

// compilePlan validates the definitions together and builds the plan.
// Definitions reading the same MBean (whatever the key order) share one entry.
func compilePlan(defs []metricDef) (*plan, error) {
	p := &plan{}
	var errs []string
	byMBean := map[string]int{}
	byMetric := map[string]int{}
	for _, d := range defs {
		if err := d.validate(); err != nil {
			errs = append(errs, fmt.Sprintf("%s (%s): %v", d.origin, d.Name, err))
			continue
		}
		mi, ok := byMetric[d.Name]
		if !ok {
			mi = len(p.metrics)
			byMetric[d.Name] = mi
			p.metrics = append(p.metrics, metricInfo{name: d.Name, unit: d.Unit, description: d.Description, typ: d.metricType()})
		} else {
			m := &p.metrics[mi]
			if m.typ != d.metricType() || m.unit != d.Unit {
				errs = append(errs, fmt.Sprintf("%s: metric %q is defined twice with different `type`/`unit` (%s %q and %s %q): give one of them another `name`",
					d.origin, d.Name, m.typ, m.unit, d.metricType(), d.Unit))
				continue
			}
			if m.description == "" {
				m.description = d.Description
			}
		}
		on, _ := parseObjectName(d.MBean)
		key := on.Canonical()
		ri, ok := byMBean[key]
		if !ok {
			ri = len(p.requests)
			byMBean[key] = ri
			p.requests = append(p.requests, planRequest{mbean: key, name: on, pattern: on.IsPattern()})
		}
		r := &p.requests[ri]
		x := extract{
			metric:       mi,
			attribute:    d.Attribute,
			path:         splitPath(d.Path),
			scale:        d.scale(),
			pathLabels:   d.PathLabels,
			minus:        d.MinusAttribute,
			dropNegative: d.DropNegative,
		}
		r.addAttribute(d.Attribute)
		for _, label := range sortedKeys(d.Labels) {
			kl := keyLabel{label: label, key: d.Labels[label]}
			if expr, ok := d.LabelRegex[label]; ok {
				kl.re = regexp.MustCompile(expr) // validated
			}
			x.keyLabels = append(x.keyLabels, kl)
		}
		for _, label := range sortedKeys(d.StaticLabels) {
			x.staticLabels = append(x.staticLabels, keyLabel{label: label, key: d.StaticLabels[label]})
		}
		for _, label := range sortedKeys(d.LabelsFromAttributes) {
			from := d.LabelsFromAttributes[label]
			x.attrLabels = append(x.attrLabels, attrLabel{label: label, attribute: from.Attribute, mapping: from.Map})
		}
		r.extracts = append(r.extracts, x)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid metric definitions:\n  %s", strings.Join(errs, "\n  "))
	}
	// The attributes that only label or adjust a value come after the values.
	for i := range p.requests {
		r := &p.requests[i]
		for _, x := range r.extracts {
			if x.minus != "" {
				r.addAttribute(x.minus)
			}
			for _, l := range x.attrLabels {
				r.addAttribute(l.attribute)
			}
		}
	}
	p.body, p.slots = p.layout(nil)
	return p, nil
}

// layout builds the bulk read. split[i] sends request i as one entry per
// attribute: on Jolokia 2.x one NaN or infinite double fails the whole entry
// (even with ignoreErrors), so a target whose merged entry failed that way
// reads that MBean attribute by attribute from the next scrape on.
func (p *plan) layout(split []bool) ([]byte, []slot) { return p.layoutFor(split, nil) }

// layoutFor is layout with target (proxy mode) added to every entry, and the
// two sentinel reads of checkProxied at the end.
func (p *plan) layoutFor(split []bool, target *requestTarget) ([]byte, []slot) {
	var slots []slot
	for i, r := range p.requests {
		if i < len(split) && split[i] && len(r.attributes) > 1 {
			for _, a := range r.attributes {
				slots = append(slots, slot{req: i, attrs: []string{a}})
			}
			continue
		}
		slots = append(slots, slot{req: i, attrs: r.attributes})
	}
	// ignoreErrors: one missing attribute (e.g. a JVM without
	// OpenFileDescriptorCount) must not fail the others of the MBean.
	// includeStackTrace: 1.x adds a Java stack trace to every failed entry.
	config := map[string]any{"ignoreErrors": true, "includeStackTrace": false}
	reqs := make([]readRequest, len(slots))
	for i, s := range slots {
		reqs[i] = readRequest{Type: "read", MBean: p.requests[s.req].mbean, Attribute: s.attrs, Config: config, Target: target}
	}
	if target != nil {
		reqs = append(reqs, sentinelRequests(target)...)
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		panic(err) // strings and bools only: cannot fail
	}
	return body, slots
}

func (r *planRequest) addAttribute(a string) {
	for _, have := range r.attributes {
		if have == a {
			return
		}
	}
	r.attributes = append(r.attributes, a)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// splitPath splits a Jolokia path: "/" separates, "!/" is a literal slash and
// "!!" a literal "!". "*" matches every key of a map or element of a list.
func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '!' && i+1 < len(path):
			i++
			cur.WriteByte(path[i])
		case c == '/':
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(segs, cur.String())
}
