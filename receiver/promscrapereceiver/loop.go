package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/prometheus/common/model"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/moalog/platform-collector/internal/staleness"
	"github.com/moalog/platform-collector/receiver/promscrapereceiver/internal/metadata"
)

// ownMetrics are the receiver's metrics about a target's scrape, which it
// sends even while memory_guard sheds the target's samples.
var ownMetrics = []string{
	metadata.MetricsInfo.Up.Name, metadata.MetricsInfo.ScrapeDurationSeconds.Name,
	metadata.MetricsInfo.ScrapeSamplesScraped.Name, metadata.MetricsInfo.ScrapeSamplesPostMetricRelabeling.Name,
	metadata.MetricsInfo.ScrapeSeriesAdded.Name,
}

// loop scrapes one target at the job's interval.
type loop struct {
	j      *job
	t      target
	id     identity
	mb     *metadata.MetricsBuilder
	starts *startTimes
	// stale marks the series this target stopped sending (and all of them while it is down).
	stale staleness.Tracker
	// previous holds the label sets of the last successful scrape, for scrape_series_added.
	previous map[string]bool
}

func newLoop(j *job, t target) *loop {
	return &loop{
		j:        j,
		t:        t,
		id:       identity{job: t.labels.Get(model.JobLabel), instance: t.labels.Get(model.InstanceLabel)},
		mb:       metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), j.r.set),
		starts:   newStartTimes(),
		previous: map[string]bool{},
	}
}

func (l *loop) run(ctx context.Context) {
	ticker := time.NewTicker(time.Duration(l.j.sc.ScrapeInterval))
	defer ticker.Stop()
	for {
		l.scrapeOnce(ctx)
		select {
		case <-ctx.Done():
			l.dropped()
			return
		case <-ticker.C:
		}
	}
}

// dropped marks every series of a target that discovery no longer lists as
// stale, as Prometheus does; at Shutdown there is nobody to tell.
func (l *loop) dropped() {
	if l.j.r.root.Err() != nil {
		return
	}
	md := pmetric.NewMetrics()
	l.stale.Mark(md, pcommon.NewTimestampFromTime(time.Now()))
	l.j.r.send(l.j.r.root, md, l.describe())
}

// scrapeOnce scrapes, converts and sends; a failed scrape sends up=0 and its
// duration only, and is logged once per outage.
func (l *loop) scrapeOnce(ctx context.Context) {
	begin := time.Now()
	now := pcommon.NewTimestampFromTime(begin)
	md, err := l.scrape(ctx, now)
	if ctx.Err() != nil {
		return // shutting down or the target vanished: nothing to report
	}
	l.j.r.state.Observe(l.describe(), l.explain(err))
	up := int64(1)
	if err != nil {
		up = 0
		md = pmetric.NewMetrics()
	}
	l.mb.RecordUpDataPoint(now, up)
	l.mb.RecordScrapeDurationSecondsDataPoint(now, time.Since(begin).Seconds())
	own := l.mb.Emit(metadata.WithResource(l.resource()))
	own.ResourceMetrics().MoveAndAppendTo(md.ResourceMetrics())
	l.j.r.memory.Shed(l.describe(), md, ownMetrics...)
	l.stale.Mark(md, now)
	if !l.j.r.send(ctx, md, l.describe()) {
		l.stale.Refused() // the stale points go again with the next scrape
	}
}

// scrape fetches and converts the target's metrics; a panic while reading a
// hostile body fails this scrape, not the collector.
func (l *loop) scrape(ctx context.Context, now pcommon.Timestamp) (md pmetric.Metrics, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reading the scrape failed (internal error: %v)", p)
		}
	}()
	sc := l.j.sc
	body, err := fetch(ctx, l.j.client, l.t.url, time.Duration(sc.ScrapeTimeout), int64(sc.BodySizeLimit))
	if err != nil {
		return md, err
	}
	p, err := parse(body.body, body.contentType, sc, l.t.labels)
	if err != nil {
		return md, err
	}
	if sc.SampleLimit > 0 && len(p.samples) > int(sc.SampleLimit) {
		return md, fmt.Errorf("sample_limit %d exceeded: %d samples after metric_relabel_configs, the whole scrape is rejected: raise sample_limit or drop series with metric_relabel_configs",
			sc.SampleLimit, len(p.samples))
	}
	l.mb.RecordScrapeSamplesScrapedDataPoint(now, int64(p.scraped))
	l.mb.RecordScrapeSamplesPostMetricRelabelingDataPoint(now, int64(len(p.samples)))
	l.mb.RecordScrapeSeriesAddedDataPoint(now, l.seriesAdded(p.samples))
	return l.convert(p, now), nil
}

// seriesAdded counts the samples whose label set the previous scrape did not have.
func (l *loop) seriesAdded(samples []sample) int64 {
	current := make(map[string]bool, len(samples))
	added := int64(0)
	for _, s := range samples {
		key := s.labels.String()
		current[key] = true
		if !l.previous[key] {
			added++
		}
	}
	l.previous = current
	return added
}

// convert builds one ResourceMetrics per job/instance the samples carry: the
// target's own, and others only with honor_labels.
func (l *loop) convert(p parsed, now pcommon.Timestamp) pmetric.Metrics {
	c := newConverter()
	for _, s := range p.samples {
		c.add(s, p.families)
	}
	md := pmetric.NewMetrics()
	for _, id := range c.ids {
		rm := md.ResourceMetrics().AppendEmpty()
		l.resourceOf(id).MoveTo(rm.Resource())
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName(metadata.ScopeName)
		sm.Scope().SetVersion(l.j.r.set.BuildInfo.Version)
		c.appendTo(sm.Metrics(), id, now, l.starts)
	}
	l.starts.next()
	return md
}

func (l *loop) resource() pcommon.Resource { return l.resourceOf(l.id) }

// resourceOf is the resource of a job/instance as the contrib receiver builds
// it: service.name, service.instance.id, and the target's address, port and scheme.
func (l *loop) resourceOf(id identity) pcommon.Resource {
	rb := l.mb.NewResourceBuilder()
	rb.SetServiceName(id.job)
	rb.SetServiceInstanceID(id.instance)
	u, err := url.Parse(l.t.url)
	if err == nil {
		host, port, _ := net.SplitHostPort(u.Host)
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || (!ip.IsLoopback() && !ip.IsUnspecified())) {
			rb.SetServerAddress(host)
		}
		rb.SetServerPort(port)
		rb.SetURLScheme(u.Scheme)
	}
	return rb.Emit()
}

func (l *loop) describe() string { return l.j.sc.JobName + " " + l.t.url }

func (l *loop) explain(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("promscrape job %s target %s: %w", l.j.sc.JobName, l.t.url, err)
}
