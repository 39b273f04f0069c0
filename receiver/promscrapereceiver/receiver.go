package promscrapereceiver // import "github.com/moalog/platform-collector/receiver/promscrapereceiver"

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	commonconfig "github.com/prometheus/common/config"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/moalog/platform-collector/internal/memguard"
	"github.com/moalog/platform-collector/internal/targetstate"
	"github.com/moalog/platform-collector/receiver/promscrapereceiver/internal/metadata"
)

// promReceiver runs one job per scrape config: its discoverers refresh the
// target list, and every target has its own scrape loop.
type promReceiver struct {
	cfg   *Config
	set   receiver.Settings
	next  consumer.Metrics
	obs   *receiverhelper.ObsReport
	state *targetstate.Tracker
	// memory sheds scrapes while the heap is over memory_guard's limit.
	memory *memguard.Guard
	// root ends at Shutdown; a target loop's own context also ends when discovery drops the target.
	root   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Metrics) (*promReceiver, error) {
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	return &promReceiver{cfg: cfg, set: set, next: next, obs: obs, state: targetstate.New(set.Logger)}, nil
}

func (r *promReceiver) Start(_ context.Context, host component.Host) error {
	r.memory = memguard.Find(host)
	ctx, cancel := context.WithCancel(context.Background())
	r.root, r.cancel = ctx, cancel
	for _, sc := range r.cfg.PromConfig.ScrapeConfigs {
		client, err := commonconfig.NewClientFromConfig(sc.httpClientConfig(), sc.JobName)
		if err != nil {
			cancel()
			return fmt.Errorf("job %s: the HTTP client: %w: check basic_auth, authorization and tls_config", sc.JobName, err)
		}
		j := &job{r: r, sc: sc, client: client, loops: map[string]context.CancelFunc{}, groups: map[string][]group{}}
		j.start(ctx)
	}
	return nil
}

func (r *promReceiver) Shutdown(context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	return nil
}

// discoveryTimeout bounds one ask of an http_sd URL or a DNS server.
const discoveryTimeout = 10 * time.Second

// job is one scrape config at run time.
type job struct {
	r      *promReceiver
	sc     *ScrapeConfig
	client *http.Client

	mu     sync.Mutex
	groups map[string][]group            // per discoverer, its last answer
	loops  map[string]context.CancelFunc // per target key, its scrape loop
}

// start scrapes the static targets at once; discovery that asks a file, a
// DNS server or a URL runs in the background so a slow one never holds Start.
func (j *job) start(ctx context.Context) {
	for _, d := range discoverers(j.sc) {
		if d.refresh <= 0 {
			j.refresh(ctx, d)
			continue
		}
		j.r.wg.Add(1)
		go func() {
			defer j.r.wg.Done()
			ticker := time.NewTicker(d.refresh)
			defer ticker.Stop()
			for {
				j.refresh(ctx, d)
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
				}
			}
		}()
	}
}

// refresh asks one discoverer again and restarts the scrape loops whose target
// appeared or vanished. A failed refresh keeps the last known groups, as
// Prometheus does, and is logged once per outage.
func (j *job) refresh(ctx context.Context, d discoverer) {
	findCtx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	groups, err := d.find(findCtx)
	cancel()
	if ctx.Err() != nil {
		return // shutting down
	}
	j.r.state.Observe(j.sc.JobName+" "+d.name, explainDiscovery(j.sc.JobName, d.name, err))
	if err != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.groups[d.name] = groups
	var all []group
	for _, g := range j.groups {
		all = append(all, g...)
	}
	wanted := map[string]bool{}
	for _, t := range targetsOf(j.sc, all) {
		wanted[t.key()] = true
		if j.loops[t.key()] == nil {
			loopCtx, cancel := context.WithCancel(ctx)
			j.loops[t.key()] = cancel
			l := newLoop(j, t)
			j.r.wg.Add(1)
			go func() { defer j.r.wg.Done(); l.run(loopCtx) }()
		}
	}
	for key, cancel := range j.loops {
		if !wanted[key] {
			cancel()
			delete(j.loops, key)
		}
	}
}

func explainDiscovery(jobName, name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("job %s: %s: %w (the last discovered targets are kept)", jobName, name, err)
}

// send hands one scrape to the pipeline; it reports whether the pipeline took it.
func (r *promReceiver) send(ctx context.Context, md pmetric.Metrics, target string) bool {
	points := md.DataPointCount()
	obsCtx := r.obs.StartMetricsOp(ctx)
	err := r.next.ConsumeMetrics(obsCtx, md)
	r.obs.EndMetricsOp(obsCtx, metadata.Type.String(), points, err)
	if err != nil {
		r.set.Logger.Debug("the pipeline refused the scrape", zap.String("target", target), zap.Error(err))
	}
	return err == nil
}
