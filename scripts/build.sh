#!/usr/bin/env bash
# Compiles the services to dist/ with the data files they read at runtime next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
npx tsc -p tsconfig.build.json
mkdir -p dist/core dist/ranking
cp -r core/synonyms dist/core/
cp ranking/feature-spec.json ranking/feed-feature-spec.json dist/ranking/
# The workbench page's browser scripts and style (served as they are: no bundler).
mkdir -p dist/query-api/src/workbench
cp -r query-api/src/workbench/assets dist/query-api/src/workbench/
