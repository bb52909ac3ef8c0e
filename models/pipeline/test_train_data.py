import json

from train import load


def test_load_keeps_judged_rows_only(tmp_path):
    rows = [
        {"query": "tv", "docid": "1", "rating": 3, "bm25_rank": 0, "features": [1.0]},
        {"query": "tv", "docid": "2", "rating": None, "bm25_rank": 1, "features": [0.5]},
        {"query": "tv", "docid": "3", "rating": 0, "bm25_rank": 2, "features": [0.0]},
    ]
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    # An unjudged candidate is unknown, not irrelevant; a judged 0 stays.
    assert [r["docid"] for r in load(path)] == ["1", "3"]
