"""Run the Visivo 1.0.82 CLI, also writing each trace's and insight's SQL.

1.0.82 no longer writes query.sql (dropped in 1.0.55). This wraps the function its trace
job calls to build the query and writes the text to <out>/main/traces/<trace>/query.sql.
For insights, whose <out>/main/insights/<insight>.json holds only the browser's query,
it writes the query run on the source (pre_query) or, for an insight with inputs, the
browser's query with its ${input.accessor} placeholders (post_query) to
<out>/main/insight_queries/<insight>.sql. Then it runs the CLI unchanged:

    python visivo_1082.py run --no-deprecation-warnings
"""
import os
import sys

import visivo.jobs.run_trace_job as run_trace_job
from visivo.models.insight import Insight
from visivo.command_line import safe_visivo

_build_query = run_trace_job._get_query_string


def _build_and_keep(trace, dag, run_output_dir):
    sql = _build_query(trace, dag, run_output_dir)
    trace_dir = os.path.join(run_output_dir, "traces", trace.name)
    os.makedirs(trace_dir, exist_ok=True)
    with open(os.path.join(trace_dir, "query.sql"), "w") as f:
        f.write(sql)
    return sql


_insight_query_info = Insight.get_query_info


def _insight_info_and_keep(insight, dag, run_output_dir):
    info = _insight_query_info(insight, dag, run_output_dir)
    queries_dir = os.path.join(run_output_dir, "insight_queries")
    os.makedirs(queries_dir, exist_ok=True)
    with open(os.path.join(queries_dir, f"{insight.name}.sql"), "w") as f:
        f.write(info.pre_query or info.post_query)
    return info


run_trace_job._get_query_string = _build_and_keep
Insight.get_query_info = _insight_info_and_keep
sys.argv = ["visivo", *sys.argv[1:]]
safe_visivo()
