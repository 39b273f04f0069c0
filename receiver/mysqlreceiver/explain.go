package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"

import (
	"context"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"

	"github.com/moalog/platform-collector/internal/targetstate"
)

// Server error numbers the receiver explains.
const (
	errDBAccessDenied        = 1044 // ER_DBACCESS_DENIED_ERROR
	errAccessDenied          = 1045 // ER_ACCESS_DENIED_ERROR
	errBadDB                 = 1049 // ER_BAD_DB_ERROR
	errTooManyConnections    = 1040 // ER_CON_COUNT_ERROR
	errTableAccessDenied     = 1142 // ER_TABLEACCESS_DENIED_ERROR
	errSpecificAccessDenied  = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR
	errUserLimitReached      = 1226 // ER_USER_LIMIT_REACHED
	errHostNotPrivileged     = 1130 // ER_HOST_NOT_PRIVILEGED
	errUnknownTable          = 1109 // ER_UNKNOWN_TABLE
	errNoSuchTable           = 1146 // ER_NO_SUCH_TABLE
	errUnknownSystemVariable = 1193
)

// explain names the endpoint, what failed and the fix. The password never
// appears: the driver's errors do not carry it and the DSN is never built.
func (s *mysqlScraper) explain(err error, part string) error {
	endpoint, user := s.cfg.Endpoint, s.cfg.Username
	account := fmt.Sprintf("'%s'@'%%'", user)
	what := "mysql " + endpoint
	if part != "" {
		what += " (" + part + ")"
	}
	var hint string
	var merr *mysql.MySQLError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &merr):
		switch merr.Number {
		case errAccessDenied:
			hint = "check `username` and `password` (the user must exist for the collector's host, e.g. CREATE USER " + account + " IDENTIFIED BY '...')"
		case errHostNotPrivileged:
			hint = "the user is not allowed to connect from the collector's host: CREATE USER for that host (or '%')"
		case errDBAccessDenied:
			hint = fmt.Sprintf("the user may not use `database` %q: remove `database` (nothing is read from it) or GRANT access to it", s.cfg.Database)
		case errBadDB:
			hint = fmt.Sprintf("`database` %q does not exist: remove `database` (nothing is read from it) or fix its name", s.cfg.Database)
		case errTooManyConnections, errUserLimitReached:
			hint = "the server refuses more connections (max_connections or the user's MAX_USER_CONNECTIONS): the receiver needs one"
		case errTableAccessDenied:
			hint = "GRANT SELECT ON performance_schema.* TO " + account
		case errSpecificAccessDenied:
			if strings.Contains(part, "replica") {
				hint = "GRANT SLAVE MONITOR ON *.* TO " + account + " (MariaDB 10.5+), or GRANT REPLICATION CLIENT ON *.* TO " + account + " (MySQL)"
			} else {
				hint = "GRANT PROCESS ON *.* TO " + account
			}
		case errNoSuchTable, errUnknownTable, errUnknownSystemVariable:
			hint = "the server has no such table or variable (an old or different server): the metrics from it are skipped"
		}
	case errors.Is(err, context.DeadlineExceeded):
		hint = fmt.Sprintf("no answer within %s: the server is overloaded or hung, or `endpoint` is not a MySQL port; raise `timeout` if it is just slow", s.scrapeTimeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "connection refused: is the server running and listening there? check `endpoint` and `transport`"
	case errors.Is(err, syscall.ENOENT):
		hint = "no such socket: check `endpoint` (the socket path) with `transport: unix`"
	case errors.Is(err, mysql.ErrNativePassword):
		hint = "the user authenticates with mysql_native_password: set `allow_native_passwords: true`"
	case errors.Is(err, mysql.ErrCleartextPassword):
		hint = "the server asks for a cleartext password, which the receiver does not send"
	case errors.As(err, &unknownCA), errors.As(err, &hostErr):
		hint = "the server's TLS certificate is not trusted: set `tls::ca_file` (and `tls::server_name_override` if the name differs)"
	case strings.Contains(err.Error(), "TLS requested but server does not support TLS"):
		hint = "the server has no TLS: set `tls::insecure: true` or enable TLS on the server"
	case errors.Is(err, mysql.ErrPktSync), errors.Is(err, mysql.ErrPktSyncMul), errors.Is(err, mysql.ErrMalformPkt), errors.Is(err, mysql.ErrPktTooLarge):
		hint = "the reply is not the MySQL protocol (or was cut): check that `endpoint` is a MySQL port and nothing in between alters the stream"
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		// The driver reports one lost connection in several ways from one
		// scrape to the next ("invalid connection", "dial tcp ...: connection
		// reset by peer", EOF): one text, so that targetstate logs the outage
		// once instead of once per wording.
		return targetstate.Reword(err, what+": the connection was lost or reset (server restarted or stopped?); the receiver reconnects on the next scrape")
	}
	if hint == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w: %s", what, err, hint)
}
