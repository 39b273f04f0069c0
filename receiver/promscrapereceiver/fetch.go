package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// acceptHeader is what Prometheus (and the contrib receiver) ask for by
// default: OpenMetrics first, then the text format.
const acceptHeader = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5," +
	"application/openmetrics-text;version=0.0.1;q=0.4," +
	"text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3," +
	"text/plain;version=0.0.4;q=0.2,*/*;q=0.1"

// fetched is one /metrics answer.
type fetched struct {
	body        []byte
	contentType string
}

// fetch GETs the target's URL within timeout and reads at most bodyLimit
// bytes of the (decompressed) body; 0 means no limit.
func fetch(ctx context.Context, client *http.Client, url string, timeout time.Duration, bodyLimit int64) (fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fetched{}, err
	}
	req.Header.Set("Accept", acceptHeader)
	req.Header.Set("User-Agent", "platform-collector-promscrape")
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(timeout.Seconds(), 'f', -1, 64))
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fetched{}, fmt.Errorf("no answer within scrape_timeout %s: raise scrape_timeout or check the target: %w", timeout, err)
		}
		return fetched{}, fmt.Errorf("%w: check that the target is up and the address is right", err)
	}
	defer resp.Body.Close()
	if location := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && location != "" {
		return fetched{}, describeRedirect(resp, location)
	}
	if resp.StatusCode != http.StatusOK {
		return fetched{}, fmt.Errorf("HTTP status %s: %s", resp.Status, statusHint(resp.StatusCode))
	}
	reader := io.Reader(resp.Body)
	if bodyLimit > 0 {
		reader = io.LimitReader(resp.Body, bodyLimit+1)
	}
	body, err := io.ReadAll(reader)
	if err != nil {
		return fetched{}, fmt.Errorf("reading the body: %w", err)
	}
	if bodyLimit > 0 && int64(len(body)) > bodyLimit {
		return fetched{}, fmt.Errorf("the body is larger than body_size_limit (%d bytes): raise body_size_limit or expose fewer series", bodyLimit)
	}
	return fetched{body: body, contentType: resp.Header.Get("Content-Type")}, nil
}

// isRedirect is a status the client follows with `follow_redirects: true`.
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// describeRedirect names the status and where the target sent the scrape,
// with any password in the Location masked.
func describeRedirect(resp *http.Response, location string) error {
	if u, err := resp.Request.URL.Parse(location); err == nil {
		location = u.Redacted()
	}
	return fmt.Errorf("HTTP status %s, redirected to %s: redirects are not followed (basic_auth and authorization would go with them): "+
		"set the scrape URL to the final URL, or set follow_redirects: true", resp.Status, location)
}

func statusHint(code int) string {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "check basic_auth or authorization"
	case http.StatusNotFound:
		return "check metrics_path"
	default:
		return "the target failed to serve its metrics"
	}
}
