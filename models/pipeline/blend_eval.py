"""Repeated CV of BM25 + cosine blends, and of LambdaMART on top of them (issue 19, twelfth session).

    python3 models/pipeline/blend_eval.py --data .data/training/judged.jsonl [--out .data/blend-eval.json]

Every variant runs through cv_eval.cross_validate on train.py's report shuffles, with and without the
graded pool. A blend's weight and rank constant are chosen inside each fold, on its training queries only
(standard NDCG@10). The tree variants choose their trees and the blend's scale the way train.py chooses
its trees: by the same CV on other shuffles (CHOICE_SEEDS).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np

import train
from blend import Blend, blend_scores, columns, fit_blend
from cv_eval import Query, build_queries, cross_validate, standard_ndcg, summarize

KINDS = ("score", "score_minmax", "rank", "rank_minmax", "weighted_rrf")
PREFIX_N = (10, 20, 50, 100, 200)
PREFIX_M = (0, 5, 10, 20, 50, 100)
SCALES = (3.0, 10.0, 30.0)
ROUNDS = (10, 25, 50, 100)


def fit_any(train_q: list[Query], cols: dict) -> Blend:
    """The best blend of every kind's grid (the kind is chosen in the fold too)."""
    fitted = [fit_blend(kind, train_q, cols) for kind in KINDS]
    return max(fitted, key=lambda b: mean_standard(train_q, cols, b))


def mean_standard(qs: list[Query], cols: dict, b: Blend) -> float:
    return float(np.mean([standard_ndcg(q, np.argsort(-blend_scores(cols[q.text], b), kind="stable")) for q in qs]))


def blend_scorer(kind: str, cols: dict, chosen: list):
    def train_and_score(train_q: list[Query], test_q: list[Query]) -> dict[str, list[float]]:
        b = fit_any(train_q, cols) if kind == "any" else fit_blend(kind, train_q, cols)
        chosen.append(b)
        return {q.text: blend_scores(cols[q.text], b).tolist() for q in test_q}
    return train_and_score


def prefix_scores(c: dict, b: Blend, n: int, m: int) -> np.ndarray:
    """The blend orders BM25's top n and kNN's top m; everything else follows in BM25 order (kNN-only last)."""
    inside = (c["bm25_rank"] < n) | (c["knn_rank"] < m)
    rest = -np.where(np.isinf(c["bm25_rank"]), 1e6 + c["knn_rank"].clip(max=1e6), c["bm25_rank"]) / 1e7
    return np.where(inside, 10.0 + blend_scores(c, b), rest)


def prefix_scorer(cols: dict, chosen: list):
    def train_and_score(train_q: list[Query], test_q: list[Query]) -> dict[str, list[float]]:
        b = fit_any(train_q, cols)
        def value(nm):
            orders = [np.argsort(-prefix_scores(cols[q.text], b, *nm), kind="stable") for q in train_q]
            return float(np.mean([standard_ndcg(q, o) for q, o in zip(train_q, orders)]))
        n, m = max(((n, m) for n in PREFIX_N for m in PREFIX_M), key=value)
        chosen.append((b, n, m))
        return {q.text: prefix_scores(cols[q.text], b, n, m).tolist() for q in test_q}
    return train_and_score


def tree_scorer(names: list[str], cols: dict, mode: str, scale: float, rounds: int, cache: dict):
    """LambdaMART with train.py's parameters on the shipped features plus the fold's blend: as a feature
    (mode 'feature': one more column, monotone +1) or as the starting score (mode 'init': init_score =
    scale * blend, so the trees only correct the blend)."""
    def x(q: Query, b: Blend) -> np.ndarray:
        base = train.features(q.rows, names)
        if mode != "feature":
            return base
        return np.hstack([base, blend_scores(cols[q.text], b)[:, None].astype(np.float32)])

    def train_and_score(train_q: list[Query], test_q: list[Query]) -> dict[str, list[float]]:
        key = (frozenset(q.text for q in train_q), scale)
        if key not in cache:
            b = fit_any(train_q, cols)
            label = lambda r: train.UNJUDGED_LABEL if r["rating"] is None else r["rating"]
            labels = np.array([label(r) for q in train_q for r in q.rows])
            params = dict(train.PARAMS)
            if mode == "feature":
                params["monotone_constraints"] = list(train.PARAMS["monotone_constraints"]) + [1]
            init = np.concatenate([scale * blend_scores(cols[q.text], b) for q in train_q]) if mode == "init" else None
            groups = [len(q.rows) for q in train_q]
            ds = lgb.Dataset(np.vstack([x(q, b) for q in train_q]), labels, group=groups, init_score=init)
            cache[key] = (b, lgb.train(params, ds, num_boost_round=max(ROUNDS)))
        b, booster = cache[key]
        out = {}
        for q in test_q:
            s = booster.predict(x(q, b), num_iteration=rounds)
            out[q.text] = (s + (scale * blend_scores(cols[q.text], b) if mode == "init" else 0)).tolist()
        return out
    return train_and_score


def choose_tree_setting(qs: dict, names: list[str], cols: dict, mode: str) -> tuple[tuple[float, int], dict]:
    scores = {}
    for scale in SCALES if mode == "init" else (1.0,):
        cache: dict = {}
        for rounds in ROUNDS:
            res = cross_validate(qs, tree_scorer(names, cols, mode, scale, rounds, cache), 5, train.CHOICE_SEEDS)
            scores[(scale, rounds)] = float(np.mean([v["model.standard"] for v in res["per_query"].values()]))
    best = max(scores, key=lambda k: scores[k])
    return best, {f"{s}x{r}": round(v, 4) for (s, r), v in scores.items()}


def report(res: dict, qs: dict) -> dict:
    s = summarize(res, qs)
    pq = res["per_query"]
    rankers = ("bm25", "hybrid_rrf", "model")
    ungraded = {r: round(float(sum((1 - v[f"{r}.judged"]) * 10 for v in pq.values())), 1) for r in rankers}
    return {
        "standard": s["ndcg@10_standard"],
        "condensed": s["ndcg@10_condensed"],
        "imputed": s["ndcg@10_imputed"],
        "judged@10": s["judged@10"],
        "ungraded_in_top10": ungraded,
        "per_query_standard": {n: v["model.standard"] for n, v in pq.items()},
    }


def versus(a: dict, b: dict, boot: int = 2000, seed: int = 7) -> dict:
    """Paired comparison of two variants' per-query standard NDCG@10 (a - b): mean, 95 % interval over
    resampled queries, and how many queries a made better / worse."""
    names = sorted(a)
    d = np.array([a[n] - b[n] for n in names])
    idx = np.random.default_rng(seed).integers(0, len(names), size=(boot, len(names)))
    means = d[idx].mean(axis=1)
    return {
        "diff": round(float(d.mean()), 4),
        "diff_ci95": [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)],
        "better_worse": [int((d > 1e-9).sum()), int((d < -1e-9).sum())],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(train.ROOT / ".data/training/judged.jsonl"))
    ap.add_argument("--out", default=str(train.ROOT / ".data/blend-eval.json"))
    ap.add_argument("--only", default="", help="comma-separated variant names (default: all)")
    args = ap.parse_args()
    rows, judgments = train.load(Path(args.data))
    names = train.use_spec(train.ROOT / "ranking/feature-spec.json")
    pool_sources = {i for i, f in enumerate(judgments["files"]) if "pool" in Path(f).name}
    only = set(filter(None, args.only.split(",")))
    out: dict = {}
    for view, with_pool in (("with_pool", True), ("without_pool", False)):
        qs = build_queries(rows, judgments, with_pool, pool_sources)
        cols = {t: columns(q, names) for t, q in qs.items()}
        variants: dict = {}
        if not only or "shipped_model" in only:
            rounds, by_rounds = train.choose_rounds(qs, names)
            variants["shipped_model"] = (train.scorer(names, rounds, {}), {"trees": rounds, "by_trees": by_rounds})
        for kind in (*KINDS, "any"):
            if not only or f"blend_{kind}" in only:
                chosen: list = []
                variants[f"blend_{kind}"] = (blend_scorer(kind, cols, chosen), {"chosen": chosen})
        if not only or "prefix" in only:
            chosen = []
            variants["prefix"] = (prefix_scorer(cols, chosen), {"chosen": chosen})
        for mode in ("feature", "init"):
            if not only or f"lgbm_{mode}" in only:
                (scale, rounds), by = choose_tree_setting(qs, names, cols, mode)
                info = {"scale": scale, "trees": rounds, "by_scale_x_trees": by}
                variants[f"lgbm_{mode}"] = (tree_scorer(names, cols, mode, scale, rounds, {}), info)
        out[view] = {}
        for name, (scorer, info) in variants.items():
            res = cross_validate(qs, scorer, 5, train.REPORT_SEEDS)
            if "chosen" in info:
                info = {"chosen": sorted({str(c) for c in info["chosen"]})}
            out[view][name] = {**report(res, qs), **info}
            st = out[view][name]["standard"]["model"]
            classes = {k: v["gain"] for k, v in st["by_class"].items()}
            imp = out[view][name]["imputed"]["model"]
            print(view, name, st["ndcg@10"], st["gain"], st["gain_ci95"], classes,
                  "imputed", imp["ndcg@10"], imp["gain"], imp["gain_ci95"], flush=True)
        if "shipped_model" in out[view]:
            ref = out[view]["shipped_model"]["per_query_standard"]
            for name, entry in out[view].items():
                if name != "shipped_model":
                    entry["versus_shipped_model"] = versus(entry["per_query_standard"], ref)
                    print(view, name, "- shipped model:", entry["versus_shipped_model"], flush=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
