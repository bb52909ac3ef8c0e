import numpy as np
import pytest

from blend import Blend, blend_scores, columns, fit_blend
from cv_eval import Query

NAMES = ["bm25_norm", "semantic_cosine"]
# Candidate 0: BM25's top, poor cosine. 1: BM25's second. 2: found by kNN only, the best cosine.
ROWS = [
    {"docid": "a", "bm25_rank": 0, "knn_rank": None, "features": [1.0, 0.2]},
    {"docid": "b", "bm25_rank": 1, "knn_rank": 1, "features": [0.5, 0.4]},
    {"docid": "c", "bm25_rank": None, "knn_rank": 0, "features": [0.0, 0.8]},
]


def q(grades):
    return Query("tv", [dict(r, rating=grades.get(r["docid"])) for r in ROWS], grades)


def test_score_blend_moves_from_bm25_to_cosine_with_the_weight():
    c = columns(q({}), NAMES)
    assert list(np.argsort(-blend_scores(c, Blend("score", 1.0)))) == [0, 1, 2]
    assert list(np.argsort(-blend_scores(c, Blend("score", 0.0)))) == [2, 1, 0]
    # cosines min-max scaled within the candidates: 0 for the lowest, 1 for the highest.
    assert blend_scores(c, Blend("score_minmax", 0.0)).tolist() == pytest.approx([0.0, 1 / 3, 1.0])


def test_rank_parts_give_nothing_to_a_candidate_the_retriever_did_not_return():
    c = columns(q({}), NAMES)
    # k / (k + rank): 1 at BM25's top, 10/11 at its second, 0 for the kNN-only candidate.
    assert blend_scores(c, Blend("rank", 1.0, 10)).tolist() == pytest.approx([1.0, 10 / 11, 0.0])
    assert blend_scores(c, Blend("weighted_rrf", 0.0, 10)).tolist() == pytest.approx([0.0, 10 / 11, 1.0])


def test_fit_picks_the_weight_that_orders_the_training_queries_best():
    relevant_by_cosine = q({"c": 3.0, "a": 0.0})
    relevant_by_bm25 = q({"a": 3.0, "c": 0.0})
    cols = {"tv": columns(relevant_by_cosine, NAMES)}
    by_cosine = fit_blend("score", [relevant_by_cosine], cols)
    by_bm25 = fit_blend("score", [relevant_by_bm25], cols)
    assert np.argmax(blend_scores(cols["tv"], by_cosine)) == 2
    assert np.argmax(blend_scores(cols["tv"], by_bm25)) == 0
    # "a" tops "c" once w > 0.375 and "b" once w > 0.286: the lowest grid weight that does both.
    assert (by_cosine.w, by_bm25.w) == (0.0, 0.4)
