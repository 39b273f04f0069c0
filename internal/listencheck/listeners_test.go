package listencheck

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"
)

func TestListeners(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		want   []Listener
	}{{
		name: "the shipped endpoints",
		config: `
exporters: {prometheus: {endpoint: 127.0.0.1:9090}}
extensions: {health_check: {endpoint: 127.0.0.1:13133}}
service:
  extensions: [health_check]
  telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: 8888}}}}]}}
  pipelines: {metrics: {receivers: [otlp], exporters: [prometheus]}}
receivers: {otlp: {protocols: {grpc: {endpoint: 127.0.0.1:4317}}}}
`,
		want: []Listener{{`receiver "otlp"`, "receivers::otlp::protocols::grpc::endpoint", "127.0.0.1:4317"},
			{`exporter "prometheus"`, "exporters::prometheus::endpoint", "127.0.0.1:9090"},
			{`extension "health_check"`, "extensions::health_check::endpoint", "127.0.0.1:13133"},
			{"service telemetry", "service::telemetry::metrics::readers[0]::pull::exporter::prometheus::port", "127.0.0.1:8888"}},
	}, {
		name: "keys left out listen at the defaults",
		config: `
receivers: {otlp: {protocols: {grpc: null, http: null}}}
exporters: {debug: null}
extensions: {health_check: null, pprof: null, zpages: null}
service:
  extensions: [health_check, pprof, zpages]
  pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}
`,
		want: []Listener{{`receiver "otlp"`, "receivers::otlp::protocols::grpc::endpoint", "localhost:4317"},
			{`receiver "otlp"`, "receivers::otlp::protocols::http::endpoint", "localhost:4318"},
			{`extension "health_check"`, "extensions::health_check::endpoint", "localhost:13133"},
			{`extension "pprof"`, "extensions::pprof::endpoint", "localhost:1777"},
			{`extension "zpages"`, "extensions::zpages::endpoint", "localhost:55679"},
			{"service telemetry", "service::telemetry::metrics::readers[0]::pull::exporter::prometheus::port", "localhost:8888"}},
	}, {
		name: "a health check v2 listens on its http and grpc servers",
		config: `
extensions: {health_check: {use_v2: true, http: {endpoint: 127.0.0.1:13133}, grpc: {endpoint: 127.0.0.1:13132}}}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
`,
		want: []Listener{{`extension "health_check"`, "extensions::health_check::http::endpoint", "127.0.0.1:13133"},
			{`extension "health_check"`, "extensions::health_check::grpc::endpoint", "127.0.0.1:13132"}},
	}, {
		name: "unused components and telemetry level none open nothing",
		config: `
exporters: {prometheus: {endpoint: 127.0.0.1:9090}, prometheus/unused: {endpoint: 127.0.0.1:9999}}
extensions: {health_check: {endpoint: 127.0.0.1:13133}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {metrics: {receivers: [redis], exporters: [prometheus]}, metrics/2: {receivers: [redis], exporters: [prometheus]}}
`,
		want: []Listener{{`exporter "prometheus"`, "exporters::prometheus::endpoint", "127.0.0.1:9090"}},
	}, {
		name: "a section that does not decode is left to the collector's validation",
		config: `
exporters: {prometheus: {endpoint: 127.0.0.1:9090, no_such_key: 1}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {metrics: {receivers: [redis], exporters: [prometheus]}}
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Listeners(parse(t, tc.config)))
		})
	}
}

func parse(t *testing.T, config string) *confmap.Conf {
	t.Helper()
	var raw map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(config), &raw))
	return confmap.NewFromStringMap(raw)
}
