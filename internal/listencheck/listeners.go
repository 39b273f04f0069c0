package listencheck

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/pprofextension"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configtelemetry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/extension/zpagesextension"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

// Listener is one TCP address the config makes the collector listen on.
type Listener struct {
	Component string // exporter "prometheus"
	Key       string // the key that sets it: exporters::prometheus::endpoint
	Address   string // host:port, a key left out at its default
}

// endpoint is a listen address inside one component's config.
type endpoint struct {
	key     string // relative to the component: endpoint, protocols::grpc::endpoint
	address string
}

// listening is a component type that opens TCP listeners: its factory gives
// the defaults of the keys a config leaves out, endpoints reads the decoded
// config.
type listening struct {
	factory   component.Factory
	endpoints func(component.Config) []endpoint
}

// listeningTypes holds, by config section and component type, every component
// of both builds that listens (the receivers of ours, promscrape and the
// contrib prometheus receiver as configured here, only dial out).
var listeningTypes = map[string]map[string]listening{
	"receivers": {
		"otlp": {otlpreceiver.NewFactory(), otlpEndpoints},
	},
	"exporters": {
		"prometheus": {prometheusexporter.NewFactory(), func(cfg component.Config) []endpoint {
			return netAddr("endpoint", cfg.(*prometheusexporter.Config).ServerConfig.NetAddr)
		}},
	},
	"extensions": {
		"health_check": {healthcheckextension.NewFactory(), healthCheckEndpoints},
		"pprof": {pprofextension.NewFactory(), func(cfg component.Config) []endpoint {
			return []endpoint{{"endpoint", cfg.(*pprofextension.Config).TCPAddr.Endpoint}}
		}},
		"zpages": {zpagesextension.NewFactory(), func(cfg component.Config) []endpoint {
			return netAddr("endpoint", cfg.(*zpagesextension.Config).ServerConfig.NetAddr)
		}},
	},
}

func otlpEndpoints(cfg component.Config) []endpoint {
	protocols := cfg.(*otlpreceiver.Config).Protocols
	var endpoints []endpoint
	if grpc := protocols.GRPC.Get(); grpc != nil {
		endpoints = append(endpoints, netAddr("protocols::grpc::endpoint", grpc.NetAddr)...)
	}
	if http := protocols.HTTP.Get(); http != nil {
		endpoints = append(endpoints, netAddr("protocols::http::endpoint", http.ServerConfig.NetAddr)...)
	}
	return endpoints
}

// healthCheckEndpoints reads the v1 `endpoint`, or with `use_v2` (behind the
// extension.healthcheck.useComponentStatus gate) its `http` and `grpc` servers.
func healthCheckEndpoints(cfg component.Config) []endpoint {
	healthCheck := cfg.(*healthcheckextension.Config).Config
	if !healthCheck.UseV2 {
		return netAddr("endpoint", healthCheck.ServerConfig.NetAddr)
	}
	var endpoints []endpoint
	if healthCheck.HTTPConfig != nil {
		endpoints = append(endpoints, netAddr("http::endpoint", healthCheck.HTTPConfig.ServerConfig.NetAddr)...)
	}
	if healthCheck.GRPCConfig != nil {
		endpoints = append(endpoints, netAddr("grpc::endpoint", healthCheck.GRPCConfig.ServerConfig.NetAddr)...)
	}
	return endpoints
}

// netAddr is addr's endpoint unless it is a unix socket.
func netAddr(key string, addr confignet.AddrConfig) []endpoint {
	if addr.Transport != "" && !strings.HasPrefix(string(addr.Transport), "tcp") {
		return nil
	}
	return []endpoint{{key, addr.Endpoint}}
}

// Listeners returns the listen addresses of the components the service uses
// and of its telemetry. A section that does not decode is skipped: the
// collector's own validation reports it.
func Listeners(conf *confmap.Conf) []Listener {
	var service struct {
		Extensions []string `mapstructure:"extensions"`
		Pipelines  map[string]struct {
			Receivers []string `mapstructure:"receivers"`
			Exporters []string `mapstructure:"exporters"`
		} `mapstructure:"pipelines"`
	}
	sub, err := conf.Sub("service")
	if err != nil || sub.Unmarshal(&service, confmap.WithIgnoreUnused()) != nil {
		return nil
	}
	used := map[string][]string{"extensions": service.Extensions}
	for _, pipeline := range service.Pipelines {
		used["receivers"] = append(used["receivers"], pipeline.Receivers...)
		used["exporters"] = append(used["exporters"], pipeline.Exporters...)
	}
	var found []Listener
	for _, section := range []string{"receivers", "exporters", "extensions"} {
		for _, id := range unique(used[section]) {
			found = append(found, componentListeners(conf, section, id)...)
		}
	}
	return append(found, telemetryListeners(sub)...)
}

func componentListeners(conf *confmap.Conf, section, id string) []Listener {
	componentType, _, _ := strings.Cut(id, "/")
	kind, ok := listeningTypes[section][componentType]
	if !ok {
		return nil
	}
	prefix := section + confmap.KeyDelimiter + id
	sub, err := conf.Sub(prefix)
	if err != nil {
		return nil
	}
	cfg := kind.factory.CreateDefaultConfig()
	if sub.Unmarshal(cfg) != nil {
		return nil
	}
	var found []Listener
	for _, e := range kind.endpoints(cfg) {
		found = append(found, Listener{
			Component: fmt.Sprintf("%s %q", strings.TrimSuffix(section, "s"), id),
			Key:       prefix + confmap.KeyDelimiter + e.key,
			Address:   e.address,
		})
	}
	return found
}

// telemetryListeners returns the pull readers of the collector's own metrics
// (by default localhost:8888).
func telemetryListeners(service *confmap.Conf) []Listener {
	sub, err := service.Sub("telemetry")
	if err != nil {
		return nil
	}
	cfg := otelconftelemetry.NewFactory().CreateDefaultConfig().(*otelconftelemetry.Config)
	if sub.Unmarshal(cfg) != nil || cfg.Metrics.Level == configtelemetry.LevelNone {
		return nil
	}
	var found []Listener
	for i, reader := range cfg.Metrics.Readers {
		if reader.Pull == nil || reader.Pull.Exporter.Prometheus == nil {
			continue
		}
		prometheus := reader.Pull.Exporter.Prometheus
		if prometheus.Host == nil || prometheus.Port == nil {
			continue
		}
		found = append(found, Listener{
			Component: "service telemetry",
			Key:       fmt.Sprintf("service::telemetry::metrics::readers[%d]::pull::exporter::prometheus::port", i),
			Address:   net.JoinHostPort(*prometheus.Host, strconv.Itoa(*prometheus.Port)),
		})
	}
	return found
}

func unique(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}
