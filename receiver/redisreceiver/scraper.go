package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"

	"github.com/moalog/platform-collector/internal/scrapeguard"
	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/internal/tcpscraper"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// defaultDialTimeout applies when `dialer::timeout` is not set.
const defaultDialTimeout = 5 * time.Second

type redisScraper struct {
	cfg    *Config
	mb     *metadata.MetricsBuilder
	client client
	// target ends each scrape: the log, stale markers for the series the
	// server stopped producing (a db that lost its last key, replica fields,
	// too) and memory_guard.
	target tcpscraper.Target

	// Fixed at creation from the configuration.
	infoArgs    []string // INFO, or INFO all when per-command metrics are on
	wantCluster bool     // some cluster metric is enabled
	address     string   // server.address
	port        string   // server.port
}

func newScraper(cfg *Config, settings receiver.Settings) *redisScraper {
	s := &redisScraper{
		cfg:      cfg,
		mb:       metadata.NewMetricsBuilder(cfg.MetricsBuilderConfig, settings),
		target:   tcpscraper.NewTarget(cfg.Endpoint, settings.Logger),
		infoArgs: []string{"INFO"},
		address:  cfg.Endpoint,
	}
	m := cfg.Metrics
	if m.RedisCmdCalls.Enabled || m.RedisCmdUsec.Enabled || m.RedisCmdLatency.Enabled {
		// commandstats and latencystats are not in the default sections.
		s.infoArgs = []string{"INFO", "all"}
	}
	s.wantCluster = m.RedisClusterState.Enabled || m.RedisClusterSlotsAssigned.Enabled ||
		m.RedisClusterSlotsOk.Enabled || m.RedisClusterSlotsPfail.Enabled ||
		m.RedisClusterSlotsFail.Enabled || m.RedisClusterKnownNodes.Enabled ||
		m.RedisClusterNodeCount.Enabled || m.RedisClusterUptime.Enabled ||
		m.RedisClusterNodeUptime.Enabled || m.RedisClusterStatsMessagesSent.Enabled ||
		m.RedisClusterStatsMessagesReceived.Enabled || m.RedisClusterLinksBufferLimitExceededCount.Enabled
	if cfg.Transport != confignet.TransportTypeUnix {
		if host, port, err := net.SplitHostPort(cfg.Endpoint); err == nil {
			s.address, s.port = host, port
		}
	}
	return s
}

func (s *redisScraper) start(ctx context.Context, host component.Host) error {
	s.target.FindMemoryGuard(host)
	tlsConfig, err := s.cfg.TLS.LoadTLSConfig(ctx)
	if err != nil {
		return fmt.Errorf("redis %s: %w: check the files under `tls`", s.cfg.Endpoint, err)
	}
	if tlsConfig != nil && tlsConfig.ServerName == "" && s.cfg.Transport != confignet.TransportTypeUnix {
		tlsConfig.ServerName = s.address
	}
	dialTimeout := s.cfg.DialerConfig.Timeout
	if dialTimeout <= 0 {
		dialTimeout = defaultDialTimeout
	}
	s.client = newRESPClient(string(s.cfg.Transport), s.cfg.Endpoint, tlsConfig,
		s.cfg.Username, string(s.cfg.Password), dialTimeout)
	return nil
}

func (s *redisScraper) shutdown(context.Context) error {
	if s.client != nil {
		return s.client.close()
	}
	return nil
}

// scrape runs one INFO (and CLUSTER INFO in cluster mode). A failure is
// reported as redis.up 0 and logged once per change of state; scraperhelper
// gets no error.
func (s *redisScraper) scrape(ctx context.Context) (pmetric.Metrics, error) {
	now := pcommon.NewTimestampFromTime(time.Now())
	if s.client == nil {
		return pmetric.NewMetrics(), errors.New("redis scraper used before start")
	}
	var sum infoSummary
	err := s.target.RunGuarded(func() error {
		text, err := s.client.do(ctx, s.infoArgs...)
		if err != nil {
			return s.explain(err, "INFO")
		}
		sum = recordInfo(s.mb, now, text)
		if sum.clusterEnabled && s.wantCluster {
			s.scrapeCluster(ctx, now)
		}
		return nil
	})
	if _, panicked := errors.AsType[*scrapeguard.PanicError](err); panicked {
		_ = s.client.close() // the connection is in an unknown state
		err = fmt.Errorf("redis %s: %w", s.cfg.Endpoint, err)
	}
	if err != nil {
		return s.emitDown(now, err), nil
	}
	s.mb.RecordRedisUpDataPoint(now, 1)
	md := s.build(sum.version)
	if err := serieslimit.Check(md, s.cfg.MaxSeries); err != nil {
		return s.emitDown(now, fmt.Errorf("redis %s: %w", s.cfg.Endpoint, err)), nil
	}
	return s.target.Up(md, now, metadata.MetricsInfo.RedisUp.Name), nil
}

// emitDown reports the target down for err, dropping what the failed
// scrape recorded.
func (s *redisScraper) emitDown(now pcommon.Timestamp, err error) pmetric.Metrics {
	s.mb.Emit()
	s.mb.RecordRedisUpDataPoint(now, 0)
	return s.target.Down(s.build(""), now, err)
}

// scrapeCluster runs CLUSTER INFO on a server that is up: its failure (e.g.
// an ACL without it) only skips the cluster metrics, logged once per change
// of state.
func (s *redisScraper) scrapeCluster(ctx context.Context, now pcommon.Timestamp) {
	clusterText, err := s.client.do(ctx, "CLUSTER", "INFO")
	clusterTarget := s.cfg.Endpoint + " CLUSTER INFO"
	if err != nil {
		s.target.Tracker.Observe(clusterTarget, s.explain(err, "CLUSTER INFO"))
		return
	}
	s.target.Tracker.Observe(clusterTarget, nil)
	recordClusterInfo(s.mb, now, clusterText)
}

// build emits what the scrape recorded, with the target's resource.
func (s *redisScraper) build(version string) pmetric.Metrics {
	rb := s.mb.NewResourceBuilder()
	if version != "" {
		// A resource attribute that is not UTF-8 fails the whole target's
		// target_info at the Prometheus exporter.
		rb.SetRedisVersion(strings.ToValidUTF8(version, "\uFFFD"))
	}
	rb.SetServerAddress(s.address)
	if s.port != "" {
		rb.SetServerPort(s.port)
	}
	rb.SetServiceName("redis")
	rb.SetServiceInstanceID(s.cfg.Endpoint)
	return s.mb.Emit(metadata.WithResource(rb.Emit()))
}

// explain names the endpoint and the configuration to fix. The password is
// never part of it: server replies do not echo it and the config is not
// printed.
func (s *redisScraper) explain(err error, command string) error {
	var hint string
	var rerr redisError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *x509.CertificateInvalidError
	msg := err.Error()
	_, isAuth := errors.AsType[authError](err)
	if isAuth {
		command = "AUTH"
	}
	switch {
	case errors.As(err, &rerr) && (strings.HasPrefix(msg, "WRONGPASS") || strings.Contains(msg, "invalid password") || strings.Contains(msg, "invalid username-password")):
		hint = "check `username` and `password`"
	case errors.As(err, &rerr) && strings.Contains(msg, "without any password configured"):
		hint = "the server has no password: remove `password` (or set requirepass on the server)"
	case errors.As(err, &rerr) && strings.HasPrefix(msg, "NOAUTH"):
		hint = "the server requires authentication: set `password` (and `username` for an ACL user)"
	case isAuth && errors.As(err, &rerr) && !strings.HasPrefix(msg, "NOPERM"):
		hint = "the server refused AUTH: check `username` and `password`"
	case errors.As(err, &rerr) && strings.HasPrefix(msg, "NOPERM"):
		hint = "the ACL user may not run " + command + ": grant it, e.g. `ACL SETUSER <user> +info +ping +cluster|info`"
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		hint = "the server's certificate is not trusted: check `tls::ca_file` and `tls::server_name_override`"
	case strings.Contains(msg, "TLS handshake") || strings.Contains(msg, "tls:"):
		hint = "TLS failed: check that `endpoint` is the server's TLS port (`tls-port`) and the `tls` settings"
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
		hint = "nothing listens there: is the server running, and is `endpoint` right?"
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		hint = "the server closed the connection: it stopped or restarted (it is scraped again once it is back), or it listens with TLS (set `tls::insecure: false` and `tls::ca_file`)"
	case strings.Contains(msg, "protocol error"):
		hint = "the reply is not Redis: check `endpoint` and whether the port needs `tls`"
	default:
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			hint = "timed out: is the server reachable, and is `timeout` long enough?"
		} else {
			hint = "check `endpoint` and that the server is running"
		}
	}
	return fmt.Errorf("redis %s: %s: %w: %s", s.cfg.Endpoint, command, err, hint)
}
