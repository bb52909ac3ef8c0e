"""Would more judged queries help? Standard NDCG@10 gain over BM25 as a function of the number of training queries.

    python3 models/pipeline/learning_curve.py [--data .data/training/judged.jsonl] [--sizes 15,25,35,max] [--without-pool]

Judgments cost rater time; before buying more, see whether the gain still grows with the queries there
are. The queries are cut into 4 folds (reshuffled in each repeat); each fold is the test set in turn and
models train on the first n of the other queries, for each n in --sizes, so every size is scored on the
same test queries. Metric: the standard NDCG@10 of cv_eval.py (unjudged items irrelevant), with the graded
judging pool unless --without-pool. Prints one JSON line: for each size the model's and BM25's mean,
the relative gain and its standard error over the splits, and the gain of a perfect order (the ceiling).
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from cv_eval import bm25_order, build_queries, perfect_order_gain, score_order, standard_ndcg
from ltr_metrics import learning_curve_splits, max_training_queries
from train import ROOT, SEED, features, fit, load, use_spec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / ".data/training/judged.jsonl"))
    ap.add_argument("--sizes", default="15,25,35,max", help="numbers of training queries, comma-separated; max: all but the largest test fold")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=25, help="trees per model (train.py's CV chose 25)")
    ap.add_argument("--without-pool", action="store_true")
    args = ap.parse_args()

    rows, judgments = load(Path(args.data))
    names = use_spec(ROOT / "ranking/feature-spec.json")
    pool_sources = {i for i, f in enumerate(judgments["files"]) if "pool" in Path(f).name}
    queries = build_queries(rows, judgments, not args.without_pool, pool_sources)
    largest = max_training_queries(len(queries), args.folds)
    sizes = [largest if s == "max" else int(s) for s in args.sizes.split(",")]
    by_size: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for _, size, train_q, test_q in learning_curve_splits(queries, sizes, args.folds, args.repeats, SEED):
        booster = fit([queries[q] for q in sorted(train_q)], names, args.rounds)
        test = [queries[q] for q in sorted(test_q)]
        model = np.mean([standard_ndcg(q, score_order(booster.predict(features(q.rows, names)).tolist())) for q in test])
        bm25 = np.mean([standard_ndcg(q, bm25_order(q)) for q in test])
        by_size[size].append((float(model), float(bm25)))

    curve = []
    for size in sorted(by_size):
        pairs = by_size[size]
        gains = [m / b - 1 for m, b in pairs if b > 0]
        model, bm25 = float(np.mean([m for m, _ in pairs])), float(np.mean([b for _, b in pairs]))
        curve.append({
            "train_queries": size,
            "splits": len(pairs),
            "ndcg@10_model": round(model, 4),
            "ndcg@10_bm25": round(bm25, 4),
            "relative_gain": round(model / bm25 - 1, 4),
            "relative_gain_stderr": round(float(np.std(gains) / np.sqrt(len(gains))), 4),
        })
    print(json.dumps({"benchmark": "learning_curve", "data": args.data, "metric": "standard ndcg@10", "with_pool": not args.without_pool, "queries": len(queries), "folds": args.folds, "repeats": args.repeats, "trees": args.rounds, "perfect_order_gain": perfect_order_gain(queries), "curve": curve}))


if __name__ == "__main__":
    main()
