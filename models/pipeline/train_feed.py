"""Trains the learned home-feed ranker (LightGBM lambdarank) on rows the serving code computed, exports ONNX.

Reads the JSON lines of bench/recommendations-real.ts --export-feed: for every 2+-favorite user of the
*tuning* half (the evaluation half is never exported), the candidates the service gathers for them
(query-api/src/recommendations/feed.ts) with their features (ranking/src/feed-features.ts, spec
ranking/feed-feature-spec.json), and the hidden last favorite as the label. The features are therefore the
served ones by construction; the first line's spec hash must equal the spec's, or training stops.

Hyperparameters (SHAPES x TREES below, learning rate 0.05) are chosen by repeated cross-validation over the
tuning users only: 5 folds x 3 seeds (`fold_of`, the folds of recs_offline.py), hit-rate@20 of the hidden
favorite among each held-out user's candidates (undiversified; every tuning user counts, also those whose
favorite is not a candidate). The blend column (the service's hand-weighted blend) is scored on the same
folds beside it, and a nested CV (the setting chosen per outer fold by an inner CV) says what choosing costs:
the best fixed setting's mean is optimistic by the choice. The setting with the best CV mean is fitted on
every tuning user and written to models/<name>/<version>/{model.onnx,
manifest.json, parity.json}.

    OMP_NUM_THREADS=1 python3 models/pipeline/train_feed.py --data .data/training/feed.jsonl [--version V]

Deterministic (one thread, fixed seeds): the same export gives the same model (two exports differ slightly:
freshness is measured against the clock).

--drop-features a,b trains without those columns while the spec, the export and serving stay as they are: every
training row gets the column's default (0), so no tree can split on it, the model still takes the spec's full row
(one implementation of the features, the spec hash check unchanged), and the manifest lists the columns in
training_data.features_unused (checked: the fitted model has no split on them). On the thredUp bench listings'
creation times are a hash of the id, so `freshness` names an item exactly (a leaf can single out one listing)
and `log_price` many: a model could learn which items were tuning users' last favorites; in production
freshness is a real signal, hence a training option rather than a spec change (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import time
from itertools import combinations
from pathlib import Path

import lightgbm as lgb
import numpy as np

from onnx_artifact import check_parity, export_lambdarank, manifest_contract
from recs_offline import fold_of

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "ranking/feed-feature-spec.json"
K = 20
PARAMS = {"objective": "lambdarank", "metric": "ndcg", "learning_rate": 0.05, "num_threads": 1, "verbose": -1,
          "deterministic": True, "seed": 1, "lambdarank_truncation_level": K + 10}
# recs_ltr.py's grid plus smaller, more regularised trees: with ~280 queries whose favorite is a candidate,
# the first run's best settings were its smallest ones (7 leaves, 100 trees).
SHAPES = [{"num_leaves": nl, "min_data_in_leaf": md} for nl, md in ((3, 50), (3, 200), (7, 20), (7, 50), (7, 200), (15, 50))]
TREES = (50, 100, 300)


def load(path: Path) -> tuple[list[str], list[dict]]:
    """Column names and one query per user: X (candidates x features), y (1 for the hidden favorite), ids."""
    with path.open() as f:
        head = json.loads(f.readline())
        spec_sha = hashlib.sha256(SPEC.read_bytes()).hexdigest()
        if head["feature_spec_sha256"] != spec_sha:
            raise SystemExit(f"{path} was exported with feature spec {head['feature_spec_sha256'][:12]}, {SPEC.name} is {spec_sha[:12]}: re-export")
        queries = []
        for line in f:
            r = json.loads(line)
            X = np.array(r["features"], dtype=np.float32).reshape(-1, len(head["feature_names"]))
            ids = np.array(r["ids"])
            queries.append({"user": r["user"], "X": X, "y": (ids == r["target"]).astype(np.float32), "ids": ids})
    return head["feature_names"], queries


def drop_columns(queries: list[dict], names: list[str], drop: list[str]) -> None:
    """Sets the dropped columns to their default (0) in every training row, in place."""
    for c in drop:
        if c not in names:
            raise SystemExit(f"--drop-features: no column {c!r} in the spec")
    idx = [names.index(c) for c in drop]
    for q in queries:
        q["X"][:, idx] = 0


def hit_ndcg(scores: np.ndarray, q: dict) -> tuple[float, float]:
    """Hit@20 and NDCG@20 of the favorite when candidates are ordered by score (ties by id, as feed.ts)."""
    if not q["y"].any():
        return 0.0, 0.0
    order = np.lexsort((q["ids"], -scores))
    rank = int(np.flatnonzero(q["y"][order])[0])
    return (1.0, 1 / np.log2(rank + 2)) if rank < K else (0.0, 0.0)


def fit(qs: list[dict], shape: dict, trees: int) -> lgb.Booster:
    qs = [q for q in qs if q["y"].any()]  # a query whose favorite is not a candidate carries no gradient
    data = lgb.Dataset(np.vstack([q["X"] for q in qs]), np.concatenate([q["y"] for q in qs]), group=[len(q["y"]) for q in qs])
    return lgb.train({**PARAMS, **shape}, data, num_boost_round=trees)


def cross_validate(queries: list[dict], names: list[str], seeds: int, folds: int) -> dict:
    """Repeated CV over the tuning users: per seed, every fixed setting's held-out hit-rate@20, the blend
    column's, and the nested estimate (each outer fold's setting chosen by an inner CV over the other folds:
    a model per pair of left-out folds, trained on the remaining ones), as recs_ltr.py does."""
    blend = names.index("blend")
    settings = [(s, t) for s in range(len(SHAPES)) for t in TREES]
    hits = {st: [] for st in settings}
    hits["blend"], hits["nested"] = [], []
    per_fold = {st: [] for st in hits}
    chosen = []

    for seed in range(seeds):
        f = np.array([fold_of(q["user"], seed, folds) for q in queries])
        seed_hits = {st: np.zeros(len(queries)) for st in hits}
        inner = {st: np.zeros((folds, len(queries))) for st in settings}  # inner[st][k, i]: model without folds k and f[i]
        for a, b in combinations(range(folds), 2):
            train = [q for q, fk in zip(queries, f) if fk not in (a, b)]
            for s, shape in enumerate(SHAPES):
                booster = fit(train, shape, max(TREES))
                for trees in TREES:
                    for k, other in ((a, b), (b, a)):
                        for i in np.flatnonzero(f == other):
                            inner[(s, trees)][k, i] = hit_ndcg(booster.predict(queries[i]["X"], num_iteration=trees), queries[i])[0]
        for k in range(folds):
            train = [q for q, fk in zip(queries, f) if fk != k]
            test = np.flatnonzero(f == k)
            for s, shape in enumerate(SHAPES):
                booster = fit(train, shape, max(TREES))
                for trees in TREES:
                    for i in test:
                        seed_hits[(s, trees)][i] = hit_ndcg(booster.predict(queries[i]["X"], num_iteration=trees), queries[i])[0]
            for i in test:
                seed_hits["blend"][i] = hit_ndcg(queries[i]["X"][:, blend], queries[i])[0]
            pick = max(settings, key=lambda st: inner[st][k, f != k].mean())
            seed_hits["nested"][test] = seed_hits[pick][test]
            chosen.append(label(pick))
            for st in hits:
                per_fold[st].append(seed_hits[st][test].mean())
        for st in hits:
            hits[st].append(float(seed_hits[st].mean()))
        print(json.dumps({"seed": seed, "blend": round(100 * hits["blend"][-1], 2), "nested": round(100 * hits["nested"][-1], 2),
                          "best_fixed_setting": round(100 * max(hits[st][-1] for st in settings), 2)}), flush=True)
    pct = lambda v: round(100 * float(v), 2)  # noqa: E731
    table = {label(st): {"cv_hit_rate_pct_mean": pct(np.mean(v)), "sd_over_seeds": pct(np.std(v)), "sd_over_folds": pct(np.std(per_fold[st])),
                         "per_seed": [pct(x) for x in v]} for st, v in hits.items()}
    best = max(settings, key=lambda st: np.mean(hits[st]))
    counts = {c: chosen.count(c) for c in sorted(set(chosen))}
    return {"settings": table, "nested_choices": counts, "chosen": {**SHAPES[best[0]], "trees": best[1]}, "chosen_label": label(best)}


def label(st) -> str:
    if isinstance(st, str):
        return {"blend": "blend_column", "nested": "ltr_nested"}[st]
    return f"leaves{SHAPES[st[0]]['num_leaves']}_min{SHAPES[st[0]]['min_data_in_leaf']}_trees{st[1]}"


def fold_models(names: list[str], queries: list[dict], args) -> None:
    """Out-of-fold models for measuring the ranker on its own training half through the API."""
    import onnxruntime as ort
    leaves, min_data, trees = (int(v) for v in args.fold_models.split(","))
    f = np.array([fold_of(q["user"], 0, args.folds) for q in queries])
    for k in range(args.folds):
        booster = fit([q for q, fk in zip(queries, f) if fk != k], {"num_leaves": leaves, "min_data_in_leaf": min_data}, trees)
        out = ROOT / ".data/cv-models" / f"{args.name}-cv" / f"fold-{k}"
        out.mkdir(parents=True, exist_ok=True)
        export_lambdarank(booster, len(names), out / "model.onnx", f"{args.name}-cv@fold-{k}")
        session = ort.InferenceSession(str(out / "model.onnx"))
        manifest = {**manifest_contract(f"{args.name}-cv", f"fold-{k}", SPEC, names, session), "metrics": {},
                    "training_data": {"fold": k, "folds": args.folds, "seed": 0, "features_unused": args.drop_features.split(",") if args.drop_features else [], "users": int((f != k).sum()), "held_out_users": int((f == k).sum())}}
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"fold_models": str((ROOT / ".data/cv-models").relative_to(ROOT)), "setting": args.fold_models, "folds": args.folds}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / ".data/training/feed.jsonl"))
    ap.add_argument("--name", default="feed-ltr")
    ap.add_argument("--version", default=dt.date.today().isoformat() + ".1")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--fold-models", metavar="LEAVES,MIN_DATA,TREES", help="no CV: fit this setting once per fold of seed 0 "
                    "on the other folds' users, write .data/cv-models/<name>-cv/fold-<k>/ (not shipped): the API then scores "
                    "each tuning user with a model that never saw them (bench/recommendations-real.ts --rankers learned-oof)")
    ap.add_argument("--setting", metavar="LEAVES,MIN_DATA,TREES", help="no CV: fit this setting on every tuning user and export it")
    ap.add_argument("--drop-features", default="", metavar="A,B", help="train without these columns (each set to 0 in every "
                    "training row); the model still takes the spec's full row; listed in the manifest as features_unused")
    args = ap.parse_args()
    t0 = time.time()
    names, queries = load(Path(args.data))
    drop = [c for c in args.drop_features.split(",") if c]
    # Parity rows span each column's real range, the dropped ones too: serving sends them, the model must ignore them.
    X_all = np.vstack([q["X"] for q in queries])
    lo, hi = X_all.min(0), X_all.max(0)
    del X_all
    drop_columns(queries, names, drop)
    if args.fold_models:
        fold_models(names, queries, args)
        return
    if args.setting:  # no CV: refit a setting already chosen (e.g. to check that the same rows give the same model)
        leaves, min_data, trees = (int(v) for v in args.setting.split(","))
        cv = {"skipped": "--setting given", "chosen": {"num_leaves": leaves, "min_data_in_leaf": min_data, "trees": trees}}
    else:
        cv = cross_validate(queries, names, args.seeds, args.folds)
    shape = {k: cv["chosen"][k] for k in ("num_leaves", "min_data_in_leaf")}
    booster = fit(queries, shape, cv["chosen"]["trees"])
    gain = booster.feature_importance("gain")

    out = ROOT / "models" / args.name / args.version
    out.mkdir(parents=True, exist_ok=True)
    export_lambdarank(booster, len(names), out / "model.onnx", f"{args.name}@{args.version}")
    # Parity rows: drawn uniformly inside each column's training range (no row of the thredUp data is
    # committed), scored by LightGBM here and by onnxruntime-node in ranking/test/feed-parity.test.ts.
    unused_splits = {c: int(booster.feature_importance("split")[names.index(c)]) for c in drop}
    assert not any(unused_splits.values()), f"the model splits on dropped columns: {unused_splits}"
    sample = (lo + np.random.default_rng(0).random((64, len(names))) * (hi - lo)).astype(np.float32)
    session, max_diff = check_parity(out, sample, booster.predict(sample))

    manifest = {
        **manifest_contract(args.name, args.version, SPEC, names, session),
        "metrics": {"cross_validation_tuning_half": cv, "onnx_max_abs_diff": max_diff, "trees": booster.num_trees(),
                    "gain_share_pct": {n: round(100 * float(g / gain.sum()), 1) for n, g in sorted(zip(names, gain), key=lambda x: -x[1])}},
        "training_data": {
            "source": "thredUp favorites (../shared/data/thredup), tuning half of the users only, replayed through the API; "
                      "candidates and features by the serving code (bench/recommendations-real.ts --export-feed)",
            "users": len(queries),
            "users_with_favorite_among_candidates": int(sum(q["y"].any() for q in queries)),
            "rows": int(sum(len(q["y"]) for q in queries)),
            "labels": "1 for the user's hidden last favorite, 0 for every other candidate",
            "params": {**PARAMS, **shape},
            "features_unused": drop,
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"model": f"{args.name}@{args.version}", "dir": str(out.relative_to(ROOT)), **manifest["metrics"],
                      "elapsed_s": round(time.time() - t0)}, indent=1))


if __name__ == "__main__":
    main()
