package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"math"
	"sort"
	"strconv"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// identity is the job and instance of a series: its resource.
type identity struct{ job, instance string }

// series is one data point being assembled: a counter or gauge value, or the
// samples of one histogram or summary.
type series struct {
	attrs       labels.Labels // labels without __name__, job, instance, le, quantile
	value       float64
	count       float64
	sum         float64
	buckets     map[float64]float64 // upper bound -> cumulative count
	quantiles   map[float64]float64
	timestampMs int64
	startMs     int64
}

// family is one metric being assembled, with its series in order of appearance.
type family struct {
	name   string
	meta   familyMeta
	series map[string]*series
	order  []string
}

// converter groups a scrape's samples into OpenTelemetry metrics per
// resource (job, instance), the way the contrib receiver maps Prometheus types:
// counter -> cumulative monotonic sum, gauge and unknown -> gauge, histogram ->
// cumulative histogram, summary -> summary.
type converter struct {
	families map[identity]map[string]*family
	order    map[identity][]string
	ids      []identity
	b        *labels.Builder
}

func newConverter() *converter {
	return &converter{families: map[identity]map[string]*family{}, order: map[identity][]string{}, b: labels.NewBuilder(labels.EmptyLabels())}
}

func (c *converter) add(s sample, metas map[string]familyMeta) {
	name := s.labels.Get(model.MetricNameLabel)
	familyName, meta := familyOf(name, metas)
	switch meta.kind {
	case model.MetricTypeHistogram, model.MetricTypeSummary:
	case model.MetricTypeCounter, model.MetricTypeGauge:
		// One sample per series: the metric keeps the sample's name, so an
		// OpenMetrics counter is foo_total like the text format's.
		familyName = name
	default:
		familyName, meta = name, familyMeta{kind: model.MetricTypeUnknown, help: meta.help, unit: meta.unit}
	}
	id := identity{job: s.labels.Get(model.JobLabel), instance: s.labels.Get(model.InstanceLabel)}
	f := c.family(id, familyName, meta)
	c.b.Reset(s.labels)
	c.b.Del(model.MetricNameLabel, model.JobLabel, model.InstanceLabel)
	le, quantile := s.labels.Get(model.BucketLabel), s.labels.Get(model.QuantileLabel)
	composite := meta.kind == model.MetricTypeHistogram || meta.kind == model.MetricTypeSummary
	if composite {
		c.b.Del(model.BucketLabel, model.QuantileLabel)
	}
	attrs := c.b.Labels()
	key := attrs.String()
	ser := f.series[key]
	if ser == nil {
		ser = &series{attrs: attrs, buckets: map[float64]float64{}, quantiles: map[float64]float64{}}
		f.series[key] = ser
		f.order = append(f.order, key)
	}
	ser.timestampMs = max(ser.timestampMs, s.timestampMs)
	if s.startMs != 0 {
		ser.startMs = s.startMs
	}
	if !composite {
		ser.value = s.value
		return
	}
	switch {
	case name == familyName+"_sum":
		ser.sum = s.value
	case name == familyName+"_count":
		ser.count = s.value
	case meta.kind == model.MetricTypeHistogram && name == familyName+"_bucket":
		if bound, err := strconv.ParseFloat(le, 64); err == nil {
			ser.buckets[bound] = s.value
		}
	case meta.kind == model.MetricTypeSummary && name == familyName:
		if q, err := strconv.ParseFloat(quantile, 64); err == nil {
			ser.quantiles[q] = s.value
		}
	}
}

func (c *converter) family(id identity, name string, meta familyMeta) *family {
	byName := c.families[id]
	if byName == nil {
		byName = map[string]*family{}
		c.families[id] = byName
		c.ids = append(c.ids, id)
	}
	f := byName[name]
	if f == nil {
		f = &family{name: name, meta: meta, series: map[string]*series{}}
		byName[name] = f
		c.order[id] = append(c.order[id], name)
	}
	return f
}

// appendTo writes the metrics of id into ms; now is the scrape's time and
// starts keeps the series' start times across scrapes.
func (c *converter) appendTo(ms pmetric.MetricSlice, id identity, now pcommon.Timestamp, starts *startTimes) {
	for _, name := range c.order[id] {
		f := c.families[id][name]
		m := ms.AppendEmpty()
		m.SetName(f.name)
		m.SetDescription(f.meta.help)
		m.SetUnit(f.meta.unit)
		for _, key := range f.order {
			ser := f.series[key]
			ts := now
			if ser.timestampMs != 0 {
				ts = pcommon.Timestamp(ser.timestampMs * 1e6)
			}
			startKey := id.job + "\xff" + id.instance + "\xff" + f.name + "\xff" + key
			switch f.meta.kind {
			case model.MetricTypeCounter:
				dp := sumPoints(m).AppendEmpty()
				setNumber(dp, ser, ts)
				dp.SetStartTimestamp(starts.start(startKey, ser, ser.value, ts))
			case model.MetricTypeHistogram:
				setHistogram(m, ser, ts, starts.start(startKey, ser, ser.count, ts))
			case model.MetricTypeSummary:
				setSummary(m, ser, ts, starts.start(startKey, ser, ser.count, ts))
			default:
				setNumber(gaugePoints(m).AppendEmpty(), ser, ts)
			}
		}
	}
}

func gaugePoints(m pmetric.Metric) pmetric.NumberDataPointSlice {
	if m.Type() != pmetric.MetricTypeGauge {
		m.SetEmptyGauge()
	}
	return m.Gauge().DataPoints()
}

func sumPoints(m pmetric.Metric) pmetric.NumberDataPointSlice {
	if m.Type() != pmetric.MetricTypeSum {
		m.SetEmptySum().SetIsMonotonic(true)
		m.Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	}
	return m.Sum().DataPoints()
}

func setNumber(dp pmetric.NumberDataPoint, ser *series, ts pcommon.Timestamp) {
	dp.SetTimestamp(ts)
	putAttributes(dp.Attributes(), ser.attrs)
	if value.IsStaleNaN(ser.value) {
		dp.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))
		return
	}
	dp.SetDoubleValue(ser.value)
}

func setHistogram(m pmetric.Metric, ser *series, ts, start pcommon.Timestamp) {
	if m.Type() != pmetric.MetricTypeHistogram {
		m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	}
	dp := m.Histogram().DataPoints().AppendEmpty()
	stamp(dp, ser, ts, start)
	bounds := make([]float64, 0, len(ser.buckets))
	for bound := range ser.buckets {
		if !math.IsInf(bound, +1) {
			bounds = append(bounds, bound)
		}
	}
	sort.Float64s(bounds)
	counts := make([]uint64, 0, len(bounds)+1)
	previous := 0.0
	for _, bound := range bounds {
		counts = append(counts, uint64(max(0, ser.buckets[bound]-previous)))
		previous = ser.buckets[bound]
	}
	counts = append(counts, uint64(max(0, ser.count-previous)))
	dp.ExplicitBounds().FromRaw(bounds)
	dp.BucketCounts().FromRaw(counts)
	dp.SetCount(uint64(ser.count))
	dp.SetSum(ser.sum)
}

// cumulativePoint is what histogram and summary points share.
type cumulativePoint interface {
	SetTimestamp(pcommon.Timestamp)
	SetStartTimestamp(pcommon.Timestamp)
	Attributes() pcommon.Map
}

func stamp(dp cumulativePoint, ser *series, ts, start pcommon.Timestamp) {
	dp.SetTimestamp(ts)
	dp.SetStartTimestamp(start)
	putAttributes(dp.Attributes(), ser.attrs)
}

func setSummary(m pmetric.Metric, ser *series, ts, start pcommon.Timestamp) {
	if m.Type() != pmetric.MetricTypeSummary {
		m.SetEmptySummary()
	}
	dp := m.Summary().DataPoints().AppendEmpty()
	stamp(dp, ser, ts, start)
	qs := make([]float64, 0, len(ser.quantiles))
	for q := range ser.quantiles {
		qs = append(qs, q)
	}
	sort.Float64s(qs)
	for _, q := range qs {
		qv := dp.QuantileValues().AppendEmpty()
		qv.SetQuantile(q)
		qv.SetValue(ser.quantiles[q])
	}
	dp.SetCount(uint64(ser.count))
	dp.SetSum(ser.sum)
}

func putAttributes(attrs pcommon.Map, ls labels.Labels) {
	attrs.EnsureCapacity(ls.Len())
	ls.Range(func(l labels.Label) { attrs.PutStr(l.Name, l.Value) })
}

// startTimes keeps a cumulative series' start time across scrapes: the
// target's created timestamp when it sends one, otherwise the time the series
// was first seen, moved to the current scrape when the value decreases (a reset).
type startTimes struct {
	seen map[string]startState // this scrape's series
	last map[string]startState // the previous scrape's
}

type startState struct {
	start pcommon.Timestamp
	value float64
}

func newStartTimes() *startTimes {
	return &startTimes{seen: map[string]startState{}, last: map[string]startState{}}
}

func (st *startTimes) start(key string, ser *series, value float64, ts pcommon.Timestamp) pcommon.Timestamp {
	state, known := st.last[key]
	switch {
	case ser.startMs != 0:
		state.start = pcommon.Timestamp(ser.startMs * 1e6)
	case !known || value < state.value:
		state.start = ts
	}
	state.value = value
	st.seen[key] = state
	return state.start
}

// next forgets the series the last scrape did not have.
func (st *startTimes) next() {
	st.last, st.seen = st.seen, map[string]startState{}
}
