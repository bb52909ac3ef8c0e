#!/usr/bin/env bash
# Installs what the project needs and is missing: npm packages, the Python packages of models/.
# Idempotent: a second run does nothing (and fast).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages..."
  npm ci --no-audit --no-fund --loglevel=error
fi

req=models/requirements.txt
stamp=.data/pip-installed
if [ -f "$req" ] && { [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ]; }; then
  echo "installing python packages for models/..."
  python3 -m pip install --quiet --disable-pip-version-check -r "$req"
  mkdir -p .data && touch "$stamp"
fi
