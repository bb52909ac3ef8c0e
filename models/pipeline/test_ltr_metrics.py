from ltr_metrics import learning_curve_splits, max_training_queries, mean_ndcg, ndcg_at_k, split_queries


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


def test_learning_curve_trains_and_tests_on_disjoint_queries_of_the_asked_sizes():
    queries = [f"q{i}" for i in range(40)]
    splits = list(learning_curve_splits(queries, sizes=[5, 20, 30, 31], folds=4, repeats=2, seed=3))
    # 30 queries are left beside each 10-query test fold: size 31 cannot be drawn and is skipped.
    assert sorted({size for _, size, _, _ in splits}) == [5, 20, 30]
    assert len(splits) == 2 * 4 * 3
    for _, size, train, test in splits:
        assert len(train) == size and len(test) == 10 and not train & test
    for rep in range(2):
        tested = [q for r, size, _, test in splits if r == rep and size == 5 for q in test]
        assert sorted(tested) == sorted(queries)
    # A larger size extends the smaller one's queries rather than drawing new ones: points differ by data added.
    by_key = {(r, frozenset(test), size): train for r, size, train, test in splits}
    for (r, test, size), train in by_key.items():
        if size == 20:
            assert by_key[(r, test, 5)] < train < by_key[(r, test, 30)]
    assert [t for _, _, _, t in splits] != [t for _, _, _, t in learning_curve_splits(queries, [5, 20, 30], 4, 2, seed=4)]


def test_learning_curve_sizes_stop_where_the_largest_fold_leaves_too_few():
    assert max_training_queries(65, 4) == 48
    queries = [f"q{i}" for i in range(65)]
    sizes = {size for _, size, _, _ in learning_curve_splits(queries, [48, 49], folds=4, repeats=1, seed=1)}
    assert sizes == {48}
