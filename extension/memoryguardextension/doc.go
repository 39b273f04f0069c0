// Package memoryguardextension is the memory_guard extension: it measures the
// collector's heap at `check_interval` and, while it is over `limit_mib`,
// makes the receivers of this repository shed their targets' data so that
// `*_up` and staleness keep flowing (internal/memguard).
//
//go:generate go tool mdatagen metadata.yaml
package memoryguardextension // import "github.com/moalog/platform-collector/extension/memoryguardextension"
