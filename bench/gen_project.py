#!/usr/bin/env python3
"""Generate a Visivo project for benchmarks (stdlib only).

    python3 bench/gen_project.py --traces 100 --rows 10000 --csv-rows 10000 OUTDIR

OUTDIR receives:
  project.visivo.yml   one sqlite source, a SQL model `events`, N traces on it
                       (cohort_on, filters, order_by, columns, indicators,
                       sum/avg/count/min/max, grouped by day/category/region),
                       charts of up to 4 traces and one dashboard showing them
  events.db            table events(id INTEGER, region TEXT, category TEXT,
                       day TEXT, amount REAL, units INTEGER), R deterministic
                       pseudo-random rows (units NULL in ~3% of rows)
  gen_csv.py           only with --csv-rows K > 0: the CSV-script model
                       `scores_csv` (args: python3 gen_csv.py K, K rows) and a
                       local-merge model `events_scored` joining it with
                       `events` on id; 3 extra traces on each of them (so the
                       project has N + 6 traces), on an extra dashboard row

Run Visivo from inside OUTDIR (the sqlite path and the CSV script are
relative to the process's current directory):
    cd OUTDIR && visivo compile && visivo run
"""
import argparse
import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))

REGIONS = ["north", "south", "east", "west", "central"]
CATEGORIES = ["books", "games", "music", "tools", "garden", "toys", "food", "sport"]
START = date(2024, 1, 1)
DAYS = 120


def q(s):
    """YAML double-quoted scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_rows(rows, seed):
    """The deterministic rows of the events table (shared by SQLite and PostgreSQL)."""
    rng = random.Random(seed)
    for i in range(1, rows + 1):
        region = REGIONS[rng.randrange(len(REGIONS))]
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        day = (START + timedelta(days=rng.randrange(DAYS))).isoformat()
        amount = round(rng.uniform(0, 500), 2)
        units = None if rng.random() < 0.03 else rng.randrange(0, 21)
        yield (i, region, category, day, amount, units)


def make_db(path, rows, seed):
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE events (id INTEGER, region TEXT, category TEXT, day TEXT,"
        " amount REAL, units INTEGER)"
    )
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", gen_rows(rows, seed))
    con.commit()
    con.close()


# --------------------------------------------------------------------------------------------
# PostgreSQL (--postgres)
# --------------------------------------------------------------------------------------------

PG_POOL = 4  # connection_pool_size of the generated source (Visivo 1.0.30's default is 1)
PG_DEFAULTS = {"PG_HOST": "127.0.0.1", "PG_PORT": "5432", "PG_USER": "visivo",
               "PG_PASSWORD": "visivo_pw", "PG_DATABASE": "visivo_test"}


def pg_env():
    """Connection settings: $PG_HOST/$PG_PORT/$PG_USER/$PG_PASSWORD/$PG_DATABASE or the CI defaults."""
    return {k: os.environ.get(k, v) for k, v in PG_DEFAULTS.items()}


def psql(env, *args, stdin=None):
    e = dict(os.environ, PGPASSWORD=env["PG_PASSWORD"], PGOPTIONS="-c client_min_messages=warning")
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", env["PG_HOST"], "-p", env["PG_PORT"],
           "-U", env["PG_USER"], "-d", env["PG_DATABASE"]] + list(args)
    return subprocess.run(cmd, env=e, input=stdin, stdout=subprocess.PIPE, check=True).stdout.decode()


def make_pg_table(env, table, rows, seed, csv_dir):
    """Create and load `table` once: skipped when its comment says it holds these rows/seed
    and count(*) agrees. Same columns as the SQLite table, typed: day DATE, amount DOUBLE
    PRECISION (SQLite's REAL), id/units INTEGER. Loaded with psql's \\copy from a CSV."""
    stamp = f"visivo bench rows={rows} seed={seed}"
    have = psql(env, "-tA", "-c",
                f"select coalesce(obj_description(to_regclass('{table}'), 'pg_class'), '')").strip()
    if have == stamp:
        n = int(psql(env, "-tA", "-c", f"select count(*) from {table}").strip())
        if n == rows:
            print(f"postgres: {table} already holds {rows} rows (seed {seed}), not reloaded",
                  file=sys.stderr)
            return False
    csv_path = os.path.join(csv_dir, f"{table}.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.writer(f)
        for r in gen_rows(rows, seed):
            w.writerow(["" if v is None else v for v in r])
    psql(env, "-c", f"drop table if exists {table}",
         "-c", f"create table {table} (id integer, region text, category text, day date,"
               " amount double precision, units integer)",
         "-c", f"\\copy {table} from '{csv_path}' with (format csv)",
         "-c", f"analyze {table}",
         "-c", f"comment on table {table} is '{stamp}'")
    os.remove(csv_path)
    print(f"postgres: loaded {rows} rows into {table}", file=sys.stderr)
    return True


def sql_trace(i):
    """YAML lines of the i-th trace on the `events` model (8 variants)."""
    name = f"trace_{i:04d}"
    v = i % 8
    t = i % 50  # threshold that makes every trace's SQL text distinct
    region = REGIONS[i % len(REGIONS)]
    category = CATEGORIES[i % len(CATEGORIES)]
    lines = [f"  - name: {name}", "    model: ref(events)"]
    if v == 0:  # cohort per region, sum by day
        lines += [
            "    cohort_on: region",
            "    props:",
            "      type: bar",
            "      x: query(day)",
            "      y: query(sum(amount))",
            "    filters:",
            f"      - query(amount > {t})",
            "    order_by:",
            "      - query(day asc)",
        ]
    elif v == 1:  # avg by category, vanilla filter
        lines += [
            "    props:",
            "      type: bar",
            "      x: query(category)",
            "      y: query(avg(amount))",
            "    filters:",
            f"      - query(units > {t % 20})",
            "    order_by:",
            "      - query(category)",
        ]
    elif v == 2:  # cohort per category, count by day, HAVING, desc order
        lines += [
            "    cohort_on: query(category)",
            "    props:",
            "      type: scatter",
            "      mode: lines",
            "      x: query(day)",
            "      y: query(count(*))",
            "    filters:",
            f"      - query(count(*) > {t % 5})",
            "    order_by:",
            "      - query(day desc)",
        ]
    elif v == 3:  # sum of units by day with a conditional colour
        lines += [
            "    props:",
            "      type: bar",
            "      x: query(day)",
            "      y: query(sum(units))",
            "      marker:",
            f"        color: query(case when sum(units) > {t * 4} then 'green' else 'grey' end)",
            "    filters:",
            f"      - query(region = '{region}')",
            "    order_by:",
            "      - query(day)",
        ]
    elif v == 4:  # columns + column() refs, cohort per region
        lines += [
            "    cohort_on: region",
            "    columns:",
            "      days: day",
            "      totals: sum(amount)",
            "      unit_sum: sum(units)",
            "    props:",
            "      type: scatter",
            "      x: column(days)",
            "      y: column(totals)",
            "      text: column(unit_sum)",
            "    filters:",
            f"      - query(category = '{category}')",
            "    order_by:",
            "      - query(day)",
        ]
    elif v == 5:  # indicator over a filtered total
        lines += [
            "    columns:",
            "      total: sum(amount)",
            "      n: count(*)",
            "    props:",
            "      type: indicator",
            "      mode: number",
            "      value: column(total)[0]",
            "    filters:",
            f"      - query(region = '{region}')",
            f"      - query(amount >= {t})",
        ]
    elif v == 6:  # cohort per region, avg units by category, ordered by an aggregate
        lines += [
            '    cohort_on: "query( region )"',
            "    props:",
            "      type: bar",
            "      x: query(category)",
            "      y: query(avg(units))",
            "    filters:",
            f"      - query(region != '{region}')",
            f"      - query(amount > {t})",
            "    order_by:",
            "      - query(avg(units) desc)",
            "      - query(category)",
        ]
    else:  # max/min by day, list-valued prop
        lines += [
            "    props:",
            "      type: scatter",
            "      mode: markers",
            "      x: query(day)",
            "      y: query(max(amount))",
            "      customdata:",
            "        - query(min(amount))",
            f"        - query(sum(units) + {t})",
            "    filters:",
            f"      - query(category != '{category}')",
            "    order_by:",
            "      - query(day asc)",
        ]
    return name, lines


def csv_traces():
    """Three traces on the CSV-script model and three on the merge model."""
    on_csv = [
        ("csv_by_bucket", [
            "    model: ref(scores_csv)",
            "    cohort_on: bucket",
            "    props:",
            "      type: bar",
            "      x: query(flag)",
            "      y: query(avg(score))",
            "    order_by:",
            "      - query(flag)",
        ]),
        ("csv_counts", [
            "    model: ref(scores_csv)",
            "    props:",
            "      type: bar",
            "      x: query(bucket)",
            "      y: query(count(*))",
            "    filters:",
            "      - query(score > 10)",
            "    order_by:",
            "      - query(bucket)",
        ]),
        ("csv_kpi", [
            "    model: ref(scores_csv)",
            "    columns:",
            "      top: max(score)",
            "    props:",
            "      type: indicator",
            "      mode: number",
            "      value: column(top)[0]",
        ]),
    ]
    on_merge = [
        ("merge_by_region", [
            "    model: ref(events_scored)",
            "    cohort_on: region",
            "    props:",
            "      type: bar",
            "      x: query(bucket)",
            "      y: query(sum(amount * score))",
            "    order_by:",
            "      - query(bucket)",
        ]),
        ("merge_by_day", [
            "    model: ref(events_scored)",
            "    props:",
            "      type: scatter",
            "      x: query(day)",
            "      y: query(avg(score))",
            "    filters:",
            "      - query(flag = 1)",
            "    order_by:",
            "      - query(day)",
        ]),
        ("merge_categories", [
            "    model: ref(events_scored)",
            "    cohort_on: query(bucket)",
            "    props:",
            "      type: bar",
            "      x: query(category)",
            "      y: query(count(*))",
            "    filters:",
            "      - query(count(*) > 1)",
            "    order_by:",
            "      - query(category)",
        ]),
    ]
    return on_csv + on_merge


def chunks(seq, n):
    return [seq[i:i + n] for i in range(0, len(seq), n)]


def build_yaml(n_traces, csv_rows, pg_table=None):
    if pg_table:
        source = [
            "    type: postgresql",
            "    host: \"{{ env_var('PG_HOST') }}\"",
            # unquoted: ours rejects the string "5432" for port (the reference coerces it)
            "    port: {{ env_var('PG_PORT') }}",
            "    username: \"{{ env_var('PG_USER') }}\"",
            "    password: \"{{ env_var('PG_PASSWORD') }}\"",
            "    database: \"{{ env_var('PG_DATABASE') }}\"",
            f"    connection_pool_size: {PG_POOL}",
        ]
    else:
        source = ["    type: sqlite", "    database: events.db"]
    out = [
        "name: bench",
        "defaults:",
        "  source_name: events_db",
        "sources:",
        "  - name: events_db",
    ] + source + [
        "models:",
        "  - name: events",
        f"    sql: select * from {pg_table or 'events'}",
    ]
    if csv_rows > 0:
        out += [
            "  - name: scores_csv",
            "    table_name: scores",
            "    args:",
            "      - python3",
            "      - gen_csv.py",
            f"      - {q(str(csv_rows))}",
            "  - name: events_scored",
            "    models:",
            "      - ref(events)",
            "      - ref(scores_csv)",
            "    sql: |",
            "      select e.id, e.region, e.category, e.day, e.amount, e.units,",
            "             s.score, s.bucket, s.flag",
            "      from events.model e join scores_csv.scores s on e.id = s.id",
        ]
    out.append("traces:" if n_traces or csv_rows > 0 else "traces: []")
    names = []
    for i in range(n_traces):
        name, lines = sql_trace(i)
        names.append(name)
        out += lines
    extra = []
    if csv_rows > 0:
        for name, lines in csv_traces():
            extra.append(name)
            out.append(f"  - name: {name}")
            out += lines

    out.append("charts:" if names or extra else "charts: []")
    chart_names = []
    for k, group in enumerate(chunks(names, 4)):
        cname = f"Chart {k:03d}"
        chart_names.append(cname)
        out += [f"  - name: {cname}", "    traces:"]
        out += [f"      - ref({t})" for t in group]
        out += ["    layout:", "      title:", f"        text: {q(cname)}"]
    extra_charts = []
    for k, group in enumerate(chunks(extra, 3)):
        cname = f"Extra chart {k}"
        extra_charts.append(cname)
        out += [f"  - name: {cname}", "    traces:"]
        out += [f"      - ref({t})" for t in group]

    out += [
        "dashboards:",
        "  - name: Bench",
        "    rows:",
        "      - height: compact",
        "        items:",
        f"          - markdown: {q(f'# Benchmark: {n_traces} traces')}",
    ]
    for row in chunks(chart_names, 2) + chunks(extra_charts, 2):
        out += ["      - height: medium", "        items:"]
        out += [f"          - chart: ref({c})" for c in row]
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--traces", type=int, default=100, help="number of traces on the SQL model")
    p.add_argument("--rows", type=int, default=10000, help="rows of the events table")
    p.add_argument("--csv-rows", type=int, default=0,
                   help="rows of the CSV-script model (0: no CSV-script/merge models)")
    p.add_argument("--seed", type=int, default=1234, help="seed of the events data")
    p.add_argument("--postgres", action="store_true",
                   help="source `type: postgresql` (connection from env_var() and a .env file, "
                        "$PG_HOST/$PG_PORT/$PG_USER/$PG_PASSWORD/$PG_DATABASE or 127.0.0.1:5432 "
                        "visivo/visivo_pw/visivo_test); the rows go to the table --pg-table, "
                        "loaded once with psql \\copy (skipped when already loaded)")
    p.add_argument("--pg-table", default="bench_events", help="PostgreSQL table (default bench_events)")
    p.add_argument("outdir")
    a = p.parse_args(argv)
    if a.traces < 0 or a.rows < 0 or a.csv_rows < 0:
        p.error("counts must be >= 0")
    if a.postgres and a.csv_rows:
        p.error("--csv-rows is not supported with --postgres")

    os.makedirs(a.outdir, exist_ok=True)
    if a.postgres:
        env = pg_env()
        make_pg_table(env, a.pg_table, a.rows, a.seed, a.outdir)
        with open(os.path.join(a.outdir, ".env"), "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in env.items())
        if os.path.exists(os.path.join(a.outdir, "events.db")):
            os.remove(os.path.join(a.outdir, "events.db"))
    else:
        make_db(os.path.join(a.outdir, "events.db"), a.rows, a.seed)
    with open(os.path.join(a.outdir, "project.visivo.yml"), "w") as f:
        f.write(build_yaml(a.traces, a.csv_rows, a.pg_table if a.postgres else None))
    csv_script = os.path.join(a.outdir, "gen_csv.py")
    if a.csv_rows > 0:
        shutil.copyfile(os.path.join(HERE, "gen_csv.py"), csv_script)
    elif os.path.exists(csv_script):
        os.remove(csv_script)
    print(f"wrote {a.outdir}: {a.traces} traces, {a.rows} rows"
          + (f", csv model of {a.csv_rows} rows (+6 traces)" if a.csv_rows else ""),
          file=sys.stderr)


if __name__ == "__main__":
    main()
