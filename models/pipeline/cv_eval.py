"""Honest offline evaluation: repeated cross-validation over queries with the standard NDCG@10.

The standard NDCG@10 ranks every retrieved candidate; an item no rater graded counts as irrelevant, and
the ideal order is built from every grade of the query, retrieved or not (so a retriever that finds more
relevant products scores higher). The condensed figure drops unjudged items from the ranked list before
cutting at 10 (what earlier sessions reported; it flatters a ranker that surfaces unjudged items).
judged@10 says how much of each top 10 was graded. The imputed figure is an estimate of what grades
would say: every ungraded item of a ranked list counts at the graded pool's mean gain (the pool graded
exactly such items: unjudged ones that a ranker put in its top 10), in the list and in its ideal.

Every figure can be computed with or without a graded judging pool (judgments-pool-llm.csv): without
it, the pool's grades are treated as absent, in training and in evaluation.
"""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

K = 10
RRF_K = 60  # the usual reciprocal-rank-fusion constant


def gain(r: float) -> float:
    return 2.0**r - 1.0


def dcg(ratings: Sequence[float], k: int = K) -> float:
    return dcg_of_gains([gain(r) for r in ratings[:k]], k)


def dcg_of_gains(gains: Sequence[float], k: int = K) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))


@dataclass
class Query:
    """One query's candidates (export rows) and every grade it has."""

    text: str
    rows: list[dict]
    grades: dict[str, float]
    classes: list[str] = field(default_factory=list)
    # What an ungraded item is expected to be worth (the graded pool's mean gain); None without a pool.
    ungraded_gain: float | None = None

    def ratings(self, order: Sequence[int]) -> list[float | None]:
        return [self.grades.get(self.rows[i]["docid"]) for i in order]


def standard_ndcg(q: Query, order: Sequence[int]) -> float:
    ideal = dcg(sorted(q.grades.values(), reverse=True))
    return dcg([r or 0.0 for r in q.ratings(order)]) / ideal if ideal > 0 else 0.0


def condensed_ndcg(q: Query, order: Sequence[int]) -> float:
    ideal = dcg(sorted(q.grades.values(), reverse=True))
    return dcg([r for r in q.ratings(order) if r is not None]) / ideal if ideal > 0 else 0.0


def imputed_ndcg(q: Query, order: Sequence[int]) -> float:
    """Standard NDCG@10 with each ungraded item of the top 10 at the pool's mean gain instead of 0; the ideal
    is built from the graded items and those imputed ones (an estimate, not a measurement: the pool's
    items were what two rankers surfaced, other rankers may surface better or worse ones)."""
    if q.ungraded_gain is None:
        return standard_ndcg(q, order)
    ratings = q.ratings(order)[:K]
    top = [gain(r) if r is not None else q.ungraded_gain for r in ratings]
    imputed = [q.ungraded_gain for r in ratings if r is None]
    ideal = dcg_of_gains(sorted([gain(r) for r in q.grades.values()] + imputed, reverse=True))
    return dcg_of_gains(top) / ideal if ideal > 0 else 0.0


def judged_at_k(q: Query, order: Sequence[int]) -> float:
    top = q.ratings(order)[:K]
    return sum(r is not None for r in top) / len(top) if top else 0.0


def bm25_order(q: Query) -> list[int]:
    """Pure BM25: its own candidates only, in its order (kNN-only candidates are not BM25's)."""
    idx = [i for i, r in enumerate(q.rows) if r.get("bm25_rank") is not None]
    return sorted(idx, key=lambda i: q.rows[i]["bm25_rank"])


def rrf_order(q: Query) -> list[int]:
    """Hybrid retrieval without the model: reciprocal rank fusion of BM25's and kNN's ranks."""
    def score(r: dict) -> float:
        return sum(1.0 / (RRF_K + 1 + r[k]) for k in ("bm25_rank", "knn_rank") if r.get(k) is not None)
    return sorted(range(len(q.rows)), key=lambda i: (-score(q.rows[i]), i))


def score_order(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def build_queries(rows: list[dict], judgments: dict, with_pool: bool, pool_sources: set[int]) -> dict[str, Query]:
    """Queries with at least one relevant grade (NDCG is undefined without); rows' ratings follow the view."""
    by_query: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_query[r["query"]].append(r)
    out = {}
    pool = [gain(float(g)) for grades in judgments["grades"].values() for _, g, src in grades if src in pool_sources]
    ungraded_gain = float(np.mean(pool)) if pool else None
    for text, grades in judgments["grades"].items():
        kept = {d: float(g) for d, g, src in grades if with_pool or src not in pool_sources}
        if not any(g > 0 for g in kept.values()) or text not in by_query:
            continue
        qrows = [dict(r, rating=kept.get(r["docid"])) for r in by_query[text]]
        out[text] = Query(text, qrows, kept, judgments.get("classes", {}).get(text, []), ungraded_gain)
    return out


def fold_splits(queries: Sequence[str], folds: int, seeds: Sequence[int]):
    """(seed, test set) for repeated k-fold over queries, shuffled by a seeded hash per repeat."""
    for seed in seeds:
        order = sorted(queries, key=lambda q: hashlib.sha256(f"{seed}:{q}".encode()).hexdigest())
        for k in range(folds):
            yield seed, set(order[k::folds])


Scorer = Callable[[list[Query], list[Query]], dict[str, list[float]]]


def cross_validate(queries: dict[str, Query], train_and_score: Scorer, folds: int, seeds: Sequence[int]) -> dict:
    """Per (seed, query) standard/condensed NDCG@10 and judged@10 of BM25, RRF hybrid and the model.

    train_and_score(train, test) fits on the training queries and returns the model's scores for every
    candidate of each test query. Returns per-query means over seeds and per-seed means."""
    names = sorted(queries)
    per_seed: dict[int, dict[str, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    per_query: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for seed, test in fold_splits(names, folds, seeds):
        train_q = [queries[n] for n in names if n not in test]
        test_q = [queries[n] for n in names if n in test]
        scores = train_and_score(train_q, test_q)
        for q in test_q:
            orders = {"bm25": bm25_order(q), "hybrid_rrf": rrf_order(q), "model": score_order(scores[q.text])}
            for name, order in orders.items():
                metrics = (("standard", standard_ndcg), ("condensed", condensed_ndcg), ("judged", judged_at_k), ("imputed", imputed_ndcg))
                for metric, fn in metrics:
                    v = fn(q, order)
                    per_seed[seed][name][metric].append(v)
                    per_query[q.text][f"{name}.{metric}"].append(v)
    return {"per_seed": per_seed, "per_query": {q: {k: float(np.mean(v)) for k, v in m.items()} for q, m in per_query.items()}}


def summarize(result: dict, queries: dict[str, Query], boot: int = 2000, seed: int = 7) -> dict:
    """Means, the relative gains over BM25 with a 95 % interval (queries resampled; the spread over
    repeats beside it), per-class gains, and how many queries got better / worse."""
    pq = result["per_query"]
    names = sorted(pq)
    rng = np.random.default_rng(seed)
    out: dict = {"queries": len(names), "repeats": len(result["per_seed"])}
    for metric in ("standard", "condensed", "imputed"):
        m = {}
        bm = np.array([pq[n][f"bm25.{metric}"] for n in names])
        for ranker in ("bm25", "hybrid_rrf", "model"):
            v = np.array([pq[n][f"{ranker}.{metric}"] for n in names])
            entry = {"ndcg@10": round(float(v.mean()), 4)}
            if ranker != "bm25":
                idx = rng.integers(0, len(names), size=(boot, len(names)))
                gains = v[idx].mean(axis=1) / bm[idx].mean(axis=1) - 1
                per_seed = [np.mean(s[ranker][metric]) / np.mean(s["bm25"][metric]) - 1 for s in result["per_seed"].values()]
                entry.update({
                    "gain": round(float(v.mean() / bm.mean() - 1), 4),
                    "gain_ci95": [round(float(np.percentile(gains, 2.5)), 4), round(float(np.percentile(gains, 97.5)), 4)],
                    "gain_range_over_repeats": [round(float(min(per_seed)), 4), round(float(max(per_seed)), 4)],
                    "better_worse_same": [int((v > bm + 1e-9).sum()), int((v < bm - 1e-9).sum()), int((abs(v - bm) <= 1e-9).sum())],
                })
                if metric == "standard":
                    entry["by_class"] = by_class(names, queries, v, bm)
            m[ranker] = entry
        out[f"ndcg@10_{metric}"] = m
    out["judged@10"] = {r: round(float(np.mean([pq[n][f"{r}.judged"] for n in names])), 4) for r in ("bm25", "hybrid_rrf", "model")}
    return out


def by_class(names: list[str], queries: dict[str, Query], v: np.ndarray, bm: np.ndarray) -> dict:
    out = {}
    for cls in ("one_word", "multi_word", "brand", "typo"):
        idx = [i for i, n in enumerate(names) if cls in queries[n].classes]
        if idx:
            out[cls] = {"queries": len(idx), "gain": round(float(v[idx].mean() / bm[idx].mean() - 1), 4)}
        else:
            out[cls] = {"queries": 0, "gain": None}
    return out


def perfect_order_gain(queries: dict[str, Query]) -> float:
    """What a perfect order of the retrieved candidates (both retrievers) would gain over BM25, standard metric."""
    perfect = [standard_ndcg(q, sorted(range(len(q.rows)), key=lambda i: -(q.rows[i]["rating"] or 0))) for q in queries.values()]
    bm = [standard_ndcg(q, bm25_order(q)) for q in queries.values()]
    return round(float(np.mean(perfect) / np.mean(bm) - 1), 4)
