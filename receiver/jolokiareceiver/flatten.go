package jolokiareceiver

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// This file flattens MBean attribute values the way jmx_exporter 1.0.1 does
// (JmxScraper.processBeanValue, JmxCollector.Receiver.recordBean) so that
// its rules match the same strings and name the same series:
//
//	domain<key=value, key2=value2><attrKey1, attrKey2>attrName: value
//
// Key properties keep the order in which the MBean was registered (the
// agent is asked for canonicalNaming=false) and values keep their quotes.

// jmxBean is one MBean as jmx_exporter sees it.
type jmxBean struct {
	name   string
	domain string
	props  []property // registration order, values as written
}

// jmxPropertyRE is JmxMBeanPropertyCache.PROPERTY_PATTERN.
var jmxPropertyRE = regexp.MustCompile(`^([^,=:*?]+)=("(?:[^\\"]*(?:\\.)?)*"|[^,=:"]*)`)

func parseJMXBean(name string) *jmxBean {
	domain, list, _ := strings.Cut(name, ":")
	b := &jmxBean{name: name, domain: domain}
	for {
		m := jmxPropertyRE.FindStringSubmatch(list)
		if m == nil {
			return b
		}
		b.props = append(b.props, property{Key: m[1], Value: m[2]})
		list = strings.TrimPrefix(list[len(m[0]):], ",")
	}
}

// jmxMatch is a rule's verdict on one flattened name (MatchedRule).
type jmxMatch struct {
	matched     bool
	name, help  string
	typ         string
	labelNames  []string
	labelValues []string
	value       *float64 // the rule's `value`, when it has one
	valueFactor float64
	matchName   string
}

var jmxUnmatched = &jmxMatch{}

// jmxState is what one target keeps between scrapes: parsed MBean names and
// the match cache of the rules with `cache: true` (MatchedRulesCache).
type jmxState struct {
	engine *jmxEngine
	beans  map[string]*jmxBean
	cache  []map[string]*jmxMatch
	// mbeans are the MBeans the includes matched at the last scrape, by
	// name as registered (see jmxread.go).
	mbeans map[string]*jmxMBean
}

func newJMXState(e *jmxEngine) *jmxState {
	if e == nil {
		return nil
	}
	s := &jmxState{engine: e, beans: map[string]*jmxBean{}, cache: make([]map[string]*jmxMatch, len(e.rules)), mbeans: map[string]*jmxMBean{}}
	for i := range s.cache {
		s.cache[i] = map[string]*jmxMatch{}
	}
	return s
}

// jmxSample is one sample of jmx_exporter's output.
type jmxSample struct {
	match *jmxMatch
	value float64
}

// jmxScrape collects the samples of one scrape of one target.
type jmxScrape struct {
	*jmxState
	samples []jmxSample
	// seen are the cache keys used this scrape, per rule; the others are evicted.
	seen []map[string]bool
	// explain, when set, hears the verdict on every flattened name (see
	// ExplainJMXExporter): the rule index, or -1 when none matched.
	explain func(matchName string, rule int, m *jmxMatch)
}

func (s *jmxState) begin() *jmxScrape {
	if s == nil {
		return nil
	}
	return &jmxScrape{jmxState: s, seen: make([]map[string]bool, len(s.cache))}
}

func (s *jmxScrape) bean(name string) *jmxBean {
	b, ok := s.beans[name]
	if !ok {
		if len(s.beans) >= maxCachedNames {
			clear(s.beans)
		}
		b = parseJMXBean(name)
		s.beans[name] = b
	}
	return b
}

// flattenBean flattens every attribute read from one MBean.
func (s *jmxScrape) flattenBean(name string, attrs map[string]any, mb *jmxMBean) {
	b := s.bean(name)
	top := newJMXPath(b.domain, b.props, nil)
	for _, attr := range sortedKeys(attrs) {
		v := attrs[attr]
		if _, isObject := v.(map[string]any); isObject && !mb.open[attr] {
			continue
		}
		s.flatten(b, top, attr, v)
	}
}

// jmxPath is where a value sits: the key properties (with the index labels
// of the tables it is in) and the attribute keys above it, and the two
// printed as rules see them, "domain<k=v, k2=v2><a, b>".
type jmxPath struct {
	props    []property
	attrKeys []string
	flat     string
}

func newJMXPath(domain string, props []property, attrKeys []string) *jmxPath {
	return &jmxPath{props: props, attrKeys: attrKeys, flat: flatName(domain, props, attrKeys)}
}

// flatten is processBeanValue over Jolokia's JSON form of the value.
// Jolokia's JSON carries no open types, so a map is told apart by shape: a
// map whose values are all maps is TabularData (an MXBean map like GcInfo's
// memoryUsageAfterGc, or rows keyed by their index item), any other map is
// CompositeData. Lists (arrays) are skipped, as jmx_exporter skips them.
func (s *jmxScrape) flatten(b *jmxBean, at *jmxPath, attrName string, v any) {
	switch x := v.(type) {
	case json.Number, string, bool:
		s.record(b, at, attrName, x)
	case map[string]any:
		if isAttributeError(x) {
			return
		}
		if index, ok := tabularIndex(x); ok {
			s.flattenTable(b, at, attrName, x, index)
			return
		}
		inside := newJMXPath(b.domain, at.props, append(append(make([]string, 0, len(at.attrKeys)+1), at.attrKeys...), attrName))
		for _, k := range sortedKeys(x) {
			s.flatten(b, inside, k, x[k])
		}
	}
}

// isAttributeError is Jolokia 2's ignoreErrors placeholder for an attribute
// that could not be read.
func isAttributeError(m map[string]any) bool {
	flag, _ := m[".error"].(bool)
	return flag
}

// tabularIndex reports whether m is a TabularData and, for a table of rows,
// the name of the index item (each row holds its key under that item); ""
// means an MXBean map (rows {key, value}).
func tabularIndex(m map[string]any) (string, bool) {
	if len(m) == 0 {
		return "", false
	}
	for _, v := range m {
		if _, ok := v.(map[string]any); !ok {
			return "", false
		}
	}
	keys := sortedKeys(m)
	first := m[keys[0]].(map[string]any)
candidates:
	for _, item := range sortedKeys(first) {
		for _, k := range keys {
			if jmxText(m[k].(map[string]any)[item]) != k {
				continue candidates
			}
		}
		return item, true
	}
	return "", true
}

func (s *jmxScrape) flattenTable(b *jmxBean, at *jmxPath, attrName string, table map[string]any, index string) {
	props := at.props
	extended := append(append(make([]string, 0, len(at.attrKeys)+1), at.attrKeys...), attrName)
	for _, k := range sortedKeys(table) {
		row := table[k].(map[string]any)
		label := "key"
		if index != "" {
			label = index
		}
		for hasKey(props, label) {
			label += "_" // nested tables repeat the key label
		}
		rowProps := append(append(make([]property, 0, len(props)+1), props...), property{Key: label, Value: k})
		row0 := newJMXPath(b.domain, rowProps, at.attrKeys)
		if index == "" {
			s.flatten(b, row0, attrName, row)
			continue
		}
		var rowItems *jmxPath
		for _, item := range sortedKeys(row) {
			switch {
			case item == index:
			case strings.EqualFold(item, "value"):
				s.flatten(b, row0, attrName, row[item])
			default:
				if rowItems == nil {
					rowItems = newJMXPath(b.domain, rowProps, extended)
				}
				s.flatten(b, rowItems, item, row[item])
			}
		}
	}
}

func hasKey(props []property, key string) bool {
	for _, p := range props {
		if p.Key == key {
			return true
		}
	}
	return false
}

// jmxText is the value as Java's toString prints it: Jolokia writes numbers
// with Java's digits, so the JSON text is kept.
func jmxText(v any) string {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	return ""
}

// flatName is "domain<k=v, k2=v2><a, b>" (recordBean's beanName).
func flatName(domain string, props []property, attrKeys []string) string {
	var b strings.Builder
	b.WriteString(domain)
	b.WriteByte('<')
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	b.WriteString("><")
	b.WriteString(strings.Join(attrKeys, ", "))
	b.WriteByte('>')
	return b.String()
}

func propValue(props []property, key string) string {
	for _, p := range props {
		if p.Key == key {
			return p.Value
		}
	}
	return "null"
}

// record is recordBean: the first rule that matches names the sample.
func (s *jmxScrape) record(b *jmxBean, at *jmxPath, attrName string, v any) {
	m, rule := s.match(b, at, attrName, jmxText(v))
	if s.explain != nil {
		s.explain(at.flat+attrName+": "+jmxText(v), rule, m)
	}
	if m == nil {
		return
	}
	var value float64
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return
		}
		value = f * m.valueFactor
	case bool:
		if x {
			value = 1
		}
	default:
		if m.value == nil {
			return // a String without a rule `value`: jmx_exporter ignores it
		}
	}
	if m.value != nil {
		value = *m.value * m.valueFactor
	}
	s.samples = append(s.samples, jmxSample{match: m, value: value})
}

// match runs the rules over the flattened name and returns the verdict and
// the index of the rule that gave it; nil when no rule matched (-1) or the
// matching rule drops the value.
func (s *jmxScrape) match(b *jmxBean, at *jmxPath, attrName, text string) (*jmxMatch, int) {
	for i := range s.engine.rules {
		rule := &s.engine.rules[i]
		attributeName := attrName
		if rule.snakeCase {
			attributeName = toSnakeAndLowerCase(attrName)
		}
		valueText := text
		if rule.cache {
			valueText = "<cache>" // the value must not be part of a cached verdict
		}
		matchName := at.flat + attributeName + ": " + valueText
		if rule.cache {
			if cached, ok := s.cache[i][matchName]; ok {
				s.markSeen(i, matchName)
				if cached.matched {
					return cached, i
				}
				continue
			}
		}
		m, stop := s.apply(rule, b.domain, at.props, at.attrKeys, attributeName, attrName, matchName)
		if rule.cache && (m != nil || !stop) {
			if m == nil {
				m = jmxUnmatched
			}
			s.cache[i][matchName] = m
			s.markSeen(i, matchName)
		}
		if stop {
			return m, i
		}
	}
	return nil, -1
}

func (s *jmxScrape) markSeen(rule int, key string) {
	if s.seen[rule] == nil {
		s.seen[rule] = map[string]bool{}
	}
	s.seen[rule][key] = true
}

// apply runs one rule. stop is false when the rule does not match (try the
// next one); m is nil with stop when the rule matched but drops the value.
func (s *jmxScrape) apply(rule *jmxRule, domain string, props []property, attrKeys []string, attributeName, attrName, matchName string) (m *jmxMatch, stop bool) {
	groups := []string{matchName}
	if rule.re != nil {
		// Deciding first is much cheaper than finding the groups, and most
		// rules do not match most names.
		matcher := rule.probe
		if strings.ContainsRune(matchName, '\n') {
			matcher = rule.re
		}
		if !matcher.MatchString(matchName) {
			return nil, false
		}
		groups = rule.re.FindStringSubmatch(matchName)
	}
	expand := func(tmpl string) string {
		out, _ := expandJava(tmpl, groups, rule.re) // references checked at compile
		return out
	}
	m = &jmxMatch{matched: true, typ: rule.typ, valueFactor: rule.valueFactor, matchName: matchName,
		help: domain + ":name=" + propValue(props, "name") + ",type=" + propValue(props, "type") + ",attribute=" + attrName}
	if rule.value != "" {
		f, ok := parseJavaDouble(expand(rule.value))
		if !ok {
			return nil, true
		}
		m.value = &f
	}
	if rule.name == "" {
		s.defaultName(m, domain, props, attrKeys, attributeName)
		return m, true
	}
	m.name = safeName(expand(rule.name))
	if m.name == "" {
		return nil, true
	}
	if s.engine.lowerName {
		m.name = strings.ToLower(m.name)
	}
	if rule.help != "" {
		m.help = expand(rule.help)
	}
	for j, ln := range rule.labelNames {
		name := safeName(expand(ln))
		value := expand(rule.labelValues[j])
		if s.engine.lowerLabels {
			name = strings.ToLower(name)
		}
		if name != "" && value != "" {
			m.labelNames = append(m.labelNames, name)
			m.labelValues = append(m.labelValues, value)
		}
	}
	return m, true
}

// defaultName is defaultExport: domain_firstKeyValue_attrKeys_attrName, the
// other key properties as labels.
func (s *jmxScrape) defaultName(m *jmxMatch, domain string, props []property, attrKeys []string, attributeName string) {
	var b strings.Builder
	b.WriteString(domain)
	if len(props) > 0 {
		b.WriteByte('_')
		b.WriteString(props[0].Value)
	}
	for _, k := range attrKeys {
		b.WriteByte('_')
		b.WriteString(k)
	}
	b.WriteByte('_')
	b.WriteString(attributeName)
	m.name = safeName(b.String())
	if s.engine.lowerName {
		m.name = strings.ToLower(m.name)
	}
	for _, p := range props[min(1, len(props)):] {
		name := safeName(p.Key)
		if s.engine.lowerLabels {
			name = strings.ToLower(name)
		}
		m.labelNames = append(m.labelNames, name)
		m.labelValues = append(m.labelValues, p.Value)
	}
}

// parseJavaDouble is Double.valueOf: surrounding blanks and a trailing
// d/f type suffix are allowed.
func parseJavaDouble(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 && strings.ContainsRune("dDfF", rune(s[n-1])) && !strings.HasSuffix(s, "Infinity") {
		s = s[:n-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// safeName is JmxCollector.safeName: characters other than [a-zA-Z0-9:_]
// become "_", runs of "_" collapse, and a leading digit gets a "_" before it.
func safeName(name string) string {
	var b strings.Builder
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		b.WriteByte('_')
	}
	prevUnderscore := false
	for _, r := range name {
		legal := r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !legal || r == '_' {
			if !prevUnderscore {
				b.WriteByte('_')
				prevUnderscore = true
			}
			continue
		}
		b.WriteRune(r)
		prevUnderscore = false
	}
	return b.String()
}

// toSnakeAndLowerCase is JmxCollector.toSnakeAndLowerCase ("HeapMemoryUsage"
// -> "heap_memory_usage"; runs of capitals stay together).
func toSnakeAndLowerCase(name string) string {
	if name == "" {
		return name
	}
	var b strings.Builder
	prevUpperOrUnderscore := false
	for i, r := range name {
		upper := unicode.IsUpper(r)
		if i > 0 && !prevUpperOrUnderscore && upper {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
		prevUpperOrUnderscore = upper || r == '_'
	}
	return b.String()
}

// emit writes the samples as metrics, one per name, and evicts the cache
// entries this scrape did not use. COUNTER is a monotonic cumulative sum
// (the Prometheus exporter adds _total, as jmx_exporter prints it), GAUGE a
// gauge, UNKNOWN a gauge marked so that the exporter prints it untyped. The
// metrics have no unit, so the exporter adds no unit suffix.
func (s *jmxScrape) emit(sm pmetric.ScopeMetrics, start, now pcommon.Timestamp) int {
	for i, seen := range s.seen {
		for key := range s.cache[i] {
			if !seen[key] {
				delete(s.cache[i], key)
			}
		}
	}
	var order []string
	byName := map[string][]jmxSample{}
	for _, smp := range s.samples {
		name := trimReservedSuffixes(smp.match.name)
		if _, ok := byName[name]; !ok {
			order = append(order, name)
		}
		byName[name] = append(byName[name], smp)
	}
	for _, name := range order {
		m := sm.Metrics().AppendEmpty()
		m.SetName(name)
		emitMetric(m, byName[name], start, now)
	}
	return len(s.samples)
}

// trimReservedSuffixes is client_java's PrometheusNaming.sanitizeMetricName
// on a safe name: jmx_exporter 1.0.1 drops _total, _created, _bucket and
// _info from the end of every name (repeatedly), and prints _total back on
// counters only.
func trimReservedSuffixes(name string) string {
	for trimmed := true; trimmed; {
		trimmed = false
		for _, suffix := range []string{"_total", "_created", "_bucket", "_info"} {
			if name == suffix {
				return suffix[1:]
			}
			if strings.HasSuffix(name, suffix) {
				name = name[:len(name)-len(suffix)]
				trimmed = true
			}
		}
	}
	return name
}

func emitMetric(m pmetric.Metric, samples []jmxSample, start, now pcommon.Timestamp) {
	first := samples[0].match
	m.SetDescription(first.help)
	types := make([]string, len(samples))
	unique := map[string]bool{}
	for i, smp := range samples {
		types[i] = smp.match.typ
		unique[sortedLabelKey(smp.match.labelNames, smp.match.labelValues)] = true
	}
	var dps pmetric.NumberDataPointSlice
	switch jmxTypeOf(types) {
	case jmxCounter:
		sum := m.SetEmptySum()
		sum.SetIsMonotonic(true)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dps = sum.DataPoints()
	case jmxGauge:
		dps = m.SetEmptyGauge().DataPoints()
	default:
		dps = m.SetEmptyGauge().DataPoints()
		m.Metadata().PutStr("prometheus.type", "unknown")
	}
	for _, smp := range samples {
		dp := dps.AppendEmpty()
		if m.Type() == pmetric.MetricTypeSum {
			dp.SetStartTimestamp(start)
		}
		dp.SetTimestamp(now)
		dp.SetDoubleValue(smp.value)
		a := dp.Attributes()
		for i, n := range smp.match.labelNames {
			a.PutStr(n, smp.match.labelValues[i])
		}
		if len(unique) < len(samples) {
			// Two samples with the same labels: jmx_exporter tells them
			// apart by the flattened MBean name.
			mn := smp.match.matchName
			a.PutStr("_objectname", mn[:strings.LastIndexByte(mn, ':')])
		}
	}
}
