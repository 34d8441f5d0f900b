"""Turn `visivo test`'s output (1.0.82) into expected/test.json.

    python tests_outcome.py EXIT_CODE < test-output.txt > expected/test.json

1.0.82 prints one failure line per failed assertion, "> project.traces[i].tests[j]: message".
Every test of these projects has a name and one assertion, so the test's path names it.
"""
import json
import re
import sys

import yaml

FAILURE = re.compile(r"^> project\.traces\[(\d+)\]\.tests\[(\d+)\]: (.*)$")

with open("project.visivo.yml") as f:
    project = yaml.safe_load(f)

failures = {}
for line in sys.stdin.read().splitlines():
    match = FAILURE.match(line)
    if match:
        trace, test, message = int(match[1]), int(match[2]), match[3]
        failures[project["traces"][trace]["tests"][test]["name"]] = message

tests = []
for trace in project["traces"]:
    for test in trace.get("tests", []):
        name = test["name"]
        outcome = {"trace": trace["name"], "test": name, "passed": name not in failures}
        if name in failures:
            outcome["message"] = failures[name]
        tests.append(outcome)

json.dump({"exit_code": int(sys.argv[1]), "tests": tests}, sys.stdout, indent=2)
sys.stdout.write("\n")
