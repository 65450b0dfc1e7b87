#!/bin/sh
# Make sure Debian's Chromium is installed for the browser tests (tests/browser), installing it when missing.
# Playwright only drives it (executable_path); `playwright install` is never needed.
# Usage: scripts/ensure-chromium.sh        (the Makefile runs it before the tests)
# Set BCHUB_CHROMIUM to use another Chromium binary; then nothing is installed.
set -eu

CHROMIUM="${BCHUB_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ -n "${BCHUB_CHROMIUM:-}" ]; then
    echo "ensure-chromium: BCHUB_CHROMIUM=$CHROMIUM is not an executable file" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no $CHROMIUM and no apt-get here; install Chromium and set BCHUB_CHROMIUM to its path" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-chromium: installing Chromium needs root: run 'apt-get install -y chromium' as root" >&2
    exit 1
fi

echo "ensure-chromium: installing Debian's chromium for the browser tests…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version >&2
