package jolokiareceiver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/internal/memguard"
	"github.com/moalog/platform-collector/internal/scrapeguard"
	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/internal/staleness"
	"github.com/moalog/platform-collector/internal/targetstate"
	"github.com/moalog/platform-collector/receiver/jolokiareceiver/internal/metadata"
)

// jolokiaScraper scrapes the targets of one receiver with one compiled plan.
type jolokiaScraper struct {
	cfg       *Config
	logger    *zap.Logger
	plan      *plan
	targets   []*targetScraper
	tracker   *targetstate.Tracker
	guard     *scrapeguard.Guard
	transport *http.Transport
	// memory sheds scrapes while the heap is over memory_guard's limit.
	memory *memguard.Guard
}

// targetScraper holds what one target keeps between scrapes.
type targetScraper struct {
	target Target
	// name identifies the target in logs: the endpoint, and in proxy mode
	// "endpoint -> JMX service URL".
	name       string
	instanceID string
	client     *client
	// start is the start time of cumulative sums: when the target was first
	// seen up, reset when it comes back after being down (a restarted JVM).
	start pcommon.Timestamp
	up    bool
	// body and slots are this target's bulk read: the plan's, with the
	// requests in split read attribute by attribute (see plan.layout).
	body  []byte
	slots []slot
	split []bool
	names nameCache
	jmx   *jmxState
	// entryErrors is the last error per request and attribute list, to log changes only.
	entryErrors map[string]string
	// stale marks the series this target stopped producing (an unregistered
	// MBean, all but up and duration when it is down).
	stale staleness.Tracker
	// delivered is set once the pipeline took a scrape of the target: only
	// then does the receiver's Shutdown send stale markers for its series.
	delivered bool
	// self records the receiver's own metrics (metadata.yaml); one per
	// target because targets are scraped concurrently.
	self *metadata.MetricsBuilder
}

func newScraper(cfg *Config, settings receiver.Settings) (*jolokiaScraper, error) {
	p, err := cfg.compile()
	if err != nil {
		return nil, err
	}
	s := &jolokiaScraper{
		cfg:     cfg,
		logger:  settings.Logger,
		plan:    p,
		tracker: targetstate.New(settings.Logger),
		guard:   scrapeguard.New(settings.Logger),
	}
	defaultService := settings.ID.Name()
	if defaultService == "" {
		defaultService = settings.ID.Type().String()
	}
	all := cfg.targets()
	mine := cfg.Shard.inShard(all)
	if cfg.Shard.Count > 1 {
		settings.Logger.Info("jolokia: scraping this replica's shard of the targets",
			zap.Int("shard.index", cfg.Shard.Index), zap.Int("shard.count", cfg.Shard.Count),
			zap.Int("targets", len(mine)), zap.Int("targets.all", len(all)))
	}
	for _, t := range mine {
		if t.ServiceName == "" {
			t.ServiceName = defaultService
		}
		ts := &targetScraper{
			target:      t,
			name:        t.Endpoint,
			instanceID:  instanceID(t.Endpoint),
			body:        p.body,
			slots:       p.slots,
			split:       make([]bool, len(p.requests)),
			entryErrors: map[string]string{},
			names:       nameCache{},
			jmx:         newJMXState(p.jmx),
			self:        metadata.NewMetricsBuilder(metadata.DefaultMetricsBuilderConfig(), settings),
		}
		if t.ProxyTarget != nil {
			ts.name = t.Endpoint + " -> " + t.ProxyTarget.URL
			ts.instanceID = jmxInstanceID(t.ProxyTarget.URL)
			ts.body, ts.slots = p.layoutFor(nil, t.ProxyTarget.requestTarget())
		}
		s.targets = append(s.targets, ts)
	}
	return s, nil
}

// instanceID is host:port of the endpoint, with the scheme's default port.
func instanceID(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func (s *jolokiaScraper) start(ctx context.Context, host component.Host) error {
	s.memory = memguard.Find(host)
	tlsCfg, err := s.cfg.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return fmt.Errorf("jolokia: `tls`: %w", err)
	}
	s.transport, err = newTransport(s.cfg, tlsCfg)
	if err != nil {
		return err
	}
	httpClient := &http.Client{Transport: s.transport, Timeout: s.cfg.Timeout, CheckRedirect: refuseRedirects}
	for _, t := range s.targets {
		t.client = &client{
			http:     httpClient,
			endpoint: t.target.Endpoint,
			username: t.target.Username,
			password: t.target.Password,
			headers:  s.cfg.Headers,
			maxBytes: s.cfg.MaxResponseBytes,
		}
	}
	return nil
}

func (s *jolokiaScraper) shutdown(context.Context) error {
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	return nil
}

// newMetrics starts the metrics of one target: its resource and scope.
func (t *targetScraper) newMetrics() (pmetric.Metrics, pmetric.ScopeMetrics) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	res := rm.Resource().Attributes()
	for _, k := range sortedKeys(t.target.ResourceAttributes) {
		res.PutStr(k, t.target.ResourceAttributes[k])
	}
	res.PutStr("service.name", t.target.ServiceName)
	res.PutStr("service.instance.id", t.instanceID)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	return md, sm
}

// emitSelf moves the receiver's own metrics recorded in t.self into the
// target's scope: one resource per target.
func (t *targetScraper) emitSelf(sm pmetric.ScopeMetrics) {
	t.self.Emit().ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().MoveAndAppendTo(sm.Metrics())
}

// skippedTarget reports a down target that waits for its next try: jolokia.up
// 0, without connecting.
func (s *jolokiaScraper) skippedTarget(t *targetScraper) pmetric.Metrics {
	md, sm := t.newMetrics()
	t.self.RecordJolokiaUpDataPoint(pcommon.NewTimestampFromTime(time.Now()), 0)
	t.emitSelf(sm)
	return md
}

func (s *jolokiaScraper) scrapeTarget(ctx context.Context, t *targetScraper) pmetric.Metrics {
	began := time.Now()
	md, sm := t.newMetrics()

	var results []entryResult
	now := pcommon.NewTimestampFromTime(time.Now())
	err := s.guard.Run(t.name, func() error {
		body, err := t.client.post(ctx, t.body)
		var entries []responseEntry
		if err == nil {
			entries, err = decodeResponse(body, len(t.slots)+proxyEntries(t.target.ProxyTarget))
		}
		if err == nil && t.target.ProxyTarget != nil {
			entries, err = checkProxied(entries, t.target.ProxyTarget)
		}
		now = pcommon.NewTimestampFromTime(time.Now())
		if err == nil {
			start := t.start
			if !t.up {
				start = pcommon.NewTimestampFromTime(began)
			}
			results = newConverter(s.plan, sm, start, now, t.names).convert(entries, t.slots)
			t.start = start
			err = s.scrapeJMX(ctx, t, sm, now)
		}
		if err == nil {
			err = serieslimit.Check(md, s.cfg.MaxSeries)
		}
		return err
	})
	if err != nil {
		// Drop what a conversion that panicked, or that went over
		// max_series, appended; the self metrics are added below.
		sm.Metrics().RemoveIf(func(pmetric.Metric) bool { return true })
	}
	t.up = err == nil
	if err != nil {
		err = fmt.Errorf("jolokia %s: %w", t.name, err)
	}
	s.tracker.Observe(t.name, err)

	upValue := int64(0)
	if t.up {
		upValue = 1
	}
	t.self.RecordJolokiaUpDataPoint(now, upValue)
	t.self.RecordJolokiaScrapeDurationDataPoint(now, time.Since(began).Seconds())
	if t.up {
		s.recordEntryResults(t, results, now)
	}
	t.emitSelf(sm)
	s.memory.Shed(t.name, md, metadata.MetricsInfo.JolokiaUp.Name, metadata.MetricsInfo.JolokiaScrapeDuration.Name)
	t.stale.Mark(md, now)
	return md
}

// recordEntryResults counts failed MBean reads and logs entry errors once per
// change. 404 (MBean not registered) is normal for optional MBeans: debug only.
// A merged entry that failed otherwise is split for the next scrapes.
func (s *jolokiaScraper) recordEntryResults(t *targetScraper, results []entryResult, now pcommon.Timestamp) {
	var notFound, failed int64
	resplit := false
	for i, r := range results {
		sl := t.slots[i]
		mbean := s.plan.requests[sl.req].mbean
		if r.err == "" && len(t.entryErrors) == 0 {
			continue // the common case: nothing to count, log or forget
		}
		key := mbean + " " + strings.Join(sl.attrs, ",")
		switch {
		case r.err == "":
			if _, had := t.entryErrors[key]; had {
				s.logger.Info("MBean read works again", zap.String("target", t.name), zap.String("mbean", mbean), zap.Strings("attributes", sl.attrs))
				delete(t.entryErrors, key)
			}
		case r.status == http.StatusNotFound:
			notFound++
			s.logger.Debug("MBean not registered", zap.String("target", t.name), zap.String("mbean", mbean), zap.String("error", r.err))
		default:
			failed++
			if _, had := t.entryErrors[key]; !had {
				// Once until the read works again: some errors carry a
				// counter or a timestamp and change at every scrape.
				s.logger.Warn("MBean read failed; logged again only after it has worked",
					zap.Error(fmt.Errorf("jolokia %s: read %s %v: %s", t.name, mbean, sl.attrs, r.err)))
			}
			t.entryErrors[key] = r.err
			// Split only an entry that failed as a whole (2.x NaN), not one
			// with a missing attribute.
			if r.status != http.StatusOK && len(sl.attrs) > 1 && !t.split[sl.req] {
				t.split[sl.req] = true
				resplit = true
			}
		}
	}
	if resplit {
		t.body, t.slots = s.plan.layoutFor(t.split, t.target.ProxyTarget.requestTarget())
	}
	t.self.RecordJolokiaReadErrorsDataPoint(now, notFound, metadata.AttributeJolokiaReadStatusNotFound)
	t.self.RecordJolokiaReadErrorsDataPoint(now, failed, metadata.AttributeJolokiaReadStatusError)
}
