#!/bin/sh
# The redis:7 stand-in (Debian's redis-server 7.0): like the official image,
# a server started without a config file leaves protected mode off, so other
# containers of the network reach it.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
