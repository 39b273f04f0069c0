package promscrapereceiver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/metrictest"
)

func TestFileSD(t *testing.T) {
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "apps.json")
	yamlFile := filepath.Join(dir, "dbs.yml")
	require.NoError(t, os.WriteFile(jsonFile, []byte(`[{"targets": ["a:8080", "b:8080"], "labels": {"env": "prod"}}]`), 0o644))
	require.NoError(t, os.WriteFile(yamlFile, []byte("- targets: [db:9104]\n"), 0o644))
	groups, err := readFileSD([]string{filepath.Join(dir, "*.json"), filepath.Join(dir, "*.yml")})
	require.NoError(t, err)
	assert.Equal(t, []group{
		{Targets: []string{"a:8080", "b:8080"}, Labels: model.LabelSet{"env": "prod", "__meta_filepath": model.LabelValue(jsonFile)}},
		{Targets: []string{"db:9104"}, Labels: model.LabelSet{"__meta_filepath": model.LabelValue(yamlFile)}},
	}, groups)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"targets": "a"}`), 0o644))
	_, err = readFileSD([]string{bad})
	require.ErrorContains(t, err, "file_sd: "+bad+" is not a list of {targets: [...], labels: {...}}")
}

func TestHTTPSD(t *testing.T) {
	mux := http.NewServeMux() // any other path is 404
	mux.HandleFunc("/targets", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`[{"targets": ["a:8080"], "labels": {"team": "pay"}}]`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	groups, err := fetchHTTPSD(context.Background(), srv.URL+"/targets")
	require.NoError(t, err)
	assert.Equal(t, []group{{Targets: []string{"a:8080"}, Labels: model.LabelSet{"team": "pay", "__meta_url": model.LabelValue(srv.URL + "/targets")}}}, groups)
	_, err = fetchHTTPSD(context.Background(), srv.URL+"/nope")
	require.EqualError(t, err, "http_sd "+srv.URL+"/nope: HTTP status 404 Not Found: check url")
}

// fakeResolver answers like a compose network's DNS: A records per replica, SRV for a headless Service.
type fakeResolver struct{}

func (fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if host == "moalog-server" {
		return []string{"172.18.0.5", "172.18.0.6", "fd00::5"}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (fakeResolver) LookupSRV(_ context.Context, _, _, name string) (string, []*net.SRV, error) {
	if name == "_metrics._tcp.moalog.default.svc.cluster.local" {
		return name, []*net.SRV{{Target: "pod-1.moalog.default.svc.cluster.local.", Port: 8080}, {Target: "pod-2.moalog.default.svc.cluster.local.", Port: 8080}}, nil
	}
	return "", nil, errors.New("no SRV records")
}

func TestDNSSD(t *testing.T) {
	for _, tc := range []struct {
		name string
		dc   DNSSDConfig
		want []string
		err  string
	}{
		{"A: every IPv4 replica on the port", DNSSDConfig{Names: []string{"moalog-server"}, Type: "A", Port: 8080},
			[]string{"172.18.0.5:8080", "172.18.0.6:8080"}, ""},
		{"AAAA", DNSSDConfig{Names: []string{"moalog-server"}, Type: "AAAA", Port: 8080}, []string{"[fd00::5]:8080"}, ""},
		{"SRV: each record's host and port", DNSSDConfig{Names: []string{"_metrics._tcp.moalog.default.svc.cluster.local"}, Type: "SRV"},
			[]string{"pod-1.moalog.default.svc.cluster.local:8080", "pod-2.moalog.default.svc.cluster.local:8080"}, ""},
		{"unknown name", DNSSDConfig{Names: []string{"nope"}, Type: "A", Port: 1}, nil, "dns_sd A nope: lookup nope: no such host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			groups, err := resolveDNSSD(context.Background(), fakeResolver{}, tc.dc)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, groups, 1)
			assert.Equal(t, tc.want, groups[0].Targets)
			assert.Equal(t, model.LabelValue(tc.dc.Names[0]), groups[0].Labels["__meta_dns_name"])
		})
	}
}

// A refresh starts loops for new targets and stops those that vanished; a
// failed refresh keeps the last targets.
func TestJobRefresh(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "targets.json")
	write := func(content string) { require.NoError(t, os.WriteFile(file, []byte(content), 0o644)) }
	write(`[{"targets": ["127.0.0.1:1", "127.0.0.1:2"]}]`)
	sc := &ScrapeConfig{JobName: "app", FileSDConfigs: []FileSDConfig{{Files: []string{file}}}}
	l := newTestLoop(t, sc, "127.0.0.1:1") // sets the interval, timeout, path and scheme
	j := &job{r: l.j.r, sc: sc, client: http.DefaultClient, loops: map[string]context.CancelFunc{}, groups: map[string][]group{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); j.r.wg.Wait() })
	d := discoverers(sc)[0]
	loops := func() []string {
		j.mu.Lock()
		defer j.mu.Unlock()
		return sortedKeys(j.loops)
	}
	j.refresh(ctx, d)
	assert.Equal(t, []string{`http://127.0.0.1:1/metrics {instance="127.0.0.1:1", job="app"}`, `http://127.0.0.1:2/metrics {instance="127.0.0.1:2", job="app"}`}, loops())
	// Once 127.0.0.1:1 has been scraped (it is down: up 0), discovery drops it.
	require.Eventually(t, func() bool { return len(instanceMetrics(l.sink, "127.0.0.1:1")) > 0 }, 10*time.Second, 20*time.Millisecond)
	write(`[{"targets": ["127.0.0.1:2"]}]`)
	j.refresh(ctx, d)
	assert.Equal(t, []string{`http://127.0.0.1:2/metrics {instance="127.0.0.1:2", job="app"}`}, loops())
	// The dropped target's series go stale: its loop marks them as it ends.
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		stale := slices.ContainsFunc(instanceMetrics(l.sink, "127.0.0.1:1"), func(md pmetric.Metrics) bool {
			return slices.Contains(metrictest.Stale(md), "up")
		})
		assert.True(ct, stale, "127.0.0.1:1's up is marked stale")
	}, 10*time.Second, 20*time.Millisecond)
	write(`not json`)
	j.refresh(ctx, d)
	assert.Equal(t, []string{`http://127.0.0.1:2/metrics {instance="127.0.0.1:2", job="app"}`}, loops())
}

// instanceMetrics lists, one per ResourceMetrics, what the sink received for a service.instance.id.
func instanceMetrics(sink *consumertest.MetricsSink, instance string) []pmetric.Metrics {
	var out []pmetric.Metrics
	for _, md := range sink.AllMetrics() {
		for _, rm := range md.ResourceMetrics().All() {
			if id, _ := rm.Resource().Attributes().Get("service.instance.id"); id.Str() == instance {
				out = append(out, single(rm))
			}
		}
	}
	return out
}
