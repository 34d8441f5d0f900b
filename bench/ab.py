#!/usr/bin/env python3
"""A/B two `visivo` binaries on the same projects (stdlib only).

    python3 bench/ab.py --a /tmp/visivo-before --b target/release/visivo PROJECT_DIR...

Runs `visivo run --full-refresh` in each project directory, alternating A and B so that a
noisy machine slows both alike, and prints the medians and the ratio B/A. Use it to check that a
change costs nothing: build the binary before and after the change (e.g. in a `git worktree`).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed_run(binary, project, output):
    shutil.rmtree(output, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(
        [binary, "run", "--full-refresh", "-o", output],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true"},
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{binary} failed in {project}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="the first binary (e.g. before a change)")
    parser.add_argument("--b", required=True, help="the second binary (e.g. after it)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each binary (default 5)")
    parser.add_argument("projects", nargs="+", help="project directories (bench/gen_project.py)")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="visivo-ab-")
    try:
        for project in args.projects:
            times = {"a": [], "b": []}
            for _ in range(args.repeat):
                for side, binary in (("a", args.a), ("b", args.b)):
                    times[side].append(timed_run(binary, project, os.path.join(scratch, side)))
            a, b = statistics.median(times["a"]), statistics.median(times["b"])
            print(
                f"{os.path.basename(os.path.normpath(project))}: A median {a:.3f} s, "
                f"B median {b:.3f} s, B/A {b / a:.2f} "
                f"(A {' '.join(f'{t:.2f}' for t in times['a'])}; "
                f"B {' '.join(f'{t:.2f}' for t in times['b'])})"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
