# One module, one binary. Every go command runs with the same flags as ocb's
# own build, so the ~360 modules compile once and stay cached.
SHELL := /bin/bash
export CGO_ENABLED := 0
export GOFLAGS := -trimpath -buildvcs=false
GO ?= go
TEST_TIMEOUT ?= 25m
GENERATED := cmd/otelcol receiver grafana/dashboards

.PHONY: build run test test-deps lint generate check-generated bench

## build: the collector binary ./otelcol
build:
	$(GO) build -ldflags="-s -w" -o otelcol ./cmd/otelcol

## run: the collector with the default pipeline
run: build
	./otelcol --config otelcol.yaml

## test-deps: install the real servers the tests run against (idempotent)
test-deps:
	bash scripts/install-deps.sh

## test: every test: unit, integration against real servers, config validation
test: test-deps build
	./otelcol validate --config otelcol.yaml
	OTELCOL_BIN=$(CURDIR)/otelcol $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

## lint: go vet and gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## generate: cmd/otelcol from builder-config.yaml, receivers' code from metadata.yaml
generate:
	mkdir -p cmd
	$(GO) tool builder --config builder-config.yaml --skip-get-modules --skip-compilation >/dev/null 2>&1
	gofmt -w cmd/otelcol
	$(GO) generate ./...

## check-generated: fail when generated files differ from what is committed
check-generated: generate
	@drift=$$(git status --porcelain -- $(GENERATED)); \
	if [ -n "$$drift" ]; then echo "generated files differ from the commit (run make generate and commit):"; echo "$$drift"; exit 1; fi

## bench: Go benchmarks of every receiver's decode and convert path
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./receiver/...
