#!/usr/bin/env bash
# Trains the default ranking model from a clean clone, in one command:
#   1. installs the pipeline's Python packages, starts Elasticsearch if it does not answer;
#   2. exports judged training data with the serving retrieval and feature code (models/export);
#   3. trains LambdaMART, evaluates vs BM25, exports ONNX + manifest (models/pipeline/train.py).
# Env: MODEL_VERSION (default: today's date and the next free number, e.g. 2026-12-01.2), DATA_DIR (default ../shared/data/icecat),
#      JUDGMENTS (default: DATA_DIR/judgments-dev.csv; several files comma-separated are merged, e.g. the
#      judgments and a graded judging pool from models/export/judging-pool.ts).
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
judgments=()
IFS=',' read -r -a files <<<"${JUDGMENTS:-}"
for f in "${files[@]}"; do judgments+=(--judgments "$f"); done
npx tsx models/export/judged-data.ts ${DATA_DIR:+--data "$DATA_DIR"} "${judgments[@]}" --out .data/training/judged.jsonl
python3 models/pipeline/train.py --data .data/training/judged.jsonl --version "$version" \
  --source "icecat products + human judgments (${JUDGMENTS:-judgments-dev.csv}) from ${DATA_DIR:-../shared/data/icecat}, via models/export/judged-data.ts"
