#!/usr/bin/env bash
# Trains the default ranking model from a clean clone, in one command:
#   1. installs the pipeline's Python packages, starts Elasticsearch if it does not answer;
#      and fetches the embedding model (scripts/fetch-embedding-model.sh);
#   2. exports judged training data with the serving retrieval (BM25 + kNN) and feature code (models/export);
#   3. trains LambdaMART, reports repeated CV vs BM25 and hybrid retrieval without the model, with and
#      without the graded pool, exports ONNX + manifest (models/pipeline/train.py);
#   4. writes the judging pool the new model surfaces (models/export/judging-pool.ts) and prints its size.
# Env: MODEL_VERSION (default: today's date and the next free number, e.g. 2026-12-01.2), DATA_DIR (default ../shared/data/icecat),
#      JUDGMENTS (default: DATA_DIR/judgments-dev.csv and, when present, DATA_DIR/judgments-pool-llm.csv;
#      several files comma-separated are merged, the later winning).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/bootstrap.sh
scripts/elasticsearch.sh start
# Default: today's next free version, so that MODEL_VERSION=latest serves what was just trained.
today=$(date -u +%Y-%m-%d)
n=1
while [ -e "models/ltr/$today.$n" ]; do n=$((n + 1)); done
version=${MODEL_VERSION:-$today.$n}
data=${DATA_DIR:-../shared/data/icecat}
default_judgments="$data/judgments-dev.csv"
[ -f "$data/judgments-pool-llm.csv" ] && default_judgments+=",$data/judgments-pool-llm.csv"
judgments=()
IFS=',' read -r -a files <<<"${JUDGMENTS:-$default_judgments}"
for f in "${files[@]}"; do judgments+=(--judgments "$f"); done
npx tsx models/export/judged-data.ts ${DATA_DIR:+--data "$DATA_DIR"} "${judgments[@]}" --out .data/training/judged.jsonl
python3 models/pipeline/train.py --data .data/training/judged.jsonl --version "$version" \
  --source "icecat products + judgments (${JUDGMENTS:-$default_judgments}), via models/export/judged-data.ts"
npx tsx models/export/judging-pool.ts --data .data/training/judged.jsonl --version "$version"
