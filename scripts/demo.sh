#!/usr/bin/env bash
# Brings the whole system up on this machine and serves the API with a demo catalog:
# Redis, Elasticsearch, the indexer worker and the query API in the background, then the demo catalog
# is generated and published through the real ingestion path (queue -> worker -> index).
# Idempotent: running it again reuses what runs; republishing the same catalog changes nothing
# (same listing versions). Env: DEMO_LISTINGS (20000), PORT (8080), INGEST_API_KEYS (demo-key),
# API_KEYS (the demo's app-backend key `demo-app-key` and operator key `demo-operator-key`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PORT=${PORT:-8080}
export INGEST_API_KEYS=${INGEST_API_KEYS:-demo-key}
export API_KEYS=${API_KEYS:-app:events+users:demo-app-key,operator:operator+users:demo-operator-key}
count=${DEMO_LISTINGS:-20000}
run=.run
mkdir -p "$run"

scripts/bootstrap.sh
scripts/redis.sh start
# The result cache, search windows and feed orders in a Redis of their own, as deployed (CACHE_REDIS_URL).
REDIS_ROLE=cache scripts/redis.sh start
export CACHE_REDIS_URL=${CACHE_REDIS_URL:-redis://127.0.0.1:6380}
scripts/elasticsearch.sh start

alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }
launch() { # name, command...
  local name=$1; shift
  if alive "$name"; then echo "$name already running (pid $(cat "$run/$name.pid"))"; return; fi
  nohup "$@" >"$run/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  echo "$name started (pid $!, log $run/$name.log)"
}

launch indexer node --import tsx indexer/src/main.ts
launch query-api node --import tsx query-api/src/main.ts

echo "waiting for the query API to be ready..."
for _ in $(seq 120); do
  curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  alive query-api || { echo "query-api exited; see $run/query-api.log" >&2; tail -20 "$run/query-api.log" >&2; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null

echo "publishing the demo catalog ($count generated listings) through the queue..."
npx tsx indexer/src/cli.ts publish --generate "$count" --seed 42
npx tsx indexer/src/cli.ts wait-idle --refresh

indexed=$(curl -fsS "${ES_URL:-http://127.0.0.1:${ES_PORT:-9200}}/${ES_INDEX_ALIAS:-listings}/_count" | sed -E 's/.*"count":([0-9]+).*/\1/')
echo
echo "ready: http://127.0.0.1:$PORT; $indexed listings indexed"
echo "  relevance workbench: http://127.0.0.1:$PORT/workbench  (type the operator key demo-operator-key into its key field)"
echo "  curl 'http://127.0.0.1:$PORT/v1/search?q=nike+sneakers&size=5'"
echo "  operator pages (API docs /docs, /metrics, explain) ask for a password: the operator key demo-operator-key"
echo "  events and per-user feeds need the app key: curl -H 'x-api-key: demo-app-key' 'http://127.0.0.1:$PORT/v1/feed?user_id=u1'"
echo "  stop everything with: make down"
