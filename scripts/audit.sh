#!/usr/bin/env sh
# Dependency audit: every installed package checked against the PyPI advisory database.
# --strict fails when a package cannot be audited (e.g. a version that is not on PyPI), so CI
# never passes by skipping something. Extra arguments go to pip-audit.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pip-audit ]; then
    echo "pip-audit is not installed: run '.venv/bin/pip install pip-audit'" >&2
    exit 2
fi
exec .venv/bin/pip-audit --strict --progress-spinner off "$@"
