package jolokiareceiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// responseEntry is one entry of a Jolokia bulk response. Value is decoded
// with json.Number, so integers keep every digit.
type responseEntry struct {
	Status    int    `json:"status"`
	Value     any    `json:"value"`
	Error     string `json:"error"`
	ErrorType string `json:"error_type"`
	// Request is the echoed request's proxy target (proxy mode only).
	Request *echoedRequest `json:"request"`
}

// decodeResponse decodes a bulk response body of the agent. want is how many
// requests were sent: entries are matched to requests by position, because
// the agent echoes each request in a canonicalised form.
//
// The body was already read under max_response_bytes, and encoding/json
// allocates in proportion to its input and stops nesting at depth 10,000:
// hostile bodies cost at most a bounded multiple of that limit.
func decodeResponse(body []byte, want int) ([]responseEntry, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("empty response body: check that the endpoint is a Jolokia agent (URL ends in /jolokia)")
	}
	switch trimmed[0] {
	case '[':
	case '{':
		// The agent answers a request it refuses as a whole with one object.
		var e responseEntry
		if err := unmarshalNumbers(trimmed, &e); err != nil {
			return nil, notJSON(trimmed, err)
		}
		if e.Status != 200 {
			return nil, fmt.Errorf("agent refused the bulk read with status %d: %s", e.Status, firstLine(e.Error))
		}
		return nil, errors.New("agent answered the bulk read with a single object, not a list: check that the endpoint is a Jolokia agent")
	default:
		return nil, notJSON(trimmed, nil)
	}
	var entries []responseEntry
	if err := unmarshalNumbers(trimmed, &entries); err != nil {
		return nil, notJSON(trimmed, err)
	}
	if len(entries) != want {
		return nil, fmt.Errorf("bulk response has %d entries for %d requests: the agent or a proxy in between cut it short", len(entries), want)
	}
	return entries, nil
}

func unmarshalNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func notJSON(body []byte, err error) error {
	var syntax *json.SyntaxError
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("response body is cut short (incomplete JSON): check for a proxy or a crashed agent")
	}
	if err == nil || errors.As(err, &syntax) {
		return fmt.Errorf("response is not JSON (it starts with %q): check that the endpoint is a Jolokia agent (URL ends in /jolokia)", preview(body))
	}
	return fmt.Errorf("response is not a Jolokia bulk response: %v", err)
}

func preview(b []byte) string {
	const n = 40
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	const n = 300
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// number is a numeric value: an exact integer or a float.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func (n number) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

// toNumber converts a decoded JSON value: integers (exact up to int64),
// floats, numeric strings (serializeLong), booleans as 0/1. Strings that are
// not written as a JSON number ("0x1p4", "1_000", " 42 "), nulls, objects,
// NaN and infinities are not numbers.
func toNumber(v any) (number, bool) {
	switch x := v.(type) {
	case json.Number:
		return parseNumber(string(x))
	case string:
		if !isJSONNumber(x) {
			return number{}, false
		}
		return parseNumber(x)
	case bool:
		if x {
			return number{i: 1, isInt: true}, true
		}
		return number{i: 0, isInt: true}, true
	}
	return number{}, false
}

func parseNumber(s string) (number, bool) {
	if s == "" {
		return number{}, false
	}
	if !strings.ContainsAny(s, ".eEInN") { // ParseInt's error on "12.5" would allocate
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return number{i: i, isInt: true}, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return number{}, false
	}
	return number{f: f}, true
}

// isJSONNumber reports whether s is written as a JSON number:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. strconv accepts more (hex
// floats, underscores, Inf), which a string attribute must not become.
func isJSONNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	digits := func() int {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n
	}
	switch {
	case strings.HasPrefix(s, "0"):
		s = s[1:]
	case digits() == 0:
		return false
	}
	if strings.HasPrefix(s, ".") {
		s = s[1:]
		if digits() == 0 {
			return false
		}
	}
	if len(s) > 0 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}
