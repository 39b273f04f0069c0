package promscrapereceiver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonconfig "github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/metrictest"
)

// TestRedirects: a target with basic_auth that redirects to another port.
// By default the scrape fails with up 0, naming the status, the Location
// (its password masked) and the fix, and nothing reaches the other server;
// with follow_redirects: true the scrape works, as in Prometheus.
func TestRedirects(t *testing.T) {
	tests := []struct {
		status   int
		userinfo string // in the Location
		shown    string // how the error shows it
	}{
		{http.StatusFound, "", ""},
		{http.StatusTemporaryRedirect, "mover:hunter2@", "mover:xxxxx@"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			final, finalAddr := serve(t, "# TYPE a gauge\na 1\n", textFormat)
			redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://"+tt.userinfo+finalAddr+"/metrics", tt.status)
			}))
			t.Cleanup(redirecting.Close)
			addr := redirecting.Listener.Addr().String()
			auth := &commonconfig.BasicAuth{Username: "monitor", Password: "s3cret"}

			l := newTestLoop(t, &ScrapeConfig{BasicAuth: auth}, addr)
			assert.Equal(t, 0.0, metrictest.Points[float64](l.scrape(t))["up"])
			require.Equal(t, 1, l.logs.Len())
			assert.Equal(t, fmt.Sprintf("promscrape job app target http://%s/metrics: HTTP status %d %s, redirected to http://%s%s/metrics: "+
				"redirects are not followed (basic_auth and authorization would go with them): set the scrape URL to the final URL, or set follow_redirects: true",
				addr, tt.status, http.StatusText(tt.status), tt.shown, finalAddr), l.logs.All()[0].ContextMap()["error"])
			assert.Empty(t, final.seen(), "the credential never reaches the server the redirect names")

			following := newTestLoop(t, &ScrapeConfig{BasicAuth: auth, FollowRedirects: true}, addr)
			points := metrictest.Points[float64](following.scrape(t))
			assert.Equal(t, 1.0, points["up"])
			assert.Equal(t, 1.0, points["a"])
			seen := final.seen()
			require.Len(t, seen, 1)
			assert.True(t, strings.HasPrefix(seen[0], "Basic "), "as in Prometheus, the redirected request carries the credentials")
		})
	}
}
