from ltr_metrics import mean_ndcg, ndcg_at_k, split_queries


def test_ndcg_perfect_and_reversed():
    assert ndcg_at_k([3, 2, 1, 0]) == 1.0
    assert 0 < ndcg_at_k([0, 1, 2, 3]) < 0.7
    assert ndcg_at_k([0, 0, 0]) == 0.0


def test_ndcg_cuts_at_k():
    assert ndcg_at_k([0, 3], k=1) == 0.0
    assert ndcg_at_k([3, 0], k=1) == 1.0


def test_split_is_deterministic_disjoint_and_complete():
    queries = [f"q{i}" for i in range(200)]
    a_train, a_test = split_queries(queries, 0.3, seed=7)
    b_train, b_test = split_queries(queries, 0.3, seed=7)
    assert (a_train, a_test) == (b_train, b_test)
    assert not a_train & a_test and a_train | a_test == set(queries)
    assert 40 < len(a_test) < 80
    assert split_queries(queries, 0.3, seed=8)[1] != a_test


def test_mean_ndcg_ranks_within_each_query():
    rows = [{"query": "a", "rating": 3}, {"query": "a", "rating": 0}, {"query": "b", "rating": 0}, {"query": "b", "rating": 2}]
    assert mean_ndcg(rows, [1.0, 0.0, 0.0, 1.0]) == 1.0
    assert mean_ndcg(rows, [0.0, 1.0, 1.0, 0.0]) < 0.7


def test_mean_ndcg_skips_queries_without_relevant_candidates():
    rows = [{"query": "a", "rating": 3}, {"query": "a", "rating": 0}, {"query": "none", "rating": 0}]
    assert mean_ndcg(rows, [1.0, 0.0, 5.0]) == 1.0
