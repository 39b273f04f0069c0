# Demo stand-in for moalog-server's /metrics: tools/moalog-contract serves the
# metrics contract (docs/moalog-metrics-contract.md) with changing values.
# Build context: the repository root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
# The caches' paths set where the mounts are (why: compose/Dockerfile).
ENV GOMODCACHE=/go/pkg/mod GOCACHE=/root/.cache/go-build
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/moalog-contract ./tools/moalog-contract

FROM scratch
COPY --from=build /out/moalog-contract /moalog-contract
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/moalog-contract", "-listen", "0.0.0.0:8080"]
