"""Run the Visivo 1.0.82 CLI, also writing each trace's SQL beside its data.json.

1.0.82 no longer writes query.sql (dropped in 1.0.55). This wraps the function its trace
job calls to build the query, writes the text to <out>/main/traces/<trace>/query.sql, and
then runs the CLI unchanged:

    python visivo_1082.py run --no-deprecation-warnings
"""
import os
import sys

import visivo.jobs.run_trace_job as run_trace_job
from visivo.command_line import safe_visivo

_build_query = run_trace_job._get_query_string


def _build_and_keep(trace, dag, run_output_dir):
    sql = _build_query(trace, dag, run_output_dir)
    trace_dir = os.path.join(run_output_dir, "traces", trace.name)
    os.makedirs(trace_dir, exist_ok=True)
    with open(os.path.join(trace_dir, "query.sql"), "w") as f:
        f.write(sql)
    return sql


run_trace_job._get_query_string = _build_and_keep
sys.argv = ["visivo", *sys.argv[1:]]
safe_visivo()
