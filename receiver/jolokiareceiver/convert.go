package jolokiareceiver

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// entryResult is what happened to one entry of the bulk read.
type entryResult struct {
	status int
	err    string // empty when the entry was read
}

// converter turns decoded response entries into data points of one target.
type converter struct {
	plan    *plan
	sm      pmetric.ScopeMetrics
	metrics []pmetric.Metric
	created []bool
	now     pcommon.Timestamp
	start   pcommon.Timestamp
	// captured holds the keys matched by "*" path segments while walking.
	captured []string
	// names caches parsed MBean names across scrapes of one target.
	names  nameCache
	points int
}

func newConverter(p *plan, sm pmetric.ScopeMetrics, start, now pcommon.Timestamp, names nameCache) *converter {
	return &converter{
		names:   names,
		plan:    p,
		sm:      sm,
		metrics: make([]pmetric.Metric, len(p.metrics)),
		created: make([]bool, len(p.metrics)),
		now:     now,
		start:   start,
	}
}

// convert records every data point of the entries and reports, per entry,
// whether it was read. entries[i] answers slots[i]; the slots of one split
// request are merged back into one value before conversion.
func (c *converter) convert(entries []responseEntry, slots []slot) []entryResult {
	results := make([]entryResult, len(entries))
	for i := 0; i < len(entries); {
		req := &c.plan.requests[slots[i].req]
		end := i + 1
		for end < len(entries) && slots[end].req == slots[i].req {
			end++
		}
		var merged map[string]any
		for j := i; j < end; j++ {
			e := &entries[j]
			results[j].status = e.Status
			if e.Status != 200 {
				results[j].err = fmt.Sprintf("status %d: %s", e.Status, firstLine(e.Error))
				continue
			}
			value, ok := e.Value.(map[string]any)
			if !ok {
				if e.Value != nil || !req.pattern {
					results[j].err = fmt.Sprintf("value is a %s, not a map", kindOf(e.Value))
				}
				continue
			}
			if !req.pattern {
				results[j].err = attributeErrors(value, slots[j].attrs)
			}
			merged = mergeValues(merged, value, req.pattern)
		}
		i = end
		if merged == nil {
			continue
		}
		if !req.pattern {
			c.mbean(req, req.name, merged)
			continue
		}
		for _, name := range sortedKeys(merged) {
			attrs, ok := merged[name].(map[string]any)
			if !ok {
				continue
			}
			on, ok := c.names.parse(name)
			if !ok {
				continue
			}
			c.mbean(req, on, attrs)
		}
	}
	return results
}

// mergeValues merges the value of one more entry of a split request: the
// attributes of an MBean, or (pattern) the attributes per MBean name.
func mergeValues(into, value map[string]any, pattern bool) map[string]any {
	if into == nil {
		return value
	}
	for k, v := range value {
		if !pattern {
			into[k] = v
			continue
		}
		have, ok := into[k].(map[string]any)
		add, ok2 := v.(map[string]any)
		if !ok || !ok2 {
			into[k] = v
			continue
		}
		for ak, av := range add {
			have[ak] = av
		}
	}
	return into
}

func (c *converter) mbean(req *planRequest, on objectName, attrs map[string]any) {
	for xi := range req.extracts {
		x := &req.extracts[xi]
		v, ok := attrs[x.attribute]
		if !ok {
			continue
		}
		c.captured = c.captured[:0]
		c.walk(x, on, attrs, v, 0)
	}
}

// walk follows x.path into v; "*" segments branch over every key or element.
func (c *converter) walk(x *extract, on objectName, attrs map[string]any, v any, depth int) {
	if depth == len(x.path) {
		c.point(x, on, attrs, v)
		return
	}
	seg := x.path[depth]
	switch node := v.(type) {
	case map[string]any:
		if seg != "*" {
			if child, ok := node[seg]; ok {
				c.walk(x, on, attrs, child, depth+1)
			}
			return
		}
		for _, k := range sortedKeys(node) {
			c.captured = append(c.captured[:c.wildcardsBefore(x, depth)], k)
			c.walk(x, on, attrs, node[k], depth+1)
		}
	case []any:
		if seg != "*" {
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(node) {
				c.walk(x, on, attrs, node[i], depth+1)
			}
			return
		}
		for i, child := range node {
			c.captured = append(c.captured[:c.wildcardsBefore(x, depth)], strconv.Itoa(i))
			c.walk(x, on, attrs, child, depth+1)
		}
	}
}

func (c *converter) wildcardsBefore(x *extract, depth int) int {
	n := 0
	for _, s := range x.path[:depth] {
		if s == "*" {
			n++
		}
	}
	return n
}

func (c *converter) point(x *extract, on objectName, attrs map[string]any, v any) {
	n, ok := toNumber(v)
	if !ok {
		return
	}
	if x.minus != "" {
		m, ok := toNumber(attrs[x.minus])
		if !ok {
			return
		}
		if n.isInt && m.isInt {
			n.i -= m.i
		} else {
			n = number{f: n.float() - m.float()}
		}
	}
	if x.dropNegative && n.float() < 0 {
		return
	}
	dp := c.dataPoint(x.metric)
	switch {
	case x.scale != 1:
		dp.SetDoubleValue(n.float() * x.scale)
	case n.isInt:
		dp.SetIntValue(n.i)
	default:
		dp.SetDoubleValue(n.f)
	}
	a := dp.Attributes()
	for _, l := range x.keyLabels {
		if val, ok := on.Value(l.key); ok {
			if l.re != nil {
				if m := l.re.FindStringSubmatch(val); m != nil {
					val = m[1]
				}
			}
			a.PutStr(l.label, capLabelValue(val))
		}
	}
	for _, l := range x.staticLabels {
		a.PutStr(l.label, l.key)
	}
	for i, label := range x.pathLabels {
		if i < len(c.captured) {
			a.PutStr(label, capLabelValue(c.captured[i]))
		}
	}
	for _, l := range x.attrLabels {
		raw, ok := attrs[l.attribute]
		if !ok || raw == nil {
			continue
		}
		s := fmt.Sprint(raw)
		if mapped, ok := l.mapping[s]; ok {
			s = mapped
		}
		a.PutStr(l.label, capLabelValue(s))
	}
}

// maxLabelValueBytes bounds a label value taken from the target (an
// ObjectName key, an attribute, a path segment): a 4 MB `Type` attribute
// once became a 16 MB exposition. Real values are names, far shorter.
const maxLabelValueBytes = 256

// capLabelValue cuts s to maxLabelValueBytes on a rune boundary, marking the
// cut with "...".
func capLabelValue(s string) string {
	if len(s) <= maxLabelValueBytes {
		return s
	}
	cut := maxLabelValueBytes - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func (c *converter) dataPoint(mi int) pmetric.NumberDataPoint {
	if !c.created[mi] {
		c.created[mi] = true
		info := c.plan.metrics[mi]
		m := c.sm.Metrics().AppendEmpty()
		m.SetName(info.name)
		m.SetUnit(info.unit)
		m.SetDescription(info.description)
		switch info.typ {
		case typeSum, typeUpDownCounter:
			s := m.SetEmptySum()
			s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			s.SetIsMonotonic(info.typ == typeSum)
		default:
			m.SetEmptyGauge()
		}
		c.metrics[mi] = m
	}
	m := c.metrics[mi]
	var dp pmetric.NumberDataPoint
	if m.Type() == pmetric.MetricTypeSum {
		dp = m.Sum().DataPoints().AppendEmpty()
		dp.SetStartTimestamp(c.start)
	} else {
		dp = m.Gauge().DataPoints().AppendEmpty()
	}
	dp.SetTimestamp(c.now)
	c.points++
	return dp
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "map"
	case []any:
		return "list"
	case string:
		return "string"
	default:
		return "number"
	}
}

// nameCache keeps the parsed form of the MBean names a target returns for
// patterns. It is bounded: a target returning ever new names (hostile, or a
// pattern over short-lived MBeans) only empties it now and then.
type nameCache map[string]*objectName

const maxCachedNames = 10000

func (nc nameCache) parse(name string) (objectName, bool) {
	if nc == nil {
		on, err := parseObjectName(name)
		return on, err == nil
	}
	if on, ok := nc[name]; ok {
		if on == nil {
			return objectName{}, false // known to be unparsable
		}
		return *on, true
	}
	if len(nc) >= maxCachedNames {
		clear(nc)
	}
	on, err := parseObjectName(name)
	if err != nil {
		nc[name] = nil
		return on, false
	}
	nc[name] = &on
	return on, true
}

// attributeErrors reports the attributes that ignoreErrors replaced by an
// error: 1.x writes the string "ERROR: <message>", 2.x an object
// {"error": "<message>", ".error": true}. A misspelled attribute shows up here.
func attributeErrors(value map[string]any, attrs []string) string {
	var errs []string
	for _, a := range attrs {
		switch v := value[a].(type) {
		case string:
			if msg, ok := strings.CutPrefix(v, "ERROR: "); ok {
				errs = append(errs, a+": "+firstLine(msg))
			}
		case map[string]any:
			if flag, _ := v[".error"].(bool); flag {
				msg, _ := v["error"].(string)
				errs = append(errs, a+": "+firstLine(msg))
			}
		}
	}
	return strings.Join(errs, "; ")
}
