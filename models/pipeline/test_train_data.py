import json
import math

from cv_eval import (bm25_order, build_queries, condensed_ndcg, fold_splits, gain, imputed_ndcg, judged_at_k, rrf_order,
                     standard_ndcg)
from train import load

ROWS = [
    {"query": "tv", "docid": "1", "rating": 3, "bm25_rank": 0, "knn_rank": None, "features": [1.0]},
    {"query": "tv", "docid": "2", "rating": None, "bm25_rank": 1, "knn_rank": 0, "features": [0.5]},
    {"query": "tv", "docid": "3", "rating": 2, "bm25_rank": 2, "knn_rank": None, "features": [0.0]},
    {"query": "tv", "docid": "4", "rating": 3, "bm25_rank": None, "knn_rank": 1, "features": [0.0]},
]
# docid 5 is graded but retrieved by neither: it belongs in the ideal order all the same.
JUDGMENTS = {"files": ["dev.csv", "pool-llm.csv"], "grades": {"tv": [["1", 3, 0], ["3", 2, 0], ["4", 3, 1], ["5", 1, 0]]}, "classes": {"tv": ["one_word"]}}


def test_load_reads_every_candidate_and_the_grades(tmp_path):
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n\n")
    (tmp_path / "judged.jsonl.judgments.json").write_text(json.dumps(JUDGMENTS))
    rows, judgments = load(path)
    assert [r["docid"] for r in rows] == ["1", "2", "3", "4"]
    assert judgments["grades"]["tv"][3] == ["5", 1, 0]


def test_standard_counts_unjudged_as_irrelevant_and_condensed_skips_them():
    q = build_queries(ROWS, JUDGMENTS, True, {1})["tv"]
    unjudged_second = [0, 1, 2]
    assert standard_ndcg(q, unjudged_second) < condensed_ndcg(q, unjudged_second)
    assert condensed_ndcg(q, unjudged_second) == condensed_ndcg(q, [0, 2])
    assert judged_at_k(q, unjudged_second) == 2 / 3
    # The ideal holds the unretrieved grade 1 too: even the best order of the candidates is below 1.
    assert standard_ndcg(q, [0, 3, 2]) < 1.0


def test_imputed_values_an_ungraded_item_at_the_pools_mean_gain():
    # The pool's one grade is a 3: an ungraded item is expected to be worth gain(3), in the list and the ideal.
    q = build_queries(ROWS, JUDGMENTS, True, {1})["tv"]
    assert q.ungraded_gain == gain(3)
    unjudged_second = [0, 1, 2]
    assert standard_ndcg(q, unjudged_second) < imputed_ndcg(q, unjudged_second) < 1.0
    # Worth a 3 in the list [7, 7, 3], and in the ideal beside the graded 7, 7, 3, 1.
    dcg = lambda gains: sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    assert math.isclose(imputed_ndcg(q, unjudged_second), dcg([7, 7, 3]) / dcg([7, 7, 7, 3, 1]))
    # With every item of the list graded, it is the standard figure; with no pool, nothing is imputed.
    assert imputed_ndcg(q, [0, 3, 2]) == standard_ndcg(q, [0, 3, 2])
    no_pool = build_queries(ROWS, JUDGMENTS, True, set())["tv"]
    assert no_pool.ungraded_gain is None and imputed_ndcg(no_pool, unjudged_second) == standard_ndcg(no_pool, unjudged_second)


def test_without_pool_its_grades_are_absent():
    q = build_queries(ROWS, JUDGMENTS, False, {1})["tv"]
    assert "4" not in q.grades and q.rows[3]["rating"] is None
    assert build_queries(ROWS, JUDGMENTS, True, {1})["tv"].rows[3]["rating"] == 3


def test_bm25_order_is_bm25s_own_list_and_rrf_unites_both():
    q = build_queries(ROWS, JUDGMENTS, True, {1})["tv"]
    assert bm25_order(q) == [0, 1, 2]
    # docid 2 is in both lists: it leads the fusion.
    assert rrf_order(q)[0] == 1 and set(rrf_order(q)) == {0, 1, 2, 3}


def test_folds_cover_every_query_once_per_seed():
    queries = [f"q{i}" for i in range(23)]
    tests = [t for seed, t in fold_splits(queries, 5, [1, 2]) if seed == 1]
    assert sorted(q for t in tests for q in t) == sorted(queries)
    assert [t for seed, t in fold_splits(queries, 5, [2]) ] != tests


def test_click_data_without_a_judgments_file_grades_from_its_own_labels(tmp_path):
    path = tmp_path / "clicks.jsonl"
    rows = [{"query": "imp-1", "docid": "a", "rating": 1, "bm25_rank": 0, "features": [1.0]}, {"query": "imp-1", "docid": "b", "rating": 0, "bm25_rank": 1, "features": [0.0]}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    rows, judgments = load(path)
    q = build_queries(rows, judgments, True, set())["imp-1"]
    assert q.grades == {"a": 1.0, "b": 0.0}
    assert standard_ndcg(q, [0, 1]) == 1.0
