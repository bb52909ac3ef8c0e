"""Trains the LambdaMART ranker, evaluates it against the BM25 order, exports ONNX with a manifest.

    python3 models/pipeline/train.py --data .data/training/judged.jsonl [--version 2026-11-25.1]

Reads the JSON lines written by models/export/judged-data.ts (features computed by the serving code),
splits queries deterministically into train / held-out, trains LightGBM (lambdarank) with the number of
trees chosen by cross-validation inside the training queries, reports NDCG@10 of the model vs BM25 on the held-out
queries (and a repeated 5-fold cross-validation, since a few dozen queries make one split noisy), exports to
ONNX, checks that onnxruntime reproduces LightGBM's scores, and writes models/<name>/<version>/.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import onnxmltools
import onnxruntime as ort
from onnxmltools.convert.common.data_types import FloatTensorType

from ltr_metrics import mean_ndcg, split_queries

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261125
PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "ndcg_eval_at": [10],
    # Few judged rows per query: small trees and a slow rate keep the model from memorizing queries.
    "learning_rate": 0.03,
    "num_leaves": 3,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": SEED,
    "deterministic": True,
    "num_threads": 1,
    "verbose": -1,
}


def load(path: Path) -> list[dict]:
    """The judged rows of an export; candidates no rater judged (rating null) are left out: their
    relevance is unknown (training on them as 0 lowered the gain, docs/benchmarks.md)."""
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [r for r in rows if r.get("rating") is not None]


def matrix(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    rows = sorted(rows, key=lambda r: (r["query"], r["bm25_rank"]))
    x = np.array([r["features"] for r in rows], dtype=np.float32)
    y = np.array([r["rating"] for r in rows], dtype=np.float32)
    groups, last = [], None
    for r in rows:
        if r["query"] != last:
            groups.append(0)
            last = r["query"]
        groups[-1] += 1
    return x, y, groups


ROUND_CHOICES = (25, 50, 100, 200)
# Directions the data is too small to learn reliably but that must hold: more text match never ranks lower.
# A stray accessory never ranks higher; naming what the query asks for never ranks lower.
MONOTONE = {"bm25": 1, "bm25_norm": 1, "title_coverage": 1, "title_phrase": 1, "brand_match": 1, "first_match_position": -1, "accessory_term": -1, "query_then_accessory": -1, "title_loose_coverage": 1, "title_head_match": 1}


def use_spec(spec_path: Path) -> list[str]:
    """The spec's feature names, in order; sets the monotone constraints for that order (PARAMS is what fit uses)."""
    names = [f["name"] for f in json.loads(spec_path.read_text())["features"]]
    PARAMS["monotone_constraints"] = [MONOTONE.get(n, 0) for n in names]
    return names


def fit(train_rows: list[dict], rounds: int) -> lgb.Booster:
    x, y, groups = matrix(sorted(train_rows, key=lambda r: (r["query"], r["bm25_rank"])))
    return lgb.train(PARAMS, lgb.Dataset(x, y, group=groups), num_boost_round=rounds)


def choose_rounds(train_rows: list[dict]) -> int:
    """Number of trees by 5-fold cross-validation inside the training queries: with a few dozen queries a
    single validation slice is too small for early stopping (it stops after one tree)."""
    best, best_ndcg = ROUND_CHOICES[0], -1.0
    for rounds in ROUND_CHOICES:
        ndcg = cross_validate(train_rows, rounds=rounds, repeats=3)["ndcg@10_model"]
        if ndcg > best_ndcg:
            best, best_ndcg = rounds, ndcg
    return best


def evaluate(booster: lgb.Booster, rows: list[dict]) -> dict:
    rows = sorted(rows, key=lambda r: (r["query"], r["bm25_rank"]))
    x, _, _ = matrix(rows)
    model = mean_ndcg(rows, booster.predict(x).tolist())
    bm25 = mean_ndcg(rows, [-r["bm25_rank"] for r in rows])
    return {"ndcg@10_model": round(model, 4), "ndcg@10_bm25": round(bm25, 4), "relative_gain": round(model / bm25 - 1, 4) if bm25 else None, "queries": len({r["query"] for r in rows})}


def cross_validate(rows: list[dict], folds: int = 5, rounds: int = 100, repeats: int = 5) -> dict:
    """k-fold cross-validation by query, repeated over differently shuffled folds: with a few dozen
    queries, which queries share a fold moves the mean by about a point, more than most changes tried."""
    queries = sorted({r["query"] for r in rows})
    results = []
    for rep in range(repeats):
        order = sorted(queries, key=lambda q: hashlib.sha256(f"{SEED}:{rep}:{q}".encode()).hexdigest())
        for k in range(folds):
            test_q = set(order[k::folds])
            results.append(evaluate(fit([r for r in rows if r["query"] not in test_q], rounds), [r for r in rows if r["query"] in test_q]))
    model = float(np.mean([r["ndcg@10_model"] for r in results]))
    bm25 = float(np.mean([r["ndcg@10_bm25"] for r in results]))
    return {"folds": folds, "repeats": repeats, "ndcg@10_model": round(model, 4), "ndcg@10_bm25": round(bm25, 4), "relative_gain": round(model / bm25 - 1, 4)}


def export(booster: lgb.Booster, n_features: int, path: Path) -> None:
    # onnxmltools converts tree ensembles by objective; a lambdarank score is the plain sum of tree
    # outputs, exactly what the regression converter emits, so convert it as one.
    model_str = booster.model_to_string().replace("objective=lambdarank", "objective=regression")
    as_regression = lgb.Booster(model_str=model_str)
    onnx_model = onnxmltools.convert_lightgbm(as_regression, initial_types=[("input", FloatTensorType([None, n_features]))], target_opset=15, zipmap=False)
    path.write_bytes(onnx_model.SerializeToString())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / ".data/training/judged.jsonl"))
    ap.add_argument("--name", default="ltr")
    ap.add_argument("--version", default=dt.date.today().isoformat() + ".1")
    ap.add_argument("--held-out", type=float, default=0.3)
    ap.add_argument("--source", default="icecat products + human judgments (judgments-dev.csv) from ../shared/data/icecat, via models/export/judged-data.ts")
    args = ap.parse_args()

    rows = load(Path(args.data))
    spec_path = ROOT / "ranking/feature-spec.json"
    names = use_spec(spec_path)
    assert all(len(r["features"]) == len(names) for r in rows), "feature rows do not match ranking/feature-spec.json"

    train_q, test_q = split_queries((r["query"] for r in rows), args.held_out, SEED)
    train_rows = [r for r in rows if r["query"] in train_q]
    rounds = choose_rounds(train_rows)
    booster = fit(train_rows, rounds)
    held_out = evaluate(booster, [r for r in rows if r["query"] in test_q])
    cv = cross_validate(rows, rounds=rounds)

    out = ROOT / "models" / args.name / args.version
    out.mkdir(parents=True, exist_ok=True)
    export(booster, len(names), out / "model.onnx")

    # Parity: onnxruntime must reproduce LightGBM; the rows are kept for the TypeScript parity test.
    x_test, _, _ = matrix([r for r in rows if r["query"] in test_q])
    sample = x_test[:50]
    lgb_scores = booster.predict(sample)
    session = ort.InferenceSession(str(out / "model.onnx"))
    onnx_scores = session.run(None, {"input": sample})[0].reshape(-1)
    max_diff = float(np.max(np.abs(onnx_scores - lgb_scores)))
    assert max_diff < 1e-4, f"ONNX and LightGBM disagree by {max_diff}"
    (out / "parity.json").write_text(json.dumps({"features": sample.tolist(), "lightgbm_scores": lgb_scores.tolist()}))

    manifest = {
        "name": args.name,
        "version": args.version,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "feature_spec_sha256": hashlib.sha256(spec_path.read_bytes()).hexdigest(),
        "feature_names": names,
        "input_name": session.get_inputs()[0].name,
        "output_name": session.get_outputs()[0].name,
        "metrics": {"held_out": held_out, "cross_validation": cv, "onnx_max_abs_diff": max_diff, "trees": booster.num_trees()},
        "training_data": {
            "source": args.source,
            "rows": len(rows),
            "queries": len(train_q) + len(test_q),
            "train_queries": len(train_q),
            "held_out_queries": len(test_q),
            "labels": "graded 0-3; judged candidates in the BM25 top 200 only",
            "params": PARAMS,
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"model": f"{args.name}@{args.version}", "dir": str(out.relative_to(ROOT)), "held_out": held_out, "cross_validation": cv, "onnx_max_abs_diff": max_diff}))


if __name__ == "__main__":
    main()
