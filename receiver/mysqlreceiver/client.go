package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
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
	close() error
}

// sqlClient is a database/sql pool capped at one connection, built from a
// mysql.Config (never from a DSN string, which would carry the password).
type sqlClient struct {
	db *sql.DB
}

func newSQLClient(cfg *Config, tlsConfig *tls.Config, dialTimeout time.Duration, logger *zap.Logger) (*sqlClient, error) {
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
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	// One connection: a scrape runs its statements one after another.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(10 * time.Minute)
	return &sqlClient{db: db}, nil
}

func (c *sqlClient) query(ctx context.Context, statement string, fn func(columns []string, row [][]byte)) error {
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
