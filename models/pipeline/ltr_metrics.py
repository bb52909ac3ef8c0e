"""Pure helpers of the training pipeline: query-level split and NDCG@k (tested in test_ltr_metrics.py)."""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from typing import Iterable, Iterator, Sequence


def split_queries(queries: Iterable[str], held_out_share: float, seed: int) -> tuple[set[str], set[str]]:
    """Deterministic split by a seeded hash of the query text: the same query always lands on the same side."""
    train, test = set(), set()
    for q in sorted(set(queries)):
        h = int(hashlib.sha256(f"{seed}:{q}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (test if h < held_out_share else train).add(q)
    return train, test


def dcg(ratings: Sequence[float], k: int) -> float:
    return sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ratings[:k]))


def ndcg_at_k(ratings_in_ranked_order: Sequence[float], k: int = 10) -> float:
    ideal = dcg(sorted(ratings_in_ranked_order, reverse=True), k)
    return dcg(ratings_in_ranked_order, k) / ideal if ideal > 0 else 0.0


def mean_ndcg(rows: Sequence[dict], scores: Sequence[float], k: int = 10) -> float:
    """Mean NDCG@k over queries, ranking each query's rows by score (ties: original order).

    Queries without any relevant judged candidate are left out: their NDCG is undefined (0/0), and
    counting them as 0 for every ranker only dilutes the comparison."""
    by_query: dict[str, list[tuple[float, int, float]]] = defaultdict(list)
    for i, (row, s) in enumerate(zip(rows, scores)):
        by_query[row["query"]].append((-s, i, row["rating"]))
    values = [ndcg_at_k([r for _, _, r in sorted(items)], k) for items in by_query.values() if any(r > 0 for _, _, r in items)]
    return sum(values) / len(values) if values else 0.0


def learning_curve_splits(queries: Iterable[str], sizes: Sequence[int], folds: int, repeats: int, seed: int) -> Iterator[tuple[int, int, set[str], set[str]]]:
    """(repeat, size, train, test) for a learning curve: in each repeat the queries are shuffled by a seeded
    hash and cut into `folds` test folds; for each fold, models of every size train on the first `size`
    queries of the rest. Sizes larger than the smallest rest (beside the largest fold) are skipped, so every
    point has the same test sets."""
    queries = sorted(set(queries))
    largest = max_training_queries(len(queries), folds)
    for rep in range(repeats):
        order = sorted(queries, key=lambda q: hashlib.sha256(f"{seed}:curve:{rep}:{q}".encode()).hexdigest())
        for k in range(folds):
            test = set(order[k::folds])
            rest = [q for q in order if q not in test]
            for size in sizes:
                if size <= largest:
                    yield rep, size, set(rest[:size]), test


def max_training_queries(n_queries: int, folds: int) -> int:
    """The most training queries every fold leaves: all but the largest test fold."""
    return n_queries - math.ceil(n_queries / folds)
