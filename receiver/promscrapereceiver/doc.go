// Package promscrapereceiver scrapes Prometheus /metrics endpoints with a subset
// of Prometheus' own scrape_config (same YAML shape), parsed by Prometheus' own
// libraries, without the contrib prometheus receiver's service-discovery
// manager, Kubernetes client and PromQL engine. The lean build uses it;
// otelcol-full carries the contrib receiver for everything else.
//
//go:generate go tool mdatagen metadata.yaml
package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"
