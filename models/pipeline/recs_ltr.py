"""A learned ranker (LightGBM lambdarank) for the home feed on the thredUp favorites, against the linear blend.

Same protocol as recs_offline.py (whose data loading, RP3beta, features, pool and metrics it reuses): each
2+-favorite user's last favorite (items.jsonl order) is hidden; users split by `bench_half`; every choice is
made by repeated cross-validation over the *tuning* half's users (5 folds x 3 seeds), and the evaluation
half is measured once, only if the ranker beats the blend under CV by more than the sd over shuffles.

More training examples: besides a training user's last favorite, every earlier position k of their favorite
sequence is a query (predict favorite k from favorites 1..k-1). Such a query must not see the user's own
favorites from k on: its popularity and RP3beta co-engagement are those of the favorites matrix with the
user's row cut to the prefix (`as_of_prefix`, exact, no refit), its candidate pool is built from them, and
its user features come from the prefix only. Hidden (last) favorites of every user are outside the matrix,
as in recs_offline.py, so a test fold's held-out items never reach any feature. Test users are always scored
on the last-favorite task, inside the simulated candidate pool (recs_pool.py), their other favorites excluded.

Hyperparameters (num_leaves 7/15 x min_data_in_leaf 20/50 x 100/300 trees) are chosen per outer fold by an
inner CV over the other four folds (a model per pair of left-out folds), never on the fold it scores.

    OMP_NUM_THREADS=1 python3 models/pipeline/recs_ltr.py [--data DIR] [--seeds 3] [--folds 5] [--export]

Prints JSON. --last-only trains on last favorites only (CV only). --fit-only L,M,T --export fits one
setting on every tuning query (no CV, no evaluation half) and writes .data/recs-ltr/model.onnx (not committed)
and the column order, COLUMNS.
"""
from __future__ import annotations

import argparse
import json
import time
from itertools import combinations
from pathlib import Path

import lightgbm as lgb
import numpy as np

from recs_offline import (K, SETTINGS, bench_half, blend, cross_validated, features, fold_of, grid_points, hits_ndcg,
                          load, matrices, norm_rows, popularity_feature, rate, rp3beta, split, POOLS)
from recs_pool import pool_mask

BETA = 0.5  # rp3beta's default, as recs_offline.py calls it
# The service's current feed weights (weights.ts, in recs_offline.py's names): a baseline beside the CV's.
SERVICE = {"size": 1.0, "brand": 1.0, "cat": 0.5, "pop": 1.0, "rp3": 0.5, "fresh": 0.1}
# Columns of a candidate row. The first ones are recs_offline.features(); then raw inputs a tree can use.
FEATS = ["size", "dept", "brand", "cat", "color", "size_dept", "size_cat", "new", "pop", "rp3", "price", "fresh", "pop_size"]
RAW = ["rp3_raw", "item_dept", "log_price", "price_vs_median", "n_likes"]
COLUMNS = FEATS + RAW + ["blend"]  # blend: the linear blend with the weights CV chose on the training users
PARAMS = {"objective": "lambdarank", "metric": "ndcg", "learning_rate": 0.05, "num_threads": 1, "verbose": -1,
          "deterministic": True, "seed": 1, "lambdarank_truncation_level": K + 10}
SHAPES = [{"num_leaves": nl, "min_data_in_leaf": md} for nl in (7, 15) for md in (20, 50)]
TREES = (100, 300)
NEGATIVES = 300


def rp3_parts(R, pop):
    """C with W = diag(1/pop) C diag(pop^-beta) (recs_offline.rp3beta, alpha 1): C = R^T diag(1/d_u) R."""
    du = R.sum(1, keepdims=True)
    return R.T @ np.divide(R, du, out=np.zeros_like(R), where=du > 0)


def as_of_prefix(C, pop, visible: list[int], prefix: list[int]):
    """Popularity and the RP3beta rows of the prefix's items as if the user had liked only `prefix`
    (their row of the favorites matrix holds `visible`): the user's later likes leave the item degrees,
    and the user's own co-occurrence term is that of the prefix. Returns (pop, {item: W row})."""
    n = len(pop)
    full, pre = np.zeros(n, np.float32), np.zeros(n, np.float32)
    full[list(set(visible))], pre[list(set(prefix))] = 1, 1
    pop_q = pop - full + pre
    items = sorted(set(prefix))
    rows = C[items] - full[None, :] / full.sum() + pre[None, :] / pre.sum()
    rows = rows / pop[items][:, None] / np.power(np.maximum(pop_q, 1), BETA)[None, :]
    rows[np.arange(len(items)), items] = 0
    return pop_q, dict(zip(items, rows.astype(np.float32)))


def user_queries(users, hidden, train, tuning_idx):
    """(user index, prefix, target, later favorites, is_last) for every position k >= 1 of each user's sequence."""
    out = []
    for i in tuning_idx:
        seq = train[users[i]] + [int(hidden[i])]
        for k in range(1, len(seq)):
            out.append((i, seq[:k], seq[k], seq[k + 1:], k == len(seq) - 1))
    return out


def build(items, queries, train, users, pop, W, C, lists):
    """Per query: candidate items (pool minus the user's other favorites), feature rows (COLUMNS minus blend), label."""
    n = len(items)
    prefixes = [q[1] for q in queries]
    F = features(items, prefixes, n, pop, W, None)  # global pop/W; rows of earlier positions are redone below
    last = [j for j, q in enumerate(queries) if q[4]]
    pool = np.zeros((len(queries), n), bool) if lists else np.ones((len(queries), n), bool)  # lists None: the whole catalog
    if lists:
        pool[last] = pool_mask(items, [prefixes[j] for j in last], pop, W, lists)
    raw = np.zeros((len(queries), n), np.float32)
    raw[last] = (np.stack([np.isin(np.arange(n), prefixes[j]) for j in last]).astype(np.float32)) @ W
    for j, (i, prefix, _target, _later, is_last) in enumerate(queries):
        if is_last:
            continue  # the global matrices already exclude the user's hidden last favorite
        pop_q, rows = as_of_prefix(C, pop, train[users[i]], prefix)
        if lists:
            pool[j] = pool_mask(items, [prefix], pop_q, rows, lists)[0]
        raw[j] = sum(rows.values())
        F["pop"][j] = popularity_feature(pop_q)
        F["rp3"][j] = norm_rows(raw[j][None, :])[0]
        F["pop_size"][j] = F["pop"][j] * F["size"][j]
    prices = np.array([it["price_cents"] for it in items], np.float32)
    depts = sorted({it["department"] for it in items})
    dept = np.array([depts.index(it["department"]) for it in items], np.float32)
    out = []
    for j, (i, prefix, target, later, _) in enumerate(queries):
        mask = pool[j].copy()
        mask[prefix + later] = False  # known favorites are excluded; later ones are not negatives either
        cand = np.flatnonzero(mask)
        cols = [F[f][j, cand] for f in FEATS] + [raw[j, cand], dept[cand], np.log(prices[cand]),
                                                 np.log(prices[cand] / np.median(prices[prefix])), np.full(len(cand), len(prefix), np.float32)]
        out.append({"user": i, "cand": cand, "X": np.stack(cols, 1).astype(np.float32), "y": (cand == target).astype(np.float32),
                    "target": target, "last": queries[j][4]})
    return out


def with_blend(X, w):
    return np.hstack([X, sum(w[k] * X[:, FEATS.index(k)] for k in w if w[k])[:, None]])


def fit(qs, w, shape, trees=max(TREES)):
    qs = [q for q in qs if q["y"].any()]  # a query whose favorite is not a candidate carries no gradient
    rows = [q.get("fit", slice(None)) for q in qs]  # whole catalog: the favorite and sampled negatives
    X = np.vstack([with_blend(q["X"][r], w) for q, r in zip(qs, rows)])
    y = np.concatenate([q["y"][r] for q, r in zip(qs, rows)])
    return lgb.train({**PARAMS, **shape}, lgb.Dataset(X, y, group=[len(q["y"][r]) for q, r in zip(qs, rows)]), num_boost_round=trees)


def score(booster, qs, w, n, trees):
    """users x items scores: -inf outside each query's candidates (for hits_ndcg)."""
    S = np.full((len(qs), n), -np.inf, np.float32)
    for r, q in enumerate(qs):
        if len(q["cand"]):
            S[r, q["cand"]] = booster.predict(with_blend(q["X"], w), num_iteration=trees)
    return S


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/data/thredup")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--last-only", action="store_true", help="ablation: train on last favorites only (~830 queries); CV only")
    ap.add_argument("--catalog", action="store_true", help="ablation: rank the whole catalog (train on the favorite + "
                    f"{NEGATIVES} random negatives per query; 15 leaves, min 50; trees by inner CV); CV only")
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--fit-only", metavar="LEAVES,MIN_DATA,TREES", help="no CV, no evaluation half: fit this setting on every "
                    "tuning query (blend feature weights fitted on the tuning half), print gain per column, export with --export")
    args = ap.parse_args()
    t0 = time.time()
    items, favs = load(Path(args.data))
    users, hidden, train = split(favs)
    R, pop, co, _ = matrices(items, train, users)
    W, C = rp3beta(R, pop), rp3_parts(R, pop)
    n = len(items)
    halves = np.array([bench_half(u) for u in users])
    tune, ev = np.flatnonzero(halves == "tuning"), np.flatnonzero(halves == "evaluation")
    lists = None if args.catalog else POOLS["shipped"]
    if args.catalog:
        SHAPES[:] = [{"num_leaves": 15, "min_data_in_leaf": 50}]  # the pool CV's best fixed shape; trees still chosen inside
    queries = user_queries(users, hidden, train, tune)
    if args.last_only:
        queries = [q for q in queries if q[4]]
    qs = build(items, queries, train, users, pop, W, C, lists)
    if args.catalog:
        for j, q in enumerate(qs):
            neg = np.flatnonzero(q["y"] == 0)
            q["fit"] = np.sort(np.concatenate([np.flatnonzero(q["y"]), np.random.default_rng(j).choice(neg, NEGATIVES, replace=False)]))
    last = {q["user"]: q for q in qs if q["last"]}
    test_q = [last[i] for i in tune]  # the last-favorite task, in tune order
    out = {"users": {"tuning": len(tune), "evaluation": len(ev)}, "queries": len(qs), "queries_with_favorite_in_pool": sum(int(q["y"].any()) for q in qs),
           "last_favorite_in_pool": sum(int(q["y"].any()) for q in test_q), "rows": int(sum(len(q["y"]) for q in qs)), "build_s": round(time.time() - t0, 1)}

    # The linear blend, exactly as recs_offline.py's "shipped_features" setting (pool, freshness), same folds.
    hist = [train[users[i]] for i in tune]
    Ft = features(items, hist, n, pop, W, None)
    E = np.zeros((len(tune), n), np.float32)
    for r, h in enumerate(hist):
        E[r, h] = 1
    pool_t = pool_mask(items, hist, pop, W, lists) if lists else np.ones((len(tune), n), bool)
    points = grid_points(SETTINGS["shipped_features"][1])
    cache = [hits_ndcg(np.where(pool_t, blend(Ft, w), -np.inf), hidden[tune], E)[0] for w in points]
    tune_users = [users[i] for i in tune]
    best_w = lambda mask: points[max(range(len(points)), key=lambda g: cache[g][mask].mean())]  # noqa: E731
    if args.fit_only:
        leaves, min_data, trees = (int(v) for v in args.fit_only.split(","))
        w = best_w(np.ones(len(tune), bool))
        booster = fit(qs, w, {"num_leaves": leaves, "min_data_in_leaf": min_data}, trees)
        gain = booster.feature_importance("gain")
        out["fit_only"] = {"blend_feature_weights": w, "gain_share_pct": {c: round(100 * float(g / gain.sum()), 1) for c, g in sorted(zip(COLUMNS, gain), key=lambda cg: -cg[1])}}
        if args.export:
            out["fit_only"]["export"] = export(booster, trees)
        print(json.dumps(out, indent=1))
        return
    held, _, per_fold = cross_validated(cache, points, tune_users, args)
    service_hits = hits_ndcg(np.where(pool_t, blend(Ft, SERVICE), -np.inf), hidden[tune], E)[0]

    # The ranker: per seed, a model per outer fold (4 folds) and per pair of folds (3 folds, the inner CV).
    by_user = {}
    for q in qs:
        by_user.setdefault(q["user"], []).append(q)
    settings = [(s, t) for s in range(len(SHAPES)) for t in TREES]
    ltr_held, ltr_per_fold, chosen, fixed = [], [], [], {st: [] for st in settings}
    service_seed, fit_s = [], []
    for seed in range(args.seeds):
        f = np.array([fold_of(u, seed, args.folds) for u in tune_users])
        inner = {st: np.zeros((args.folds, len(tune))) for st in settings}  # inner[st][k, r]: r's hit, model without folds k and f[r]
        for a, b in combinations(range(args.folds), 2):
            out_ab = (f == a) | (f == b)
            w = best_w(~out_ab)
            train_q = [q for r in np.flatnonzero(~out_ab) for q in by_user[tune[r]]]
            for s, shape in enumerate(SHAPES):
                t1 = time.time()
                booster = fit(train_q, w, shape)
                fit_s.append(time.time() - t1)
                for trees in TREES:
                    for k, other in ((a, b), (b, a)):
                        rows = np.flatnonzero(f == other)
                        inner[(s, trees)][k, rows] = hits_ndcg(score(booster, [test_q[r] for r in rows], w, n, trees), hidden[tune[rows]], E[rows])[0]
        hits = np.zeros(len(tune))
        outer = {st: np.zeros(len(tune)) for st in settings}
        for k in range(args.folds):
            test = f == k
            w = best_w(~test)
            train_q = [q for r in np.flatnonzero(~test) for q in by_user[tune[r]]]
            rows = np.flatnonzero(test)
            for s, shape in enumerate(SHAPES):
                booster = fit(train_q, w, shape)
                for trees in TREES:
                    outer[(s, trees)][rows] = hits_ndcg(score(booster, [test_q[r] for r in rows], w, n, trees), hidden[tune[rows]], E[rows])[0]
            pick = max(settings, key=lambda st: inner[st][k, ~test].mean())
            hits[rows] = outer[pick][rows]
            chosen.append({**SHAPES[pick[0]], "trees": pick[1]})
            ltr_per_fold.append(hits[rows].mean())
        ltr_held.append(hits.mean())
        for st in settings:
            fixed[st].append(outer[st].mean())
        service_seed.append(service_hits.mean())
        print(json.dumps({"seed": seed, "ltr": round(100 * hits.mean(), 2), "blend": round(100 * held[seed], 2), "elapsed_s": round(time.time() - t0)}), flush=True)

    pct = lambda v: round(100 * float(v), 2)  # noqa: E731
    out["cv_on_tuning_half"] = {
        "ltr_nested": {"cv_hit_rate_pct_mean": pct(np.mean(ltr_held)), "sd_over_seeds": pct(np.std(ltr_held)), "sd_over_folds": pct(np.std(ltr_per_fold)),
                       "chosen": [dict(t) for t in {tuple(c.items()) for c in chosen}]},
        "linear_blend": {"cv_hit_rate_pct_mean": pct(np.mean(held)), "sd_over_seeds": pct(np.std(held)), "sd_over_folds": pct(np.std(per_fold))},
        "service_weights_fixed": {"hit_rate_pct": pct(np.mean(service_seed))},
        "ltr_fixed_settings": {f"leaves{SHAPES[s]['num_leaves']}_min{SHAPES[s]['min_data_in_leaf']}_trees{t}": {"cv_mean": pct(np.mean(v)), "sd_over_seeds": pct(np.std(v))} for (s, t), v in fixed.items()},
    }
    counts = {}
    for c in chosen:
        counts[json.dumps(c)] = counts.get(json.dumps(c), 0) + 1
    out["cv_on_tuning_half"]["ltr_nested"]["chosen_counts"] = counts
    out["fit_s_mean"] = round(float(np.mean(fit_s)), 2)
    margin = np.mean(ltr_held) - np.mean(held)
    out["rule"] = {"ltr_minus_blend_pct": pct(margin), "sd_over_shuffles_pct": pct(np.std(ltr_held)), "wins": bool(margin > np.std(ltr_held))}
    if out["rule"]["wins"] and not (args.last_only or args.catalog):  # ablations never touch the evaluation half
        out["evaluation_half"] = evaluate(items, users, hidden, train, tune, ev, pop, W, co, cache, points, fixed, settings, by_user, lists, args)
    out["elapsed_s"] = round(time.time() - t0)
    print(json.dumps(out, indent=1))


def evaluate(items, users, hidden, train, tune, ev, pop, W, co, cache, points, fixed, settings, by_user, lists, args):
    """Once: the setting with the best CV mean, fitted on every tuning query, measured on the evaluation half."""
    n = len(items)
    s, trees = max(settings, key=lambda st: np.mean(fixed[st]))
    w = points[max(range(len(points)), key=lambda g: cache[g].mean())]
    booster = fit([q for i in tune for q in by_user[i]], w, SHAPES[s], trees)
    eq = build(items, [(i, train[users[i]], int(hidden[i]), [], True) for i in ev], train, users, pop, W, None, lists)
    hist = [train[users[i]] for i in ev]
    F = features(items, hist, n, pop, W, None)
    E = np.zeros((len(ev), n), np.float32)
    for r, h in enumerate(hist):
        E[r, h] = 1
    pool = pool_mask(items, hist, pop, W, lists)
    res = {"setting": {**SHAPES[s], "trees": trees, "blend_feature_weights": w},
           "ltr": rate(*hits_ndcg(score(booster, eq, w, n, trees), hidden[ev], E)),
           "linear_blend_cv_fitted": rate(*hits_ndcg(np.where(pool, blend(F, w), -np.inf), hidden[ev], E)),
           "linear_blend_service_weights": rate(*hits_ndcg(np.where(pool, blend(F, SERVICE), -np.inf), hidden[ev], E)),
           "popularity": rate(*hits_ndcg(F["pop"], hidden[ev], E)),
           "co_favorite": rate(*hits_ndcg(E @ co + 1e-6 * F["pop"], hidden[ev], E))}
    if args.export:
        res["export"] = export(booster, trees)
    return res


def export(booster, trees):
    import onnxmltools
    import onnxruntime as ort
    from onnxmltools.convert.common.data_types import FloatTensorType
    root = Path(__file__).resolve().parents[2] / ".data" / "recs-ltr"
    root.mkdir(parents=True, exist_ok=True)
    b = lgb.Booster(model_str=booster.model_to_string(num_iteration=trees).replace("objective=lambdarank", "objective=regression"))
    model = onnxmltools.convert_lightgbm(b, initial_types=[("input", FloatTensorType([None, len(COLUMNS)]))], target_opset=15, zipmap=False)
    (root / "model.onnx").write_bytes(model.SerializeToString())
    x = np.random.default_rng(0).random((50, len(COLUMNS)), dtype=np.float32)
    diff = float(np.max(np.abs(ort.InferenceSession(str(root / "model.onnx")).run(None, {"input": x})[0].reshape(-1) - booster.predict(x, num_iteration=trees))))
    (root / "features.json").write_text(json.dumps({"columns": COLUMNS}, indent=1))
    return {"path": ".data/recs-ltr/model.onnx", "columns": COLUMNS, "onnx_max_abs_diff": diff}


if __name__ == "__main__":
    main()
