package jolokiareceiver

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEchoedProxyTarget reads where each agent echoes the proxy target, on
// the recorded proxy responses: request.target.url on 1.x,
// request.options.target.url on 2.x.
func TestEchoedProxyTarget(t *testing.T) {
	for _, agent := range []string{agent2, core1} {
		t.Run(agent, func(t *testing.T) {
			req, resp := readRecorded(t, agent, "proxy")
			var sent []struct {
				Target requestTarget `json:"target"`
			}
			require.NoError(t, json.Unmarshal(req, &sent))
			entries, err := decodeResponse(resp, len(sent))
			require.NoError(t, err)
			for i, e := range entries {
				assert.Equal(t, sent[i].Target.URL, e.Request.targetURL(), "entry %d", i)
			}
			// The same entries with the two sentinel reads appended: the
			// MBeanServerIds of the proxied read and of the agent's own.
			url := sent[0].Target.URL
			withSentinels := func(proxiedStatus int, proxied, own string) []responseEntry {
				sentinel := func(status int, id string) responseEntry {
					return responseEntry{Status: status, Value: map[string]any{"MBeanServerId": id}, Error: "Authentication failed! Invalid username or password"}
				}
				return append(slices.Clip(entries), sentinel(proxiedStatus, proxied), sentinel(200, own))
			}
			p := &ProxyTarget{URL: url}
			got, err := checkProxied(withSentinels(200, "remote_1", "agent_2"), p)
			require.NoError(t, err)
			assert.Len(t, got, len(entries), "the sentinels are cut off")
			_, err = checkProxied(withSentinels(200, "agent_2", "agent_2"), p)
			assert.ErrorContains(t, err, "the agent did not forward the read to "+url)
			_, err = checkProxied(withSentinels(403, "", "agent_2"), p)
			assert.ErrorContains(t, err, "proxy read of "+url+" failed: status 403: Authentication failed! Invalid username or password: check `proxy_target` `username` and `password`")
			_, err = checkProxied(withSentinels(200, "remote_1", "agent_2"),
				&ProxyTarget{URL: "service:jmx:rmi:///jndi/rmi://other:1/jmxrmi"})
			assert.ErrorContains(t, err, "not service:jmx:rmi:///jndi/rmi://other:1/jmxrmi")
		})
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
