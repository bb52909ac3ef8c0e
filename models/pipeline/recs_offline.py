"""Offline leave-one-out study of home-feed and similar-item scorers on the thredUp favorites.

Protocol of /work/shared/data/thredup/README.md: every user with 2+ favorites hides the last one
(items.jsonl order); the scorers see every other favorite (single-favorite users too); a hit is the
hidden item among the top 20, the user's other favorites excluded. Users are split in the halves of
bench/recommendations-real.ts (`bench_half`): every choice (feature set and weights) is made by repeated
cross-validation over the users of the *tuning* half only (folds over users, several seeds; each fold's
weights chosen on the other folds); the chosen setting's weights are then fitted on the whole tuning
half and measured once on the *evaluation* half, beside popularity, co-favorite counts and size match +
popularity computed in the same run. Feed scores count only inside the service's candidate pool
(simulated by recs_pool.py; its text-likeness source is not simulated) and include the service's
freshness term on the bench's synthetic creation times: the hidden item must be a candidate before any
ranking can find it, and a study that ignores either chose weights that lost through the API.

    python3 models/pipeline/recs_offline.py [--data DIR] [--seeds 3] [--folds 5]

Prints JSON. The service (query-api recommendations + the neighbour job) implements the chosen setting
with the same features (recs_features.py says which code each mirrors).
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

from recs_features import attribute_features, price_fit, recency_weights
from recs_pool import ages_days, pool_mask

K = 20


def load(data: Path):
    items = [json.loads(line) for line in (data / "items.jsonl").open()]
    for it in items:
        it["color"] = it["colors"][0] if it["colors"] else ""  # the issue's mapping: first of `colors`
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




def cross_validated(cache, grid, users, args):
    """Per seed, the held-out hit rate when each fold's weights are chosen on the other folds' users
    (cache[g]: per-user hits of grid point g), the weights each fold chose, and each fold's held-out rate."""
    held, chosen, per_fold = [], [], []
    for seed in range(args.seeds):
        f = np.array([fold_of(u, seed, args.folds) for u in users])
        hits = np.zeros(len(users))
        for k in range(args.folds):
            best = max(range(len(grid)), key=lambda g: cache[g][f != k].mean())
            hits[f == k] = cache[best][f == k]
            chosen.append(grid[best])
            per_fold.append(hits[f == k].mean())
        held.append(hits.mean())
    return held, chosen, per_fold


# Co-engagement (rp3) is kept above 0: the issue requires the ranking to see it (two users who like the same
# items find each other's other likes in their feeds); how much it costs here is reported beside (rp3_zero).
BASE = {"size": [1.0], "dept": [0, 0.25, 0.5], "brand": [0.5, 1.0, 2.0], "cat": [0.25, 0.5], "pop": [0.25, 0.5, 1.0], "rp3": [0.25, 0.5, 1.0]}
# Candidate settings: (likes' recency half-life in likes, None = all equal; the grid over blend weights).
SETTINGS = {
    "shipped_features": (None, BASE),
    "size_per_department": (None, {**BASE, "size_dept": [0, 0.5, 1.0, 2.0]}),
    "size_per_department_rp3_zero": (None, {**BASE, "size_dept": [0, 0.5, 1.0, 2.0], "rp3": [0]}),
    "price_band": (None, {**BASE, "price": [0, 0.1, 0.25, 0.5]}),
    "recency_1": (1.0, BASE),
    "recency_3": (3.0, BASE),
}
# Freshness as the service scores it (weights.ts), on the bench's synthetic creation times: a setting too.
SETTINGS = {k: (h, {**g, "fresh": [0, 0.1]}) for k, (h, g) in SETTINGS.items()}
# The service's weights before this study (weights.ts FEED_WEIGHTS, in this script's names).
SHIPPED = {"size": 1.0, "brand": 1.0, "dept": 0.1, "cat": 0.25, "pop": 0.5, "rp3": 0.5, "price": 0.1, "fresh": 0.1}
SHIPPED_SIMILAR = {"size": 1.0, "brand": 1.0, "cat": 0.25, "pop": 0.5, "rp3": 1.0}
# The service's candidate pool (feed.ts) and wider variants of it.
POOLS = {
    "shipped": {"trending": 100, "fresh": 60, "category": 40, "brand": 40, "sizes": 2, "per_size": 100, "neighbours": 30},
}
POOLS["per_size_200"] = {**POOLS["shipped"], "per_size": 200}
POOLS["sizes_3"] = {**POOLS["shipped"], "sizes": 3}
POOLS["size_in_department_100"] = {**POOLS["shipped"], "size_dept": 100}
POOLS["category_brand_80"] = {**POOLS["shipped"], "category": 80, "brand": 80}


def popularity_feature(pop):
    """The index's popularity (core popularityOf: log1p(5 likes)), scaled to the most popular listing."""
    return np.log1p(5 * pop) / np.log1p(5 * pop).max()


def features(items, hist, n, pop, W, half_life):
    """Every scorer input for users with these histories (recency-weighted when half_life is set)."""
    E = recency_weights(hist, n, half_life)
    logpop = popularity_feature(pop)[None, :]
    prices = np.array([it["price_cents"] for it in items], dtype=np.float32)
    out = {
        **attribute_features(items, E), "pop": np.repeat(logpop, len(hist), 0), "rp3": norm_rows(E @ W),
        "price": price_fit(E, prices, hist),
        "fresh": np.repeat(np.maximum(0, 1 - ages_days(items) / 60)[None, :], len(hist), 0),  # feed-score.ts
    }
    out["pop_size"] = out["pop"] * out["size"]  # popularity among what is in their size
    return out


def grid_points(grid):
    return [dict(zip(grid, vals)) for vals in product(*grid.values())]


def rate(h, n=None):
    """Hit rate (and NDCG) in %, with the standard error of the hit rate."""
    out = {"hit_rate_pct": round(100 * h.mean(), 2), "se_pct": round(100 * h.std() / math.sqrt(max(1, len(h))), 2)}
    return {**out, "ndcg_pct": round(100 * n.mean(), 2)} if n is not None else out


def similar_study(items, users, hidden, train, tune, ev, co, W, pop, args):
    """Items similar to the last remaining favorite (the API call carries no user): the anchor's size,
    department, brand and category, popularity and RP3beta, chosen and measured like the feed."""
    last = np.array([train[u][-1] for u in users])
    anchor = np.zeros((len(users), len(items)), dtype=np.float32)
    anchor[np.arange(len(users)), last] = 1  # only the anchor is excluded: a listing page knows nothing of the viewer
    parts = {**attribute_features(items, anchor), "pop": pop, "rp3": norm_rows(anchor @ W)}
    points = grid_points(BASE)
    at = lambda idx: {k: v[idx] for k, v in parts.items()}  # noqa: E731
    cache = [hits_ndcg(blend(at(tune), w), hidden[tune], anchor[tune])[0] for w in points]
    held, chosen, per_fold = cross_validated(cache, points, [users[i] for i in tune], args)
    fitted = points[max(range(len(points)), key=lambda g: cache[g].mean())]
    e, tiny = at(ev), 1e-6 * pop[ev]
    return {
        "cv_on_tuning_half": {"cv_hit_rate_pct_mean": round(100 * float(np.mean(held)), 2), "sd_over_seeds": round(100 * float(np.std(held)), 2),
                              "sd_over_folds": round(100 * float(np.std(per_fold)), 2), "weights_chosen": {k: sorted({c[k] for c in chosen}) for k in BASE if len(BASE[k]) > 1}},
        "weights_fitted_on_tuning_half": fitted,
        "evaluation_half": {
            "chosen": rate(*hits_ndcg(blend(e, fitted), hidden[ev], anchor[ev])),
            "shipped_weights": rate(*hits_ndcg(blend(e, SHIPPED_SIMILAR), hidden[ev], anchor[ev])),
            "popularity": rate(*hits_ndcg(e["pop"], hidden[ev], anchor[ev])),
            "co_favorite_of_last": rate(*hits_ndcg(anchor[ev] @ co + tiny, hidden[ev], anchor[ev])),
        },
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/thredup")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    items, favs = load(Path(args.data))
    users, hidden, train = split(favs)
    R, pop, co, _ = matrices(items, train, users)
    W = rp3beta(R, pop)
    halves = np.array([bench_half(u) for u in users])
    tune, ev = np.flatnonzero(halves == "tuning"), np.flatnonzero(halves == "evaluation")
    hist = [train[u] for u in users]
    n = len(items)
    E = recency_weights(hist, n, None)
    out = {"users": {"tuning": len(tune), "evaluation": len(ev)}, "k": K, "seeds": args.seeds, "folds": args.folds, "feed": {}, "similar": {}}

    # Every choice on the tuning half: repeated CV per candidate setting, then the best setting's weights.
    # Scores count only inside the service's candidate pool (feed.ts, simulated: recs_pool.py).
    pool = pool_mask(items, hist, pop, W, POOLS["shipped"])
    inpool = lambda S, idx: np.where(pool[idx], S, -np.inf)  # noqa: E731
    feats, best = {}, None
    for name, (half_life, grid) in SETTINGS.items():
        if half_life not in feats:
            feats[half_life] = features(items, hist, n, pop, W, half_life)
        parts = {k: v[tune] for k, v in feats[half_life].items()}
        points = grid_points(grid)
        cache = [hits_ndcg(inpool(blend(parts, w), tune), hidden[tune], E[tune])[0] for w in points]
        held, chosen, per_fold = cross_validated(cache, points, [users[i] for i in tune], args)
        row = {
            "cv_hit_rate_pct_mean": round(100 * float(np.mean(held)), 2), "sd_over_seeds": round(100 * float(np.std(held)), 2),
            "sd_over_folds": round(100 * float(np.std(per_fold)), 2), "grid_points": len(points),
            "weights_chosen": {k: sorted({c[k] for c in chosen}) for k in grid if len(grid[k]) > 1},
        }
        out["feed"].setdefault("cv_on_tuning_half", {})[name] = row
        if name.endswith("rp3_zero"):
            continue  # outside what the issue allows: reported for its cost only
        if best is None or row["cv_hit_rate_pct_mean"] > best[1]:
            fitted = points[max(range(len(points)), key=lambda g: cache[g].mean())]
            best = (name, row["cv_hit_rate_pct_mean"], half_life, fitted)
    name, _, half_life, weights = best
    parts = {k: v[ev] for k, v in feats[half_life].items()}
    h, nd = hits_ndcg(inpool(blend(parts, weights), ev), hidden[ev], E[ev])
    tiny = 1e-6 * parts["pop"]
    shipped_parts = {k: v[ev] for k, v in feats[None].items()}
    out["feed"]["chosen"] = {"setting": name, "weights_fitted_on_tuning_half": weights}
    out["feed"]["evaluation_half"] = {
        "chosen": rate(h, nd),
        "previous_weights": rate(*hits_ndcg(inpool(blend(shipped_parts, SHIPPED), ev), hidden[ev], E[ev])),
        "popularity": rate(*hits_ndcg(parts["pop"], hidden[ev], E[ev])),
        "co_favorite": rate(*hits_ndcg(E[ev] @ co + tiny, hidden[ev], E[ev])),
        "size_match_popularity": rate(*hits_ndcg(shipped_parts["size"] + 0.5 * parts["pop"], hidden[ev], E[ev])),
    }

    out["similar"] = similar_study(items, users, hidden, train, tune, ev, co, W, feats[None]["pop"], args)

    # Candidate pools: recall (is the hidden item a candidate at all) and the chosen blend ranked inside each.
    pools = {}
    for pname, lists in POOLS.items():
        row = {}
        for half, idx in (("tuning", tune), ("evaluation", ev)):
            mask = pool_mask(items, [hist[i] for i in idx], pop, W, lists)
            parts = {k: v[idx] for k, v in feats[half_life].items()}
            S = np.where(mask, blend(parts, weights), -np.inf)
            row[half] = {"recall_pct": round(100 * float(mask[np.arange(len(idx)), hidden[idx]].mean()), 2),
                         "pool_size_mean": int(mask.sum(1).mean()), "blend_in_pool": rate(hits_ndcg(S, hidden[idx], E[idx])[0])}
        pools[pname] = row
    out["feed"]["candidate_pools"] = pools
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
