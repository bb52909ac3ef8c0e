"""Offline leave-one-out study of home-feed and similar-item scorers on the thredUp favorites.

Reproduces the protocol of /work/shared/data/thredup/README.md: every user with 2+ favorites hides
the last one (items.jsonl order); the scorers see every other favorite (single-favorite users too);
a hit is the hidden item among the top 20, the user's other favorites excluded. It computes, in the
same run and on the same split, popularity, co-favorite counts (tie-break by popularity), RP3beta,
a fit score (size, department, brand, category shares of the user's earlier favorites) and their
blend; the blend weights are chosen by repeated cross-validation over users (folds by hashed id,
several seeds), so the held-out numbers are never those of the split the weights were tuned on.

    python3 models/pipeline/recs_offline.py [--data DIR] [--seeds 3] [--folds 5]

Prints JSON. This is the ML engineers' tool: the service (query-api recommendations + the neighbour
job) implements the winning blend with the same features.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
from itertools import product
from pathlib import Path

import numpy as np

K = 20
FIT_FEATURES = ("size", "dept", "brand", "cat")


def load(data: Path):
    items = [json.loads(line) for line in (data / "items.jsonl").open()]
    pos = {it["id"]: i for i, it in enumerate(items)}
    favs: dict[str, list[int]] = {}
    with (data / "favorites-dev.csv").open() as f:
        for row in csv.DictReader(f):
            favs.setdefault(row["user"], []).append(pos[row["item_id"]])
    for u in favs:
        favs[u].sort()  # items.jsonl order is the order favorites happened in
    return items, favs


def split(favs):
    """Hidden = last favorite of every 2+ user; train = everything else."""
    users, hidden, train = [], [], {}
    for u, lst in favs.items():
        if len(lst) >= 2:
            users.append(u)
            hidden.append(lst[-1])
            train[u] = lst[:-1]
        else:
            train[u] = lst
    return users, np.array(hidden), train


def matrices(items, train, users):
    n = len(items)
    all_users = list(train)
    uidx = {u: i for i, u in enumerate(all_users)}
    R = np.zeros((len(all_users), n), dtype=np.float32)
    for u, lst in train.items():
        R[uidx[u], lst] = 1
    pop = R.sum(0)
    co = R.T @ R
    np.fill_diagonal(co, 0)
    E = R[[uidx[u] for u in users]]  # the evaluated users' known favorites
    return R, pop, co, E


def rp3beta(R, pop, alpha=1.0, beta=0.5):
    """Item-item transition P(j|i) through users, divided by pop_j^beta (popularity-normalised)."""
    du = R.sum(1, keepdims=True)
    di = R.sum(0, keepdims=True)
    Pui = np.divide(R, du, out=np.zeros_like(R), where=du > 0)
    Piu = np.divide(R, di, out=np.zeros_like(R), where=di > 0).T
    W = (Piu @ Pui) ** alpha
    np.fill_diagonal(W, 0)
    return W / np.power(np.maximum(pop, 1), beta)[None, :]


def fit_features(items, E):
    """Share of the user's known favorites that share each attribute with every item."""
    out = {}
    for name, key in (("size", "size"), ("dept", "department"), ("brand", "brand"), ("cat", "category")):
        vals = sorted({it[key] for it in items})
        vi = {v: i for i, v in enumerate(vals)}
        A = np.zeros((len(items), len(vals)), dtype=np.float32)
        A[np.arange(len(items)), [vi[it[key]] for it in items]] = 1
        share = (E @ A) / np.maximum(E.sum(1, keepdims=True), 1)
        out[name] = share @ A.T
    return out


def hits_ndcg(S, hidden, exclude):
    S = np.where(exclude > 0, -np.inf, S)
    top = np.argpartition(-S, K, axis=1)[:, :K]
    order = np.take_along_axis(top, np.argsort(-np.take_along_axis(S, top, 1), 1), 1)
    match = order == hidden[:, None]
    hit = match.any(1)
    rank = match.argmax(1)
    return hit.astype(float), np.where(hit, 1 / np.log2(rank + 2), 0.0)


def norm_rows(M):
    mx = M.max(1, keepdims=True)
    return np.divide(M, mx, out=np.zeros_like(M), where=mx > 0)


def fold_of(u: str, seed: int, folds: int) -> int:
    return int(hashlib.sha256(f"{seed}:{u}".encode()).hexdigest()[:8], 16) % folds


def bench_half(u: str) -> str:
    """The user halves of bench/recommendations-real.ts (same hash): weights are chosen on `tuning` only."""
    return "tuning" if hashlib.sha256(f"recs-real-v1:split:{u}".encode()).digest()[0] % 2 == 0 else "evaluation"


def blend(parts, w):
    return sum(w[k] * parts[k] for k in w if w[k])


GRID = {
    "size": [1.0],
    "dept": [0, 0.25, 0.5],
    "brand": [0, 0.5, 1.0, 2.0],
    "cat": [0, 0.25, 0.5],
    "pop": [0.25, 0.5, 1.0, 2.0],
    "rp3": [0, 0.5, 1.0, 2.0, 4.0],
}


def cross_validated(cache, grid, users, args):
    """Per seed, the held-out hit rate when each fold's weights are chosen on the other folds' users
    (cache[g]: per-user hits of grid point g), and the weights each fold chose."""
    held, chosen = [], []
    for seed in range(args.seeds):
        f = np.array([fold_of(u, seed, args.folds) for u in users])
        hits = np.zeros(len(users))
        for k in range(args.folds):
            best = max(range(len(grid)), key=lambda g: cache[g][f != k].mean())
            hits[f == k] = cache[best][f == k]
            chosen.append(grid[best])
        held.append(hits.mean())
    return held, chosen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/thredup")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    items, favs = load(Path(args.data))
    users, hidden, train = split(favs)
    R, pop, co, E = matrices(items, train, users)
    logpop = np.log1p(pop)[None, :] / np.log1p(pop).max()
    W = rp3beta(R, pop)
    rp3 = norm_rows(E @ W)
    parts = {**fit_features(items, E), "pop": np.repeat(logpop, len(users), 0), "rp3": rp3}
    tiny = 1e-6 * logpop
    baselines = {
        "popularity": parts["pop"],
        "co_favorite": E @ co + tiny,
        "rp3beta": rp3 + tiny,
        "size_pop": parts["size"] + 0.5 * parts["pop"],
    }
    out = {"users_evaluated": len(users), "k": K, "feed": {}, "similar": {}}
    for name, S in baselines.items():
        h, n = hits_ndcg(S, hidden, E)
        out["feed"][name] = {"hit_rate": round(h.mean(), 4), "ndcg": round(n.mean(), 4)}

    # Cross-validated blend: every fold's weights are chosen on the other folds' users.
    per_user = {}
    grid = [dict(zip(GRID, vals)) for vals in product(*GRID.values())]
    cache = [hits_ndcg(blend(parts, w), hidden, E)[0] for w in grid]
    held, chosen = cross_validated(cache, grid, users, args)
    out["feed"]["blend_cv"] = {"hit_rate_mean": round(float(np.mean(held)), 4), "hit_rate_sd": round(float(np.std(held)), 4), "seeds": args.seeds, "folds": args.folds}
    tune = np.array([bench_half(u) == "tuning" for u in users])
    best_t = max(range(len(grid)), key=lambda g: cache[g][tune].mean())
    out["feed"]["blend_weights_tuning_half"] = grid[best_t]
    out["feed"]["blend_on_evaluation_half"] = round(float(cache[best_t][~tune].mean()), 4)
    out["feed"]["blend_weights_chosen"] = {k: sorted({c[k] for c in chosen}) for k in GRID}

    # Similar items for the last remaining favorite: no user fit (the API call carries no user).
    last = np.array([train[u][-1] for u in users])
    anchor = np.zeros_like(E)
    anchor[np.arange(len(users)), last] = 1
    excl = anchor.copy()  # only the anchor itself is excluded: a listing page knows nothing of the viewer
    content = fit_features(items, anchor)
    sim_parts = {**content, "pop": parts["pop"], "rp3": norm_rows(anchor @ W)}
    for name, S in {"popularity": parts["pop"], "co_favorite": anchor @ co + tiny, "rp3beta": sim_parts["rp3"] + tiny}.items():
        h, n = hits_ndcg(S, hidden, excl)
        out["similar"][name] = {"hit_rate": round(h.mean(), 4), "ndcg": round(n.mean(), 4)}
    cache = [hits_ndcg(blend(sim_parts, w), hidden, excl)[0] for w in grid]
    held, _ = cross_validated(cache, grid, users, args)
    out["similar"]["blend_cv"] = {"hit_rate_mean": round(float(np.mean(held)), 4), "hit_rate_sd": round(float(np.std(held)), 4)}
    best_t = max(range(len(grid)), key=lambda g: cache[g][tune].mean())
    out["similar"]["blend_weights_tuning_half"] = grid[best_t]
    out["similar"]["blend_on_evaluation_half"] = round(float(cache[best_t][~tune].mean()), 4)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
