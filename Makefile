# The README's two commands are `make demo` and `make test`; everything they need is installed and
# started by the scripts they call.
.PHONY: demo down test test-unit bench bench-recs-real recs-offline chaos train train-feed es-up es-cluster redis-up k8s

demo:            ## whole system up in the background, demo catalog loaded, API on :8080
	scripts/demo.sh

down:            ## stop everything `make demo` started
	scripts/down.sh

test:            ## the whole suite (starts real Elasticsearch and Redis when needed)
	scripts/test.sh

test-unit:       ## unit tests only, nothing to start
	npx vitest run --project unit

bench:           ## every benchmark; each prints JSON (see docs/benchmarks.md)
	scripts/bench.sh

chaos:           ## faults under load (own Redis :6390, own 3-node ES :9250-9252); JSON per fault, see docs/benchmarks.md
	@command -v redis-server >/dev/null || { echo "redis-server is needed (scripts/redis.sh start installs it)"; exit 1; }
	mkdir -p .data && npx tsx bench/chaos.ts | tee .data/chaos-last.json

bench-recs-real: ## feed + similar on the real thredUp favorites, through the running API (needs ../shared/data/thredup, or RECS_DATA=dir)
	scripts/bootstrap.sh && scripts/redis.sh start && scripts/elasticsearch.sh start
	npx tsx bench/recommendations-real.ts --data $${RECS_DATA:-../shared/data/thredup} $${RECS_ARGS:-}

recs-offline:    ## the offline leave-one-out study behind the recommendation weights (same data)
	python3 models/pipeline/recs_offline.py --data $${RECS_DATA:-../shared/data/thredup}

train:           ## train the default ranking model from the judged data
	scripts/train-model.sh

train-feed:      ## train the learned feed ranker on the thredUp tuning half (needs ../shared/data/thredup, or RECS_DATA=dir)
	scripts/train-feed-model.sh

es-up:
	scripts/elasticsearch.sh start

es-cluster:      ## a 3-node cluster on ES_PORT, one process per node (for failure tests)
	scripts/elasticsearch.sh start 3

redis-up:        ## the queue Redis (:6379, AOF) and the cache Redis (:6380, no persistence; CACHE_REDIS_URL)
	scripts/redis.sh start && REDIS_ROLE=cache scripts/redis.sh start

k8s:             ## render and validate the Kubernetes manifests
	scripts/validate-k8s.sh
