// Package listencheck is a confmap converter that fails config resolution when
// a listen address of the config is held by another process.
//
// Why a converter: ocb builds it into both binaries from one manifest entry
// (`converters:` in builder-config.yaml), and the collector resolves the config
// through it on `validate`, at start and at every reload, so all three name the
// same culprit. `validate` alone would otherwise pass such a config, and a
// SIGHUP reload of it stops the collector: v0.165's reload shuts the running
// service down before it starts the new one (otelcol/collector.go,
// reloadConfiguration) and has no way back.
//
// A port held by a process running this same executable is accepted: that is
// the collector the new config is meant for, and its reload frees the port
// before binding it again.
package listencheck
