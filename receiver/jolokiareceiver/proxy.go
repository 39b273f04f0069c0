package jolokiareceiver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
)

// ProxyTarget is a JVM that has no Jolokia agent, only remote JMX (JSR-160,
// e.g. RMI): the receiver asks the agent at `endpoint` to forward every read
// to it (Jolokia proxy mode, "target" in each request).
type ProxyTarget struct {
	// URL is the JMX service URL, e.g.
	// service:jmx:rmi:///jndi/rmi://app-7:9010/jmxrmi.
	URL string `mapstructure:"url"`
	// Username and Password are the remote JMX credentials (the JVM's
	// jmxremote.password file), sent to the agent in each request.
	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
}

func (p *ProxyTarget) validate() error {
	if p.URL == "" {
		return errors.New("`url` is required (e.g. service:jmx:rmi:///jndi/rmi://app:9010/jmxrmi)")
	}
	if !strings.HasPrefix(p.URL, "service:jmx:") {
		return fmt.Errorf("`url` %q is not a JMX service URL: it must start with service:jmx: (e.g. service:jmx:rmi:///jndi/rmi://app:9010/jmxrmi)", p.URL)
	}
	if p.Password != "" && p.Username == "" {
		return errors.New("`password` is set but `username` is not")
	}
	return nil
}

// requestTarget is the "target" of a Jolokia proxy request.
type requestTarget struct {
	URL      string `json:"url"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
}

func (p *ProxyTarget) requestTarget() *requestTarget {
	if p == nil {
		return nil
	}
	return &requestTarget{URL: p.URL, User: p.Username, Password: string(p.Password)}
}

// jmxInstanceID is host:port of a JMX service URL
// (service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi, service:jmx:jmxmp://HOST:PORT),
// or the whole URL when it names no host.
func jmxInstanceID(serviceURL string) string {
	rest := serviceURL
	if i := strings.LastIndex(rest, "://"); i >= 0 {
		rest = rest[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			rest = rest[:j]
		}
		if rest != "" {
			return rest
		}
	}
	return serviceURL
}

// echoedRequest is the part of an entry's echoed "request" that names the
// proxy target. Jolokia 1.x echoes it as request.target {"url", "env"},
// 2.x as request.options.target {"url", "user", "password"} (with targetId).
// Both echo the JMX password: an echoed request is never logged.
type echoedRequest struct {
	Target  *echoedTarget `json:"target"`
	Options *struct {
		Target *echoedTarget `json:"target"`
	} `json:"options"`
}

type echoedTarget struct {
	URL string `json:"url"`
}

func (r *echoedRequest) targetURL() string {
	switch {
	case r == nil:
		return ""
	case r.Target != nil:
		return r.Target.URL
	case r.Options != nil && r.Options.Target != nil:
		return r.Options.Target.URL
	}
	return ""
}

// sentinelMBean is read twice at the end of a proxied target's bulk read,
// through the proxy and from the agent's own JVM: MBeanServerId names one
// JVM's MBeanServer (host and start time).
const sentinelMBean = "JMImplementation:type=MBeanServerDelegate"

// proxyEntries is how many entries a target adds after the plan's: the two
// sentinel reads in proxy mode.
func proxyEntries(p *ProxyTarget) int {
	if p == nil {
		return 0
	}
	return 2
}

// sentinelRequests are the two reads appended to a proxied target's bulk read.
func sentinelRequests(target *requestTarget) []readRequest {
	return []readRequest{
		{Type: "read", MBean: sentinelMBean, Attribute: []string{"MBeanServerId"}, Target: target},
		{Type: "read", MBean: sentinelMBean, Attribute: []string{"MBeanServerId"}},
	}
}

// checkProxied checks that the agent forwarded the reads to the JMX target
// and returns the entries without the two sentinel reads.
//   - The proxied sentinel failed: the agent could not reach the target
//     (connection refused, wrong JMX password, not in the agent's
//     jsr160ProxyAllowedTargets): the target is down, with the agent's reason.
//   - Both sentinels name the same MBeanServer, or an entry echoes no proxy
//     target: the agent has no proxy support and answered from its own JVM
//     (Jolokia 1.x without the jolokia-jsr160 dispatcher ignores "target"
//     silently but still echoes it). Reporting that as the target's metrics
//     would be wrong: the target is down.
func checkProxied(entries []responseEntry, p *ProxyTarget) ([]responseEntry, error) {
	n := len(entries) - 2
	if n < 0 {
		return nil, errors.New("bulk response lacks the proxy check entries")
	}
	proxied, local := &entries[n], &entries[n+1]
	if proxied.Status != http.StatusOK {
		hint := "check that the JVM's remote JMX listens there"
		switch {
		case strings.Contains(proxied.Error, "not allowed by configuration"):
			hint = "add it to the agent's jsr160ProxyAllowedTargets"
		case proxied.Status == http.StatusForbidden:
			hint = "check `proxy_target` `username` and `password`"
		}
		return nil, fmt.Errorf("proxy read of %s failed: status %d: %s: %s", p.URL, proxied.Status, firstLine(proxied.Error), hint)
	}
	notForwarded := fmt.Errorf("the agent did not forward the read to %s: "+
		"enable JSR-160 proxy mode on the agent (Jolokia 1.x: the jolokia-jsr160 dispatcher; 2.x agents have it)", p.URL)
	if local.Status == http.StatusOK && serverID(proxied.Value) != "" && serverID(proxied.Value) == serverID(local.Value) {
		return nil, notForwarded
	}
	for i := 0; i < n; i++ {
		if got := entries[i].Request.targetURL(); got != p.URL {
			return nil, fmt.Errorf("entry %d answers for %q, not %s: %w", i, got, p.URL, notForwarded)
		}
	}
	return entries[:n], nil
}

func serverID(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["MBeanServerId"].(string)
	return s
}
