package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"errors"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/receiver/mysqlreceiver/internal/metadata"
)

// Defaults of the contrib mysql receiver.
const (
	defaultEndpoint        = "localhost:3306"
	defaultDigestTextLimit = 120
	defaultStatementLimit  = 250
	defaultTimeLimit       = 24 * time.Hour
	// defaultMaxScrapeBytes bounds the heap a scrape can take; the replies of
	// a scrape with every metric on stay far below it on a sane schema.
	defaultMaxScrapeBytes = 32 << 20
	// defaultTableLimit: a row of the per-table and per-index queries gives
	// at most 20 series (lock waits), 8 (I/O waits, table or index) or 4
	// (table statistics), 40 for a table with every one of them on: 100 rows
	// of each are 4,000 series, within the default `max_series` (5000) with
	// the ~200 series of the default metrics.
	defaultTableLimit = 100
)

// Config has the keys of the contrib mysql receiver: `endpoint`,
// `transport`, `username`, `password`, `database`, `allow_native_passwords`,
// `tls`, `statement_events`, the scraper controller's `collection_interval`,
// `initial_delay` and `timeout`, and `metrics` / `resource_attributes`.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	confignet.AddrConfig           `mapstructure:",squash"`

	Username string              `mapstructure:"username"`
	Password configopaque.String `mapstructure:"password"`
	// Database is the default database of the connection; nothing is read
	// from it. Empty connects without one.
	Database string `mapstructure:"database"`
	// AllowNativePasswords allows the mysql_native_password authentication
	// method (on by default, as in contrib).
	AllowNativePasswords bool `mapstructure:"allow_native_passwords"`
	// TLS is off unless set (`insecure: true` by default, as in contrib).
	TLS configtls.ClientConfig `mapstructure:"tls,omitempty"`
	// ServerPublicKeyFile is the server's RSA public key (PEM), used to
	// encrypt the password when the server asks for it without TLS. The
	// receiver never asks the server for its key: whoever answers on the
	// endpoint could send their own.
	ServerPublicKeyFile string `mapstructure:"server_public_key_file"`
	// MaxScrapeBytes bounds what one scrape reads from the server.
	MaxScrapeBytes int64 `mapstructure:"max_scrape_bytes"`
	// MaxSeries bounds the series of one scrape (0: no limit).
	MaxSeries int `mapstructure:"max_series"`
	// TableLimit bounds the rows of every per-table and per-index query
	// (mysql.table.*, mysql.index.*): the ones with the most wait time (the
	// largest for the table statistics) first.
	TableLimit int `mapstructure:"table_limit"`
	// StatementEvents limits the performance_schema digest query behind
	// mysql.statement_event.* (off by default).
	StatementEvents StatementEventsConfig `mapstructure:"statement_events"`

	metadata.MetricsBuilderConfig `mapstructure:",squash"`
}

// StatementEventsConfig bounds the statement digest summary.
type StatementEventsConfig struct {
	// DigestTextLimit cuts digest_text to this many characters.
	DigestTextLimit int `mapstructure:"digest_text_limit"`
	// Limit is the number of digests (the slowest by total time) per scrape.
	Limit int `mapstructure:"limit"`
	// TimeLimit skips digests not seen for this long.
	TimeLimit time.Duration `mapstructure:"time_limit"`
}

// Validate reports configuration errors with the fix.
func (cfg *Config) Validate() error {
	var errs []error
	switch cfg.Transport {
	case confignet.TransportTypeTCP, confignet.TransportTypeTCP4, confignet.TransportTypeTCP6:
		if _, _, err := net.SplitHostPort(cfg.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("`endpoint` %q is not host:port (%v): write it like localhost:3306, or set `transport: unix` for a socket path", cfg.Endpoint, err))
		}
	case confignet.TransportTypeUnix:
		if cfg.Endpoint == "" {
			errs = append(errs, errors.New("`endpoint` must be the socket path with `transport: unix`, e.g. /run/mysqld/mysqld.sock"))
		}
	default:
		errs = append(errs, fmt.Errorf("`transport` %q is not supported for mysql %s: use tcp or unix", cfg.Transport, cfg.Endpoint))
	}
	if cfg.Username == "" {
		errs = append(errs, fmt.Errorf("mysql %s: `username` must be set: the monitoring user (see the GRANT statements in the receiver's README)", cfg.Endpoint))
	}
	if err := serieslimit.Validate(cfg.MaxSeries); err != nil {
		errs = append(errs, err)
	}
	if cfg.MaxScrapeBytes < 64<<10 {
		errs = append(errs, fmt.Errorf("mysql %s: `max_scrape_bytes` must be at least 65536 (default %d), got %d", cfg.Endpoint, defaultMaxScrapeBytes, cfg.MaxScrapeBytes))
	}
	if cfg.TableLimit <= 0 {
		errs = append(errs, fmt.Errorf("mysql %s: `table_limit` must be positive (default %d): the rows each per-table and per-index query may return, got %d", cfg.Endpoint, defaultTableLimit, cfg.TableLimit))
	}
	if cfg.StatementEvents.DigestTextLimit <= 0 {
		errs = append(errs, fmt.Errorf("`statement_events::digest_text_limit` must be positive (default %d), got %d", defaultDigestTextLimit, cfg.StatementEvents.DigestTextLimit))
	}
	if cfg.StatementEvents.Limit <= 0 {
		errs = append(errs, fmt.Errorf("`statement_events::limit` must be positive (default %d), got %d", defaultStatementLimit, cfg.StatementEvents.Limit))
	}
	if cfg.StatementEvents.TimeLimit < time.Second {
		errs = append(errs, fmt.Errorf("`statement_events::time_limit` must be at least 1s (default %s), got %s", defaultTimeLimit, cfg.StatementEvents.TimeLimit))
	}
	return errors.Join(errs...)
}
