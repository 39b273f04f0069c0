package metrictest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScrape(t *testing.T) {
	md := Target{Service: "redis", Instance: "127.0.0.1:6379"}.Scrape("redis.up", "redis.db.keys{db=db0}", "redis.db.keys{db=db1,x=y}")
	assert.Equal(t, map[string]any{"service.name": "redis", "service.instance.id": "127.0.0.1:6379"}, md.ResourceMetrics().At(0).Resource().Attributes().AsRaw())
	assert.Equal(t, 2, md.MetricCount(), "consecutive series of one name are one metric")
	assert.Equal(t, map[string]int64{"redis.up": 1, "redis.db.keys{db=db0}": 1, "redis.db.keys{db=db1,x=y}": 1}, Points[int64](md))
	assert.Zero(t, Target{}.Scrape().ResourceMetrics().At(0).Resource().Attributes().Len())
}
