#!/usr/bin/env bash
# Trains the learned home-feed ranker (FEED_RANKER=learned) from a clean clone, in one command:
#   1. installs what is missing, starts Redis and Elasticsearch when they do not answer;
#   2. loads the thredUp listings and replays the favorites through the API exactly as
#      `make bench-recs-real` does, and exports, for the TUNING half of the users only, every candidate the
#      service gathers for them with its features, computed by the serving code
#      (bench/recommendations-real.ts --export-feed: recommendations/feed.ts + ranking/src/feed-features.ts);
#   3. chooses hyperparameters by repeated CV over those users, fits LightGBM lambdarank, exports ONNX,
#      manifest and parity rows to models/feed-ltr/<version>/ (models/pipeline/train_feed.py).
# Env: FEED_MODEL_VERSION (default: today's date and the next free number), RECS_DATA (default ../shared/data/thredup),
# FEED_DROP_FEATURES (default freshness,log_price: columns the model is trained without, because on this bench
# they name items: creation times are a hash of the id; '' trains on every column; docs/benchmarks.md).
# The same rows give the same model (one thread, fixed seeds). Rows of two exports differ slightly: freshness
# is measured against the clock, and the bench creates listings `now` minus a hashed age.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
data=${RECS_DATA:-../shared/data/thredup}
if [ ! -f "$data/items.jsonl" ]; then
  echo "no thredUp data at $data (RECS_DATA=dir): nothing to train on" >&2
  exit 2
fi
scripts/bootstrap.sh
scripts/redis.sh start
scripts/elasticsearch.sh start
today=$(date -u +%Y-%m-%d)
n=1
while [ -e "models/feed-ltr/$today.$n" ]; do n=$((n + 1)); done
version=${FEED_MODEL_VERSION:-$today.$n}
npx tsx bench/recommendations-real.ts --data "$data" --export-feed .data/training/feed.jsonl --export-only
OMP_NUM_THREADS=1 python3 models/pipeline/train_feed.py --data .data/training/feed.jsonl --version "$version" \
  --drop-features "${FEED_DROP_FEATURES-freshness,log_price}"
