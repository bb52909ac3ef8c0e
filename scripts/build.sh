#!/usr/bin/env bash
# Compiles the services to dist/ with the data files they read at runtime next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx tsc -p tsconfig.build.json
mkdir -p dist/core dist/ranking
cp -r core/synonyms dist/core/
cp ranking/feature-spec.json dist/ranking/
