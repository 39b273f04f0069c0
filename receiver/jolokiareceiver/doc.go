// Package jolokiareceiver reads JVM metrics from Jolokia agents: one bulk
// read per target per scrape, named after the OpenTelemetry JVM semantic
// conventions (the `jvm` preset) and user-defined MBean mappings.
//
// The receiver's own metrics (jolokia.up, jolokia.scrape.duration,
// jolokia.read.errors) are defined in metadata.yaml; the JVM's metrics come
// from configuration (presets, `metrics:`, `jmx_exporter:`) and are built
// by convert.go and jmxread.go.
//
// It runs its own scheduler (receiver.go) instead of scraperhelper's
// controller, for two reasons:
//   - Per-target isolation. Every target has its own ticker and delivers its
//     metrics as soon as its scrape ends, so a slow or dead JVM never delays
//     the others' data; a controller calls one Scrape for all targets and
//     hands the result to the pipeline after the slowest
//     (TestReceiverDeliversEachTargetOnItsOwn). max_concurrency bounds how
//     many targets are scraped at once.
//   - Cancellation. Shutdown cancels the scrapes in flight, and a canceled
//     scrape is not delivered as a failed target; the controller (v0.165)
//     scrapes with a context that Shutdown does not cancel and waits up to
//     `timeout` for it (TestShutdownCancelsScrapeInFlight).
//
//go:generate go tool mdatagen metadata.yaml
package jolokiareceiver // import "github.com/moalog/platform-collector/receiver/jolokiareceiver"
