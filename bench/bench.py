#!/usr/bin/env python3
"""Benchmark our `visivo` against the reference (Visivo 1.0.30) and a floor (stdlib only).

    python3 bench/bench.py                      # default matrix, --repeat 3
    python3 bench/bench.py --quick              # 10 and 100 traces x 10k rows, repeat 1
    python3 bench/bench.py --config 100:10000:10000 --config 100:1000000:200000
    python3 bench/bench.py --postgres [--config 100:1000000]   # PostgreSQL source: bench_pg.py

For every project size (generated once with gen_project.py under --workdir) the
commands are measured side by side in the same run, interleaved, each
--repeat times; the tables show medians of wall time and of peak RSS
(`/usr/bin/time -f '%e %M'`) and the ratios between them:

  compile    reference `visivo compile` vs ours `visivo compile`
  run        reference `visivo run` (target/ deleted first);
             ours cold (target/ deleted, `visivo run --full-refresh`);
             ours incremental (a second `visivo run`, nothing changed);
             floor: a python3 process that executes ours' compiled
             target/<trace>/query.sql one after another with sqlite3 and
             json.dumps each result's rows to a file (see `floor_main`).

The reference and ours run in two copies of the same generated project, so
neither sees the other's target/. After the runs the data.json files of the
reference and ours are compared (numbers by value) and a warning is printed
on any difference. The Markdown result is printed and written to
bench/results/<date>.md.
"""
import argparse
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TIME = "/usr/bin/time"


# --------------------------------------------------------------------------------------------
# The floor: executed in its own python3 process (`bench.py --floor PROJECT_DIR OUT_DIR`)
# --------------------------------------------------------------------------------------------

def floor_main(project_dir, out_dir):
    """Do the minimum a run must do, sequentially, with python's sqlite3.

    1. Model jobs, only for projects with the CSV-script model: run `python3
       gen_csv.py K`, load its CSV into out_dir/scores_csv.sqlite (table
       `scores`), and copy the `events` SQL model into out_dir/events.sqlite
       (table `model`, one CREATE TABLE ... AS SELECT inside SQLite), which
       is what the merge model's SQL reads. (Ours also writes the merge
       model's own events_scored.sqlite; no trace reads it, so the floor
       does not.)
    2. Every trace: the SQL text of ours' target/<trace>/query.sql, executed
       against the database its `-- source:` line names (events.db; the CSV
       model's file; for the merge model an in-memory database with the
       two files above attached), rows fetched and json.dump'ed to
       out_dir/<trace>.json.

    Prints {"models_s": ..., "traces_s": ..., "traces": n} on stdout.
    """
    t0 = time.perf_counter()
    os.chdir(project_dir)
    with open("bench-config.json") as f:
        config = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    csv_db = os.path.join(out_dir, "scores_csv.sqlite")
    events_copy = os.path.join(out_dir, "events.sqlite")
    if config["csv_rows"] > 0:
        import csv
        import io
        for p in (csv_db, events_copy):
            if os.path.exists(p):
                os.remove(p)
        out = subprocess.run(["python3", "gen_csv.py", str(config["csv_rows"])],
                             check=True, stdout=subprocess.PIPE).stdout.decode()
        reader = csv.reader(io.StringIO(out))
        header = next(reader)
        con = sqlite3.connect(csv_db)
        con.execute("CREATE TABLE scores (id INTEGER, score REAL, bucket TEXT, flag INTEGER)")
        con.executemany("INSERT INTO scores VALUES (?, ?, ?, ?)",
                        ([v if v != "" else None for v in row] for row in reader))
        con.commit()
        con.close()
        assert header == ["id", "score", "bucket", "flag"], header
        con = sqlite3.connect(events_copy)
        con.execute("ATTACH DATABASE 'events.db' AS src")
        con.execute("CREATE TABLE model AS SELECT * FROM (select * from src.events)")
        con.commit()
        con.close()
    t1 = time.perf_counter()

    connections = {}

    def connection(source):
        if source not in connections:
            if source == "events_db":
                con = sqlite3.connect("events.db")
            elif source == "model_scores_csv_generated_source":
                con = sqlite3.connect(csv_db)
            elif source == "model_events_scored_generated_source":
                con = sqlite3.connect(":memory:")
                con.execute("ATTACH DATABASE ? AS events", (events_copy,))
                con.execute("ATTACH DATABASE ? AS scores_csv", (csv_db,))
            else:
                raise SystemExit(f"floor: unknown source {source!r}")
            connections[source] = con
        return connections[source]

    n = 0
    for trace in sorted(os.listdir("target")):
        path = os.path.join("target", trace, "query.sql")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            sql = f.read()
        source = None
        for line in sql.splitlines():
            if line.startswith("-- source:"):
                source = line.split(":", 1)[1].strip()
        rows = connection(source).execute(sql).fetchall()
        with open(os.path.join(out_dir, trace + ".json"), "w") as f:
            json.dump(rows, f)
        n += 1
    t2 = time.perf_counter()
    print(json.dumps({"models_s": t1 - t0, "traces_s": t2 - t1, "traces": n}))


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------

class Failed(Exception):
    pass


def measure(cmd, cwd, timeout, log):
    """Run cmd under /usr/bin/time; return (wall seconds, peak RSS in KiB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [TIME, "-f", "%e %M", "-o", tf.name] + cmd
        start = time.perf_counter()
        try:
            p = subprocess.run(full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failed(f"{' '.join(cmd)} timed out after {timeout}s in {cwd}")
        wall = time.perf_counter() - start
        out = p.stdout.decode(errors="replace")
        with open(log, "a") as f:
            f.write(f"$ cd {cwd} && {' '.join(cmd)}\n{out}\n")
        if p.returncode != 0:
            raise Failed(f"{' '.join(cmd)} exited {p.returncode} in {cwd}; output in {log}:\n"
                         + out[-2000:])
        fields = tf.read().split()
        # /usr/bin/time's %e has 10 ms resolution: use our own clock for wall time
        return wall, int(fields[-1]), out


def median(xs):
    return statistics.median(xs) if xs else None


def rm_target(project):
    shutil.rmtree(os.path.join(project, "target"), ignore_errors=True)


# --------------------------------------------------------------------------------------------
# data.json comparison
# --------------------------------------------------------------------------------------------

def same_value(a, b, path, diffs):
    if isinstance(a, bool) or isinstance(b, bool):
        ok = a == b
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        a, b = float(a), float(b)
        ok = (a == b or (math.isnan(a) and math.isnan(b))
              or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)))
    elif isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            diffs.append(f"{path}: keys differ: {sorted(set(a) ^ set(b))[:5]}")
            return
        for k in a:
            same_value(a[k], b[k], f"{path}/{k}", diffs)
        return
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append(f"{path}: {len(a)} vs {len(b)} items")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            same_value(x, y, f"{path}[{i}]", diffs)
        return
    else:
        ok = a == b
    if not ok:
        diffs.append(f"{path}: {str(a)[:60]!r} vs {str(b)[:60]!r}")


def compare_data(ref_dir, ours_dir):
    """Compare every trace's data.json; return (traces compared, list of differences)."""
    diffs, n = [], 0
    ref_t, ours_t = os.path.join(ref_dir, "target"), os.path.join(ours_dir, "target")
    names = sorted(d for d in os.listdir(ref_t) if os.path.isfile(os.path.join(ref_t, d, "data.json")))
    for name in names:
        p = os.path.join(ours_t, name, "data.json")
        if not os.path.isfile(p):
            diffs.append(f"{name}: no data.json from ours")
            continue
        with open(os.path.join(ref_t, name, "data.json")) as f:
            a = json.load(f)
        with open(p) as f:
            b = json.load(f)
        same_value(a, b, name, diffs)
        n += 1
    return n, diffs


# --------------------------------------------------------------------------------------------
# One project size
# --------------------------------------------------------------------------------------------

def label(c):
    s = f"{c['traces']} traces × {fmt_count(c['rows'])} rows"
    if c["csv_rows"]:
        s += f" + CSV {fmt_count(c['csv_rows'])}"
    return s


def fmt_count(n):
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def generate(c, workdir):
    """Generate the project once (reused when bench-config.json matches); return its dir."""
    name = f"t{c['traces']}_r{c['rows']}_c{c['csv_rows']}"
    base = os.path.join(workdir, name, "base")
    stamp = os.path.join(base, "bench-config.json")
    want = {"traces": c["traces"], "rows": c["rows"], "csv_rows": c["csv_rows"]}
    gen_py = os.path.join(HERE, "gen_project.py")
    try:
        with open(stamp) as f:
            fresh = json.load(f) == want and os.path.getmtime(stamp) > os.path.getmtime(gen_py)
    except OSError:
        fresh = False
    if not fresh:
        shutil.rmtree(os.path.join(workdir, name), ignore_errors=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, gen_py, "--traces", str(c["traces"]), "--rows", str(c["rows"]),
                        "--csv-rows", str(c["csv_rows"]), base], check=True)
        with open(stamp, "w") as f:
            json.dump(want, f)
        print(f"  generated in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    dirs = {}
    for who in ("ref", "ours"):
        d = os.path.join(workdir, name, who)
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(base, d)
        dirs[who] = d
    return dirs


def bench_config(c, a, ref_bin, ours_bin, log):
    dirs = generate(c, a.workdir)
    ref_dir, ours_dir = dirs["ref"], dirs["ours"]
    floor_out = os.path.join(a.workdir, "floor-out")
    use_ref = ref_bin is not None and (a.skip_reference_above is None
                                       or c["traces"] * c["rows"] <= a.skip_reference_above)
    r = {k: [] for k in ("ref_compile", "ours_compile", "ours_compile_again", "ref_run",
                         "ours_cold", "ours_incr", "floor")}
    floor_inner = []
    load_before = os.getloadavg()
    ref_stop = {"compile": False, "run": False}

    def ref_measure(kind, cmd):
        if not use_ref or ref_stop[kind]:
            return
        if kind == "run":
            rm_target(ref_dir)
        wall, rss, _ = measure(cmd, ref_dir, a.timeout, log)
        r["ref_" + kind].append((wall, rss))
        if wall > a.ref_max_seconds:  # slow: measured once (or as many times as done so far)
            ref_stop[kind] = True
        print(f"    reference {kind}: {wall:.2f} s, {rss / 1024:.0f} MiB", file=sys.stderr)

    for rep in range(a.repeat):
        print(f"  repetition {rep + 1}/{a.repeat}", file=sys.stderr)
        # compile, side by side
        ref_measure("compile", [ref_bin, "compile"])
        rm_target(ours_dir)  # fresh: every query.sql written
        wall, rss, _ = measure([ours_bin, "compile"], ours_dir, a.timeout, log)
        r["ours_compile"].append((wall, rss))
        wall, rss, _ = measure([ours_bin, "compile"], ours_dir, a.timeout, log)  # nothing changed
        r["ours_compile_again"].append((wall, rss))
        # run: reference, ours cold, ours incremental, floor
        ref_measure("run", [ref_bin, "run"])
        rm_target(ours_dir)
        wall, rss, _ = measure([ours_bin, "run", "--full-refresh"], ours_dir, a.timeout, log)
        r["ours_cold"].append((wall, rss))
        wall2, rss2, out = measure([ours_bin, "run"], ours_dir, a.timeout, log)
        r["ours_incr"].append((wall2, rss2))
        if " 0 succeeded" not in out and rep == 0:
            print("  warning: the second run of ours re-ran jobs (not incremental?)", file=sys.stderr)
        shutil.rmtree(floor_out, ignore_errors=True)
        wall3, rss3, out = measure([sys.executable, os.path.abspath(__file__), "--floor", ours_dir,
                                    floor_out], ours_dir, a.timeout, log)
        r["floor"].append((wall3, rss3))
        floor_inner.append(json.loads(out.strip().splitlines()[-1]))
        print(f"    ours compile {r['ours_compile'][-1][0] * 1000:.0f} ms (again "
              f"{r['ours_compile_again'][-1][0] * 1000:.0f} ms); run cold {wall:.2f} s "
              f"{rss / 1024:.0f} MiB, incremental {wall2:.3f} s, floor {wall3:.2f} s "
              f"(models {floor_inner[-1]['models_s']:.2f} s + traces "
              f"{floor_inner[-1]['traces_s']:.2f} s)", file=sys.stderr)

    res = {"config": c, "load_before": load_before, "load_after": os.getloadavg(),
           "repeat_ref_compile": len(r["ref_compile"]), "repeat_ref_run": len(r["ref_run"])}
    for k, v in r.items():
        res[k] = median([w for w, _ in v])
        res[k + "_rss"] = median([m for _, m in v])
    res["floor_queries"] = median([x["models_s"] + x["traces_s"] for x in floor_inner])
    if r["ref_run"]:
        n, diffs = compare_data(ref_dir, ours_dir)
        res["data_compared"], res["data_diffs"] = n, diffs
        if diffs:
            print(f"  WARNING: data differs between reference and ours on {label(c)}: "
                  f"{len(diffs)} differences, e.g.\n    " + "\n    ".join(diffs[:10]),
                  file=sys.stderr)
        else:
            print(f"  data.json equal between reference and ours ({n} traces)", file=sys.stderr)
    return res


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def ft(s):
    if s is None:
        return "–"
    if s < 1:
        return f"{s * 1000:.0f} ms" if s >= 0.01 else f"{s * 1000:.1f} ms"
    return f"{s:.2f} s" if s < 100 else f"{s:.0f} s"


def fm(kib):
    return "–" if kib is None else f"{kib / 1024:.0f} MB" if kib >= 10240 else f"{kib / 1024:.1f} MB"


def ratio(a, b, digits=1):
    if a is None or b is None or b == 0:
        return "–"
    x = a / b
    return f"{x:.{digits}f}×" if x >= 0.095 else f"{x:.3f}×"


def report(results, meta):
    L = []
    L.append(f"# Benchmark {meta['date']}")
    L.append("")
    L.append(f"Machine: {meta['machine']}. Load average before/after each size is in the last table.")
    L.append(f"Ours: `{meta['ours']}`; reference: {meta['reference']}.")
    L.append(f"Medians of {meta['repeat']} repetitions (reference: see `ref n`); "
             "wall time of the whole process; peak RSS from `/usr/bin/time %M`.")
    L.append("")
    L.append("## compile")
    L.append("")
    L.append("`ours`: target/ deleted first (every file written); `ours again`: a second compile, "
             "nothing changed.")
    L.append("")
    L.append("| project | reference | ours | ours again | ref n | **reference / ours** | ref RSS | ours RSS "
             "| RSS ours / ref |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        L.append(f"| {label(r['config'])} | {ft(r['ref_compile'])} | {ft(r['ours_compile'])} | "
                 f"{ft(r['ours_compile_again'])} | "
                 f"{r['repeat_ref_compile'] or '–'} | {ratio(r['ref_compile'], r['ours_compile'], 0)} | "
                 f"{fm(r['ref_compile_rss'])} | {fm(r['ours_compile_rss'])} | "
                 f"{ratio(r['ours_compile_rss'], r['ref_compile_rss'], 2)} |")
    L.append("")
    L.append("## run")
    L.append("")
    L.append("`cold`: target/ deleted, `visivo run --full-refresh`; `incr.`: a second `visivo run`, "
             "nothing changed; `floor`: the compiled queries one after another with python3's "
             "sqlite3 + json.dump (process wall time; in brackets the time inside the process, "
             "without interpreter start-up).")
    L.append("")
    L.append("| project | reference | ours cold | ours incr. | floor | ref n | **reference / ours cold** "
             "| **ours cold / floor** | ours incr. / floor |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        L.append(f"| {label(r['config'])} | {ft(r['ref_run'])} | {ft(r['ours_cold'])} | "
                 f"{ft(r['ours_incr'])} | {ft(r['floor'])} ({ft(r['floor_queries'])}) | "
                 f"{r['repeat_ref_run'] or '–'} | {ratio(r['ref_run'], r['ours_cold'])} | "
                 f"{ratio(r['ours_cold'], r['floor'], 2)} | {ratio(r['ours_incr'], r['floor'], 3)} |")
    L.append("")
    L.append("Peak memory of `run`:")
    L.append("")
    L.append("| project | reference | ours cold | ours incr. | floor | **ours cold / reference** | load avg before → after |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        lb, la = r["load_before"], r["load_after"]
        L.append(f"| {label(r['config'])} | {fm(r['ref_run_rss'])} | {fm(r['ours_cold_rss'])} | "
                 f"{fm(r['ours_incr_rss'])} | {fm(r['floor_rss'])} | "
                 f"{ratio(r['ours_cold_rss'], r['ref_run_rss'], 2)} | {lb[0]:.1f} → {la[0]:.1f} |")
    L.append("")
    L.append("## targets")
    L.append("")
    L += targets(results)
    L.append("")
    L.append("## data check")
    L.append("")
    checked = [r for r in results if "data_compared" in r]
    if not checked:
        L.append("The reference did not run: data not compared.")
    for r in checked:
        if r["data_diffs"]:
            L.append(f"* {label(r['config'])}: **{len(r['data_diffs'])} differences** "
                     f"(e.g. `{r['data_diffs'][0]}`)")
        else:
            L.append(f"* {label(r['config'])}: data.json of all {r['data_compared']} traces equal "
                     "(numbers compared by value, relative tolerance 1e-9)")
    return "\n".join(L) + "\n"


def targets(results):
    out = []

    def line(ok, text):
        out.append(f"* {'met' if ok else '**missed**' if ok is not None else 'not measured'}: {text}")

    worst = max(results, key=lambda r: r["ours_cold"] / r["floor"])
    ok = all(r["ours_cold"] <= r["floor"] for r in results)
    line(ok, f"ours ≤ floor at every size (worst: ours cold / floor = "
             f"{worst['ours_cold'] / worst['floor']:.2f} on {label(worst['config'])})")
    sel = [r for r in results if r["config"]["traces"] == 100 and r["config"]["rows"] == 10000 and r["ref_run"]]
    if sel:
        x = min(r["ref_run"] / r["ours_cold"] for r in sel)
        line(x >= 15, f"≥ 15× faster than the reference at 100 traces × 10k rows: {x:.1f}×")
    else:
        line(None, "≥ 15× faster than the reference at 100 traces × 10k rows")
    sel = [r for r in results if r["config"]["rows"] >= 1_000_000 and r["ref_run"]]
    if sel:
        x = min(r["ref_run"] / r["ours_cold"] for r in sel)
        line(x >= 2, f"≥ 2× faster than the reference at 1M rows: {x:.1f}×")
    else:
        line(None, "≥ 2× faster than the reference at 1M rows")
    pairs = [(r["ours_cold_rss"] / r["ref_run_rss"], r, "run") for r in results if r["ref_run_rss"]]
    pairs += [(r["ours_compile_rss"] / r["ref_compile_rss"], r, "compile") for r in results
              if r["ref_compile_rss"]]
    if pairs:
        x, r, what = max(pairs, key=lambda p: p[0])
        line(x < 1 / 3, f"peak memory < 1/3 of the reference's (worst: {x:.2f} on `{what}`, "
                        f"{label(r['config'])})")
    else:
        line(None, "peak memory < 1/3 of the reference's")
    sel = [r for r in results if r["config"]["traces"] >= 500]
    if sel:
        x = max(r["ours_compile"] for r in sel)
        y = max(r["ours_compile_again"] for r in sel)
        line(x < 0.1, f"compile of 500 traces < 100 ms: {x * 1000:.0f} ms with target/ deleted first, "
                      f"{y * 1000:.0f} ms when nothing changed")
    else:
        line(None, "compile of 500 traces < 100 ms")
    return out


# --------------------------------------------------------------------------------------------

def parse_config(s):
    parts = [int(float(x)) for x in s.split(":")]
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("expected TRACES:ROWS[:CSV_ROWS]")
    return {"traces": parts[0], "rows": parts[1], "csv_rows": parts[2] if len(parts) == 3 else 0}


def int_list(s):
    return [int(float(x)) for x in s.split(",") if x]


def default_ours():
    for d in (os.environ.get("CARGO_TARGET_DIR"), "/work/cargo-target", os.path.join(REPO, "target")):
        if d and os.path.isfile(os.path.join(d, "release", "visivo")):
            return os.path.join(d, "release", "visivo")
    return None


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f", {int(f.readline().split()[1]) / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{os.cpu_count()} × {cpu}{mem}, Linux {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} (python's)")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--floor"]:
        floor_main(argv[1], argv[2])
        return
    if "--postgres" in argv:  # PostgreSQL source: see bench_pg.py
        sys.path.insert(0, HERE)
        import bench_pg
        bench_pg.main(argv)
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 2)[2])
    p.add_argument("--traces", type=int_list, default=[10, 100, 500],
                   help="comma-separated trace counts (default 10,100,500)")
    p.add_argument("--rows", type=int_list, default=[10000, 100000, 1000000],
                   help="comma-separated row counts of events (default 10000,100000,1000000)")
    p.add_argument("--csv-rows", type=int, default=10000,
                   help="CSV-script model rows for the projects with --csv-traces traces (default 10000)")
    p.add_argument("--csv-traces", type=int_list, default=[100],
                   help="trace counts whose projects get the CSV/merge models (default 100)")
    p.add_argument("--config", type=parse_config, action="append", metavar="T:R[:C]",
                   help="explicit size (traces:rows[:csv rows]); repeatable; replaces the matrix")
    p.add_argument("--quick", action="store_true",
                   help="10 traces x 10k rows and 100 traces x 10k rows + CSV 1k, --repeat 1")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per command (default 3)")
    p.add_argument("--skip-reference-above", type=float, default=None, metavar="N",
                   help="skip the reference on sizes with traces x rows > N (e.g. 5e7)")
    p.add_argument("--ref-max-seconds", type=float, default=60,
                   help="stop repeating a reference command once one took longer (default 60)")
    p.add_argument("--no-reference", action="store_true", help="measure ours and the floor only")
    p.add_argument("--reference", help="reference visivo (default: scripts/reference-visivo.sh)")
    p.add_argument("--ours", default=default_ours(),
                   help="our visivo (default $CARGO_TARGET_DIR/release/visivo)")
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "visivo-bench"),
                   help="where projects are generated (kept between runs)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per command")
    p.add_argument("--out", help="result file (default bench/results/<date>.md)")
    a = p.parse_args(argv)

    if a.config:
        configs = a.config
    elif a.quick:
        configs = [parse_config("10:10000"), parse_config("100:10000:1000")]
    else:
        configs = [{"traces": t, "rows": r, "csv_rows": a.csv_rows if t in a.csv_traces else 0}
                   for t in a.traces for r in a.rows]
    if a.repeat is None:
        a.repeat = 1 if a.quick else 3
    if not a.ours or not os.path.isfile(a.ours):
        p.error("our visivo not found: cargo build --release -p visivo, or --ours PATH")
    ours_bin = os.path.abspath(a.ours)
    ref_bin = None
    if not a.no_reference:
        ref_bin = a.reference or subprocess.run(
            ["bash", os.path.join(REPO, "scripts", "reference-visivo.sh")], check=True,
            stdout=subprocess.PIPE).stdout.decode().strip()
    if not os.path.exists(TIME):
        p.error(f"{TIME} (GNU time) is needed for peak RSS")
    os.makedirs(a.workdir, exist_ok=True)
    log = os.path.join(a.workdir, "commands.log")
    open(log, "w").close()

    started = time.perf_counter()
    results = []
    for c in configs:
        print(f"== {label(c)}", file=sys.stderr)
        try:
            results.append(bench_config(c, a, ref_bin, ours_bin, log))
        except Failed as e:
            print(f"  FAILED: {e}", file=sys.stderr)
    if not results:
        sys.exit(1)
    now = datetime.now()
    ours_version = subprocess.run([ours_bin, "--version"], stdout=subprocess.PIPE).stdout.decode().strip()
    meta = {
        "date": now.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "ours": f"{ours_version} ({ours_bin})",
        "reference": "not run" if ref_bin is None else f"Visivo 1.0.30 (`{ref_bin}`)",
        "repeat": a.repeat,
    }
    text = report(results, meta)
    text += f"\nTotal benchmark wall time: {(time.perf_counter() - started) / 60:.1f} min. " \
            f"Command line: `bench/bench.py {' '.join(argv)}`\n"
    print(text)
    out = a.out
    if not out:
        d = os.path.join(HERE, "results")
        os.makedirs(d, exist_ok=True)
        out = os.path.join(d, now.strftime("%Y-%m-%d") + ".md")
        if os.path.exists(out):
            out = os.path.join(d, now.strftime("%Y-%m-%d-%H%M") + ".md")
    with open(out, "w") as f:
        f.write(text)
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
