"""Would more judged queries help? NDCG@10 gain over BM25 as a function of the number of training queries.

    python3 models/pipeline/learning_curve.py [--data .data/training/judged.jsonl] [--sizes 15,25,35,max]

Judgments cost rater time; before buying more, see whether the gain still grows with the queries there
are. The queries are cut into 4 folds (reshuffled in each repeat); each fold is the test set in turn and
models train on the first n of the other queries, for each n in --sizes, so every size is scored on
the same test queries. Prints one JSON line: for each size the model's and BM25's mean NDCG@10, the
relative gain and its standard error over the splits, and the gain of a perfect order (the ceiling). A flat curve says more queries of the same kind
would narrow the uncertainty, not raise the gain; a rising one says they would raise it.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from ltr_metrics import learning_curve_splits, max_training_queries
from train import ROOT, SEED, evaluate, fit, load, use_spec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / ".data/training/judged.jsonl"))
    ap.add_argument("--sizes", default="15,25,35,max", help="numbers of training queries, comma-separated; max: all but the largest test fold")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=25, help="trees per model (the default model's pipeline chose 25)")
    args = ap.parse_args()

    rows = load(Path(args.data))
    queries = {r["query"] for r in rows}
    use_spec(ROOT / "ranking/feature-spec.json")
    largest = max_training_queries(len(queries), args.folds)
    sizes = [largest if s == "max" else int(s) for s in args.sizes.split(",")]
    by_size: dict[int, list[dict]] = defaultdict(list)
    for _, size, train_q, test_q in learning_curve_splits(queries, sizes, args.folds, args.repeats, SEED):
        booster = fit([r for r in rows if r["query"] in train_q], args.rounds)
        by_size[size].append(evaluate(booster, [r for r in rows if r["query"] in test_q]))

    curve = []
    for size in sorted(by_size):
        results = by_size[size]
        gains = [r["relative_gain"] for r in results if r["relative_gain"] is not None]
        model = float(np.mean([r["ndcg@10_model"] for r in results]))
        bm25 = float(np.mean([r["ndcg@10_bm25"] for r in results]))
        curve.append({
            "train_queries": size,
            "splits": len(results),
            "ndcg@10_model": round(model, 4),
            "ndcg@10_bm25": round(bm25, 4),
            "relative_gain": round(model / bm25 - 1, 4),
            "relative_gain_stderr": round(float(np.std(gains) / np.sqrt(len(gains))), 4),
        })
    # A perfect order scores NDCG 1.0 on every query with a relevant candidate: the most any model can gain.
    ceiling = round(1 / curve[0]["ndcg@10_bm25"] - 1, 4) if curve else None
    print(json.dumps({"benchmark": "learning_curve", "data": args.data, "queries": len(queries), "folds": args.folds, "repeats": args.repeats, "trees": args.rounds, "perfect_order_gain": ceiling, "curve": curve}))


if __name__ == "__main__":
    main()
