#!/bin/sh
# The mysql:8.0 stand-in (MariaDB 10.11 from Debian): what the official image's
# entrypoint does with MYSQL_ROOT_PASSWORD, MYSQL_DATABASE and
# /docker-entrypoint-initdb.d/*.sql on the first start, then the server on
# every interface of the container.
set -eu
case "${1:-}" in
  '' | -*) ;;            # the server, with these options
  *) exec "$@" ;;        # another program (e.g. the mariadb client)
esac
socket=/run/mysqld/mysqld.sock
if [ ! -d /var/lib/mysql/mysql ]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
  mariadbd --user=mysql --skip-networking --socket="$socket" &
  until mariadb-admin --socket="$socket" ping >/dev/null 2>&1; do sleep 0.2; done
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '${MYSQL_ROOT_PASSWORD:?}';"
    [ -z "${MYSQL_DATABASE:-}" ] || echo "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"
    for f in /docker-entrypoint-initdb.d/*.sql; do [ -e "$f" ] && cat "$f"; done
  } | mariadb --socket="$socket" -uroot
  mariadb-admin --socket="$socket" -uroot -p"$MYSQL_ROOT_PASSWORD" shutdown
  wait
fi
exec mariadbd --user=mysql --bind-address=0.0.0.0 --socket="$socket" "$@"
