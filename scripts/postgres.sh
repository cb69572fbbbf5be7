#!/usr/bin/env bash
# Starts (or stops) a private PostgreSQL cluster under var/postgres for Kaifang's tests and local runs.
# It never touches a system cluster: its own data directory, port and socket directory.
set -euo pipefail
action=${1:?start|stop}
port=${2:-5433}
var=${KAIFANG_VAR:-$(pwd)/var}
data="$var/postgres/data"
sock="$var/postgres/run"
bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n1)")
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
start)
  mkdir -p "$var/postgres"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$var/postgres"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg mkdir -p "$sock"
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -l "$var/postgres/server.log" -w -t 60 \
      -o "-p $port -k $sock -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  psql_() { as_pg psql -h 127.0.0.1 -p "$port" -U postgres -tAq "$@"; }
  [ "$(psql_ -c "select 1 from pg_roles where rolname='kaifang'")" = 1 ] || psql_ -c "create role kaifang login"
  for db in kaifang kaifang_test; do
    [ "$(psql_ -c "select 1 from pg_database where datname='$db'")" = 1 ] || psql_ -c "create database $db owner kaifang"
  done
  echo "PostgreSQL on 127.0.0.1:$port (data $data)"
  ;;
stop)
  [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
  ;;
esac
