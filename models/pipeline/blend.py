"""Blends of the BM25 signal with the query-listing cosine, fitted per training set (tested in test_blend.py).

Every blend reads only what serving has for a candidate: its feature row (bm25_norm, semantic_cosine, in
ranking/feature-spec.json order) and its ranks in the two retrievers' lists (hybrid-retrieval.ts). A
candidate only kNN found has no BM25 rank and bm25_norm 0: the BM25 part gives it nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from cv_eval import Query, score_order, standard_ndcg

WEIGHTS = tuple(round(w, 2) for w in np.arange(0.0, 1.0001, 0.05))
RANK_KS = (1, 3, 10, 30, 100)


@dataclass(frozen=True)
class Blend:
    """score = w * g(BM25) + (1 - w) * h(cosine); `kind` says which g and h, `k` the rank constant."""

    kind: str
    w: float
    k: float = 0.0


def columns(q: Query, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The inputs of every blend for a query's candidates, as arrays (rank inf when absent)."""
    f = np.array([r["features"] for r in q.rows], dtype=np.float64)
    rank = lambda key: np.array([np.inf if r.get(key) is None else r[key] for r in q.rows], dtype=np.float64)
    cos = f[:, names.index("semantic_cosine")]
    lo, hi = cos.min(), cos.max()
    return {
        "bm25_norm": f[:, names.index("bm25_norm")],
        "cos": cos,
        "cos_minmax": (cos - lo) / (hi - lo) if hi > lo else np.zeros_like(cos),
        "bm25_rank": rank("bm25_rank"),
        "knn_rank": rank("knn_rank"),
    }


def blend_scores(c: dict[str, np.ndarray], b: Blend) -> np.ndarray:
    """One score per candidate. Rank parts are k / (k + rank): 1 at BM25's top, 0 when not retrieved by it."""
    if b.kind == "score":
        return b.w * c["bm25_norm"] + (1 - b.w) * c["cos"]
    if b.kind == "score_minmax":
        return b.w * c["bm25_norm"] + (1 - b.w) * c["cos_minmax"]
    if b.kind == "rank":
        return b.w * b.k / (b.k + c["bm25_rank"]) + (1 - b.w) * c["cos"]
    if b.kind == "rank_minmax":
        return b.w * b.k / (b.k + c["bm25_rank"]) + (1 - b.w) * c["cos_minmax"]
    if b.kind == "weighted_rrf":
        return b.w * b.k / (b.k + c["bm25_rank"]) + (1 - b.w) * b.k / (b.k + c["knn_rank"])
    raise ValueError(f"unknown blend kind {b.kind}")


def grid(kind: str) -> list[Blend]:
    ks = RANK_KS if kind in ("rank", "rank_minmax", "weighted_rrf") else (0.0,)
    return [Blend(kind, w, k) for w in WEIGHTS for k in ks]


def fit_blend(kind: str, train: list[Query], cols: dict[str, dict[str, np.ndarray]]) -> Blend:
    """The grid point with the highest mean standard NDCG@10 over the training queries (ties: first)."""
    best, best_v = None, -1.0
    for b in grid(kind):
        v = float(np.mean([standard_ndcg(q, score_order(blend_scores(cols[q.text], b).tolist())) for q in train]))
        if v > best_v + 1e-12:
            best, best_v = b, v
    assert best is not None
    return best
