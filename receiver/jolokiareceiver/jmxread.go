package jolokiareceiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

// The jmx_exporter block reads in one bulk request of its own per scrape,
// after the presets' request:
//
//   - a search per includeObjectNames entry (the MBean names, as registered);
//   - a read per MBean the last scrape found, of the attributes jmx_exporter
//     exports: numbers, booleans, strings, CompositeData and TabularData, by
//     the types the agent lists for them.
//
// Reading every attribute with a wildcard read would be one entry, but the
// agents cannot write every attribute as JSON: the 1.x agent then fails the
// whole bulk response (HTTP 500, e.g. an Enumeration on Java 17) and the 2.x
// agent the whole entry (several Tomcat attributes, and any NaN or infinite
// double). Types keep those attributes out, and a separate request keeps an
// agent's failure away from the presets' metrics. MBeans that appear are
// listed (their attribute types) and read in a follow-up request on the
// scrape that finds them; an MBean whose read fails as a whole (a NaN on
// 2.x) is read attribute by attribute from then on.

// jmxReadConfig asks for names with their key properties in registration
// order (jmx_exporter's names are built from that order, not the sorted one).
var jmxReadConfig = map[string]any{"ignoreErrors": true, "includeStackTrace": false, "canonicalNaming": false}

// jmxMBean is an MBean an include matched: what to read from it.
type jmxMBean struct {
	attrs []string
	// open are the attributes of type CompositeData or TabularData: any
	// other attribute whose value comes as a JSON object holds a Java object
	// of another class than declared (Tomcat declares String and returns a
	// File), which jmx_exporter does not export.
	open map[string]bool
	// floats are the attributes of type double or float, by type: their NaN
	// and infinities need help to come through (see notANumber).
	floats map[string]string
	// split reads one attribute per entry: reading all at once failed.
	split bool
}

// notANumber recovers what the agents could not write as JSON. The 2.x agent
// fails a NaN or infinite double with a NumberFormatException ("Character N
// is neither a decimal digit number..." for NaN, "Character I" for
// Infinity, whatever its sign); the 1.x agent writes null, which a
// primitive double cannot be otherwise (an infinity then reads as NaN).
func (mb *jmxMBean) notANumber(attr string, value any, status int, errText string) (json.Number, bool) {
	typ, ok := mb.floats[attr]
	switch {
	case !ok:
		return "", false
	case status == http.StatusOK:
		return "NaN", value == nil && (typ == "double" || typ == "float")
	case strings.Contains(errText, "NumberFormatException") && strings.Contains(errText, "Character N "):
		return "NaN", true
	case strings.Contains(errText, "NumberFormatException") && strings.Contains(errText, "Character I "):
		return "Infinity", true
	}
	return "", false
}

// scrapeJMX adds the jmx_exporter block's samples of one target. Its error
// fails the target's scrape (jolokia.up 0), as jmx_exporter sets
// jmx_scrape_error when its scrape fails.
func (s *jolokiaScraper) scrapeJMX(ctx context.Context, t *targetScraper, sm pmetric.ScopeMetrics, now pcommon.Timestamp) error {
	if t.jmx == nil {
		return nil
	}
	values, err := t.readJMX(ctx)
	if err != nil {
		return fmt.Errorf("jmx_exporter rules: %w", err)
	}
	scrape := t.jmx.begin()
	for _, name := range sortedKeys(values) {
		scrape.flattenBean(name, values[name], t.jmx.mbeans[name])
	}
	scrape.emit(sm, t.start, now)
	return nil
}

// readJMX returns the attribute values of every MBean the includes match.
func (t *targetScraper) readJMX(ctx context.Context) (map[string]map[string]any, error) {
	st := t.jmx
	target := t.target.ProxyTarget.requestTarget()
	reqs := make([]map[string]any, 0, len(st.engine.include)+len(st.mbeans))
	for _, include := range st.engine.include {
		reqs = append(reqs, jolokiaRequest("search", target, "mbean", include.Canonical()))
	}
	reads, refs := st.reads(target, sortedKeys(st.mbeans))
	answers, err := t.postJSON(ctx, append(reqs, reads...))
	if err != nil {
		return nil, err
	}
	found, err := st.found(answers[:len(st.engine.include)])
	if err != nil {
		return nil, err
	}
	values := map[string]map[string]any{}
	retry := st.collect(answers[len(st.engine.include):], refs, values)
	var fresh []string
	for _, name := range sortedKeys(found) {
		if _, ok := st.mbeans[name]; !ok {
			fresh = append(fresh, name)
		}
	}
	for name := range st.mbeans {
		if !found[name] {
			delete(st.mbeans, name)
			delete(values, name)
		}
	}
	if err := t.listJMX(ctx, fresh); err != nil {
		return nil, err
	}
	// The new MBeans, then the ones whose read just failed as a whole (at
	// most twice: split MBeans are not split again).
	for retry = append(retry, fresh...); len(retry) > 0; {
		reads, refs = st.reads(target, retry)
		if answers, err = t.postJSON(ctx, reads); err != nil {
			return nil, err
		}
		retry = st.collect(answers, refs, values)
	}
	return values, nil
}

// found are the MBean names the searches returned, minus excludeObjectNames.
func (st *jmxState) found(answers []responseEntry) (map[string]bool, error) {
	names := map[string]bool{}
	for i, a := range answers {
		if a.Status != http.StatusOK {
			return nil, refused("search", st.engine.include[i].Canonical(), a)
		}
		list, _ := a.Value.([]any)
		for _, n := range list {
			name, _ := n.(string)
			on, err := parseObjectName(name)
			if err == nil && !st.engine.excluded(on) {
				names[name] = true
			}
		}
	}
	return names, nil
}

// refused is the error of a search or list the agent answered with an
// error status: the usual cause is an access policy without that command.
func refused(command, mbean string, a responseEntry) error {
	return fmt.Errorf("%s %s: status %d: %s: the jmx_exporter block needs `search` and `list` besides `read` (check the agent's jolokia-access.xml)",
		command, mbean, a.Status, firstLine(a.Error))
}

// listJMX learns which attributes of the new MBeans jmx_exporter would export.
func (t *targetScraper) listJMX(ctx context.Context, names []string) error {
	target := t.target.ProxyTarget.requestTarget()
	reqs := make([]map[string]any, len(names))
	for i, name := range names {
		reqs[i] = jolokiaRequest("list", target, "path", listPath(name))
	}
	answers, err := t.postJSON(ctx, reqs)
	if err != nil {
		return err
	}
	for i, a := range answers {
		if a.Status == http.StatusForbidden {
			return refused("list", names[i], a)
		}
		info, _ := a.Value.(map[string]any)
		t.jmx.mbeans[names[i]] = t.jmx.engine.exported(names[i], info)
	}
	return nil
}

// exported are the attributes of an MBean jmx_exporter reads and exports, by
// the types the agent lists: JmxScraper skips the rest (arrays, other
// classes) and a few attributes by name.
func (e *jmxEngine) exported(name string, info map[string]any) *jmxMBean {
	mb := &jmxMBean{open: map[string]bool{}, floats: map[string]string{}}
	if name == "jdk.management.jfr:type=FlightRecorder" {
		return mb
	}
	on, _ := parseObjectName(name)
	skip := e.excludeAttrs[on.Canonical()]
	for _, a := range sortedKeys(info) {
		desc, _ := info[a].(map[string]any)
		typ, _ := desc["type"].(string)
		if skip[a] || name == "java.lang:type=Runtime" && runtimeSkipped(a) {
			continue
		}
		switch typ {
		case "javax.management.openmbean.CompositeData", "javax.management.openmbean.CompositeDataSupport",
			"javax.management.openmbean.TabularData", "javax.management.openmbean.TabularDataSupport":
			mb.open[a] = true
		case "float", "double", "java.lang.Float", "java.lang.Double":
			mb.floats[a] = typ
		case "byte", "short", "int", "long", "boolean",
			"java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long",
			"java.lang.Boolean", "java.lang.Number", "java.lang.String",
			"java.math.BigInteger", "java.math.BigDecimal",
			"java.util.concurrent.atomic.AtomicInteger", "java.util.concurrent.atomic.AtomicLong":
		default:
			continue
		}
		mb.attrs = append(mb.attrs, a)
	}
	return mb
}

// runtimeSkipped are the attributes of java.lang:type=Runtime that
// jmx_exporter does not read (expensive, and never numbers).
func runtimeSkipped(attr string) bool {
	for _, a := range []string{"SystemProperties", "ClassPath", "BootClassPath", "LibraryPath"} {
		if strings.EqualFold(attr, a) {
			return true
		}
	}
	return false
}

type jmxReadRef struct {
	mbean string
	attrs []string
}

// reads are the read entries of the named MBeans: one per MBean, or one per
// attribute for the split ones.
func (st *jmxState) reads(target *requestTarget, names []string) ([]map[string]any, []jmxReadRef) {
	var reqs []map[string]any
	var refs []jmxReadRef
	add := func(name string, attrs []string) {
		r := jolokiaRequest("read", target, "mbean", name)
		r["attribute"] = attrs
		reqs = append(reqs, r)
		refs = append(refs, jmxReadRef{name, attrs})
	}
	for _, name := range names {
		mb := st.mbeans[name]
		switch {
		case mb == nil || len(mb.attrs) == 0:
		case mb.split:
			for _, a := range mb.attrs {
				add(name, []string{a})
			}
		default:
			add(name, mb.attrs)
		}
	}
	return reqs, refs
}

// collect merges the answers of reads into values and returns the MBeans to
// read again attribute by attribute (their read failed as a whole).
func (st *jmxState) collect(answers []responseEntry, refs []jmxReadRef, values map[string]map[string]any) []string {
	var retry []string
	for i, a := range answers {
		ref := refs[i]
		mb := st.mbeans[ref.mbean]
		if mb == nil {
			continue
		}
		attrs, _ := a.Value.(map[string]any)
		if a.Status != http.StatusOK {
			if len(ref.attrs) > 1 {
				if !mb.split && a.Status != http.StatusNotFound {
					mb.split = true
					retry = append(retry, ref.mbean)
				}
				continue
			}
			attrs = map[string]any{ref.attrs[0]: nil}
		}
		if values[ref.mbean] == nil {
			values[ref.mbean] = map[string]any{}
		}
		for k, v := range attrs {
			if n, ok := mb.notANumber(k, v, a.Status, a.Error); ok {
				v = n
			} else if a.Status != http.StatusOK {
				continue
			}
			values[ref.mbean][k] = v
		}
	}
	return retry
}

func (e *jmxEngine) excluded(on objectName) bool {
	for _, ex := range e.exclude {
		if ex.matches(on) {
			return true
		}
	}
	return false
}

func jolokiaRequest(typ string, target *requestTarget, key, value string) map[string]any {
	r := map[string]any{"type": typ, key: value, "config": jmxReadConfig}
	if target != nil {
		r["target"] = target
	}
	return r
}

// listPath is the Jolokia list path of an MBean's attributes: "/" and "!"
// inside the name are escaped with "!".
func listPath(mbean string) string {
	domain, props, _ := strings.Cut(mbean, ":")
	esc := strings.NewReplacer("!", "!!", "/", "!/")
	return esc.Replace(domain) + "/" + esc.Replace(props) + "/attr"
}

// postJSON sends one bulk request and decodes its answer, entry by entry.
func (t *targetScraper) postJSON(ctx context.Context, reqs []map[string]any) ([]responseEntry, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	body, err := json.Marshal(reqs)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	answer, err := t.client.post(ctx, body)
	if err != nil {
		return nil, err
	}
	return decodeResponse(answer, len(reqs))
}

// ExplainJMXExporter reads the first target of cfg once and writes, for
// every value the jmx_exporter block's rules see, the flattened name, the
// rule that matched it and the sample it gives (tools/jmxrules prints this
// for a live agent).
func ExplainJMXExporter(ctx context.Context, cfg *Config, w io.Writer) error {
	if cfg.JMXExporter == nil {
		return errors.New("no `jmx_exporter` block to explain")
	}
	s, err := newScraper(cfg, receiver.Settings{ID: component.NewID(metadata.Type), TelemetrySettings: component.TelemetrySettings{Logger: zap.NewNop()}})
	if err != nil {
		return err
	}
	if len(s.targets) == 0 {
		return errors.New("no target")
	}
	if err := s.start(ctx, nil); err != nil {
		return err
	}
	defer func() { _ = s.shutdown(ctx) }()
	t := s.targets[0]
	values, err := t.readJMX(ctx)
	if err != nil {
		return fmt.Errorf("jolokia %s: %w", t.name, err)
	}
	scrape := t.jmx.begin()
	scrape.explain = func(matchName string, rule int, m *jmxMatch) {
		switch {
		case rule < 0:
			fmt.Fprintf(w, "%s\n    no rule\n", matchName)
		case m == nil:
			fmt.Fprintf(w, "%s\n    rules[%d]: matched, no sample (not a number, or `value` is not one)\n", matchName, rule)
		default:
			fmt.Fprintf(w, "%s\n    rules[%d]: %s%s %s\n", matchName, rule, trimReservedSuffixes(m.name), labelText(m), strings.ToLower(m.typ))
		}
	}
	for _, name := range sortedKeys(values) {
		scrape.flattenBean(name, values[name], t.jmx.mbeans[name])
	}
	return nil
}

func labelText(m *jmxMatch) string {
	pairs := make([]string, len(m.labelNames))
	for i, n := range m.labelNames {
		pairs[i] = fmt.Sprintf("%s=%q", n, m.labelValues[i])
	}
	return "{" + strings.Join(pairs, ",") + "}"
}
