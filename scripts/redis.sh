#!/usr/bin/env bash
# Real Redis from Debian's redis-server, started when none answers on the port.
#   scripts/redis.sh start | stop | status | pid      Env: REDIS_PORT (6379), REDIS_BASE (.data/redis-PORT)
#   REDIS_ROLE=cache scripts/redis.sh ...             the cache Redis (CACHE_REDIS_URL) on REDIS_PORT (6380)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
role=${REDIS_ROLE:-queue}
case "$role" in
  queue) port=${REDIS_PORT:-6379} ;;
  cache) port=${REDIS_PORT:-6380} ;;
  *) echo "REDIS_ROLE is queue or cache, not $role" >&2; exit 2 ;;
esac
base=${REDIS_BASE:-$root/.data/redis-$port}

ping() { redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; }

install() {
  command -v redis-server >/dev/null && return 0
  echo "installing redis-server (apt)..."
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null; fi
}

start() {
  if command -v redis-cli >/dev/null && ping; then echo "redis already answers on :$port"; return 0; fi
  install
  mkdir -p "$base"
  # queue: noeviction, BullMQ keeps jobs in Redis and must never have them evicted (BullMQ production
  # guide); AOF every second so a restart loses at most a second of queued changes.
  # cache: what the API can recompute; nothing on disk, and past maxmemory the keys nearest their expiry
  # go first (every key has a TTL; docs/operations.md, "Two Redis").
  local persistence=(--maxmemory-policy noeviction --appendonly yes --appendfsync everysec)
  [ "$role" = cache ] && persistence=(--maxmemory "${REDIS_MAXMEMORY:-512mb}" --maxmemory-policy volatile-ttl --appendonly no)
  redis-server --port "$port" --bind 127.0.0.1 --dir "$base" --daemonize yes \
    --pidfile "$base/redis.pid" --logfile "$base/redis.log" --save "" "${persistence[@]}"
  for _ in $(seq 50); do ping && { echo "redis ($role) ready on :$port"; return 0; }; sleep 0.1; done
  echo "redis did not start; see $base/redis.log" >&2; exit 1
}

stop() {
  if [ -f "$base/redis.pid" ]; then
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$base/redis.pid")" 2>/dev/null || true
    rm -f "$base/redis.pid"; echo "redis on :$port stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) ping && echo "redis up on :$port" || { echo "redis down on :$port"; exit 1; } ;;
  pid) cat "$base/redis.pid" ;;
  *) echo "usage: $0 start | stop | status | pid" >&2; exit 2 ;;
esac
