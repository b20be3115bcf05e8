#!/usr/bin/env bash
# mypy (strict) over the one import name. mypy cannot follow setuptools' package-dir
# mapping (python/mypy#10564), so it reads the package through a view:
# build/typecheck/linkrescue/, one symlink per file of linkrescue/ and per folder it maps.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build/typecheck && mkdir -p build/typecheck/linkrescue
for name in linkrescue/*; do ln -s "../../../$name" "build/typecheck/$name"; done
for room in crawler rewriters archive; do ln -s "../../../$room" "build/typecheck/linkrescue/$room"; done
exec .venv/bin/mypy "$@"
