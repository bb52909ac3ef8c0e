#!/usr/bin/env bash
# Stops what `make demo` started: query API, indexer, Elasticsearch, both Redis. Data stays in .data/.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for name in query-api indexer; do
  pidfile=.run/$name.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$pidfile")"   # graceful: drains requests / in-flight batches
    for _ in $(seq 30); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.5; done
    echo "$name stopped"
  fi
  rm -f "$pidfile"
done
scripts/elasticsearch.sh stop
scripts/redis.sh stop
REDIS_ROLE=cache scripts/redis.sh stop
