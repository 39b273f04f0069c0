package jolokiareceiver

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// objectName is a parsed JMX ObjectName: a domain and key properties. It is
// independent of the order in which the agent printed the keys, so results do
// not depend on Jolokia's canonicalNaming (true by default in 1.x, false in 2.x).
type objectName struct {
	Domain string
	// Props are sorted by key. Values are kept as written (quoted values keep
	// their quotes), as in the JMX canonical form.
	Props []property
	// PropertyListPattern is set when the property list ends with ",*" (or is "*").
	PropertyListPattern bool
}

type property struct {
	Key   string
	Value string
}

// parseObjectName parses s by the rules of javax.management.ObjectName:
// "domain:key=value,key2=\"quoted, value\"", with the pattern forms "*", "?"
// in the domain and in values and a trailing ",*" property-list pattern.
func parseObjectName(s string) (objectName, error) {
	var on objectName
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return on, errors.New(`missing ":" between domain and key properties (e.g. "java.lang:type=Memory")`)
	}
	on.Domain = s[:colon]
	if strings.ContainsAny(on.Domain, "\n") {
		return on, errors.New("domain contains a newline")
	}
	rest := s[colon+1:]
	if rest == "" {
		return on, errors.New(`no key properties after ":" (use "domain:*" to match every MBean of a domain)`)
	}
	for len(rest) > 0 {
		if rest == "*" {
			on.PropertyListPattern = true
			break
		}
		if strings.HasPrefix(rest, "*,") {
			on.PropertyListPattern = true
			rest = rest[2:]
			continue
		}
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return on, fmt.Errorf("key property %q has no \"=\"", rest)
		}
		key := rest[:eq]
		if key == "" {
			return on, errors.New("empty key before \"=\"")
		}
		if strings.ContainsAny(key, ":,=*?\"\n") {
			return on, fmt.Errorf("key %q contains one of the characters :,=*?\" or a newline", key)
		}
		// Props are sorted only at the end: rawValue scans, Value would bisect.
		if _, dup := on.rawValue(key); dup {
			return on, fmt.Errorf("key %q appears twice", key)
		}
		rest = rest[eq+1:]
		var value string
		if strings.HasPrefix(rest, `"`) {
			end, err := quotedEnd(rest)
			if err != nil {
				return on, fmt.Errorf("value of key %q: %w", key, err)
			}
			value, rest = rest[:end], rest[end:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			value, rest = rest[:end], rest[end:]
			if value == "" {
				return on, fmt.Errorf("key %q has an empty value (quote it: %s=\"\")", key, key)
			}
			if strings.ContainsAny(value, ":=\"\n") {
				return on, fmt.Errorf("value %q of key %q contains one of the characters :=\" or a newline: quote it", value, key)
			}
		}
		on.Props = append(on.Props, property{Key: key, Value: value})
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return on, fmt.Errorf("expected \",\" after the value of key %q, found %q", key, rest)
		}
		rest = rest[1:]
		if rest == "" {
			return on, errors.New("trailing \",\" after the last key property")
		}
	}
	// Insertion sort: a handful of keys, sorted in place (sort.Slice would allocate).
	for i := 1; i < len(on.Props); i++ {
		for j := i; j > 0 && on.Props[j].Key < on.Props[j-1].Key; j-- {
			on.Props[j], on.Props[j-1] = on.Props[j-1], on.Props[j]
		}
	}
	return on, nil
}

// quotedEnd returns the index just past the closing quote of the quoted value
// that s starts with. Inside quotes, \" \\ \* \? and \n are the only escapes.
func quotedEnd(s string) (int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return 0, errors.New("unterminated escape in quoted value")
			}
			switch s[i+1] {
			case '"', '\\', '*', '?', 'n':
				i++
			default:
				return 0, fmt.Errorf("invalid escape \\%c in quoted value", s[i+1])
			}
		case '"':
			return i + 1, nil
		case '\n':
			return 0, errors.New("newline in quoted value")
		}
	}
	return 0, errors.New("unterminated quoted value")
}

// IsPattern reports whether the name matches more than one MBean.
func (on objectName) IsPattern() bool {
	if on.PropertyListPattern || strings.ContainsAny(on.Domain, "*?") {
		return true
	}
	for _, p := range on.Props {
		if valueIsPattern(p.Value) {
			return true
		}
	}
	return false
}

func valueIsPattern(v string) bool {
	if !strings.HasPrefix(v, `"`) {
		return strings.ContainsAny(v, "*?")
	}
	for i := 1; i < len(v)-1; i++ {
		switch v[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// Canonical is the JMX canonical form: keys sorted, values as written.
func (on objectName) Canonical() string {
	var b strings.Builder
	b.WriteString(on.Domain)
	b.WriteByte(':')
	for i, p := range on.Props {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	if on.PropertyListPattern {
		if len(on.Props) > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('*')
	}
	return b.String()
}

// Value returns the unquoted value of key, as ObjectName.unquote does.
func (on objectName) Value(key string) (string, bool) {
	i := sort.Search(len(on.Props), func(i int) bool { return on.Props[i].Key >= key })
	if i == len(on.Props) || on.Props[i].Key != key {
		return "", false
	}
	return unquote(on.Props[i].Value), true
}

func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if !strings.ContainsRune(v, '\\') {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			if v[i] == 'n' {
				b.WriteByte('\n')
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
