// Command jolokiafleet simulates a fleet of Jolokia agents for scale tests: it
// listens on -n loopback ports and answers every POST with one recorded
// response body of a real agent (testdata/recorded/<agent>/<name>.json), after
// checking that the request is the recorded request. It prints one
// "127.0.0.1:PORT" line per listener, then "ready", and serves until killed.
//
// It runs as its own process so that a test measuring the receiver's CPU and
// memory (getrusage of its own process) does not count the fleet's.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	n := flag.Int("n", 10, "number of simulated agents (loopback ports)")
	responseFile := flag.String("response", "", "recorded response body to answer with")
	requestFile := flag.String("request", "", "recorded request body; other requests get HTTP 400 (empty: accept any)")
	flag.Parse()
	response, err := os.ReadFile(*responseFile)
	if err != nil {
		log.Fatal(err)
	}
	var request []byte
	if *requestFile != "" {
		if request, err = os.ReadFile(*requestFile); err != nil {
			log.Fatal(err)
		}
		request = bytes.TrimSpace(request)
	}
	contentLength := strconv.Itoa(len(response))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "POST a bulk read", http.StatusBadRequest)
			return
		}
		if request != nil && !bytes.Equal(bytes.TrimSpace(body), request) {
			http.Error(w, "not the recorded request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", contentLength)
		_, _ = w.Write(response)
	})
	out := bufio.NewWriter(os.Stdout)
	srv := &http.Server{Handler: handler}
	for i := 0; i < *n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatalf("listener %d: %v", i, err)
		}
		fmt.Fprintln(out, l.Addr().String())
		go func() { _ = srv.Serve(l) }()
	}
	fmt.Fprintln(out, "ready")
	_ = out.Flush()
	select {}
}
