// Package staleness marks the series a target stopped producing as stale, as a
// Prometheus scrape does.
//
// The Prometheus exporter keeps a series until `metric_expiration` (minutes)
// unless it receives a data point flagged NoRecordedValue for it, which deletes
// the series at once (prometheusexporter accumulator.go). A Tracker sends that
// point once for every series the previous scrape of its target produced and
// the current one does not: a dead target, an unregistered MBean, a NULL
// replication lag.
//
// A series is identified as the exporter identifies it: the resource's
// service.namespace, service.name and service.instance.id (the exporter's job
// and instance), the scope, the metric's name and type, and the point's
// attributes as strings. Other resource attributes are not part of it: a failed
// scrape cannot know the server's version, and a version change must not make
// live series stale.
package staleness

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// identityKeys are the resource attributes the exporter turns into job and instance.
var identityKeys = [...]string{"service.namespace", "service.name", "service.instance.id"}

// Tracker remembers the series of one target's last scrape. Not safe for
// concurrent use (one per target). The zero value is ready to use.
//
// It keeps no pdata of a scrape (the pipeline owns and moves it): a series is
// an encoded key (its metric's number and its attributes) in one map, and a
// series that is already known costs a lookup and no allocation.
type Tracker struct {
	// scrape numbers the calls of Mark; everything stamped with an older
	// number was not seen in the current scrape.
	scrape uint32
	// lastID numbers resources, scopes and metrics, for short keys.
	lastID    uint32
	resources map[string]*resourceDesc
	scopes    map[string]*scopeDesc
	metrics   map[string]*metricDesc
	series    map[string]*seriesState
	// key and sorted are reused between calls to build lookup keys without allocating.
	key    []byte
	sorted []attribute
}

// resourceDesc is a resource identity and the full attributes it had in the
// previous scrape.
type resourceDesc struct {
	id    uint32
	attrs []keyValue
	// latest holds the current scrape's attributes when they differ, until
	// the stale points (which carry the previous ones) are built.
	latest  pcommon.Map
	changed bool
	seen    uint32
}

type scopeDesc struct {
	id                       uint32
	name, version, schemaURL string
	attrs                    []keyValue
	seen                     uint32
}

// metricDesc is one metric of one resource and scope.
type metricDesc struct {
	id       uint32
	resource *resourceDesc
	scope    *scopeDesc
	name     string
	typ      pmetric.MetricType
	// The exporter drops a sum of unspecified temporality, or a delta
	// non-monotonic one, before it looks at the flag: the stale point keeps the
	// original's.
	temporality pmetric.AggregationTemporality
	monotonic   bool
	seen        uint32
	// kept counts the series of the metric a sweep keeps.
	kept int
}

// seriesState is a series' metric, when it was last produced and, once it is
// gone, in which Mark its stale point was sent (0: not yet, or that batch was
// refused).
type seriesState struct {
	metric       *metricDesc
	seen, marked uint32
}

type keyValue struct{ key, value string }

type attribute struct {
	key   string
	value pcommon.Value
}

// New returns an empty Tracker.
func New() *Tracker { return &Tracker{} }

// Mark adds to md a NoRecordedValue data point for every series that the
// previous Mark saw and md lacks, then remembers md's series. Call it on every
// scrape of the target, failed ones included: a failed scrape carries only
// `*.up` = 0 and the scrape duration, so every other series goes stale at once.
// A series gets its stale point once, or again after Refused.
//
// The stale points come first in md, each in a ResourceMetrics with the
// resource attributes and scope the series last had.
func (t *Tracker) Mark(md pmetric.Metrics, now pcommon.Timestamp) {
	if t.metrics == nil {
		t.resources = map[string]*resourceDesc{}
		t.scopes = map[string]*scopeDesc{}
		t.metrics = map[string]*metricDesc{}
		t.series = map[string]*seriesState{}
	}
	t.scrape++
	rms := md.ResourceMetrics()
	for i := range rms.Len() {
		rm := rms.At(i)
		res := t.observeResource(rm.Resource().Attributes())
		sms := rm.ScopeMetrics()
		for j := range sms.Len() {
			sm := sms.At(j)
			scope := t.observeScope(sm)
			ms := sm.Metrics()
			for k := range ms.Len() {
				t.observeMetric(res, scope, ms.At(k))
			}
		}
	}
	stale, ok := t.sweep(now)
	if !ok {
		return
	}
	// Stale points first: the exporter applies a batch in order.
	rms.MoveAndAppendTo(stale)
	stale.MoveAndAppendTo(rms)
}

func (t *Tracker) observeResource(attrs pcommon.Map) *resourceDesc {
	t.key = t.key[:0]
	for _, k := range identityKeys {
		value := ""
		if v, ok := attrs.Get(k); ok {
			value = valueString(v)
		}
		t.key = appendString(t.key, value)
	}
	res := t.resources[string(t.key)]
	if res == nil {
		res = &resourceDesc{id: t.newID()}
		t.resources[string(t.key)] = res
	}
	if !sameAttributes(res.attrs, attrs) {
		res.latest, res.changed = attrs, true
	}
	res.seen = t.scrape
	return res
}

func (t *Tracker) observeScope(sm pmetric.ScopeMetrics) *scopeDesc {
	scope := sm.Scope()
	t.key = appendString(t.key[:0], scope.Name())
	t.key = appendString(t.key, scope.Version())
	t.key = appendString(t.key, sm.SchemaUrl())
	t.key = t.appendSortedAttributes(t.key, scope.Attributes())
	desc := t.scopes[string(t.key)]
	if desc == nil {
		desc = &scopeDesc{
			id:        t.newID(),
			name:      strings.Clone(scope.Name()),
			version:   strings.Clone(scope.Version()),
			schemaURL: strings.Clone(sm.SchemaUrl()),
			attrs:     copyAttributes(scope.Attributes()),
		}
		t.scopes[string(t.key)] = desc
	}
	desc.seen = t.scrape
	return desc
}

func (t *Tracker) observeMetric(res *resourceDesc, scope *scopeDesc, m pmetric.Metric) {
	t.key = binary.LittleEndian.AppendUint32(t.key[:0], res.id)
	t.key = binary.LittleEndian.AppendUint32(t.key, scope.id)
	t.key = appendString(t.key, m.Name())
	t.key = append(t.key, byte(m.Type()))
	desc := t.metrics[string(t.key)]
	if desc == nil {
		desc = &metricDesc{
			id:       t.newID(),
			resource: res,
			scope:    scope,
			name:     strings.Clone(m.Name()),
			typ:      m.Type(),
		}
		t.metrics[string(t.key)] = desc
	}
	desc.seen = t.scrape
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		observePoints[pmetric.NumberDataPoint](t, desc, m.Gauge().DataPoints())
	case pmetric.MetricTypeSum:
		desc.temporality, desc.monotonic = m.Sum().AggregationTemporality(), m.Sum().IsMonotonic()
		observePoints[pmetric.NumberDataPoint](t, desc, m.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		desc.temporality = m.Histogram().AggregationTemporality()
		observePoints[pmetric.HistogramDataPoint](t, desc, m.Histogram().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		desc.temporality = m.ExponentialHistogram().AggregationTemporality()
		observePoints[pmetric.ExponentialHistogramDataPoint](t, desc, m.ExponentialHistogram().DataPoints())
	case pmetric.MetricTypeSummary:
		observePoints[pmetric.SummaryDataPoint](t, desc, m.Summary().DataPoints())
	}
}

type dataPoint interface {
	Attributes() pcommon.Map
	Flags() pmetric.DataPointFlags
}

type dataPoints[P dataPoint] interface {
	Len() int
	At(int) P
}

func observePoints[P dataPoint, S dataPoints[P]](t *Tracker, desc *metricDesc, points S) {
	for i := range points.Len() {
		p := points.At(i)
		if p.Flags().NoRecordedValue() {
			continue // already a stale marker, not a series of this scrape
		}
		t.key = binary.LittleEndian.AppendUint32(t.key[:0], desc.id)
		t.key = t.appendSortedAttributes(t.key, p.Attributes())
		s := t.series[string(t.key)]
		if s == nil {
			s = &seriesState{metric: desc}
			t.series[string(t.key)] = s
		}
		s.seen, s.marked = t.scrape, 0
	}
}

// sweep returns a stale point for each series the current scrape did not
// produce, and forgets the series whose stale point an earlier Mark sent.
func (t *Tracker) sweep(now pcommon.Timestamp) (pmetric.ResourceMetricsSlice, bool) {
	for _, desc := range t.metrics {
		desc.kept = 0
	}
	var out staleOutput
	for key, s := range t.series {
		switch {
		case s.seen == t.scrape:
		case s.marked != 0:
			delete(t.series, key)
			continue
		default:
			out.add(s.metric, key[4:], now) // after the metric's number
			s.marked = t.scrape
		}
		s.metric.kept++
	}
	for key, desc := range t.metrics {
		switch {
		case desc.kept > 0:
			// Series wait for their stale point to be delivered: keep what builds it.
			desc.resource.seen, desc.scope.seen = t.scrape, t.scrape
		case desc.seen != t.scrape:
			delete(t.metrics, key)
		}
	}
	for key, res := range t.resources {
		switch {
		case res.seen != t.scrape:
			delete(t.resources, key)
		case res.changed:
			res.attrs = copyAttributes(res.latest)
			res.latest, res.changed = pcommon.Map{}, false
		}
	}
	for key, scope := range t.scopes {
		if scope.seen != t.scrape {
			delete(t.scopes, key)
		}
	}
	return out.rms, out.scopes != nil
}

// staleOutput builds the stale points, one ResourceMetrics per resource, one
// ScopeMetrics per scope within it and one Metric per metric.
type staleOutput struct {
	rms     pmetric.ResourceMetricsSlice
	scopes  map[[2]any]pmetric.ScopeMetrics
	metrics map[*metricDesc]staleAppender
}

func (o *staleOutput) add(desc *metricDesc, encodedAttrs string, now pcommon.Timestamp) {
	points, ok := o.metrics[desc]
	if !ok {
		points = o.metric(desc)
		o.metrics[desc] = points
	}
	points(encodedAttrs, now)
}

// staleAppender appends one stale point with the encoded attributes to a metric.
type staleAppender func(encodedAttrs string, now pcommon.Timestamp)

func (o *staleOutput) metric(desc *metricDesc) staleAppender {
	if o.scopes == nil {
		o.rms = pmetric.NewResourceMetricsSlice()
		o.scopes = map[[2]any]pmetric.ScopeMetrics{}
		o.metrics = map[*metricDesc]staleAppender{}
	}
	key := [2]any{desc.resource, desc.scope}
	sm, ok := o.scopes[key]
	if !ok {
		rm := o.rms.AppendEmpty()
		putAttributes(rm.Resource().Attributes(), desc.resource.attrs)
		sm = rm.ScopeMetrics().AppendEmpty()
		sm.SetSchemaUrl(desc.scope.schemaURL)
		sm.Scope().SetName(desc.scope.name)
		sm.Scope().SetVersion(desc.scope.version)
		putAttributes(sm.Scope().Attributes(), desc.scope.attrs)
		o.scopes[key] = sm
	}
	m := sm.Metrics().AppendEmpty()
	m.SetName(desc.name)
	switch desc.typ {
	case pmetric.MetricTypeGauge:
		return appendStale[pmetric.NumberDataPoint](m.SetEmptyGauge().DataPoints())
	case pmetric.MetricTypeSum:
		m.SetEmptySum().SetAggregationTemporality(desc.temporality)
		m.Sum().SetIsMonotonic(desc.monotonic)
		return appendStale[pmetric.NumberDataPoint](m.Sum().DataPoints())
	case pmetric.MetricTypeHistogram:
		m.SetEmptyHistogram().SetAggregationTemporality(desc.temporality)
		return appendStale[pmetric.HistogramDataPoint](m.Histogram().DataPoints())
	case pmetric.MetricTypeExponentialHistogram:
		m.SetEmptyExponentialHistogram().SetAggregationTemporality(desc.temporality)
		return appendStale[pmetric.ExponentialHistogramDataPoint](m.ExponentialHistogram().DataPoints())
	default:
		return appendStale[pmetric.SummaryDataPoint](m.SetEmptySummary().DataPoints())
	}
}

type stalePoint interface {
	Attributes() pcommon.Map
	SetTimestamp(pcommon.Timestamp)
	SetFlags(pmetric.DataPointFlags)
}

func appendStale[P stalePoint, S interface{ AppendEmpty() P }](points S) staleAppender {
	return func(encodedAttrs string, now pcommon.Timestamp) {
		p := points.AppendEmpty()
		p.SetTimestamp(now)
		p.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
		attrs := p.Attributes()
		for len(encodedAttrs) > 0 {
			var k, v string
			k, encodedAttrs = readString(encodedAttrs)
			v, encodedAttrs = readString(encodedAttrs)
			attrs.PutStr(k, v)
		}
	}
}

// Refused tells the Tracker that the pipeline refused the metrics of the last
// Mark (e.g. the memory_limiter, which refuses data while memory is high): the
// stale points in them never reached the exporter, so the next Mark sends them
// again for the series that are still gone.
func (t *Tracker) Refused() {
	for _, s := range t.series {
		if s.marked == t.scrape {
			s.marked = 0
		}
	}
}

func (t *Tracker) newID() uint32 {
	t.lastID++
	return t.lastID
}

// appendSortedAttributes encodes attrs in key order, values as strings, as the
// exporter compares them.
func (t *Tracker) appendSortedAttributes(dst []byte, attrs pcommon.Map) []byte {
	t.sorted = t.sorted[:0]
	for k, v := range attrs.All() {
		t.sorted = append(t.sorted, attribute{k, v})
	}
	slices.SortFunc(t.sorted, func(a, b attribute) int { return strings.Compare(a.key, b.key) })
	for _, a := range t.sorted {
		dst = appendString(dst, a.key)
		dst = appendString(dst, valueString(a.value))
	}
	clear(t.sorted) // keep no reference into the scrape's pdata
	return dst
}

// valueString is v.AsString() without the allocation for the common string value.
func valueString(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return v.AsString()
}

func sameAttributes(known []keyValue, attrs pcommon.Map) bool {
	if len(known) != attrs.Len() {
		return false
	}
	i := 0
	for k, v := range attrs.All() {
		if known[i].key != k || known[i].value != valueString(v) {
			return false
		}
		i++
	}
	return true
}

func copyAttributes(attrs pcommon.Map) []keyValue {
	out := make([]keyValue, 0, attrs.Len())
	for k, v := range attrs.All() {
		out = append(out, keyValue{strings.Clone(k), strings.Clone(valueString(v))})
	}
	return out
}

func putAttributes(dst pcommon.Map, attrs []keyValue) {
	dst.EnsureCapacity(len(attrs))
	for _, a := range attrs {
		dst.PutStr(a.key, a.value)
	}
}

// appendString writes s length-prefixed, so that no two lists of strings
// encode alike.
func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func readString(encoded string) (s, rest string) {
	n, size := binary.Uvarint([]byte(encoded[:min(len(encoded), binary.MaxVarintLen64)]))
	encoded = encoded[size:]
	return encoded[:n], encoded[n:]
}

// NotifyRefused returns next, calling refused whenever next returns an error:
// for a receiver whose scrapes a scraperhelper controller sends on, so that
// its Tracker learns which metrics were refused (see Tracker.Refused).
func NotifyRefused(next consumer.Metrics, refused func()) (consumer.Metrics, error) {
	return consumer.NewMetrics(func(ctx context.Context, md pmetric.Metrics) error {
		err := next.ConsumeMetrics(ctx, md)
		if err != nil {
			refused()
		}
		return err
	}, consumer.WithCapabilities(next.Capabilities()))
}
