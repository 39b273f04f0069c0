package jolokiareceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mustPlan compiles presets and metrics into the plan the scraper would run.
func mustPlan(t testing.TB, presets []string, metrics []MetricConfig) *plan {
	t.Helper()
	cfg := &Config{Presets: presets, Metrics: metrics}
	defs, err := cfg.metricDefinitions()
	require.NoError(t, err)
	p, err := compilePlan(defs)
	require.NoError(t, err)
	return p
}

func TestPlanMergesSameMBean(t *testing.T) {
	p := mustPlan(t, nil, []MetricConfig{
		{Name: "a", MBean: "com.moalog.test:type=Payments,name=card", Attribute: "TotalPayments"},
		{Name: "b", MBean: "com.moalog.test:name=card,type=Payments", Attribute: "Amount"},
		{Name: "c", MBean: "com.moalog.test:type=Payments,name=card", Attribute: "TotalPayments", Scale: 2},
		{Name: "d", MBean: "java.lang:type=Threading", Attribute: "ThreadCount", MinusAttribute: "DaemonThreadCount",
			LabelsFromAttributes: map[string]AttributeLabel{"x": {Attribute: "Name"}}},
	})
	assert.JSONEq(t, `[
		{"type":"read","mbean":"com.moalog.test:name=card,type=Payments","attribute":["TotalPayments","Amount"],"config":{"ignoreErrors":true,"includeStackTrace":false}},
		{"type":"read","mbean":"java.lang:type=Threading","attribute":["ThreadCount","DaemonThreadCount","Name"],"config":{"ignoreErrors":true,"includeStackTrace":false}}
	]`, string(p.body))
	body, slots := p.layout([]bool{true, false})
	assert.JSONEq(t, `[
		{"type":"read","mbean":"com.moalog.test:name=card,type=Payments","attribute":["TotalPayments"],"config":{"ignoreErrors":true,"includeStackTrace":false}},
		{"type":"read","mbean":"com.moalog.test:name=card,type=Payments","attribute":["Amount"],"config":{"ignoreErrors":true,"includeStackTrace":false}},
		{"type":"read","mbean":"java.lang:type=Threading","attribute":["ThreadCount","DaemonThreadCount","Name"],"config":{"ignoreErrors":true,"includeStackTrace":false}}
	]`, string(body))
	assert.Equal(t, []slot{{0, []string{"TotalPayments"}}, {0, []string{"Amount"}}, {1, []string{"ThreadCount", "DaemonThreadCount", "Name"}}}, slots)
}
