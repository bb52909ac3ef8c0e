#!/usr/bin/env bash
# Installs what the project needs and is missing: npm packages, the Python packages of models/,
# Debian chromium for the browser tests.
# Idempotent: a second run does nothing (and fast).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# A node_modules that is a symlink (a git worktree sharing another checkout's packages) is left alone:
# `npm ci` would empty the shared directory under every other worktree (it did, 2026-12-02).
if [ -L node_modules ]; then
  [ package-lock.json -nt node_modules/.package-lock.json ] && echo "node_modules is a shared symlink: not reinstalling (run npm ci where it points)"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
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

# The workbench's browser tests drive Debian's chromium through playwright-core (no browser download).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
  echo "installing chromium (apt) for the browser tests..."
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
fi

# The semantic retriever's embedding model (.data/models/, never committed).
scripts/fetch-embedding-model.sh
