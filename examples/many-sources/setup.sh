#!/usr/bin/env bash
# Creates the example's tables in the local PostgreSQL and MariaDB (idempotent). The users and
# databases come from .ci/services.sh (visivo / visivo_pw, database visivo_test).
set -euo pipefail
cd "$(dirname "$0")"
set -a; . ./.env; set +a

PGPASSWORD="$PG_PASSWORD" psql -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" <<'SQL'
drop table if exists many_sources_orders;
create table many_sources_orders (id serial primary key, day date not null, region text not null, amount numeric(10, 2) not null);
insert into many_sources_orders (day, region, amount)
select date '2024-01-01' + (i % 14), (array['north', 'south', 'east'])[1 + i % 3], round((10 + (i * 37) % 90)::numeric, 2)
from generate_series(1, 300) as i;
SQL

mariadb -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" -p"$MYSQL_PASSWORD" "$MYSQL_DATABASE" <<'SQL'
drop table if exists many_sources_visits;
create table many_sources_visits (day date not null, region varchar(20) not null, visits int not null);
insert into many_sources_visits (day, region, visits)
with recursive n(i) as (select 0 union all select i + 1 from n where i < 41)
select date_add('2024-01-01', interval (i div 3) day), elt(1 + i mod 3, 'north', 'south', 'east'), 200 + (i * 53) mod 400 from n;
SQL
echo "many-sources: tables created"
