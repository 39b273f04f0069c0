# One module, one binary. Every go command runs with the same flags as ocb's
# own build, so the ~360 modules compile once and stay cached.
SHELL := /bin/bash
export CGO_ENABLED := 0
export GOFLAGS := -trimpath -buildvcs=false
GO ?= go
TEST_TIMEOUT ?= 25m
GENERATED := cmd/otelcol cmd/otelcol-full receiver extension grafana/dashboards
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := .cache/golangci-lint/$(GOLANGCI_LINT_VERSION)/golangci-lint

.PHONY: build build-full run test test-unit test-deps lint generate check-generated compose-test bench bench-compare dashboards demo reliability fuzz scale

# Prometheus service discovery kept in the binary: file, http and kubernetes (always compiled in)
# and dns (compose); the cloud ones are left out. Measurements: bench/RESULTS.md.
BUILD_TAGS := remove_all_sd,enable_dns_sd

## build: the lean collector binary ./otelcol (README "Which build")
build:
	$(GO) build -tags $(BUILD_TAGS) -ldflags="-s -w" -o otelcol ./cmd/otelcol

## build-full: ./otelcol-full, the lean build plus the contrib prometheus receiver (builder-config.full-overlay.yaml)
build-full:
	$(GO) build -tags $(BUILD_TAGS) -ldflags="-s -w" -o otelcol-full ./cmd/otelcol-full

## run: the collector with the default pipeline
run: build
	./otelcol --config otelcol.yaml

## test-deps: install the real servers the tests run against (idempotent)
test-deps:
	bash scripts/install-deps.sh

## test: both tiers: unit, integration against real servers (-tags integration), config validation (the scale-out tests run ./otelcol-full)
test: test-deps build build-full
	./otelcol validate --config otelcol.yaml
	OTELCOL_BIN=$(CURDIR)/otelcol OTELCOL_FULL_BIN=$(CURDIR)/otelcol-full $(GO) test -tags integration -count=1 -timeout $(TEST_TIMEOUT) ./...

## test-unit: the unit tier only: recorded fixtures and in-process fakes. PATH holds only the Go
## toolchain, so a test that would start a server, a JVM or a subprocess fails here instead of
## passing on a machine that happens to have them: such a test belongs behind the integration tag.
test-unit:
	PATH="$$($(GO) env GOROOT)/bin" $(GO) test -count=1 ./...

## lint: go vet, gofmt and golangci-lint (linters in .golangci.yml)
lint: $(GOLANGCI_LINT)
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	$(GO) vet -tags integration,benchcompare ./bench
	$(GO) vet -tags integration,scale ./internal/e2e/...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GOLANGCI_LINT) run ./...

# golangci-lint at a pinned version, installed into the ignored .cache/ on first use:
# `go install pkg@version` builds it from its own go.mod, so its modules stay out of ours.
$(GOLANGCI_LINT):
	GOBIN=$(CURDIR)/$(@D) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

## generate: cmd/otelcol from builder-config.yaml, cmd/otelcol-full from it + the overlay, receivers' code from metadata.yaml
generate:
	mkdir -p cmd .cache
	$(GO) tool builder --config builder-config.yaml --skip-get-modules --skip-compilation >/dev/null 2>&1
	$(GO) run ./tools/builderconfig builder-config.yaml builder-config.full-overlay.yaml > .cache/builder-config-full.yaml
	$(GO) tool builder --config .cache/builder-config-full.yaml --skip-get-modules --skip-compilation >/dev/null 2>&1
	gofmt -w cmd/otelcol cmd/otelcol-full
	$(GO) generate ./...
	$(GO) run ./tools/dashboards

## check-generated: fail when generated files differ from what is committed
check-generated: generate
	@drift=$$(git status --porcelain -- $(GENERATED)); \
	if [ -n "$$drift" ]; then echo "generated files differ from the commit (run make generate and commit):"; echo "$$drift"; exit 1; fi

## compose-test: the compose stack under podman from images built here: every target up, every dashboard query with data (scripts/compose-test.sh)
compose-test:
	bash scripts/compose-test.sh

## bench: Go benchmarks of every receiver's decode and convert path
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./receiver/...

## bench-compare: the collector next to Debian's redis and mysqld exporters on the same targets; writes bench/RESULTS.md
bench-compare: test-deps build
	OTELCOL_BIN=$(CURDIR)/otelcol $(GO) test -tags integration,benchcompare -count=1 -timeout 15m -run '^TestCompare$$' -v ./bench

## dashboards: regenerate grafana/dashboards/ from internal/dashboards
dashboards:
	$(GO) run ./tools/dashboards

## demo: the stack on this machine without Docker (real targets, collector :9090, Prometheus :9091); Ctrl-C stops it
demo: test-deps build
	bash scripts/demo.sh

## reliability: the long forms of the reliability tests (10 min soak, 20 000 scrapes of :9090, every fault)
reliability: test-deps build
	mkdir -p .cache && rm -f .cache/reliability-report.md
	OTELCOL_BIN=$(CURDIR)/otelcol RELIABILITY_SOAK=10m RELIABILITY_LOAD=20000 RELIABILITY_HOSTILE_EACH=1 RELIABILITY_MEMORY_BURST=1 RELIABILITY_REPORT=$(CURDIR)/.cache/reliability-report.md \
		$(GO) test -tags integration -count=1 -timeout 40m -v -run 'TestReliability|TestShippedConfigsBindLoopback|TestComposePublishesCollectorOnLoopback|TestHostileTargets|TestMemoryGuardBurst' ./internal/e2e/ ./internal/e2e/reliability/

## scale: sharded replicas (examples/scale-out) over 3,000 and 10,000 simulated JVMs into VictoriaMetrics at 15s; prints the table of bench/RESULTS.md (~15 min). SCALE_ARGS="-scale.rows=3000x3" for one row
scale: test-deps build-full
	OTELCOL_FULL_BIN=$(CURDIR)/otelcol-full $(GO) test -tags integration,scale -count=1 -timeout 60m -v -run '^TestScaleOutTable$$' ./internal/e2e/scaleout/ -args $(SCALE_ARGS)

## fuzz: every fuzz target for FUZZTIME each (default 60s); crashers land in <pkg>/testdata/fuzz/ and become regression tests
fuzz:
	bash scripts/fuzz.sh
