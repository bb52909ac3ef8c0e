#!/usr/bin/env bash
# The whole test suite: installs what is missing; lints, checks formatting (`npm run format` fixes it),
# type-checks and runs the unit tests first (nothing to start, fails fast); then starts real
# Elasticsearch and Redis when they do not answer (and stops what it started) for the integration tests
# (vitest), the fuzz suite (query-api/test/fuzz), the Python tests of models/, and validates the
# Kubernetes manifests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/bootstrap.sh

echo "== lint (eslint) and format (prettier --check)"
npx eslint .
npx prettier --check --log-level warn .

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json

# Fast checks first: a type error or a failing unit test stops the run before anything is started.
echo "== vitest unit (nothing running needed)"
npx vitest run --project unit

started=()
cleanup() {
  for s in "${started[@]}"; do "scripts/$s.sh" stop >/dev/null || true; done
}
trap cleanup EXIT
if ! scripts/redis.sh status >/dev/null 2>&1; then scripts/redis.sh start; started+=(redis); fi
if ! scripts/elasticsearch.sh status >/dev/null 2>&1; then scripts/elasticsearch.sh start; started+=(elasticsearch); fi

echo "== vitest integration (real Elasticsearch and Redis)"
npx vitest run --project integration

# After the integration tests, not beside them: its load would disturb their timed freshness checks.
echo "== vitest fuzz (seeded; no 5xx, problem+json 4xx, accepted changes indexed)"
npx vitest run --project fuzz

if ls models/pipeline/test_*.py >/dev/null 2>&1; then
  echo "== pytest (models/)"
  python3 -m pytest -q models/pipeline
fi

if [ -x scripts/validate-k8s.sh ]; then
  echo "== kubernetes manifests"
  scripts/validate-k8s.sh
fi
echo "all tests passed"
