package jolokiareceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLabelRegexValidate(t *testing.T) {
	base := MetricConfig{Name: "pool.active", MBean: "com.zaxxer.hikari:type=Pool (*)", Attribute: "ActiveConnections",
		Labels: map[string]string{"pool": "type"}}
	for expr, want := range map[string]string{
		`^Pool \((.*)\)$`:   "",
		`^Pool \(.*\)$`:     "`label_regex.pool` \"^Pool \\\\(.*\\\\)$\" must have exactly one capture group (the part to keep)",
		`^(Pool) \((.*)\)$`: "must have exactly one capture group",
		`^Pool \((.*$`:      "`label_regex.pool`: error parsing regexp",
	} {
		m := base
		m.LabelRegex = map[string]string{"pool": expr}
		err := m.validate()
		if want == "" {
			assert.NoError(t, err, expr)
		} else {
			assert.ErrorContains(t, err, want, expr)
		}
	}
	m := base
	m.LabelRegex = map[string]string{"name": `(.*)`}
	assert.ErrorContains(t, m.validate(), "`label_regex.name`: \"name\" is not one of `labels`")
}
