#!/usr/bin/env bash
# Runs every benchmark; each prints one JSON document. Results go to .data/bench/<name>.json too.
# Sizes default to the issue's goals and can be lowered for a quick look, e.g.
#   BENCH_EVENTS=200000 BENCH_LISTINGS=200000 make bench
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/bootstrap.sh
scripts/redis.sh start
scripts/elasticsearch.sh start
mkdir -p .data/bench/runs
# vegeta, the fixed-rate generator for cache hits (bench/vegeta.ts), from the Go module proxy.
if [ ! -x .data/tools/bin/vegeta ] && command -v go >/dev/null; then
  GOBIN=$root/.data/tools/bin go install github.com/tsenart/vegeta/v12@v12.12.0 || echo "vegeta install failed: hits use the Node generator only" >&2
fi

run() { # name, command...   (one failing benchmark does not stop the others; the exit code reports it)
  local name=$1; shift
  echo "== $name" >&2
  if ! "$@" | tee ".data/bench/$name.json"; then echo "benchmark $name failed" >&2; failed=1; return; fi
  # Every run is kept too, named by its time: the charts show runs side by side.
  cp ".data/bench/$name.json" ".data/bench/runs/$name-$(date -u +%Y-%m-%dT%H%M).json"
}
failed=0

[ -f bench/indexing.ts ] && run indexing npx tsx bench/indexing.ts --events "${BENCH_EVENTS:-1000000}"
[ -f bench/search.ts ] && run search npx tsx bench/search.ts --listings "${BENCH_LISTINGS:-1000000}"
[ -f bench/ranking.ts ] && run ranking npx tsx bench/ranking.ts
# Offline NDCG needs the judged training data (written by scripts/train-model.sh from ../shared/data).
[ -f .data/training/judged.jsonl ] || npx tsx models/export/judged-data.ts >&2 || echo "no judged data: skipping offline-ndcg" >&2
[ -f .data/training/judged.jsonl ] && run offline-ndcg npx tsx bench/offline-ndcg.ts
[ -f bench/recommendations.ts ] && run recommendations npx tsx bench/recommendations.ts --listings "${BENCH_REC_LISTINGS:-1000000}"
# Recommendations on the real thredUp favorites (issue 18), when the data is there.
if [ -f "${RECS_DATA:-$root/../shared/data/thredup}/items.jsonl" ]; then
  run recommendations-real npx tsx bench/recommendations-real.ts --data "${RECS_DATA:-$root/../shared/data/thredup}"
  run neighbour-job-cost npx tsx bench/neighbour-job-cost.ts
else
  echo "no thredUp data: skipping recommendations-real" >&2
fi
# Does the gain still grow with more judged queries? (LightGBM on the judged rows, see docs/benchmarks.md)
[ -f .data/training/judged.jsonl ] && run learning-curve python3 models/pipeline/learning_curve.py

# SVG charts for docs/benchmarks.md from the recorded runs (bench/recorded) and this machine's runs.
npx tsx bench/charts.ts --in bench/recorded --in .data/bench/runs --out docs/img || failed=1
exit $failed
