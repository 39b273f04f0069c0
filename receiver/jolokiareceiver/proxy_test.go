package jolokiareceiver

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/moalog/platform-collector/internal/testenv"
)

// TestEchoedProxyTarget reads where each agent echoes the proxy target, on
// the recorded proxy responses: request.target.url on 1.x,
// request.options.target.url on 2.x.
func TestEchoedProxyTarget(t *testing.T) {
	for _, agent := range []string{agent2, core1} {
		t.Run(agent, func(t *testing.T) {
			dir := filepath.Join("testdata", "recorded", agent)
			req, err := os.ReadFile(filepath.Join(dir, "proxy.request.json"))
			require.NoError(t, err)
			var sent []struct {
				Target requestTarget `json:"target"`
			}
			require.NoError(t, json.Unmarshal(req, &sent))
			resp, err := os.ReadFile(filepath.Join(dir, "proxy.json"))
			require.NoError(t, err)
			entries, err := decodeResponse(resp, len(sent))
			require.NoError(t, err)
			for i, e := range entries {
				assert.Equal(t, sent[i].Target.URL, e.Request.targetURL(), "entry %d", i)
			}
			// The same entries with the two sentinel reads appended.
			url := sent[0].Target.URL
			sentinel := func(status int, id string) responseEntry {
				return responseEntry{Status: status, Value: map[string]any{"MBeanServerId": id}, Error: "Authentication failed! Invalid username or password"}
			}
			p := &ProxyTarget{URL: url}
			got, err := checkProxied(append(entries[:len(entries):len(entries)], sentinel(200, "remote_1"), sentinel(200, "agent_2")), p)
			require.NoError(t, err)
			assert.Len(t, got, len(entries), "the sentinels are cut off")
			_, err = checkProxied(append(entries[:len(entries):len(entries)], sentinel(200, "agent_2"), sentinel(200, "agent_2")), p)
			assert.ErrorContains(t, err, "the agent did not forward the read to "+url)
			_, err = checkProxied(append(entries[:len(entries):len(entries)], sentinel(403, ""), sentinel(200, "agent_2")), p)
			assert.ErrorContains(t, err, "proxy read of "+url+" failed: status 403: Authentication failed! Invalid username or password: check `proxy_target` `username` and `password`")
			_, err = checkProxied(append(entries[:len(entries):len(entries)], sentinel(200, "remote_1"), sentinel(200, "agent_2")),
				&ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://other:1/jmxrmi"})
			assert.ErrorContains(t, err, "not service:jmx:rmi:///jndi/rmi://other:1/jmxrmi")
		})
	}
}

func TestJMXInstanceID(t *testing.T) {
	for url, want := range map[string]string{
		"service:jmx:rmi:///jndi/rmi://app-7:9010/jmxrmi":                 "app-7:9010",
		"service:jmx:rmi://10.1.2.3:9011/jndi/rmi://10.1.2.3:9010/jmxrmi": "10.1.2.3:9010",
		"service:jmx:jmxmp://host:5555":                                   "host:5555",
		"service:jmx:rmi:///jndi/jmxrmi":                                  "service:jmx:rmi:///jndi/jmxrmi",
	} {
		assert.Equal(t, want, jmxInstanceID(url), url)
	}
}

func TestProxyTargetValidate(t *testing.T) {
	base := func() *Config {
		cfg := createDefaultConfig()
		cfg.Targets = []Target{
			{Endpoint: "http://proxy:8778/jolokia", ProxyTarget: &ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://a:9010/jmxrmi"}},
			{Endpoint: "http://proxy:8778/jolokia", ProxyTarget: &ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://b:9010/jmxrmi"}},
			{Endpoint: "http://proxy:8778/jolokia"},
		}
		return cfg
	}
	require.NoError(t, base().Validate(), "one proxy agent, many JMX targets, and the agent's own JVM")
	for name, tc := range map[string]struct {
		mutate func(*Config)
		err    string
	}{
		"twice":       {func(c *Config) { c.Targets[1].ProxyTarget.URL = c.Targets[0].ProxyTarget.URL }, "`targets[1].endpoint`: http://proxy:8778/jolokia service:jmx:rmi:///jndi/rmi://a:9010/jmxrmi is listed twice"},
		"no url":      {func(c *Config) { c.Targets[0].ProxyTarget.URL = "" }, "`targets[0].proxy_target`: `url` is required"},
		"not jmx":     {func(c *Config) { c.Targets[0].ProxyTarget.URL = "rmi://a:9010" }, "`targets[0].proxy_target`: `url` \"rmi://a:9010\" is not a JMX service URL"},
		"no username": {func(c *Config) { c.Targets[0].ProxyTarget.Password = "x" }, "`targets[0].proxy_target`: `password` is set but `username` is not"},
		"top level":   {func(c *Config) { c.ProxyTarget = &ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://c:9010/jmxrmi"} }, "`proxy_target` goes into each entry of `targets`"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := base()
			tc.mutate(cfg)
			assert.ErrorContains(t, cfg.Validate(), tc.err)
		})
	}
}

// TestIntegrationProxyMode: a JVM with only remote JMX over RMI (JMX
// authentication on) is scraped through each real agent's JSR-160 proxy,
// next to the agent's own JVM; the proxied target is its own resource
// (service.instance.id = the JMX host:port) with the JMX JVM's values.
// Failures of the proxy hop take only that target down, with a message that
// names the fix, and the JMX password is never logged.
func TestIntegrationProxyMode(t *testing.T) {
	const user, password = "jmxmon", "jmx-s3cret"
	// Only the JMX JVM registers com.moalog.bench items: they prove whose MBeans were read.
	jmx := testenv.StartJMXJVM(t, testenv.JMXOptions{User: user, Password: password, ExtraArgs: []string{"-Dmoalog.benchItems=3"}})
	refused := "service:jmx:rmi:///jndi/rmi://" + testenv.Addr(testenv.FreePort(t)) + "/jmxrmi"
	metrics := append([]MetricConfig{{Name: "test.bench.count", MBean: "com.moalog.bench:type=Item,name=*", Attribute: "Count",
		Type: "sum", Labels: map[string]string{"item": "name"}}}, testMBeanMetrics...)
	for _, agent := range testenv.JolokiaAgents {
		t.Run(agent.String(), func(t *testing.T) {
			jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: agent, JSR160Proxy: true,
				ProxyAllowedTargets: []string{regexp.QuoteMeta(jmx.ServiceURL), regexp.QuoteMeta(refused)}})
			cfg := createDefaultConfig()
			cfg.Presets = nil
			cfg.Metrics = metrics
			cfg.Targets = []Target{
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: jmx.ServiceURL, Username: user, Password: password}},
				{Endpoint: jvm.Endpoint},
			}
			core, logs := observer.New(zap.DebugLevel)
			s := newTestScraper(t, cfg, zap.New(core))
			all := flattenMetrics(scrapeOnce(t, s))
			if agent == testenv.JolokiaAgent2 {
				all = flattenMetrics(scrapeOnce(t, s)) // the NaN entry is split after the first scrape
			}
			proxied, direct := all[jmxInstanceID(jmx.ServiceURL)], all[instanceID(jvm.Endpoint)]
			require.NotNil(t, proxied, "resources: %v", keysOf(all))
			require.NotNil(t, direct)
			assert.Equal(t, "127.0.0.1:"+itoa(jmx.Port), jmxInstanceID(jmx.ServiceURL))
			assert.Equal(t, int64(1), proxied["jolokia.up{}"])
			for key, want := range wantTestMBeanPoints {
				assert.Equal(t, want, proxied[key], "proxied %s", key)
				assert.Equal(t, want, direct[key], "direct %s", key)
			}
			assert.Equal(t, int64(1000), proxied["test.bench.count{item=1}"], "the JMX JVM's own MBeans")
			assert.Equal(t, int64(2000), proxied["test.bench.count{item=2}"])
			assert.NotContains(t, direct, "test.bench.count{item=1}", "the agent's JVM has no bench items")
			assert.Equal(t, int64(1), proxied["jolokia.read.errors{jolokia.read.status=not_found}"], "type=Missing")

			// The proxy hop fails: wrong JMX password, nothing listening, outside the allowlist.
			outside := strings.Replace(jmx.ServiceURL, "127.0.0.1", "localhost", 1)
			cfg.Targets = []Target{
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: jmx.ServiceURL, Username: user, Password: "wrong-pw"}},
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: refused}},
				{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: outside, Username: user, Password: password}},
				{Endpoint: jvm.Endpoint},
			}
			s = newTestScraper(t, cfg, zap.New(core))
			all = flattenMetrics(scrapeOnce(t, s))
			assert.Equal(t, int64(1), all[instanceID(jvm.Endpoint)]["jolokia.up{}"], "the agent's own JVM stays up")
			failures := map[string]string{}
			for _, e := range logs.FilterMessageSnippet("").All() {
				if err, ok := e.ContextMap()["error"].(string); ok {
					failures[err] = e.Message
				}
			}
			text := strings.Join(keysOf(failures), "\n")
			for _, want := range []string{
				"jolokia " + jvm.Endpoint + " -> " + jmx.ServiceURL + ": proxy read of " + jmx.ServiceURL + " failed: status 403",
				"check `proxy_target` `username` and `password`",
				"jolokia " + jvm.Endpoint + " -> " + refused + ": proxy read of " + refused + " failed: status 500",
				"check that the JVM's remote JMX listens there",
				"jolokia " + jvm.Endpoint + " -> " + outside + ": proxy read of " + outside + " failed: status 403",
				"add it to the agent's jsr160ProxyAllowedTargets",
			} {
				assert.Contains(t, text, want)
			}
			// 127.0.0.1 and localhost name the same JMX port: both resources are
			// 127.0.0.1:PORT / localhost:PORT, each down.
			assert.Equal(t, int64(0), all[jmxInstanceID(refused)]["jolokia.up{}"])
			assert.Equal(t, int64(0), all[jmxInstanceID(outside)]["jolokia.up{}"])
			for _, e := range logs.All() {
				line := e.Message + " " + strings.Join(keysOfAny(e.ContextMap()), " ")
				for _, v := range e.ContextMap() {
					line += " " + proxyLogString(v)
				}
				assert.NotContains(t, line, password, "the JMX password is never logged")
			}
		})
	}
	// A 1.x agent without the JSR-160 dispatcher ignores "target" and would
	// answer from its own JVM: the proxied target is down, not misreported.
	t.Run("jolokia-1.7.1-core-without-proxy-support", func(t *testing.T) {
		jvm := testenv.StartJVM(t, testenv.JVMOptions{Agent: testenv.JolokiaCore1})
		cfg := createDefaultConfig()
		cfg.Presets = nil
		cfg.Metrics = metrics
		cfg.Targets = []Target{{Endpoint: jvm.Endpoint, ProxyTarget: &ProxyTarget{URL: jmx.ServiceURL, Username: user, Password: password}}}
		core, logs := observer.New(zap.DebugLevel)
		s := newTestScraper(t, cfg, zap.New(core))
		got := onlyResource(t, scrapeOnce(t, s))
		assert.Equal(t, int64(0), got["jolokia.up{}"])
		assert.NotContains(t, got, "test.payments{payment.kind=card}", "no values from the agent's own JVM")
		var errs []string
		for _, e := range logs.All() {
			errs = append(errs, proxyLogString(e.ContextMap()["error"]))
		}
		assert.Contains(t, strings.Join(errs, "\n"), "the agent did not forward the read to "+jmx.ServiceURL)
	})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func keysOfAny(m map[string]any) []string { return keysOf(m) }

func proxyLogString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }
