package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/config/confignet"
	"go.uber.org/zap"
)

// client runs one read-only statement and hands every row to fn. Values
// are nil for SQL NULL and only valid during the call (sql.RawBytes).
type client interface {
	query(ctx context.Context, statement string, fn func(columns []string, row [][]byte)) error
	// reconnect drops the idle connection: the next statement opens a new
	// one, which sees global privileges granted since (MySQL and MariaDB
	// apply them to new sessions only).
	reconnect()
	// beginScrape starts a new byte budget.
	beginScrape()
	close() error
}

// sqlClient is a database/sql pool capped at one connection, built from a
// mysql.Config (never from a DSN string, which would carry the password).
type sqlClient struct {
	db       *sql.DB
	endpoint string
	budget   *scrapeBudget
	// refused is set when watchConn refused a login.
	refused atomic.Bool
}

func newSQLClient(cfg *Config, tlsConfig *tls.Config, dialTimeout time.Duration, logger *zap.Logger) (*sqlClient, error) {
	c := &sqlClient{endpoint: cfg.Endpoint, budget: &scrapeBudget{max: cfg.MaxScrapeBytes}}
	c.budget.reset()
	mc := mysql.NewConfig()
	mc.User = cfg.Username
	mc.Passwd = string(cfg.Password)
	mc.Net = string(cfg.Transport)
	mc.Addr = cfg.Endpoint
	mc.DBName = cfg.Database
	mc.AllowNativePasswords = cfg.AllowNativePasswords
	mc.TLS = tlsConfig
	mc.Timeout = dialTimeout
	mc.Logger = driverLogger{logger}
	keyName, err := serverKeyName(cfg)
	if err != nil {
		return nil, err
	}
	mc.ServerPubKey = keyName
	// A full authentication is safe with a key of the server's from the
	// config, or over a unix socket, where the driver sends the password as
	// the mysql CLI does: only mysqld can own its socket path.
	fullAuthOK := cfg.ServerPublicKeyFile != "" || cfg.Transport == confignet.TransportTypeUnix
	dialer := net.Dialer{Timeout: dialTimeout}
	mc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		wc := &watchConn{Conn: conn, budget: c.budget}
		if tlsConfig == nil {
			wc.login = &loginWatch{fullAuthOK: fullAuthOK, refused: &c.refused}
		}
		return wc, nil
	}
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	c.db = sql.OpenDB(connector)
	// One connection: a scrape runs its statements one after another.
	c.db.SetMaxOpenConns(1)
	c.db.SetMaxIdleConns(1)
	c.db.SetConnMaxIdleTime(10 * time.Minute)
	return c, nil
}

func (c *sqlClient) beginScrape() { c.budget.reset() }

func (c *sqlClient) query(ctx context.Context, statement string, fn func(columns []string, row [][]byte)) error {
	delivered := false
	err := c.queryRows(ctx, statement, func(columns []string, row [][]byte) {
		delivered = true
		fn(columns, row)
	})
	if errors.Is(err, mysql.ErrInvalidConn) && !delivered && ctx.Err() == nil && !c.budget.exceeded.Load() && !c.refused.Load() {
		// The kept connection died with a restarted or stopped server: one
		// more try on a fresh one reports why the server cannot be reached
		// (refused), the same reason at every scrape of the outage.
		err = c.queryRows(ctx, statement, fn)
	}
	switch {
	case err == nil:
		return nil
	case c.refused.Swap(false):
		return errPasswordWithoutTLS
	case c.budget.exceeded.Load():
		return fmt.Errorf("the scrape read more than `max_scrape_bytes` (%d bytes) from the server: "+
			"turn off the metrics with a series per table, index or statement, or raise `max_scrape_bytes`", c.budget.max)
	}
	return err
}

func (c *sqlClient) queryRows(ctx context.Context, statement string, fn func(columns []string, row [][]byte)) error {
	if c.budget.exceeded.Load() {
		return errBudget // the rest of this scrape is not read
	}
	rows, err := c.db.QueryContext(ctx, statement)
	if err != nil {
		return err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return err
	}
	raw := make([]sql.RawBytes, len(columns))
	dest := make([]any, len(columns))
	row := make([][]byte, len(columns))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i := range raw {
			row[i] = raw[i]
		}
		fn(columns, row)
	}
	return rows.Err()
}

func (c *sqlClient) reconnect() {
	c.db.SetMaxIdleConns(0)
	c.db.SetMaxIdleConns(1)
}

func (c *sqlClient) close() error { return c.db.Close() }

// driverLogger sends the driver's own messages (e.g. "unexpected EOF" when
// a server dies) to the collector's logger at debug level: the scraper
// reports the failure itself, once per change of state.
type driverLogger struct{ logger *zap.Logger }

func (l driverLogger) Print(v ...any) {
	l.logger.Debug("mysql driver: " + fmt.Sprint(v...))
}
