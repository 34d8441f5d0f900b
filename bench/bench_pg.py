#!/usr/bin/env python3
"""Benchmark ours vs Visivo 1.0.30 vs a psql floor on a PostgreSQL source (stdlib + psql).

    python3 bench/bench_pg.py                                  # 100 traces x 1M rows, --repeat 3
    python3 bench/bench_pg.py --config 100:1000000 --config 100:100000

(`bench.py --postgres ...` runs this script with the same arguments.)

Every size is generated with `gen_project.py --postgres` under --workdir: the rows go to the
PostgreSQL table `bench_events` (loaded once with psql \\copy, skipped when already loaded;
connection from $PG_HOST/$PG_PORT/$PG_USER/$PG_PASSWORD/$PG_DATABASE, default
127.0.0.1:5432 visivo/visivo_pw/visivo_test), and the project's source is
`type: postgresql` with every connection field from env_var() and a .env file, and
`connection_pool_size: 4` (Visivo 1.0.30's default is 1, which is also its query
concurrency; 4 is set for both implementations).

Measured side by side, interleaved, --repeat times (medians; the reference once a
command took longer than --ref-max-seconds), wall time and peak RSS
(`/usr/bin/time -f %M`):

  compile  reference `visivo compile`; ours `visivo compile` (target/ deleted first) and again
  run      reference `visivo run` (target/ deleted first); ours cold (target/ deleted,
           `visivo run --full-refresh`); ours incremental (a second `visivo run`);
           floor: ONE `psql` process, one connection, running ours' compiled
           target/<trace>/query.sql one after another, each result written with `\\o` to a
           file in unaligned format (-A, comma separated); no JSON. The script it runs is
           built before the measurement. floor x4: the same queries split round-robin over
           4 psql processes run at once (the parallelism a pool of 4 allows).

data.json of the reference and ours are compared (numbers by value). A date the reference
writes as epoch milliseconds and ours as an ISO string is counted apart ("date encoding"),
as is a number one side writes as a string; every other difference is listed.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (measure, formatting, machine, defaults)
import gen_project  # noqa: E402

ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def iso_to_ms(s):
    m = ISO.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    if hh is None:
        return (date(int(y), int(mo), int(d)) - date(1970, 1, 1)).days * 86400000
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return round(dt.timestamp() * 1000)


def num(x):
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return None
    return None


def close(a, b):
    return a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def compare(a, b, path, out):
    """out: dict kind -> list of paths/messages."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out["other"].append(f"{path}: keys differ: {sorted(set(a) ^ set(b))[:5]}")
            return
        for k in a:
            compare(a[k], b[k], f"{path}/{k}", out)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out["other"].append(f"{path}: {len(a)} vs {len(b)} items")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", out)
        return
    if type(a) is type(b) or (num(a) is not None and num(b) is not None
                               and not isinstance(a, str) and not isinstance(b, str)):
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            ok = close(float(a), float(b))
        else:
            ok = a == b
        if not ok:
            out["other"].append(f"{path}: {str(a)[:60]!r} vs {str(b)[:60]!r}")
        return
    # one side a string: a date encoded differently, or a number as a string?
    if isinstance(a, (int, float)) and isinstance(b, str) and iso_to_ms(b) is not None:
        key = "date encoding" if iso_to_ms(b) == a else "other"
        out[key].append(f"{path}: {a!r} vs {b!r}")
        return
    na, nb = num(a), num(b)
    if na is not None and nb is not None:
        out["number as string" if close(na, nb) else "other"].append(f"{path}: {a!r} vs {b!r}")
        return
    out["other"].append(f"{path}: {str(a)[:60]!r} vs {str(b)[:60]!r}")


def compare_data(ref_dir, ours_dir):
    out = {"date encoding": [], "number as string": [], "other": []}
    traces_with = {k: set() for k in out}
    ref_t, ours_t = os.path.join(ref_dir, "target"), os.path.join(ours_dir, "target")
    names = sorted(d for d in os.listdir(ref_t) if os.path.isfile(os.path.join(ref_t, d, "data.json")))
    for name in names:
        p = os.path.join(ours_t, name, "data.json")
        if not os.path.isfile(p):
            out["other"].append(f"{name}: no data.json from ours")
            continue
        with open(os.path.join(ref_t, name, "data.json")) as f:
            a = json.load(f)
        with open(p) as f:
            b = json.load(f)
        before = {k: len(v) for k, v in out.items()}
        compare(a, b, name, out)
        for k in out:
            if len(out[k]) > before[k]:
                traces_with[k].add(name)
    return len(names), out, traces_with


# --------------------------------------------------------------------------------------------

def psql_base(env):
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-F", ",", "-h", env["PG_HOST"],
            "-p", env["PG_PORT"], "-U", env["PG_USER"], "-d", env["PG_DATABASE"]]


def floor_scripts(ours_dir, out_dir, parts):
    """Write `parts` psql scripts running ours' compiled queries; return their paths."""
    traces = sorted(t for t in os.listdir(os.path.join(ours_dir, "target"))
                    if os.path.isfile(os.path.join(ours_dir, "target", t, "query.sql")))
    scripts = []
    for k in range(parts):
        lines = []
        for t in traces[k::parts]:
            with open(os.path.join(ours_dir, "target", t, "query.sql")) as f:
                sql = f.read().rstrip()
            lines.append(f"\\o {os.path.join(out_dir, t + '.csv')}")
            lines.append(sql + "\n;")
        lines.append("\\o")
        path = os.path.join(out_dir, f"floor-{parts}-{k}.sql")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        scripts.append(path)
    return scripts, len(traces)


def generate(c, workdir):
    name = f"pg_t{c['traces']}_r{c['rows']}"
    base = os.path.join(workdir, name, "base")
    shutil.rmtree(os.path.join(workdir, name), ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(HERE, "gen_project.py"), "--postgres",
                    "--traces", str(c["traces"]), "--rows", str(c["rows"]), base], check=True)
    print(f"  generated (table loaded or checked) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    dirs = {}
    for who in ("ref", "ours"):
        dirs[who] = os.path.join(workdir, name, who)
        shutil.copytree(base, dirs[who])
    return dirs


def bench_config(c, a, ref_bin, ours_bin, env, log):
    dirs = generate(c, a.workdir)
    ref_dir, ours_dir = dirs["ref"], dirs["ours"]
    r = {k: [] for k in ("ref_compile", "ours_compile", "ours_compile_again", "ref_run",
                         "ours_cold", "ours_incr", "floor", "floor4")}
    load_before = os.getloadavg()
    ref_stop = {"compile": False, "run": False}

    def ref_measure(kind, cmd):
        if ref_bin is None or ref_stop[kind]:
            return
        if kind == "run":
            bench.rm_target(ref_dir)
        wall, rss, _ = bench.measure(cmd, ref_dir, a.timeout, log)
        r["ref_" + kind].append((wall, rss))
        if wall > a.ref_max_seconds:
            ref_stop[kind] = True
        print(f"    reference {kind}: {wall:.2f} s, {rss / 1024:.0f} MiB", file=sys.stderr)

    floor_out = os.path.join(a.workdir, "pg-floor-out")
    n_queries = 0
    for rep in range(a.repeat):
        print(f"  repetition {rep + 1}/{a.repeat}", file=sys.stderr)
        ref_measure("compile", [ref_bin, "compile"])
        bench.rm_target(ours_dir)
        r["ours_compile"].append(bench.measure([ours_bin, "compile"], ours_dir, a.timeout, log)[:2])
        r["ours_compile_again"].append(bench.measure([ours_bin, "compile"], ours_dir, a.timeout, log)[:2])
        ref_measure("run", [ref_bin, "run"])
        bench.rm_target(ours_dir)
        wall, rss, _ = bench.measure([ours_bin, "run", "--full-refresh"], ours_dir, a.timeout, log)
        r["ours_cold"].append((wall, rss))
        wall2, rss2, out = bench.measure([ours_bin, "run"], ours_dir, a.timeout, log)
        r["ours_incr"].append((wall2, rss2))
        if " 0 succeeded" not in out and rep == 0:
            print("  warning: the second run of ours re-ran jobs (not incremental?)", file=sys.stderr)
        # floors (scripts built outside the measurement)
        shutil.rmtree(floor_out, ignore_errors=True)
        os.makedirs(floor_out)
        (s1,), n_queries = floor_scripts(ours_dir, floor_out, 1)
        s4, _ = floor_scripts(ours_dir, floor_out, 4)
        os.environ["PGPASSWORD"] = env["PG_PASSWORD"]
        wall3, rss3, _ = bench.measure(psql_base(env) + ["-f", s1], floor_out, a.timeout, log)
        r["floor"].append((wall3, rss3))
        sh = " & ".join(" ".join(psql_base(env) + ["-f", s]) for s in s4) + " & wait"
        wall4, rss4, _ = bench.measure(["sh", "-c", sh], floor_out, a.timeout, log)
        r["floor4"].append((wall4, rss4))
        print(f"    ours compile {r['ours_compile'][-1][0] * 1000:.0f} ms (again "
              f"{r['ours_compile_again'][-1][0] * 1000:.0f} ms); run cold {wall:.2f} s "
              f"{rss / 1024:.0f} MiB, incremental {wall2:.3f} s, floor {wall3:.2f} s "
              f"({n_queries} queries), floor x4 {wall4:.2f} s", file=sys.stderr)

    res = {"config": c, "load_before": load_before, "load_after": os.getloadavg(),
           "repeat_ref_compile": len(r["ref_compile"]), "repeat_ref_run": len(r["ref_run"]),
           "queries": n_queries}
    for k, v in r.items():
        res[k] = bench.median([w for w, _ in v])
        res[k + "_rss"] = bench.median([m for _, m in v])
    if r["ref_run"]:
        n, diffs, traces_with = compare_data(ref_dir, ours_dir)
        res["data_compared"], res["data_diffs"], res["traces_with"] = n, diffs, traces_with
        for k, v in diffs.items():
            if v:
                print(f"  {k}: {len(v)} values in {len(traces_with[k])} traces, e.g. "
                      + "; ".join(v[:3]), file=sys.stderr)
        if not any(diffs.values()):
            print(f"  data.json equal between reference and ours ({n} traces)", file=sys.stderr)
    return res


def label(c):
    return f"{c['traces']} traces × {bench.fmt_count(c['rows'])} rows (PostgreSQL)"


def report(results, meta):
    ft, fm, ratio = bench.ft, bench.fm, bench.ratio
    L = [f"# PostgreSQL benchmark {meta['date']}", "",
         f"Machine: {meta['machine']}. PostgreSQL: {meta['pg']} on the same machine.",
         f"Ours: `{meta['ours']}`; reference: {meta['reference']}.",
         f"Medians of {meta['repeat']} repetitions (reference: see `ref n`); wall time of the whole "
         "process; peak RSS from `/usr/bin/time %M`. Source `type: postgresql`, "
         "`connection_pool_size: 4` for both implementations (Visivo 1.0.30's default is 1).", "",
         "## compile", "",
         "| project | reference | ours | ours again | ref n | **reference / ours** | ref RSS | ours RSS "
         "| RSS ours / ref |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        L.append(f"| {label(r['config'])} | {ft(r['ref_compile'])} | {ft(r['ours_compile'])} | "
                 f"{ft(r['ours_compile_again'])} | {r['repeat_ref_compile'] or '–'} | "
                 f"{ratio(r['ref_compile'], r['ours_compile'], 0)} | {fm(r['ref_compile_rss'])} | "
                 f"{fm(r['ours_compile_rss'])} | {ratio(r['ours_compile_rss'], r['ref_compile_rss'], 2)} |")
    L += ["", "## run", "",
          "`cold`: target/ deleted, `visivo run --full-refresh`; `incr.`: a second `visivo run`, "
          "nothing changed; `floor`: one `psql` process (one connection) running ours' compiled "
          "queries one after another, each result written with `\\o` to a file in unaligned "
          "format (no JSON, no data.json); `floor ×4`: the same queries round-robin over 4 psql "
          "processes at once.", "",
          "| project | reference | ours cold | ours incr. | floor | floor ×4 | ref n | "
          "**reference / ours cold** | **ours cold / floor** | ours cold / floor ×4 |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        L.append(f"| {label(r['config'])} | {ft(r['ref_run'])} | {ft(r['ours_cold'])} | "
                 f"{ft(r['ours_incr'])} | {ft(r['floor'])} | {ft(r['floor4'])} | "
                 f"{r['repeat_ref_run'] or '–'} | {ratio(r['ref_run'], r['ours_cold'])} | "
                 f"{ratio(r['ours_cold'], r['floor'], 2)} | {ratio(r['ours_cold'], r['floor4'], 2)} |")
    L += ["", "Peak memory of `run`:", "",
          "| project | reference | ours cold | ours incr. | floor (psql) | **ours cold / reference** "
          "| load avg before → after |", "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lb, la = r["load_before"], r["load_after"]
        L.append(f"| {label(r['config'])} | {fm(r['ref_run_rss'])} | {fm(r['ours_cold_rss'])} | "
                 f"{fm(r['ours_incr_rss'])} | {fm(r['floor_rss'])} | "
                 f"{ratio(r['ours_cold_rss'], r['ref_run_rss'], 2)} | {lb[0]:.1f} → {la[0]:.1f} |")
    L += ["", "## data check", ""]
    checked = [r for r in results if "data_compared" in r]
    if not checked:
        L.append("The reference did not run: data not compared.")
    for r in checked:
        d, tw = r["data_diffs"], r["traces_with"]
        L.append(f"* {label(r['config'])}: data.json of {r['data_compared']} traces compared "
                 "(numbers by value, relative tolerance 1e-9):")
        for k in ("date encoding", "number as string", "other"):
            if d[k]:
                L.append(f"  * {k}: {len(d[k])} values in {len(tw[k])} traces, e.g. "
                         + "; ".join(f"`{x}`" for x in d[k][:3]))
            else:
                L.append(f"  * {k}: none")
    return "\n".join(L) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else [x for x in argv if x != "--postgres"]
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 2)[2])
    p.add_argument("--config", type=bench.parse_config, action="append", metavar="T:R",
                   help="size traces:rows; repeatable (default 100:1000000)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--ref-max-seconds", type=float, default=60,
                   help="stop repeating a reference command once one took longer (default 60)")
    p.add_argument("--no-reference", action="store_true")
    p.add_argument("--reference", help="reference visivo (default: scripts/reference-visivo.sh)")
    p.add_argument("--ours", default=bench.default_ours())
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "visivo-bench"))
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--out", help="result file (default bench/results/<date>-postgres.md)")
    a = p.parse_args(argv)
    configs = a.config or [bench.parse_config("100:1000000")]
    if not a.ours or not os.path.isfile(a.ours):
        p.error("our visivo not found: cargo build --release -p visivo, or --ours PATH")
    ours_bin = os.path.abspath(a.ours)
    ref_bin = None
    if not a.no_reference:
        ref_bin = a.reference or subprocess.run(
            ["bash", os.path.join(bench.REPO, "scripts", "reference-visivo.sh")], check=True,
            stdout=subprocess.PIPE).stdout.decode().strip()
    env = gen_project.pg_env()
    pg = gen_project.psql(env, "-tA", "-c", "show server_version").strip()
    os.makedirs(a.workdir, exist_ok=True)
    log = os.path.join(a.workdir, "commands-pg.log")
    open(log, "w").close()
    started = time.perf_counter()
    results = []
    for c in configs:
        print(f"== {label(c)}", file=sys.stderr)
        try:
            results.append(bench_config(c, a, ref_bin, ours_bin, env, log))
        except bench.Failed as e:
            print(f"  FAILED: {e}", file=sys.stderr)
    if not results:
        sys.exit(1)
    now = datetime.now()
    ver = subprocess.run([ours_bin, "--version"], stdout=subprocess.PIPE).stdout.decode().strip()
    meta = {"date": now.strftime("%Y-%m-%d %H:%M"), "machine": bench.machine(), "pg": f"PostgreSQL {pg}",
            "ours": f"{ver} ({ours_bin})", "repeat": a.repeat,
            "reference": "not run" if ref_bin is None else f"Visivo 1.0.30 (`{ref_bin}`)"}
    text = report(results, meta)
    text += f"\nTotal benchmark wall time: {(time.perf_counter() - started) / 60:.1f} min. " \
            f"Command line: `bench/bench_pg.py {' '.join(argv)}`\n"
    print(text)
    out = a.out
    if not out:
        d = os.path.join(HERE, "results")
        os.makedirs(d, exist_ok=True)
        out = os.path.join(d, now.strftime("%Y-%m-%d") + "-postgres.md")
    with open(out, "w") as f:
        f.write(text)
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
