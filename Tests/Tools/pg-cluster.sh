#!/bin/sh
# A throw-away PostgreSQL cluster on a loopback port, for the chain-mode tests.
#   pg-cluster.sh start DIR   → creates DIR, initdb, starts; prints the administrator's URL (also DIR/url)
#   pg-cluster.sh stop DIR    → stops the server (the cluster stays, for `start` again)
#   pg-cluster.sh remove DIR  → stops it and deletes DIR
# PostgreSQL refuses to run as root: as root, the cluster belongs to and runs as `nobody`.
# The server holds none of this script's descriptors, so a caller reading its output to the end
# gets the end. Any failure exits non-zero with the server's log on stderr, so a test cannot pass without it.
set -eu
cmd=$1 dir=$2
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }
as() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
server() {
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $(cat "$dir/port") -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" "$@" \
        >/dev/null 2>"$dir/pg_ctl.log" </dev/null || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
}
case $cmd in
start)
    if [ ! -d "$dir/data" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown nobody "$dir"
        chmod 700 "$dir"
        as sh -c "head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' > '$dir/password'"
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$dir/port.tmp"
        as cp "$dir/port.tmp" "$dir/port"; rm -f "$dir/port.tmp"
        as "$bin/initdb" -D "$dir/data" -U welkom --pwfile="$dir/password" --auth-local=trust \
            --auth-host=scram-sha-256 -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
        server start
        as "$bin/psql" -h "$dir" -p "$(cat "$dir/port")" -U welkom -d postgres -qc "CREATE DATABASE welkom" >/dev/null
    elif ! as "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        server start
    fi
    url="postgres://welkom:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/welkom?sslmode=disable"
    # Also in DIR/url: a caller whose pipe the server inherits (Foundation's Process passes more
    # than fds 0–2) would wait for an end-of-file that never comes.
    echo "$url" > "$dir/url.tmp" && mv "$dir/url.tmp" "$dir/url"
    echo "$url"
    ;;
stop)
    server stop -m fast
    ;;
remove)
    [ -f "$dir/data/postmaster.pid" ] && as "$bin/pg_ctl" -D "$dir/data" -w -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg-cluster.sh start|stop|remove DIR" >&2; exit 64
    ;;
esac
