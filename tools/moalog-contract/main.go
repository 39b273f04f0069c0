// Command moalog-contract serves moalog-server's metrics contract
// (docs/moalog-metrics-contract.md) with changing values, for the demo and for
// building dashboards before moalog-server exports the new metrics.
//
//	go run ./tools/moalog-contract -listen 127.0.0.1:8080
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/moalog/platform-collector/internal/moalogcontract"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve /metrics on")
	flag.Parse()
	mux := http.NewServeMux()
	mux.Handle("/metrics", moalogcontract.New())
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("moalog-contract: serving http://%s/metrics", *listen)
	log.Fatal(srv.ListenAndServe())
}
