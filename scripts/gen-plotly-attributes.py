#!/usr/bin/env python3
"""Writes crates/project/src/plotly_attributes.json: the attribute tree of every plotly.js trace
type, taken from plotly.js's own machine-readable schema (dist/plot-schema.json), reduced to what
validation needs: attribute names, nested objects, enumerated values.

Usage: scripts/gen-plotly-attributes.py [path/to/plot-schema.json]
Without an argument it fetches the package pinned by the viewer (npm pack plotly.js@<version>).
"""
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = json.loads((ROOT / "viewer/package.json").read_text())["dependencies"]["plotly.js-dist-min"]
# Keys of the schema that describe an attribute rather than being one.
META = {"_deprecated", "impliedEdits"}


def load_schema():
    if len(sys.argv) > 1:
        return json.loads(Path(sys.argv[1]).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"plotly.js@{VERSION}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tgz = next(Path(tmp).glob("plotly.js-*.tgz"))
        with tarfile.open(tgz) as tar:
            return json.load(tar.extractfile("package/dist/plot-schema.json"))


def reduce(node):
    """A leaf is its value type (or [values] when enumerated); an object is a dict of children."""
    if "valType" in node:
        if node["valType"] == "enumerated":
            return {"enum": node["values"], "arrayOk": node.get("arrayOk", False)}
        return {"type": node["valType"], "arrayOk": node.get("arrayOk", False)}
    if "items" in node and isinstance(node["items"], dict):
        (inner,) = node["items"].values()
        return {"items": reduce(inner)}
    return {"children": {k: reduce(v) for k, v in node.items()
                         if k not in META and isinstance(v, dict)}}


def main():
    schema = load_schema()
    traces = {}
    for name, trace in sorted(schema["traces"].items()):
        attributes = reduce(trace["attributes"])["children"]
        attributes.pop("type", None)  # the trace type itself is checked on its own
        traces[name] = attributes
    out = ROOT / "crates/project/src/plotly_attributes.json"
    out.write_text(json.dumps({"version": VERSION, "traces": traces}, separators=(",", ":"), sort_keys=True))
    print(f"wrote {out} ({out.stat().st_size} bytes, {len(traces)} trace types, plotly.js {VERSION})")


main()
