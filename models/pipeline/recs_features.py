"""Per-(user, item) features of the thredUp recommendation study (recs_offline.py), each a dense matrix
users x items. Each one mirrors what the service computes from a profile (query-api/src/recommendations/
feed-score.ts, profiles/profile-store.ts), so a weight chosen here means the same thing there.

Likes are weighted by recency of the like *in the user's own sequence* (`recency_weights`): the data has
no times, only the order in which each user favorited, and the service's profile is fed in that order.
"""
from __future__ import annotations

import numpy as np

ATTRS = (("size", "size"), ("dept", "department"), ("brand", "brand"), ("cat", "category"), ("color", "color"))


def onehot(items, key: str) -> np.ndarray:
    """items x values indicator of one attribute (an item has exactly one value; '' counts as a value)."""
    vals = sorted({it[key] for it in items})
    vi = {v: i for i, v in enumerate(vals)}
    A = np.zeros((len(items), len(vals)), dtype=np.float32)
    A[np.arange(len(items)), [vi[it[key]] for it in items]] = 1
    return A


def recency_weights(histories: list[list[int]], n_items: int, half_life: float | None) -> np.ndarray:
    """users x items weight of each known favorite: 1 for the newest, halving every `half_life` likes
    back (None: every like weighs 1). Histories are in the order the likes happened."""
    E = np.zeros((len(histories), n_items), dtype=np.float32)
    for u, hist in enumerate(histories):
        for back, item in enumerate(reversed(hist)):
            E[u, item] = max(E[u, item], 1.0 if half_life is None else 0.5 ** (back / half_life))
    return E


def shares(E: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Share of the user's (weighted) favorites with each item's value of the attribute A."""
    return ((E @ A) / np.maximum(E.sum(1, keepdims=True), 1e-9)) @ A.T


def conditional_shares(E: np.ndarray, A: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Share of the user's favorites *within the item's group G* (e.g. department) that have the item's
    value of A (e.g. size): size fit per department. 0 where the user has no favorite in that group."""
    AG = np.einsum("ia,ig->iag", A, G).reshape(len(A), -1)  # items x (value, group)
    joint = (E @ AG) @ AG.T  # weighted favorites with the item's value in the item's group
    per_group = (E @ G) @ G.T
    return np.divide(joint, per_group, out=np.zeros_like(joint), where=per_group > 0)


def price_fit(E: np.ndarray, prices: np.ndarray, histories: list[list[int]]) -> np.ndarray:
    """1 where the item's price is inside the user's band (20th..80th percentile of the prices they
    liked, nearest rank, as profile-store.ts computes it), for users with 2+ known favorites."""
    out = np.zeros_like(E)
    for u, hist in enumerate(histories):
        if len(hist) < 2:
            continue
        ps = np.sort(prices[hist])
        q = lambda p: ps[min(len(ps) - 1, max(0, int(np.floor(p * (len(ps) - 1) + 0.5))))]  # noqa: E731
        out[u] = (prices >= q(0.2)) & (prices <= q(0.8))
    return out


def attribute_features(items, E: np.ndarray) -> dict[str, np.ndarray]:
    """The fit features: global shares of size, department, brand, category and colour, and size per
    department (a person's size differs between shoes and dresses) and per category, and whether the
item is new with tags (`condition` = new in the service)."""
    A = {name: onehot(items, key) for name, key in ATTRS}
    out = {name: shares(E, A[name]) for name in A}
    out["size_dept"] = conditional_shares(E, A["size"], A["dept"])
    out["size_cat"] = conditional_shares(E, A["size"], A["cat"])
    out["new"] = np.repeat(np.array([[float(it["new_with_tags"]) for it in items]], dtype=np.float32), len(E), 0)
    return out
