#!/usr/bin/env bash
# The import contracts of docs/ARCHITECTURE.md ([tool.importlinter] in pyproject.toml),
# checked by import-linter. Its graph builder walks the package's folder and neither
# follows setuptools' package-dir mapping nor symlinks, so it reads a copy assembled as
# the wheel lays it out: build/contracts/linkrescue/{crawler,rewriters,archive}.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/contracts && mkdir -p build/contracts/linkrescue
cp linkrescue/*.py build/contracts/linkrescue/
for room in crawler rewriters archive; do
    cp -r "$room" "build/contracts/linkrescue/$room"
done
find build/contracts -name __pycache__ -prune -exec rm -rf {} +
cd build/contracts
PYTHONPATH=. exec ../../.venv/bin/lint-imports --config ../../pyproject.toml --no-cache "$@"
