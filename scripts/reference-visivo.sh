#!/usr/bin/env bash
# Install the reference implementation (Visivo 1.0.30 from PyPI) into a
# virtualenv outside the repository and print the path of its `visivo`
# executable on stdout (everything else goes to stderr).
#
#   VISIVO_REF_VENV   venv location (default /work/visivo-ref-venv)
#   PYTHON            interpreter used to create the venv (default python3)
#
# Idempotent: when the venv already holds visivo 1.0.30 nothing is installed.
#
# Pins: `pip install visivo==1.0.30` resolves without trouble on CPython 3.11
# (visivo itself pins numpy==1.26.0 and pandas<2, so the interpreter must be
# 3.9-3.12: numpy 1.26.0 has no wheels for 3.13+). Its other requirements are
# open-ended (pydantic>=2.5, sqlalchemy>=2.0.8,<3, ...), and those libraries
# shape the outputs (pydantic: validation messages and serialisation; pandas/
# numpy: data.json values; SQLAlchemy: connection pooling, which is behind the
# sqlite `attach` quirk noted in tests/conformance/README.md). The constraints
# below are the versions the committed conformance outputs were generated
# with, so a later install reproduces them.
set -euo pipefail

VENV="${VISIVO_REF_VENV:-/work/visivo-ref-venv}"
PY="${PYTHON:-python3}"
VERSION="1.0.30"

CONSTRAINTS='
numpy==1.26.0
pandas==1.5.3
pydantic==2.14.4
pydantic_core==2.50.5
SQLAlchemy==2.1.9
PyYAML==6.0.4
Jinja2==3.1.6
MarkupSafe==3.0.4
click==8.5.1
networkx==3.6.1
python-dateutil==2.9.0.post0
pytz==2026.6
python-dotenv==1.2.4
deepmerge==1.1.1
Flask==2.3.3
Werkzeug==3.1.9
livereload==2.7.1
tornado==6.2
halo==0.0.31
termcolor==2.5.0
assertpy==1.1
GitPython==3.2.1
'

installed_ok() {
    [ -x "$VENV/bin/visivo" ] &&
        "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("visivo") != sys.argv[1])' "$VERSION" 2>/dev/null
}

if ! installed_ok; then
    if ! "$PY" -c 'import sys; sys.exit(not ((3, 9) <= sys.version_info[:2] <= (3, 12)))'; then
        echo "$PY is $("$PY" --version 2>&1); visivo $VERSION needs CPython 3.9-3.12 (numpy==1.26.0). Set PYTHON=..." >&2
        exit 1
    fi
    echo "Installing visivo==$VERSION into $VENV" >&2
    "$PY" -m venv "$VENV" >&2
    constraints_file="$VENV/reference-constraints.txt"
    printf '%s\n' "$CONSTRAINTS" > "$constraints_file"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$constraints_file" "visivo==$VERSION" >&2
fi

"$VENV/bin/visivo" --version >&2
echo "$VENV/bin/visivo"
