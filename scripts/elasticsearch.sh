#!/usr/bin/env bash
# Real Elasticsearch 8 from Maven Central artifacts (see infra/elasticsearch/pom.xml).
#   scripts/elasticsearch.sh start [NODES]   start (1 node by default, 3 for failure tests) and wait for health;
#                                            several nodes run one process each (node i: HTTP ES_PORT+i,
#                                            transport ES_PORT+100+i, data under ES_BASE/node-(i+1))
#   scripts/elasticsearch.sh stop            stop it (every node)
#   scripts/elasticsearch.sh status          print cluster health
#   scripts/elasticsearch.sh kill-node I     SIGKILL node I (0-based) of a multi-node cluster (failure tests)
#   scripts/elasticsearch.sh start-node I N  start node I of the N-node cluster again and wait until it answers
#   scripts/elasticsearch.sh pid [I]         the process id of node I (or of the one-JVM cluster)
# Env: ES_PORT (9200), ES_HEAP (1g per node), ES_BASE (.data/elasticsearch-PORT-Nn), ES_WAIT_SECS (120).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${ES_PORT:-9200}
heap=${ES_HEAP:-1g}
nodes=${2:-1}
case "${1:-}" in start-node) nodes=${3:?start-node I N}; esac
# A cluster's data cannot be reopened by a different node count, so each count has its own folder.
base=${ES_BASE:-$root/.data/elasticsearch-$port-${nodes}n}
pidfile=$root/.data/elasticsearch-$port.pid
node_pidfile() { echo "$root/.data/elasticsearch-$port-node$1.pid"; }
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

java_opts() {
  echo -Xms"$1" -Xmx"$1" -XX:+UseG1GC -Djava.awt.headless=true -Djna.nounpack=true -Djna.nosys=true -Dlog4j2.formatMsgNoLookups=true
}

heap_mb() {
  case "$heap" in *g) echo $(( ${heap%g} * 1024 ));; *m) echo "${heap%m}";; *) echo "ES_HEAP must end in m or g" >&2; exit 2;; esac
}

# One process for node I of an N-node cluster (the launcher's NODE_INDEX argument).
launch_node() {
  local i=$1 pf
  pf=$(node_pidfile "$i")
  # shellcheck disable=SC2046
  nohup java $(java_opts "$(heap_mb)m") -cp "$classpath" dev.marketplace.search.es.EmbeddedElasticsearch \
    "$base" "$nodes" "$port" marketplace-local "$i" >"$base/es-node$i.log" 2>&1 </dev/null &
  echo $! >"$pf"
}

wait_healthy() {
  local wait=${ES_WAIT_SECS:-120}
  for _ in $(seq "$wait"); do
    for pf in "$@"; do
      if ! kill -0 "$(cat "$pf")" 2>/dev/null; then echo "elasticsearch exited; see $base/es*.log" >&2; tail -20 "$base"/es*.log >&2; exit 1; fi
    done
    if health | grep -qE '"status":"(green|yellow)"' && [ "$(health | grep -o '"number_of_nodes":[0-9]*' | cut -d: -f2)" -ge "$nodes" ]; then
      echo "elasticsearch ready on http://127.0.0.1:$port ($nodes node(s))"; return 0
    fi
    sleep 1
  done
  echo "elasticsearch did not become healthy in ${wait}s; see $base/es*.log" >&2; exit 1
}

start() {
  if health >/dev/null; then echo "elasticsearch already answers on :$port"; return 0; fi
  build
  mkdir -p "$base" "$(dirname "$pidfile")"
  assemble_modules
  # JNA is kept from unpacking its native library: without native access the node skips the
  # "not as root" check (CI runs as root) and memory locking, neither of which matters locally.
  if [ "$nodes" -gt 1 ]; then
    local pfs=()
    for i in $(seq 0 $(( nodes - 1 ))); do launch_node "$i"; pfs+=("$(node_pidfile "$i")"); done
    wait_healthy "${pfs[@]}"
    return 0
  fi
  # shellcheck disable=SC2046
  nohup java $(java_opts "$(heap_mb)m") \
    -cp "$classpath" dev.marketplace.search.es.EmbeddedElasticsearch "$base" "$nodes" "$port" \
    >"$base/es.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_healthy "$pidfile"
}

start_node() {
  local i=$1 pf
  pf=$(node_pidfile "$i")
  if [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null; then echo "node $i already runs"; return 0; fi
  build
  [ -d "$base/modules" ] || assemble_modules
  # The classpath without touching modules/ (the other nodes run from it).
  classpath="$(ls "$infra"/target/local-elasticsearch-*[0-9].jar):$(tr ':' '\n' < "$infra/target/classpath.txt" | grep -v -e '/transport-netty4-' -e '/io/netty/' | paste -sd:)"
  launch_node "$i"
  for _ in $(seq "${ES_WAIT_SECS:-120}"); do
    kill -0 "$(cat "$pf")" 2>/dev/null || { echo "node $i exited; see $base/es-node$i.log" >&2; exit 1; }
    # Back when it answers on its own port as a member of the whole cluster again.
    [ "$(curl -fsS "http://127.0.0.1:$(( port + i ))/_cluster/health" 2>/dev/null | grep -o '"number_of_nodes":[0-9]*' | cut -d: -f2)" = "$nodes" ] \
      && { echo "node $i rejoined (:$(( port + i )))"; return 0; }
    sleep 1
  done
  echo "node $i did not answer" >&2; exit 1
}

kill_node() {
  local pf
  pf=$(node_pidfile "$1")
  [ -f "$pf" ] || { echo "no pid file for node $1" >&2; exit 1; }
  kill -9 "$(cat "$pf")" 2>/dev/null || true
  rm -f "$pf"
  echo "node $1 killed"
}

stop_pid() {
  local pf=$1
  if [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null; then
    kill "$(cat "$pf")"
    for _ in $(seq 30); do kill -0 "$(cat "$pf")" 2>/dev/null || break; sleep 1; done
    kill -9 "$(cat "$pf")" 2>/dev/null || true
  fi
  rm -f "$pf"
}

stop() {
  local any=
  for pf in "$pidfile" "$root/.data/elasticsearch-$port"-node*.pid; do
    [ -f "$pf" ] || continue
    any=1; stop_pid "$pf"
  done
  [ -n "$any" ] && echo "elasticsearch on :$port stopped"
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) health && echo ;;
  kill-node) kill_node "${2:?kill-node I}" ;;
  start-node) start_node "${2:?start-node I N}" ;;
  pid) if [ -n "${2:-}" ]; then cat "$(node_pidfile "$2")"; else cat "$pidfile"; fi ;;
  *) echo "usage: $0 start [NODES] | stop | status | kill-node I | start-node I N | pid [I]" >&2; exit 2 ;;
esac
