package jolokiareceiver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseObjectName(t *testing.T) {
	type parsed struct {
		canonical string
		pattern   bool
		values    map[string]string
	}
	for in, want := range map[string]parsed{
		"java.lang:type=Memory": {"java.lang:type=Memory", false, map[string]string{"type": "Memory"}},
		"java.lang:type=MemoryPool,name=G1 Eden Space": {"java.lang:name=G1 Eden Space,type=MemoryPool", false,
			map[string]string{"name": "G1 Eden Space", "type": "MemoryPool"}},
		// Key order does not matter: canonicalNaming=false (2.x style) and true (1.x) give the same name.
		"com.moalog.test:name=card,type=Payments": {"com.moalog.test:name=card,type=Payments", false, map[string]string{"name": "card"}},
		"com.moalog.test:type=Payments,name=card": {"com.moalog.test:name=card,type=Payments", false, map[string]string{"name": "card"}},
		`com.moalog.test:type=Quoted,name="a,b"`:  {`com.moalog.test:name="a,b",type=Quoted`, false, map[string]string{"name": "a,b"}},
		`d:k="x\"y\\z\*\?\n"`:                     {`d:k="x\"y\\z\*\?\n"`, false, map[string]string{"k": "x\"y\\z*?\n"}},
		`d:k="a=b:c"`:                             {`d:k="a=b:c"`, false, map[string]string{"k": "a=b:c"}},
		`d:k=""`:                                  {`d:k=""`, false, map[string]string{"k": ""}},
		"java.lang:type=MemoryPool,name=*":        {"java.lang:name=*,type=MemoryPool", true, map[string]string{"name": "*"}},
		"java.lang:type=MemoryPool,*":             {"java.lang:type=MemoryPool,*", true, nil},
		"com.moalog.test:*":                       {"com.moalog.test:*", true, nil},
		"*:type=Foo":                              {"*:type=Foo", true, nil},
		"d:name=G?":                               {"d:name=G?", true, nil},
		`d:name="x*"`:                             {`d:name="x*"`, true, nil},
		`d:name="x\*"`:                            {`d:name="x\*"`, false, map[string]string{"name": "x*"}},
		"d:*,type=Foo":                            {"d:type=Foo,*", true, nil},
	} {
		t.Run(in, func(t *testing.T) {
			on, err := parseObjectName(in)
			require.NoError(t, err)
			assert.Equal(t, want.canonical, on.Canonical())
			assert.Equal(t, want.pattern, on.IsPattern())
			for k, v := range want.values {
				got, ok := on.Value(k)
				assert.True(t, ok, k)
				assert.Equal(t, v, got, k)
			}
			_, ok := on.Value("absent")
			assert.False(t, ok)
			again, err := parseObjectName(on.Canonical())
			require.NoError(t, err)
			assert.Equal(t, on, again, "the canonical form parses to the same name")
		})
	}
}

func TestParseObjectNameErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{"java.lang", `missing ":" between domain and key properties (e.g. "java.lang:type=Memory")`},
		{"java.lang:", `no key properties after ":" (use "domain:*" to match every MBean of a domain)`},
		{"not an object name", `missing ":" between domain and key properties (e.g. "java.lang:type=Memory")`},
		{"d:type", `key property "type" has no "="`},
		{"d:=x", `empty key before "="`},
		{"d:type=", `key "type" has an empty value (quote it: type="")`},
		{"d:type=a,type=b", `key "type" appears twice`},
		{"d:b=1,a=2,b=3", `key "b" appears twice`},
		{"d:type=a,", `trailing "," after the last key property`},
		{`d:name="a,b`, `value of key "name": unterminated quoted value`},
		{`d:name="a\x"`, `value of key "name": invalid escape \x in quoted value`},
		{`d:name="a"b`, `expected "," after the value of key "name", found "b"`},
		{`d:name=a"b`, `value "a\"b" of key "name" contains one of the characters :=" or a newline: quote it`},
		{`d:na*me=a`, `key "na*me" contains one of the characters :,=*?" or a newline`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := parseObjectName(tt.in)
			assert.EqualError(t, err, tt.err)
		})
	}
}

func FuzzParseObjectName(f *testing.F) {
	for _, s := range []string{"java.lang:type=Memory", `com.moalog.test:type=Quoted,name="a,b"`, "d:*", `d:k="\*\n"`, "java.lang:type=MemoryPool,name=*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		on, err := parseObjectName(s)
		if err != nil {
			return
		}
		// A parsed name prints to a canonical form that parses to itself.
		again, err := parseObjectName(on.Canonical())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", on.Canonical(), s, err)
		}
		if again.Canonical() != on.Canonical() {
			t.Fatalf("canonical form is not stable: %q -> %q", on.Canonical(), again.Canonical())
		}
		for _, p := range on.Props {
			on.Value(p.Key)
		}
	})
}

func TestNameCache(t *testing.T) {
	nc := nameCache{}
	for range 2 {
		on, ok := nc.parse("com.moalog.test:type=Payments,name=card")
		assert.True(t, ok)
		assert.Equal(t, "com.moalog.test:name=card,type=Payments", on.Canonical())
		_, ok = nc.parse("not an object name")
		assert.False(t, ok)
	}
	assert.Len(t, nc, 2)
	for i := range maxCachedNames + 5 {
		nc.parse(fmt.Sprintf("d:k=%d", i))
	}
	assert.LessOrEqual(t, len(nc), maxCachedNames, "bounded")
}
