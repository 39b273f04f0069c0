package jolokiareceiver

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
)

// JMXExporterConfig is the content of a jmx_exporter config file, pasted as
// it is: the same keys and the same meaning (jmx_exporter 1.0.1's
// JmxCollector.loadConfig). Its rules turn every MBean attribute read from
// the target into series named as jmx_exporter names them.
type JMXExporterConfig struct {
	LowercaseOutputName       bool     `mapstructure:"lowercaseOutputName"`
	LowercaseOutputLabelNames bool     `mapstructure:"lowercaseOutputLabelNames"`
	IncludeObjectNames        []string `mapstructure:"includeObjectNames"`
	ExcludeObjectNames        []string `mapstructure:"excludeObjectNames"`
	// WhitelistObjectNames and BlacklistObjectNames are the older spellings,
	// used only when the newer key is absent (as jmx_exporter does).
	WhitelistObjectNames []string `mapstructure:"whitelistObjectNames"`
	BlacklistObjectNames []string `mapstructure:"blacklistObjectNames"`
	// ExcludeObjectNameAttributes: ObjectName -> attribute names not read.
	ExcludeObjectNameAttributes map[string][]string `mapstructure:"excludeObjectNameAttributes"`
	Rules                       []JMXRule           `mapstructure:"rules"`

	// Keys of a jmx_exporter file that have no meaning here. They are
	// accepted so that a file pastes unchanged; validate explains the ones
	// that would change what is read.
	StartDelaySeconds               int                 `mapstructure:"startDelaySeconds"`
	AutoExcludeObjectNameAttributes *bool               `mapstructure:"autoExcludeObjectNameAttributes"`
	HostPort                        string              `mapstructure:"hostPort"`
	JMXURL                          string              `mapstructure:"jmxUrl"`
	Username                        string              `mapstructure:"username"`
	Password                        configopaque.String `mapstructure:"password"`
	SSL                             bool                `mapstructure:"ssl"`
}

// JMXRule is one entry of jmx_exporter's `rules:`.
type JMXRule struct {
	Pattern string `mapstructure:"pattern"`
	Name    string `mapstructure:"name"`
	// Value replaces the attribute's value (after $N expansion). Any
	// scalar: jmx_exporter reads it with String.valueOf.
	Value any `mapstructure:"value"`
	// ValueFactor multiplies numeric values; unset or not a number means 1.
	ValueFactor       any               `mapstructure:"valueFactor"`
	Help              string            `mapstructure:"help"`
	Type              string            `mapstructure:"type"`
	Labels            map[string]string `mapstructure:"labels"`
	AttrNameSnakeCase bool              `mapstructure:"attrNameSnakeCase"`
	Cache             bool              `mapstructure:"cache"`
}

// jmx_exporter's sample types; UNTYPED is read as UNKNOWN, as 1.0.1 does.
const (
	jmxGauge   = "GAUGE"
	jmxCounter = "COUNTER"
	jmxUnknown = "UNKNOWN"
)

// jmxEngine is a compiled jmx_exporter config.
type jmxEngine struct {
	rules       []jmxRule
	lowerName   bool
	lowerLabels bool
	// include are the reads; exclude is applied to their answers.
	include      []objectName
	exclude      []objectName
	excludeAttrs map[string]map[string]bool // canonical ObjectName -> attributes
}

type jmxRule struct {
	// re is "^.*(?:pattern).*$", as jmx_exporter wraps it; nil matches
	// everything (a rule without pattern). probe is the pattern alone: on a
	// name without a newline it matches exactly when re does, and deciding
	// that is several times cheaper than with the leading ".*".
	re, probe   *regexp.Regexp
	name        string
	value       string
	valueFactor float64
	help        string
	typ         string
	// labelNames are sorted (jmx_exporter keeps them in a TreeMap).
	labelNames  []string
	labelValues []string
	snakeCase   bool
	cache       bool
}

// compileJMXExporter checks and compiles the block; every error names the
// key, the rule index where there is one, and the fix.
func compileJMXExporter(c *JMXExporterConfig) (*jmxEngine, error) {
	var errs []error
	if c.HostPort != "" || c.JMXURL != "" {
		errs = append(errs, errors.New("`jmx_exporter.hostPort`/`jmxUrl`: this receiver reads through the Jolokia agent at `endpoint`; remove them (and `username`/`password`/`ssl`, which belong to `endpoint`)"))
	}
	e := &jmxEngine{lowerName: c.LowercaseOutputName, lowerLabels: c.LowercaseOutputLabelNames}
	include, includeKey := c.IncludeObjectNames, "includeObjectNames"
	if include == nil && c.WhitelistObjectNames != nil {
		include, includeKey = c.WhitelistObjectNames, "whitelistObjectNames"
	}
	if len(include) == 0 {
		include = []string{"*:*"}
	}
	exclude, excludeKey := c.ExcludeObjectNames, "excludeObjectNames"
	if exclude == nil {
		exclude, excludeKey = c.BlacklistObjectNames, "blacklistObjectNames"
	}
	var err error
	if e.include, err = parseObjectNames(includeKey, include); err != nil {
		errs = append(errs, err)
	}
	if e.exclude, err = parseObjectNames(excludeKey, exclude); err != nil {
		errs = append(errs, err)
	}
	for name, attrs := range c.ExcludeObjectNameAttributes {
		on, err := parseObjectName(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("`jmx_exporter.excludeObjectNameAttributes`: %q is not a valid ObjectName: %w", name, err))
			continue
		}
		if e.excludeAttrs == nil {
			e.excludeAttrs = map[string]map[string]bool{}
		}
		set := map[string]bool{}
		for _, a := range attrs {
			set[a] = true
		}
		e.excludeAttrs[on.Canonical()] = set
	}
	if c.Rules == nil {
		// No rules: jmx_exporter's single default rule, which matches everything.
		e.rules = []jmxRule{{typ: jmxUnknown, valueFactor: 1}}
	}
	for i, r := range c.Rules {
		rule, err := compileJMXRule(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("`jmx_exporter.rules[%d]`: %w", i, err))
			continue
		}
		e.rules = append(e.rules, rule)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

func parseObjectNames(key string, names []string) ([]objectName, error) {
	var out []objectName
	var errs []error
	for i, n := range names {
		on, err := parseObjectName(n)
		if err != nil {
			errs = append(errs, fmt.Errorf("`jmx_exporter.%s[%d]`: %q is not a valid ObjectName: %w", key, i, n, err))
			continue
		}
		out = append(out, on)
	}
	return out, errors.Join(errs...)
}

func compileJMXRule(r JMXRule) (jmxRule, error) {
	rule := jmxRule{name: r.Name, help: r.Help, snakeCase: r.AttrNameSnakeCase, cache: r.Cache, valueFactor: 1}
	if r.Value != nil {
		rule.value = fmt.Sprint(r.Value)
	}
	if r.ValueFactor != nil {
		if f, ok := parseJavaDouble(fmt.Sprint(r.ValueFactor)); ok {
			rule.valueFactor = f
		}
	}
	switch t := strings.ToUpper(r.Type); t {
	case "", "UNTYPED", jmxUnknown:
		rule.typ = jmxUnknown
	case jmxGauge, jmxCounter:
		rule.typ = t
	default:
		return rule, fmt.Errorf("`type` %q is unknown: use GAUGE, COUNTER or UNTYPED", r.Type)
	}
	if (len(r.Labels) > 0 || r.Help != "") && r.Name == "" {
		return rule, errors.New("`labels` and `help` need a `name` (as in jmx_exporter)")
	}
	if r.Pattern == "" {
		if r.Name != "" {
			return rule, errors.New("`name` needs a `pattern` (as in jmx_exporter)")
		}
		if strings.ContainsAny(rule.value, `$\`) {
			return rule, errors.New("`value` refers to capture groups but the rule has no `pattern`")
		}
		return rule, nil
	}
	re, err := regexp.Compile("^.*(?:" + r.Pattern + ").*$")
	if err != nil {
		return rule, fmt.Errorf("`pattern` %q does not compile: %w (Go's RE2 syntax: no look-around, no back-references, no possessive quantifiers)", r.Pattern, err)
	}
	rule.re = re
	rule.probe = regexp.MustCompile("(?:" + r.Pattern + ")") // compiles since re does
	groups := re.NumSubexp()
	templates := []struct{ key, tmpl string }{{"name", r.Name}, {"value", rule.value}, {"help", r.Help}}
	for _, name := range sortedKeys(r.Labels) {
		rule.labelNames = append(rule.labelNames, name)
		rule.labelValues = append(rule.labelValues, r.Labels[name])
		templates = append(templates, struct{ key, tmpl string }{"labels key " + strconv.Quote(name), name}, struct{ key, tmpl string }{"labels." + name, r.Labels[name]})
	}
	for _, t := range templates {
		if _, err := expandJava(t.tmpl, make([]string, groups+1), re); err != nil {
			return rule, fmt.Errorf("`%s` %q: %w (`pattern` %q has %d capture groups)", t.key, t.tmpl, err, r.Pattern, groups)
		}
	}
	return rule, nil
}

// expandJava expands a replacement string the way java.util.regex.Matcher
// does: $N takes as many digits as still name a group, ${name} a named
// group, \x is a literal x. m holds the submatches (m[0] the whole match);
// a group that did not take part expands to nothing.
func expandJava(tmpl string, m []string, re *regexp.Regexp) (string, error) {
	if !strings.ContainsAny(tmpl, `$\`) {
		return tmpl, nil
	}
	groups := len(m) - 1
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch c {
		case '\\':
			i++
			if i == len(tmpl) {
				return "", errors.New(`character to be escaped is missing after "\"`)
			}
			b.WriteByte(tmpl[i])
		case '$':
			i++
			if i == len(tmpl) {
				return "", errors.New(`illegal group reference: "$" at the end (write \$ for a literal dollar)`)
			}
			var group int
			if tmpl[i] == '{' {
				end := strings.IndexByte(tmpl[i:], '}')
				if end < 0 {
					return "", errors.New(`named capture group reference is missing its "}"`)
				}
				name := tmpl[i+1 : i+end]
				group = re.SubexpIndex(name)
				if group < 0 {
					return "", fmt.Errorf("no capture group named %q", name)
				}
				i += end
			} else {
				if tmpl[i] < '0' || tmpl[i] > '9' {
					return "", fmt.Errorf(`illegal group reference "$%c" (write \$ for a literal dollar)`, tmpl[i])
				}
				group = int(tmpl[i] - '0')
				if group > groups {
					return "", fmt.Errorf("no capture group $%d", group)
				}
				for i+1 < len(tmpl) && tmpl[i+1] >= '0' && tmpl[i+1] <= '9' {
					next := group*10 + int(tmpl[i+1]-'0')
					if next > groups {
						break
					}
					group = next
					i++
				}
			}
			b.WriteString(m[group])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// jmxTypeOf is the type of a metric fed by several rules: theirs when they
// agree, UNKNOWN otherwise (MatchedRuleToMetricSnapshotsConverter.getType).
func jmxTypeOf(types []string) string {
	for _, t := range types[1:] {
		if t != types[0] {
			return jmxUnknown
		}
	}
	return types[0]
}

// sortedLabelKey identifies a label set whatever the order of its labels.
func sortedLabelKey(names, values []string) string {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return names[idx[a]] < names[idx[b]] })
	var b strings.Builder
	for _, i := range idx {
		b.WriteString(names[i])
		b.WriteByte(0)
		b.WriteString(values[i])
		b.WriteByte(0)
	}
	return b.String()
}

// matches reports whether the MBean name is matched by the pattern on, as
// ObjectName.apply does: the domain and values may use "*" and "?", and
// without a trailing ",*" the key sets must be equal.
func (on objectName) matches(name objectName) bool {
	if !wildcardMatch(on.Domain, name.Domain) {
		return false
	}
	if !on.PropertyListPattern && len(on.Props) != len(name.Props) {
		return false
	}
	for _, pp := range on.Props {
		v, ok := name.rawValue(pp.Key)
		if !ok || !(v == pp.Value || valueIsPattern(pp.Value) && wildcardMatch(pp.Value, v)) {
			return false
		}
	}
	return true
}

func (on objectName) rawValue(key string) (string, bool) {
	for _, p := range on.Props {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// wildcardMatch matches s against a pattern where "*" is any run of
// characters and "?" any one character.
func wildcardMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	star, resume := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(pattern) && (pattern[i] == '?' || pattern[i] == s[j]):
			i++
			j++
		case i < len(pattern) && pattern[i] == '*':
			star, resume = i, j
			i++
		case star >= 0:
			resume++
			i, j = star+1, resume
		default:
			return false
		}
	}
	for i < len(pattern) && pattern[i] == '*' {
		i++
	}
	return i == len(pattern)
}

// compile builds the plan of the configuration: the presets' and the user's
// metrics, then the jmx_exporter block's reads.
func (cfg *Config) compile() (*plan, error) {
	defs, err := cfg.metricDefinitions()
	if err != nil {
		return nil, err
	}
	p, err := compilePlan(defs)
	if err != nil || cfg.JMXExporter == nil {
		return p, err
	}
	if p.jmx, err = compileJMXExporter(cfg.JMXExporter); err != nil {
		return nil, err
	}
	return p, nil
}
