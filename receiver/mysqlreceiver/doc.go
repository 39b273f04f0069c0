// Package mysqlreceiver scrapes a MySQL or MariaDB server (SHOW GLOBAL STATUS,
// a few global variables, performance_schema and replica status) into
// OpenTelemetry metrics with the names, units and configuration keys of the
// contrib mysql receiver, plus `mysql.up` and the connection limit.
//
//go:generate go tool mdatagen metadata.yaml
package mysqlreceiver // import "github.com/moalog/platform-collector/receiver/mysqlreceiver"
