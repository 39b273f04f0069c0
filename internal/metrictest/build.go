package metrictest

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Target is a scraped target as the receivers name it in a resource:
// service.name, service.instance.id and, once a scrape found it,
// server.version. Empty fields are left out, so Target{} is a bare resource.
type Target struct{ Service, Instance, Version string }

// Scrape is one scrape of tgt as the receivers emit it: one resource, one
// scope named "test", and for each series, written "name" or
// "name{key=value,...}", a gauge point of value 1. Consecutive series of one
// name are points of one metric.
func (tgt Target) Scrape(series ...string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	for _, kv := range [][2]string{{"service.name", tgt.Service}, {"service.instance.id", tgt.Instance}, {"server.version", tgt.Version}} {
		if kv[1] != "" {
			rm.Resource().Attributes().PutStr(kv[0], kv[1])
		}
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("test")
	ms := sm.Metrics()
	for _, s := range series {
		name, attrs, _ := strings.Cut(strings.TrimSuffix(s, "}"), "{")
		if ms.Len() == 0 || ms.At(ms.Len()-1).Name() != name {
			m := ms.AppendEmpty()
			m.SetName(name)
			m.SetEmptyGauge()
		}
		dp := ms.At(ms.Len() - 1).Gauge().DataPoints().AppendEmpty()
		dp.SetIntValue(1)
		for _, kv := range strings.Split(attrs, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				dp.Attributes().PutStr(k, v)
			}
		}
	}
	return md
}
