package redisreceiver // import "github.com/moalog/platform-collector/receiver/redisreceiver"

import (
	"errors"
	"fmt"
	"net"

	"go.opentelemetry.io/collector/config/confignet"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/scraper/scraperhelper"

	"github.com/moalog/platform-collector/internal/serieslimit"
	"github.com/moalog/platform-collector/receiver/redisreceiver/internal/metadata"
)

// Config has the keys of the contrib redis receiver: `endpoint`,
// `transport`, `username`, `password`, `tls`, the scraper controller's
// `collection_interval`, `initial_delay` and `timeout`, and `metrics` /
// `resource_attributes`.
type Config struct {
	scraperhelper.ControllerConfig `mapstructure:",squash"`
	confignet.AddrConfig           `mapstructure:",squash"`

	// Username authenticates as a Redis 6+ ACL user (AUTH username password).
	Username string `mapstructure:"username"`
	// Password is the ACL user's password, or `requirepass` without username.
	Password configopaque.String `mapstructure:"password"`
	// TLS is off unless set (`insecure: true` by default, as in contrib):
	// set `insecure: false` (and `ca_file`) to connect to a TLS port.
	TLS configtls.ClientConfig `mapstructure:"tls,omitempty"`

	// MaxSeries bounds the series of one scrape (0: no limit).
	MaxSeries int `mapstructure:"max_series"`

	metadata.MetricsBuilderConfig `mapstructure:",squash"`
}

// Validate reports configuration errors with the fix.
func (cfg *Config) Validate() error {
	if cfg.Endpoint == "" {
		return errors.New("`endpoint` must be set: host:port such as localhost:6379, or a socket path with `transport: unix`")
	}
	switch cfg.Transport {
	case confignet.TransportTypeTCP, confignet.TransportTypeTCP4, confignet.TransportTypeTCP6:
		if _, _, err := net.SplitHostPort(cfg.Endpoint); err != nil {
			return fmt.Errorf("`endpoint` %q is not host:port (%v): write it like localhost:6379, or set `transport: unix` for a socket path", cfg.Endpoint, err)
		}
	case confignet.TransportTypeUnix:
	default:
		return fmt.Errorf("`transport` %q is not supported for redis %s: use tcp or unix", cfg.Transport, cfg.Endpoint)
	}
	return serieslimit.Validate(cfg.MaxSeries)
}
