package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"

import (
	"math"
	"strconv"
	"strings"
)

// forEachField calls fn for every "key:value" line of an INFO or CLUSTER INFO
// reply. Section headers ("# Server"), blank lines and lines without a colon
// are skipped; so is a trailing "\r". Nothing is allocated.
func forEachField(text string, fn func(key, value string)) {
	for len(text) > 0 {
		var line string
		line, text = cut(text, '\n')
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		fn(line[:i], line[i+1:])
	}
}

// forEachPair calls fn for every "k=v" item of a comma-separated INFO value
// such as "keys=4,expires=1,avg_ttl=0" or "p50=4.015,p99=5.023".
func forEachPair(value string, fn func(k, v string)) {
	for len(value) > 0 {
		var item string
		item, value = cut(value, ',')
		if i := strings.IndexByte(item, '='); i > 0 {
			fn(item[:i], item[i+1:])
		}
	}
}

// cut splits s at the first sep; rest is empty when there is none.
func cut(s string, sep byte) (item, rest string) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// keyspace is one "dbN:keys=..,expires=..,avg_ttl=.." line; a field
// missing or unparsable stays unset (has* false) and its metric is skipped.
type keyspace struct {
	keys, expires, avgTTL          int64
	hasKeys, hasExpires, hasAvgTTL bool
}

func parseKeyspace(value string) keyspace {
	var ks keyspace
	forEachPair(value, func(k, v string) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return
		}
		switch k {
		case "keys":
			ks.keys, ks.hasKeys = n, true
		case "expires":
			ks.expires, ks.hasExpires = n, true
		case "avg_ttl":
			ks.avgTTL, ks.hasAvgTTL = n, true
		}
	})
	return ks
}

// dbIndex returns "0" for the INFO key "db0"; ok is false for other keys.
func dbIndex(key string) (string, bool) {
	if len(key) < 3 || !strings.HasPrefix(key, "db") {
		return "", false
	}
	for _, c := range key[2:] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return key[2:], true
}

// parseInt and parseFloat read a whole INFO value.
func parseInt(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// parseFloat rejects NaN and infinities, which no INFO field means.
func parseFloat(v string) (float64, bool) {
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}
