#!/usr/bin/env bash
# Starts PostgreSQL, MariaDB and ClickHouse (if they are not running) and creates what the source
# tests use:
#   PostgreSQL: role visivo / password visivo_pw, database visivo_test owned by it, and a
#               pg_hba.conf rule making TCP logins of `visivo` check the password.
#   MariaDB:    user 'visivo'@'%' and 'visivo'@'localhost' / visivo_pw, database visivo_test.
#   ClickHouse: user visivo / visivo_pw over HTTP on 127.0.0.1:8123, database visivo_test
#               (Debian's clickhouse-server, installed when missing).
# Run as root. Idempotent: safe to run again on a machine where everything already exists.
set -euo pipefail

log() { echo "services: $*"; }

wait_for() { # wait_for <what> <seconds> <command...>
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq "$seconds"); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 1
    done
    echo "services: $what did not come up within ${seconds}s" >&2
    return 1
}

# --- PostgreSQL ------------------------------------------------------------------------------
pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_hba=/etc/postgresql/$pg_version/main/pg_hba.conf
# Password checks for the test role even where the machine trusts local TCP logins (the
# wrong-password test needs a server that asks). First matching rule wins, so it goes on top.
if ! grep -q '^host all visivo 127.0.0.1/32 scram-sha-256' "$pg_hba"; then
    tmp=$(mktemp)
    {
        echo "host all visivo 127.0.0.1/32 scram-sha-256"
        echo "host all visivo ::1/128 scram-sha-256"
        cat "$pg_hba"
    } >"$tmp"
    cat "$tmp" >"$pg_hba"
    rm -f "$tmp"
    pg_hba_changed=1
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "starting PostgreSQL $pg_version"
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start || true
elif [ -n "${pg_hba_changed:-}" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
fi
wait_for PostgreSQL 60 pg_isready -q -h 127.0.0.1 -p 5432

psql_admin() { (cd / && runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt -c "$1"); }
if [ "$(psql_admin "select 1 from pg_roles where rolname = 'visivo'")" != "1" ]; then
    psql_admin "create role visivo login password 'visivo_pw'"
else
    psql_admin "alter role visivo login password 'visivo_pw'"
fi
if [ "$(psql_admin "select 1 from pg_database where datname = 'visivo_test'")" != "1" ]; then
    psql_admin "create database visivo_test owner visivo"
fi
log "PostgreSQL ready (visivo/visivo_pw@127.0.0.1:5432/visivo_test)"

# --- MariaDB ---------------------------------------------------------------------------------
if ! mariadb-admin ping --silent >/dev/null 2>&1; then
    log "starting MariaDB"
    install -d -o mysql -g mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for MariaDB 60 mariadb-admin ping --silent
# `ping` succeeds once the server answers, even when the login itself is refused.
wait_for "MariaDB on 127.0.0.1:3306" 60 mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -uroot ping --silent
mariadb -uroot <<'SQL'
CREATE DATABASE IF NOT EXISTS visivo_test;
CREATE DATABASE IF NOT EXISTS test;
CREATE USER IF NOT EXISTS 'visivo'@'%' IDENTIFIED BY 'visivo_pw';
CREATE USER IF NOT EXISTS 'visivo'@'localhost' IDENTIFIED BY 'visivo_pw';
ALTER USER 'visivo'@'%' IDENTIFIED BY 'visivo_pw';
ALTER USER 'visivo'@'localhost' IDENTIFIED BY 'visivo_pw';
GRANT ALL PRIVILEGES ON visivo_test.* TO 'visivo'@'%';
GRANT ALL PRIVILEGES ON visivo_test.* TO 'visivo'@'localhost';
FLUSH PRIVILEGES;
SQL
wait_for "MariaDB login as visivo over TCP" 30 mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -uvisivo -pvisivo_pw -e 'select 1' visivo_test
log "MariaDB ready (visivo/visivo_pw@127.0.0.1:3306/visivo_test)"

# --- ClickHouse ------------------------------------------------------------------------------
# Debian's clickhouse-server (installed here when missing), HTTP only on 127.0.0.1:8123 with
# .ci/clickhouse's configuration: user visivo / visivo_pw, database visivo_test.
clickhouse_up() { curl -sf http://127.0.0.1:8123/ping; }
if ! clickhouse_up >/dev/null 2>&1; then
    if [ ! -x /usr/sbin/clickhouse-server ]; then
        log "installing clickhouse-server"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            clickhouse-server >/dev/null
    fi
    log "starting ClickHouse"
    install -d /var/lib/visivo-clickhouse
    start-stop-daemon --start --oknodo --background --chdir /var/lib/visivo-clickhouse \
        --exec /usr/sbin/clickhouse-server -- \
        --config-file="$(cd "$(dirname "$0")" && pwd)/clickhouse/config.xml"
fi
wait_for ClickHouse 60 clickhouse_up
curl -sf -H 'X-ClickHouse-User: visivo' -H 'X-ClickHouse-Key: visivo_pw' \
    --data-binary 'CREATE DATABASE IF NOT EXISTS visivo_test' http://127.0.0.1:8123/ >/dev/null
log "ClickHouse ready (visivo/visivo_pw@127.0.0.1:8123/visivo_test, HTTP)"
