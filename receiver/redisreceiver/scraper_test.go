package redisreceiver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/moalog/platform-collector/internal/testenv"
)

// TestCanceledScrapeIsNotLogged: a scrape whose context is canceled (the
// collector shutting down) says nothing about the target, so nothing is
// logged as a failure; scraperhelper itself never cancels, this holds for
// any caller that does.
func TestCanceledScrapeIsNotLogged(t *testing.T) {
	t.Parallel()
	target := startScraper(t, configFor(testenv.ServeTCP(t, respServer("+OK\r\n", fixed("uptime_in_seconds:9\r\n")))))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := target.s.scrape(ctx)
	require.NoError(t, err)
	assert.Empty(t, target.logs.All())
}
