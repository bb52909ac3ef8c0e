"""train_feed.py reads only rows of the serving feature spec and ranks the way the feed does."""
import hashlib
import json

import numpy as np
import pytest

import train_feed


def _export(path, sha):
    names = json.loads(train_feed.SPEC.read_text())["features"]
    width = len(names)
    lines = [{"feature_spec_sha256": sha, "feature_names": [f["name"] for f in names]},
             {"user": "u1", "target": "b", "in_pool": True, "ids": ["a", "b"], "features": [[0.0] * width, [1.0] * width]}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")


def test_refuses_rows_of_another_feature_spec(tmp_path):
    _export(tmp_path / "feed.jsonl", "0" * 64)
    with pytest.raises(SystemExit, match="re-export"):
        train_feed.load(tmp_path / "feed.jsonl")


def test_reads_rows_of_the_spec(tmp_path):
    _export(tmp_path / "feed.jsonl", hashlib.sha256(train_feed.SPEC.read_bytes()).hexdigest())
    names, queries = train_feed.load(tmp_path / "feed.jsonl")
    assert names[-1].startswith("source_") and len(queries) == 1
    assert queries[0]["y"].tolist() == [0.0, 1.0]


def test_hit_orders_by_score_then_id_like_the_feed():
    q = {"ids": np.array([f"i{k:02d}" for k in range(30)]), "y": np.zeros(30, np.float32)}
    q["y"][25] = 1
    scores = np.zeros(30)
    assert train_feed.hit_ndcg(scores, q) == (0.0, 0.0)  # all tied: id order puts i25 at rank 26
    scores[25] = 1
    assert train_feed.hit_ndcg(scores, q) == (1.0, 1.0)
    q["y"][:] = 0
    assert train_feed.hit_ndcg(scores, q) == (0.0, 0.0)  # favorite not a candidate: a miss


def test_dropped_columns_are_zeroed_and_unknown_ones_refused():
    names = ["freshness", "log_price", "blend"]
    q = {"X": np.ones((2, 3), np.float32)}
    train_feed.drop_columns([q], names, ["freshness"])
    assert q["X"].tolist() == [[0, 1, 1], [0, 1, 1]]
    with pytest.raises(SystemExit, match="no column"):
        train_feed.drop_columns([q], names, ["freshnes"])


def test_memorisation_check_moves_whole_items_and_the_blend_with_them():
    import feed_memorisation
    names = json.loads(train_feed.SPEC.read_text())["features"]
    names = [f["name"] for f in names]
    fresh, blend, lp, pvm = (names.index(c) for c in ("freshness", "blend", "log_price", "price_vs_median"))
    rng = np.random.default_rng(3)
    items = [f"i{k}" for k in range(6)]
    value = {i: (rng.random(), rng.random() + 1) for i in items}
    queries = []
    for u in range(3):
        ids = np.array(items[u:u + 4])
        X = np.zeros((4, len(names)), np.float32)
        X[:, fresh] = [value[i][0] for i in ids]
        X[:, lp] = [value[i][1] for i in ids]
        X[:, blend] = 2 + 0.1 * X[:, fresh]
        X[:, pvm] = X[:, lp] - u
        queries.append({"ids": ids, "raw": X})
    out = feed_memorisation.shuffled(queries, names, ("freshness", "log_price"), np.random.default_rng(0))
    seen = {}
    for q, X in zip(queries, out):
        for i, row in zip(q["ids"], X):
            assert seen.setdefault(i, (row[fresh], row[lp])) == (row[fresh], row[lp])  # one value per item
            assert row[blend] == pytest.approx(2 + 0.1 * row[fresh], abs=1e-5)
    assert sorted(v[0] for v in seen.values()) == pytest.approx(sorted(v[0] for v in value.values()))
    for u, X in enumerate(out):
        assert X[:, pvm] == pytest.approx(X[:, lp] - u, abs=1e-5)
