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
