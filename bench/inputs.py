#!/usr/bin/env python3
"""Inputs benchmark (issue 12, docs/interactivity.md): what interactivity costs.

    python3 bench/inputs.py [--bin target/release/visivo] [--rows 100000] [--repeat 5]

One SQLite table of --rows sales rows (20 regions, 8 products, 24 months) and three projects
with the same 10 traces (sum, avg, count, count DISTINCT, min/max of several columns by month):

  static       no inputs: 10 queries, the dashboard as 1.0.30 shows it;
  inputs       two single-selects, `region` (20 options) and `product` (8 options), each trace
               filtered `region = ${ref(region).value} AND product = ${ref(product).value}`:
               160 states per trace, computed by grouping (one query per trace);
  multiselect  one multi-select `product` (8 options, 256 subsets) filtered
               `product IN (${ref(product).values})`: traces whose aggregates combine (sum,
               count, min, max, avg) run once; count(DISTINCT) runs once per subset;
  multiselect-combinable  the same without the count(DISTINCT) trace (9 traces).

For each: `visivo run --full-refresh` wall time (median of --repeat, the three interleaved so
machine noise hits them alike), and the site `visivo dist` writes (bytes). Ratios are against
`static`; the issue's target is `inputs` <= 3x the static run time. The floor is the 10 static
queries run straight in SQLite by python's sqlite3.
"""
import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

MEASURES = [
    ("revenue", "sum(amount)"),
    ("units", "sum(units)"),
    ("avg_price", "avg(price)"),
    ("orders", "count(*)"),
    ("customers", "count(DISTINCT customer)"),
    ("max_price", "max(price)"),
    ("min_price", "min(price)"),
    ("avg_units", "avg(units)"),
    ("big_orders", "sum(case when amount > 500 then 1 else 0 end)"),
    ("discounted", "sum(amount * 0.9)"),
]


def make_db(path, rows):
    random.seed(12)
    c = sqlite3.connect(path)
    c.execute(
        "create table sales (month text, region text, product text, price real, units integer, amount real, customer text)"
    )
    regions = [f"region-{i:02d}" for i in range(20)]
    products = [f"product-{i}" for i in range(8)]
    batch = []
    for _ in range(rows):
        price = random.randint(5, 500)
        units = random.randint(1, 9)
        batch.append((
            f"{random.randint(2023, 2024)}-{random.randint(1, 12):02d}",
            random.choice(regions),
            random.choice(products),
            price,
            units,
            price * units,
            f"c{random.randint(1, 5000)}",
        ))
    c.executemany("insert into sales values (?,?,?,?,?,?,?)", batch)
    c.commit()
    c.close()
    return regions, products


def project(kind, regions, products):
    lines = [
        "sources: [{name: db, type: sqlite, database: sales.db}]",
        "models: [{name: sales, source: ref(db), sql: select * from sales}]",
    ]
    if kind == "inputs":
        lines += [
            "inputs:",
            f"  - {{name: region, type: single-select, options: {regions}}}",
            f"  - {{name: product, type: single-select, options: {products}}}",
        ]
        filters = '    filters: ["?{region = ${ref(region).value}}", "?{product = ${ref(product).value}}"]'
    elif kind.startswith("multiselect"):
        lines += [
            "inputs:",
            f"  - {{name: product, type: multi-select, options: {products}}}",
        ]
        filters = '    filters: ["?{product IN (${ref(product).values})}"]'
    else:
        filters = None
    measures = [m for m in MEASURES if not (kind == "multiselect-combinable" and "DISTINCT" in m[1])]
    lines.append("traces:")
    for name, expression in measures:
        lines += [
            f"  - name: {name}",
            "    model: ref(sales)",
            f'    props: {{type: bar, x: "?{{month}}", y: "?{{{expression}}}"}}',
            '    order_by: ["?{month}"]',
        ]
        if filters:
            lines.append(filters)
    lines.append("charts:")
    for name, _ in measures:
        lines.append(f"  - {{name: {name} chart, traces: [ref({name})]}}")
    items = ", ".join(f"{{chart: ref({name} chart)}}" for name, _ in measures)
    lines.append(f"dashboards: [{{name: Sales, rows: [{{items: [{items}]}}]}}]")
    return "\n".join(lines) + "\n"


def timed(cmd, cwd):
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def floor(db):
    c = sqlite3.connect(db)
    start = time.perf_counter()
    for _, expression in MEASURES:
        c.execute(f"select month, {expression} from sales group by month order by month").fetchall()
    return time.perf_counter() - start


def size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "visivo"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="visivo-inputs-bench-")
    kinds = ["static", "inputs", "multiselect", "multiselect-combinable"]
    db = os.path.join(work, "sales.db")
    regions, products = make_db(db, args.rows)
    for kind in kinds:
        os.makedirs(os.path.join(work, kind))
        shutil.copy(db, os.path.join(work, kind, "sales.db"))
        with open(os.path.join(work, kind, "project.visivo.yml"), "w") as f:
            f.write(project(kind, regions, products))
    times = {k: [] for k in kinds}
    floors = []
    for _ in range(args.repeat):
        for kind in kinds:
            times[kind].append(timed([binary, "run", "--full-refresh"], os.path.join(work, kind)))
        floors.append(floor(db))
    sizes = {}
    for kind in kinds:
        timed([binary, "dist"], os.path.join(work, kind))
        sizes[kind] = size(os.path.join(work, kind, "dist"))
    base = statistics.median(times["static"])
    print(f"{args.rows} rows, 10 traces, median of {args.repeat} runs ({binary})\n")
    print("| project | states per trace | run (s) | run / static | dist size (KB) | size / static |")
    print("|---|---|---|---|---|---|")
    states = {"static": 1, "inputs": 160, "multiselect": 256, "multiselect-combinable": 256}
    for kind in kinds:
        t = statistics.median(times[kind])
        print(f"| {kind} | {states[kind]} | {t:.3f} | {t / base:.2f}x | {sizes[kind] / 1024:.0f} | {sizes[kind] / sizes['static']:.1f}x |")
    f = statistics.median(floors)
    print(f"| floor: the 10 static queries in python sqlite3 | | {f:.3f} | {f / base:.2f}x | | |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
