"""The ranker's sequential examples never see the user's own later favorites (synthetic data, no ../shared)."""
import numpy as np

from recs_ltr import as_of_prefix, build, rp3_parts, user_queries
from recs_offline import features, matrices, rp3beta
from recs_pool import pool_mask

SIZES, DEPTS, BRANDS = ["S", "M", "L"], ["women", "shoes"], ["a", "b", "c", "d"]


def toy(n_items=30, n_users=40, seed=0):
    rng = np.random.default_rng(seed)
    items = [{"id": f"i{j}", "size": SIZES[j % 3], "department": DEPTS[j % 2], "brand": BRANDS[j % 4], "category": f"c{j % 5}",
              "color": "red" if j % 3 else "blue", "colors": [], "new_with_tags": bool(j % 7 == 0), "price_cents": 1000 + 100 * j} for j in range(n_items)]
    train = {f"u{u}": sorted(rng.choice(n_items, size=rng.integers(1, 6), replace=False).tolist()) for u in range(n_users)}
    users = [u for u in train if len(train[u]) >= 2]
    hidden = np.array([train[u].pop() for u in users])
    return items, users, hidden, train


LISTS = {"trending": 3, "fresh": 2, "category": 2, "brand": 2, "sizes": 1, "per_size": 3, "neighbours": 3}


def test_prefix_popularity_and_coengagement_equal_a_refit_without_the_users_later_likes():
    items, users, hidden, train = toy()
    R, pop, _, _ = matrices(items, train, users)
    C = rp3_parts(R, pop)
    u = max(users, key=lambda v: len(train[v]))
    visible = train[u]
    assert len(visible) >= 3
    for k in range(1, len(visible)):
        prefix = visible[:k]
        pop_q, rows = as_of_prefix(C, pop, visible, prefix)
        cut = {**train, u: prefix}  # the world as of position k: the user's later likes never happened
        R2, pop2, _, _ = matrices(items, cut, users)
        W2 = rp3beta(R2, pop2)
        assert np.allclose(pop_q, pop2)
        for item, row in rows.items():
            assert np.allclose(row, W2[item], atol=1e-6)
        for later in visible[k:]:
            assert pop_q[later] == pop[later] - 1  # the user's own like of a later favorite is gone


def test_sequential_query_features_are_those_of_the_prefix_world():
    items, users, hidden, train = toy(seed=1)
    R, pop, _, _ = matrices(items, train, users)
    W, C = rp3beta(R, pop), rp3_parts(R, pop)
    idx = list(range(len(users)))
    queries = user_queries(users, hidden, train, idx)
    qs = build(items, queries, train, users, pop, W, C, LISTS)
    checked = 0
    for (i, prefix, target, later, is_last), q in zip(queries, qs):
        assert target not in prefix and set(q["cand"]).isdisjoint(prefix + later)  # no known or future favorite as a candidate
        assert q["y"].sum() == (target in q["cand"])
        if is_last:
            assert prefix == train[users[i]]
            continue
        cut = {**train, users[i]: prefix}
        R2, pop2, _, _ = matrices(items, cut, users)
        W2 = rp3beta(R2, pop2)
        F = features(items, [prefix], len(items), pop2, W2, None)
        pool = pool_mask(items, [prefix], pop2, W2, LISTS)[0]
        pool[prefix + later] = False
        assert q["cand"].tolist() == np.flatnonzero(pool).tolist()  # the candidate pool of the prefix world
        for col, name in enumerate(["size", "brand", "pop", "rp3", "pop_size", "fresh"]):
            j = ["size", "dept", "brand", "cat", "color", "size_dept", "size_cat", "new", "pop", "rp3", "price", "fresh", "pop_size"].index(name)
            assert np.allclose(q["X"][:, j], F[name][0, q["cand"]], atol=1e-5), name
        checked += 1
    assert checked > 5
