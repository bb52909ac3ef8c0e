"""The feed's candidate pool as the service builds it (query-api/src/recommendations/feed.ts), simulated
offline: if the hidden favorite is not among the candidates, no ranking can find it, so candidate
recall bounds the feed's hit rate. Listing ages follow bench/thredup-data.ts (a hash of the item id).
"""
from __future__ import annotations

import hashlib

import numpy as np

DAY = 1.0


def ages_days(items) -> np.ndarray:
    """The bench's creation ages: 60 days x sha256('recs-real-v1:age:<id>')[0:4] / 2^32."""
    return np.array([int.from_bytes(hashlib.sha256(f"recs-real-v1:age:{it['id']}".encode()).digest()[:4], "big") / 2**32 * 60 for it in items])


def top_by(values: np.ndarray, mask: np.ndarray, n: int, tie: np.ndarray) -> np.ndarray:
    """Indices of the n largest values among mask (ties by `tie`, larger first)."""
    idx = np.flatnonzero(mask)
    order = np.lexsort((-tie[idx], -values[idx]))
    return idx[order[:n]]


def top_keys(weights: dict, n: int) -> list:
    return [k for k, _ in sorted(weights.items(), key=lambda kv: -kv[1])[:n]]


def pool_mask(items, histories, pop, W, lists: dict) -> np.ndarray:
    """users x items: True where the item is in the user's simulated pool. `lists` sizes the shared lists:
    trending, fresh, per-category (top 3), per-brand (top 3), per-size (top `sizes`), per size within
    the top department (`size_dept`, 0 = none), and co-engagement neighbours per recent like."""
    age = ages_days(items)
    popularity = np.log1p(pop * 5)
    trending = popularity * np.exp(np.log(0.5) * (age / 7.0) ** 2)
    newest = -age
    shared = set(top_by(trending, np.ones(len(items), bool), lists["trending"], newest)) | set(
        top_by(newest, np.ones(len(items), bool), lists["fresh"], newest)
    )
    col = lambda key: np.array([it[key] for it in items])  # noqa: E731
    attr = {k: col(k) for k in ("size", "brand", "category", "department")}
    cache: dict = {}

    def popular(key, value, n):
        if (key, value, n) not in cache:
            mask = np.ones(len(items), bool)
            for k, v in zip(key, value):
                mask &= attr[k] == v
            cache[(key, value, n)] = set(top_by(popularity, mask, n, newest))
        return cache[(key, value, n)]

    mask = np.zeros((len(histories), len(items)), dtype=bool)
    for u, hist in enumerate(histories):
        counts: dict = {}
        for item in hist:
            for k in ("size", "brand", "department"):
                counts.setdefault(k, {})
                counts[k][attr[k][item]] = counts[k].get(attr[k][item], 0) + 1
            path = (attr["department"][item], attr["category"][item])
            counts.setdefault("path", {})
            counts["path"][path] = counts["path"].get(path, 0) + 1
        pool = set(shared)
        for path in top_keys(counts["path"], 3):
            pool |= popular(("department", "category"), path, lists["category"])
        for b in top_keys(counts["brand"], 3):
            pool |= popular(("brand",), (b,), lists["brand"])
        for s in top_keys(counts["size"], lists["sizes"]):
            pool |= popular(("size",), (s,), lists["per_size"])
        if lists.get("size_dept"):
            dept = top_keys(counts["department"], 1)[0]
            for s in top_keys(counts["size"], lists["sizes"]):
                pool |= popular(("department", "size"), (dept, s), lists["size_dept"])
        for item in list(reversed(hist))[:10]:
            row = W[item]
            pool |= set(np.flatnonzero(row > 0)[np.argsort(-row[row > 0])][: lists["neighbours"]])
        mask[u, list(pool)] = True
    return mask
