#!/usr/bin/env bash
# Real Elasticsearch 8 from Maven Central artifacts (see infra/elasticsearch/pom.xml).
#   scripts/elasticsearch.sh start [NODES]   start (1 node by default, 3 for failure tests) and wait for health
#   scripts/elasticsearch.sh stop            stop it
#   scripts/elasticsearch.sh status          print cluster health
# Env: ES_PORT (9200), ES_HEAP (1g per node), ES_BASE (.data/elasticsearch), ES_WAIT_SECS (120).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${ES_PORT:-9200}
heap=${ES_HEAP:-1g}
nodes=${2:-1}
# A cluster's data cannot be reopened by a different node count, so each count has its own folder.
base=${ES_BASE:-$root/.data/elasticsearch-$port-${nodes}n}
pidfile=$root/.data/elasticsearch-$port.pid
infra=$root/infra/elasticsearch

health() { curl -fsS "http://127.0.0.1:$port/_cluster/health" 2>/dev/null; }

build() {
  # Offline first: once resolved, the jars are in ~/.m2 and a rebuild needs no network.
  if [ ! -f "$infra/target/classpath.txt" ] || [ "$infra/pom.xml" -nt "$infra/target/classpath.txt" ] \
     || [ -n "$(find "$infra/src" -newer "$infra/target/classpath.txt" -print -quit)" ]; then
    echo "building the local Elasticsearch launcher (maven)..."
    (cd "$infra" && mvn -q -B package -DskipTests && mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/classpath.txt && touch target/classpath.txt)
  fi
}

assemble_modules() {
  # Plugin classes must be loaded by their own module class loader: their jars go under modules/.
  rm -rf "$base/modules" && mkdir -p "$base/modules/transport-netty4" "$base/modules/marketplace-analysis"
  server_cp=()
  while IFS= read -r jar; do
    case "$jar" in
      */transport-netty4-*|*/io/netty/*) cp "$jar" "$base/modules/transport-netty4/" ;;
      *) server_cp+=("$jar") ;;
    esac
  done < <(tr ':' '\n' < "$infra/target/classpath.txt")
  cp "$infra"/target/local-elasticsearch-*-analysis.jar "$base/modules/marketplace-analysis/"
  classpath="$(ls "$infra"/target/local-elasticsearch-*[0-9].jar):$(IFS=:; echo "${server_cp[*]}")"
}

start() {
  if health >/dev/null; then echo "elasticsearch already answers on :$port"; return 0; fi
  build
  mkdir -p "$base" "$(dirname "$pidfile")"
  assemble_modules
  # JNA is kept from unpacking its native library: without native access the node skips the
  # "not as root" check (CI runs as root) and memory locking, neither of which matters locally.
  # One JVM hosts every node, so the heap grows with the node count.
  local per_mb
  case "$heap" in *g) per_mb=$(( ${heap%g} * 1024 ));; *m) per_mb=${heap%m};; *) echo "ES_HEAP must end in m or g" >&2; exit 2;; esac
  local total=$(( per_mb * nodes ))m
  nohup java -Xms"$total" -Xmx"$total" -XX:+UseG1GC -Djava.awt.headless=true \
    -Djna.nounpack=true -Djna.nosys=true -Dlog4j2.formatMsgNoLookups=true \
    -cp "$classpath" dev.marketplace.search.es.EmbeddedElasticsearch "$base" "$nodes" "$port" \
    >"$base/es.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local wait=${ES_WAIT_SECS:-120}
  for _ in $(seq "$wait"); do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "elasticsearch exited; see $base/es.log" >&2; tail -20 "$base/es.log" >&2; exit 1; fi
    if health | grep -qE '"status":"(green|yellow)"' && [ "$(health | grep -o '"number_of_nodes":[0-9]*' | cut -d: -f2)" -ge "$nodes" ]; then
      echo "elasticsearch ready on http://127.0.0.1:$port ($nodes node(s))"; return 0
    fi
    sleep 1
  done
  echo "elasticsearch did not become healthy in ${wait}s; see $base/es.log" >&2; exit 1
}

stop() {
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 30); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 1; done
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    echo "elasticsearch on :$port stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) health && echo ;;
  *) echo "usage: $0 start [NODES] | stop | status" >&2; exit 2 ;;
esac
