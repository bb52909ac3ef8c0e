"""Does the learned feed ranker recognise items by their id-derived columns? (issue 18's rule: no signal from ids)

On the thredUp bench a listing's creation time is a hash of its id, so `freshness` is a per-item constant unique
to each of the ~2,800 candidate items, and `log_price` a per-item constant unique to some. A model that uses them
as keys can learn "this listing is often a last favorite" from the tuning users and carry it to every other user
(the halves share the items). The check: score each user's candidates again with those columns *shuffled among
items* (every listing gets another listing's value, the same one in every user's rows; the `blend` column, which
adds freshness x its weight, and `price_vs_median`, which is log price minus a per-user constant, are moved with
them; `price_fit`, a 0/1 band test, is left as it was). Creation times carry no real signal here, so a model that
has not memorised items ranks as well with them shuffled; a drop is what identity was worth to it.

Two readings, seed 0's 5 folds (train_feed.fit, the same setting and --drop-features as the model checked):
out of fold (each user scored by a model fitted without them: what memorisation transfers to unseen users, the
leakage) and in sample (one model on every user: what it memorised of its own training users); beside them the
blend column under the same shuffles (no model: what the blend's own freshness term loses).

    OMP_NUM_THREADS=1 python3 models/pipeline/feed_memorisation.py --data .data/training/feed.jsonl \\
        --setting 7,200,100 [--drop-features freshness,log_price] [--permutations 5]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from recs_offline import fold_of
from train_feed import ROOT, SPEC, drop_columns, fit, hit_ndcg, load

MODES = {"freshness": ("freshness",), "freshness_and_price": ("freshness", "log_price")}


def shuffled(queries: list[dict], names: list[str], cols: tuple[str, ...], rng: np.random.Generator) -> list[np.ndarray]:
    """Each query's raw rows with `cols` permuted among items (one permutation of whole items for all users)."""
    w_fresh = json.loads(SPEC.read_text())["blend_weights"]["freshness"]
    idx = [names.index(c) for c in cols]
    items = sorted({i for q in queries for i in q["ids"]})
    value = {}
    for q in queries:
        for i, row in zip(q["ids"], q["raw"]):
            value.setdefault(i, row[idx])
    perm = rng.permutation(len(items))
    new = {items[k]: value[items[perm[k]]] for k in range(len(items))}
    out = []
    for q in queries:
        X = q["raw"].copy()
        delta = np.array([new[i] for i in q["ids"]]) - X[:, idx]
        X[:, idx] += delta
        for j, c in enumerate(cols):
            if c == "freshness":
                X[:, names.index("blend")] += w_fresh * delta[:, j]
            if c == "log_price":
                pvm = names.index("price_vs_median")
                X[:, pvm] = np.where(X[:, pvm] != 0, X[:, pvm] + delta[:, j], 0)
        out.append(X)
    return out


def summarise(res: dict, permutations: int) -> dict:
    """Hit-rate as is, and per shuffle mode its mean over the permutations and the drop from as is."""
    out = {"as_is": round(res["as_is"], 2)}
    for mode in MODES:
        per = [res[f"{mode}/{p}"] for p in range(permutations)]
        out[mode] = {"mean": round(float(np.mean(per)), 2), "per_permutation": [round(x, 2) for x in per],
                     "drop_points": round(res["as_is"] - float(np.mean(per)), 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / ".data/training/feed.jsonl"))
    ap.add_argument("--setting", required=True, metavar="LEAVES,MIN_DATA,TREES")
    ap.add_argument("--drop-features", default="")
    ap.add_argument("--permutations", type=int, default=5)
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    leaves, min_data, trees = (int(v) for v in args.setting.split(","))
    shape = {"num_leaves": leaves, "min_data_in_leaf": min_data}
    drop = [c for c in args.drop_features.split(",") if c]
    names, queries = load(Path(args.data))
    for q in queries:
        q["raw"] = q["X"].copy()
    drop_columns(queries, names, drop)
    idx = [names.index(c) for c in drop]
    variants = {"as_is": [q["raw"] for q in queries]}
    for mode, cols in MODES.items():
        for p in range(args.permutations):
            variants[f"{mode}/{p}"] = shuffled(queries, names, cols, np.random.default_rng(p))

    def hits(models: list, which: np.ndarray) -> dict:
        res = {}
        for v, Xs in variants.items():
            h = []
            for i, q in enumerate(queries):
                X = Xs[i].copy()
                X[:, idx] = 0  # as in training and as the model sees it (no split on these)
                h.append(hit_ndcg(models[which[i]].predict(X), q)[0])
            res[v] = 100 * float(np.mean(h))
        return summarise(res, args.permutations)

    def blend_hits() -> dict:
        # The control: the service's hand-weighted blend (freshness weight 0.1) over the same shuffles, no model.
        b = names.index("blend")
        res = {v: 100 * float(np.mean([hit_ndcg(Xs[i][:, b], q)[0] for i, q in enumerate(queries)])) for v, Xs in variants.items()}
        return summarise(res, args.permutations)

    f = np.array([fold_of(q["user"], 0, args.folds) for q in queries])
    oof = [fit([q for q, fk in zip(queries, f) if fk != k], shape, trees) for k in range(args.folds)]
    full = fit(queries, shape, trees)
    print(json.dumps({"setting": args.setting, "features_unused": drop, "users": len(queries),
                      "blend_column": blend_hits(), "out_of_fold": hits(oof, f), "in_sample": hits([full], np.zeros(len(queries), int))}, indent=1))


if __name__ == "__main__":
    main()
