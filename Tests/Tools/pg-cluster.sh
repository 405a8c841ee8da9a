#!/bin/sh
# A throw-away PostgreSQL cluster on a loopback port, for the chain-mode tests.
#   pg-cluster.sh start DIR [--ssl] → creates DIR, initdb, starts; prints the administrator's URL (also DIR/url)
#       --ssl (when DIR is created): ssl = on with a throw-away CA (openssl): DIR/tls/ca.crt signed the
#       server's certificate, which names only DNS:localhost (so 127.0.0.1 is a name it does not carry);
#       DIR/tls/other-ca.crt signed nothing (a CA a client must refuse). The printed URL stays
#       127.0.0.1 and sslmode=disable; clients pick their host and mode.
#   pg-cluster.sh stop DIR    → stops the server (the cluster stays, for `start` again)
#   pg-cluster.sh remove DIR  → stops it and deletes DIR
# PostgreSQL refuses to run as root: as root, the cluster belongs to and runs as `nobody`.
# The server holds none of this script's descriptors, so a caller reading its output to the end
# gets the end. Any failure exits non-zero with the server's log on stderr, so a test cannot pass without it.
set -eu
cmd=$1 dir=$2 ssl=${3:-}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }
as() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
server() {
    as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $(cat "$dir/port") -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" "$@" \
        >/dev/null 2>"$dir/pg_ctl.log" </dev/null || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
}
# A CA, the server's certificate and key (P-256: quick to make), and a second CA; ssl = on in the
# cluster's own postgresql.conf, so a stop and start keeps it.
make_tls() {
    command -v openssl >/dev/null || { echo "pg-cluster: --ssl needs openssl (apt-get install openssl)" >&2; exit 1; }
    t=$dir/tls
    mkdir -p "$t"
    ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    {
        for ca in ca other-ca; do
            openssl req -x509 $ec -keyout "$t/$ca.key" -out "$t/$ca.crt" -days 30 -subj "/CN=Welkom test $ca" \
                -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
        done
        openssl req $ec -keyout "$t/server.key" -out "$t/server.csr" -subj "/CN=localhost"
        printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$t/server.ext"
        openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 30 \
            -extfile "$t/server.ext" -out "$t/server.crt"
    } >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
    chmod 600 "$t/server.key"
    chmod 644 "$t"/*.crt
    [ "$(id -u)" = 0 ] && chown -R nobody "$t"
    printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" "$t/server.crt" "$t/server.key" \
        | as sh -c "cat >> '$dir/data/postgresql.conf'"
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
        [ "$ssl" = --ssl ] && make_tls
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
    echo "usage: pg-cluster.sh start DIR [--ssl] | stop DIR | remove DIR" >&2; exit 64
    ;;
esac
