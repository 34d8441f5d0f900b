"""Turn what Visivo 1.0.82's run wrote for insights into expected/insights/ files.

    python insights_1082.py RUN_DIR EXPECTED_DIR

RUN_DIR is the project directory after visivo_1082.py's run (its target/main/ holds
insights/<insight>.json, files/*.parquet, inputs/<input>.json and insight_queries/, the
last written by visivo_1082.py). For every insight it writes EXPECTED_DIR/<insight>/:

  insight.json   1.0.82's insights/<insight>.json, parquet paths made relative to RUN_DIR
  query.sql      the SQL 1.0.82 built: pre_query (run on the source), or for an insight
                 with inputs the post_query the browser runs, with ${input.accessor}
  data.json      static insights: {cohort: {prop path: [values]}} as 1.0.82's viewer
                 builds its traces
  states/<input>=<option>[,<input>=<option>...].json
                 insights with inputs: the same for every combination of the inputs'
                 options (no data.json)

An insight 1.0.82 failed on keeps only its query.sql (when 1.0.82 got as far as building it).

The browser's part is done as 1.0.82's viewer does it (viewer/src/duckdb/queries.js,
stores/inputJobsStore.js, models/Insight.js): each file of the insight's `files` becomes a
DuckDB table named by its name_hash (CREATE TABLE ... AS SELECT * FROM read_parquet), each
${input.value} in `query` is replaced by the selected option as it is (no quoting; a
JavaScript template literal) and every word "null" becomes NULL; the rows are grouped by
the split_key column, the cohort being String(value) ("null" for NULL) or, without a
split, the insight's name.
Values stay in the query's row order. Not reproduced: the viewer turns 64-bit integers
into strings ("3"); they are numbers here.
"""
import itertools
import json
import math
import os
import re
import sys

import duckdb

INPUT_PLACEHOLDER = re.compile(r"\$\{(\w+)\.(\w+)\}")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=2, allow_nan=False)
        f.write("\n")


def js_string(value):
    """String(value) in JavaScript, for the values a split column can hold."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def json_value(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    raise TypeError(f"no JSON form for {value!r} ({type(value).__name__})")


def run_query(insight, sql):
    con = duckdb.connect()
    for file in insight["files"]:
        con.execute(
            f'CREATE TABLE "{file["name_hash"]}" AS SELECT * FROM read_parquet(?)',
            [file["signed_data_file_url"]],
        )
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    con.close()
    return rows


def traces(insight, rows):
    """{cohort: {prop path: [values]}}; {} when there are no rows (the viewer draws none)."""
    if insight["props_slices"]:
        raise ValueError(f"insight {insight['name']}: props_slices (?{{}}[i]) are not handled")
    split_key = insight["split_key"]
    cohorts = {}
    for row in rows:
        cohort = js_string(row[split_key]) if split_key else insight["name"]
        props = cohorts.setdefault(cohort, {path: [] for path in insight["props_mapping"]})
        for path, column in insight["props_mapping"].items():
            props[path].append(json_value(row[column]))
    return cohorts


def input_options(run_dir, name):
    data = read_json(os.path.join(run_dir, "target/main/inputs", f"{name}.json"))
    if data["type"] != "single-select" or data["structure"] != "options":
        raise ValueError(f"input {name}: only single-select inputs with options are handled")
    return data["static_props"]["options"]


def fill_inputs(sql, selected):
    def value(match):
        name, accessor = match[1], match[2]
        if accessor != "value":
            raise ValueError(f"${{{name}.{accessor}}}: only the .value accessor is handled")
        return str(selected[name])

    # the viewer then turns every word "null" into NULL (for null accessors)
    return re.sub(r"\bnull\b", "NULL", INPUT_PLACEHOLDER.sub(value, sql))


def states(run_dir, insight):
    names = sorted({m[1] for m in INPUT_PLACEHOLDER.finditer(insight["query"])})
    choices = [[(name, option) for option in input_options(run_dir, name)] for name in names]
    for combination in itertools.product(*choices):
        label = ",".join(f"{name}={option}" for name, option in combination)
        sql = fill_inputs(insight["query"], dict(combination))
        yield label, traces(insight, run_query(insight, sql))


def relative_files(insight, run_dir):
    kept = json.loads(json.dumps(insight))
    for file in kept["files"]:
        file["signed_data_file_url"] = os.path.relpath(file["signed_data_file_url"], run_dir)
    return kept


def names_in(directory, suffix):
    if not os.path.isdir(directory):
        return set()
    return {f[: -len(suffix)] for f in os.listdir(directory) if f.endswith(suffix)}


def record(run_dir, expected_dir):
    insights_dir = os.path.join(run_dir, "target/main/insights")
    queries_dir = os.path.join(run_dir, "target/main/insight_queries")
    # an insight 1.0.82 failed on has a query but no insight.json; only its query.sql is kept
    for name in sorted(names_in(insights_dir, ".json") | names_in(queries_dir, ".sql")):
        out = os.path.join(expected_dir, name)
        os.makedirs(out, exist_ok=True)
        if os.path.exists(os.path.join(queries_dir, f"{name}.sql")):
            with open(os.path.join(queries_dir, f"{name}.sql")) as src:
                with open(os.path.join(out, "query.sql"), "w") as dst:
                    dst.write(src.read())
        if not os.path.exists(os.path.join(insights_dir, f"{name}.json")):
            continue
        insight = read_json(os.path.join(insights_dir, f"{name}.json"))
        write_json(os.path.join(out, "insight.json"), relative_files(insight, run_dir))
        if INPUT_PLACEHOLDER.search(insight["query"]):
            for label, data in states(run_dir, insight):
                write_json(os.path.join(out, "states", f"{label}.json"), data)
        else:
            data = traces(insight, run_query(insight, insight["query"]))
            write_json(os.path.join(out, "data.json"), data)


if __name__ == "__main__":
    record(os.path.abspath(sys.argv[1]), sys.argv[2])
