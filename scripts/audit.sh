#!/usr/bin/env sh
# Dependency audit: every installed package checked against the PyPI advisory database.
# --strict fails when a package cannot be audited (e.g. a version that is not on PyPI), so CI
# never passes by skipping something. Extra arguments go to pip-audit.
#
# pip-audit asks https://pypi.org/pypi/<name>/<version>/json (or api.osv.dev with
# --vulnerability-service osv). Machines that reach only a package mirror get 404 for the
# per-version JSON, and every package is then reported as "not found on PyPI": that is a
# machine without advisory data, not a clean or a failed audit, and this script says so.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pip-audit ]; then
    echo "pip-audit is not installed: run '.venv/bin/pip install pip-audit'" >&2
    exit 2
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
.venv/bin/pip-audit --strict --progress-spinner off "$@" 2>"$log" || status=$?
cat "$log" >&2
if [ "$status" -eq 0 ]; then
    exit 0
fi
if grep -q "Dependency not found on PyPI and could not be audited" "$log"; then
    echo "audit: no advisory data reachable from this machine (pypi.org per-version JSON or api.osv.dev);" \
        "run 'make audit' where one of them is reachable" >&2
fi
exit "$status"
