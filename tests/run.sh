#!/usr/bin/env bash
# The test command (README, .ci/run): set up everything the tests need on a fresh
# machine, then lint, type-check and run the whole suite against real components
# on loopback (a real pywb started by the tests). Safe to run again: installs are idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# pywb gets a venv of its own: its pins must not constrain ours. LINKRESCUE_PYWB
# naming another wayback executable (tests/support/pywb_server.py) saves the install.
if [ -z "${LINKRESCUE_PYWB:-}" ] && [ ! -x .venv-pywb/bin/wayback ]; then
    "$PY" -m venv .venv-pywb
    .venv-pywb/bin/python -m pip install -q --disable-pip-version-check -r tests/support/pywb-requirements.txt
fi

# The HTML report is tested in a real browser (tests/support/chromium.py): Debian's
# headless Chromium, installed once (as root, or through sudo) where it is missing.
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    elif command -v sudo >/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
        echo "tests/run.sh: /usr/bin/chromium is missing and cannot be installed (not root, no sudo)" >&2
        exit 1
    fi
fi

.venv/bin/ruff format --check .
.venv/bin/ruff check .
bash tests/typecheck.sh
bash tests/contracts.sh
.venv/bin/python -m pytest -q "$@"
