#!/bin/sh
# Records the *.tsv fixtures from a real MariaDB primary and replica (Debian's
# mariadb-server). Run from this folder: sh record.sh. The statements are
# the receiver's own (scraper.go); a test checks that they match.
set -eu
W=$(mktemp -d)
trap 'kill $(cat $W/p.pid) $(cat $W/r.pid) 2>/dev/null; sleep 1; rm -rf $W' EXIT
COMMON="--no-defaults --user=root --bind-address=127.0.0.1 --skip-name-resolve --performance-schema=ON
  --innodb-buffer-pool-size=32M --innodb-log-file-size=4M --innodb-data-file-path=ibdata1:8M:autoextend --log-bin=mysql-bin"
mariadb-install-db --no-defaults --user=root --datadir=$W/p --auth-root-authentication-method=socket --skip-test-db \
  --innodb-log-file-size=4M --innodb-data-file-path=ibdata1:8M:autoextend >/dev/null
cp -a $W/p $W/r
mariadbd $COMMON --datadir=$W/p --socket=$W/p.sock --port=23306 --server-id=1 --pid-file=$W/p.pid >$W/p.log 2>&1 &
mariadbd $COMMON --datadir=$W/r --socket=$W/r.sock --port=23307 --server-id=2 --pid-file=$W/r.pid --read-only=ON >$W/r.log 2>&1 &
P="mariadb --no-defaults --socket=$W/p.sock -uroot"
R="mariadb --no-defaults --socket=$W/r.sock -uroot"
until $P -e 'SELECT 1' >/dev/null 2>&1 && $R -e 'SELECT 1' >/dev/null 2>&1; do sleep 0.1; done
$P -e "CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'"
$R -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=23306, MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos; START SLAVE"
$P -e "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, customer VARCHAR(20), amount INT, KEY by_customer (customer));
  INSERT INTO shop.orders (customer, amount) VALUES ('ann',10),('bob',20),('cid',30);
  UPDATE shop.orders SET amount=11 WHERE customer='ann'; DELETE FROM shop.orders WHERE id=3;
  SELECT * FROM shop.orders WHERE customer='bob'; SELECT SLEEP(0.01)" >/dev/null
$P shop -e "SELECT * FROM orders WHERE customer='ann'; SELECT COUNT(*) FROM orders;
  INSERT INTO orders (customer, amount) VALUES ('dan', 40); SELECT * FROM orders ORDER BY amount DESC" >/dev/null
$R -e "SELECT MASTER_GTID_WAIT('$($P -N -e 'SELECT @@gtid_binlog_pos')', 30)" >/dev/null

rec() { # file, client, statement
  { echo "# MariaDB $($2 -N -e 'SELECT VERSION()'), recorded by testdata/record.sh with: mariadb --batch -e \"$3\""; $2 --batch -e "$3"; } >$1
}
STATUS="SHOW GLOBAL STATUS"
VARS="SHOW GLOBAL VARIABLES WHERE Variable_name IN ('innodb_buffer_pool_size', 'max_connections', 'performance_schema', 'version', 'open_files_limit', 'table_open_cache', 'table_definition_cache', 'max_prepared_stmt_count', 'innodb_force_recovery', 'innodb_log_buffer_size', 'key_buffer_size', 'query_cache_size', 'thread_cache_size')"
TABLES="SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_ROWS, 0), COALESCE(AVG_ROW_LENGTH, 0), COALESCE(DATA_LENGTH, 0), COALESCE(INDEX_LENGTH, 0) FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') ORDER BY COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) DESC, TABLE_SCHEMA, TABLE_NAME LIMIT 100"
LOCKS="SELECT OBJECT_SCHEMA, OBJECT_NAME, COUNT_READ_NORMAL, COUNT_READ_WITH_SHARED_LOCKS, COUNT_READ_HIGH_PRIORITY, COUNT_READ_NO_INSERT, COUNT_READ_EXTERNAL, COUNT_WRITE_ALLOW_WRITE, COUNT_WRITE_CONCURRENT_INSERT, COUNT_WRITE_LOW_PRIORITY, COUNT_WRITE_NORMAL, COUNT_WRITE_EXTERNAL, SUM_TIMER_READ_NORMAL, SUM_TIMER_READ_WITH_SHARED_LOCKS, SUM_TIMER_READ_HIGH_PRIORITY, SUM_TIMER_READ_NO_INSERT, SUM_TIMER_READ_EXTERNAL, SUM_TIMER_WRITE_ALLOW_WRITE, SUM_TIMER_WRITE_CONCURRENT_INSERT, SUM_TIMER_WRITE_LOW_PRIORITY, SUM_TIMER_WRITE_NORMAL, SUM_TIMER_WRITE_EXTERNAL FROM performance_schema.table_lock_waits_summary_by_table WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') ORDER BY SUM_TIMER_WAIT DESC, OBJECT_SCHEMA, OBJECT_NAME LIMIT 100"
HIST="SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'"
PROC="SELECT COMMAND, COALESCE(STATE, ''), COUNT(*) FROM information_schema.PROCESSLIST GROUP BY COMMAND, STATE"
IO="(SELECT 'table', OBJECT_SCHEMA, OBJECT_NAME, '', COUNT_DELETE, COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, SUM_TIMER_DELETE, SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE FROM performance_schema.table_io_waits_summary_by_table WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') ORDER BY SUM_TIMER_WAIT DESC, OBJECT_SCHEMA, OBJECT_NAME LIMIT 100) UNION ALL (SELECT 'index', OBJECT_SCHEMA, OBJECT_NAME, COALESCE(INDEX_NAME, 'NONE'), COUNT_DELETE, COUNT_FETCH, COUNT_INSERT, COUNT_UPDATE, SUM_TIMER_DELETE, SUM_TIMER_FETCH, SUM_TIMER_INSERT, SUM_TIMER_UPDATE FROM performance_schema.table_io_waits_summary_by_index_usage WHERE OBJECT_SCHEMA NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') ORDER BY SUM_TIMER_WAIT DESC, OBJECT_SCHEMA, OBJECT_NAME, INDEX_NAME LIMIT 100)"
STMT="SELECT COALESCE(SCHEMA_NAME, 'NONE'), DIGEST, LEFT(DIGEST_TEXT, 120), SUM_TIMER_WAIT, SUM_ERRORS, SUM_WARNINGS, SUM_ROWS_AFFECTED, SUM_ROWS_SENT, SUM_ROWS_EXAMINED, SUM_CREATED_TMP_DISK_TABLES, SUM_CREATED_TMP_TABLES, SUM_SORT_MERGE_PASSES, SUM_SORT_ROWS, SUM_NO_INDEX_USED FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME NOT IN ('mysql', 'performance_schema', 'information_schema', 'sys') AND LAST_SEEN > DATE_SUB(NOW(), INTERVAL 86400 SECOND) ORDER BY SUM_TIMER_WAIT DESC LIMIT 250"
rec primary/status.tsv "$P" "$STATUS"
rec primary/variables.tsv "$P" "$VARS"
rec primary/io_waits.tsv "$P" "$IO"
rec primary/statement_events.tsv "$P" "$STMT"
rec primary/replica_status.tsv "$P" "SHOW ALL REPLICAS STATUS"
rec primary/processlist.tsv "$P" "$PROC"
rec primary/innodb_history.tsv "$P" "$HIST"
rec primary/table_stats.tsv "$P" "$TABLES"
rec primary/lock_waits.tsv "$P" "$LOCKS"
rec replica/status.tsv "$R" "$STATUS"
rec replica/variables.tsv "$R" "$VARS"
rec replica/io_waits.tsv "$R" "$IO"
rec replica/statement_events.tsv "$R" "$STMT"
rec replica/replica_status.tsv "$R" "SHOW ALL REPLICAS STATUS"
rec replica/processlist.tsv "$R" "$PROC"
rec replica/table_stats.tsv "$R" "$TABLES"
rec replica/lock_waits.tsv "$R" "$LOCKS"
