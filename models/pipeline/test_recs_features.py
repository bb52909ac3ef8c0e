"""The recommendation study's features on toy histories (the service computes the same; feed-score.test.ts)."""
import numpy as np

from recs_features import attribute_features, conditional_shares, onehot, price_fit, recency_weights

ITEMS = [
    {"size": "S", "department": "women", "brand": "a", "category": "tops", "color": "red", "new_with_tags": False},
    {"size": "M", "department": "women", "brand": "b", "category": "tops", "color": "red", "new_with_tags": True},
    {"size": "8", "department": "shoes", "brand": "a", "category": "boots", "color": "black", "new_with_tags": False},
    {"size": "S", "department": "shoes", "brand": "c", "category": "boots", "color": "black", "new_with_tags": False},
]


def test_recency_halves_per_like_back_and_none_weighs_all_equally():
    E = recency_weights([[0, 1, 2]], 4, 1.0)
    assert np.allclose(E[0], [0.25, 0.5, 1.0, 0.0])
    assert np.allclose(recency_weights([[0, 1, 2]], 4, None)[0], [1, 1, 1, 0])


def test_size_share_within_the_items_department_only():
    E = recency_weights([[0, 0, 2]], 4, None)  # a duplicate like counts once
    S = conditional_shares(E, onehot(ITEMS, "size"), onehot(ITEMS, "department"))
    # Women: the one like is size S; shoes: the one like is size 8, so a shoes item in S fits 0.
    assert np.allclose(S[0], [1.0, 0.0, 1.0, 0.0])
    assert np.allclose(conditional_shares(np.zeros((1, 4), np.float32), onehot(ITEMS, "size"), onehot(ITEMS, "department")), 0)


def test_global_size_share_mixes_departments():
    f = attribute_features(ITEMS, recency_weights([[0, 2]], 4, None))
    assert np.allclose(f["size"][0], [0.5, 0.0, 0.5, 0.5])
    assert np.allclose(f["size_dept"][0], [1.0, 0.0, 1.0, 0.0])
    assert np.allclose(f["new"][0], [0, 1, 0, 0])


def test_price_band_is_the_nearest_rank_20th_to_80th_percentile_and_needs_two_likes():
    prices = np.array([10, 20, 30, 40, 50], dtype=np.float32)
    E = recency_weights([[0, 2, 4], [1]], 5, None)
    band = price_fit(E, prices, [[0, 2, 4], [1]])
    # sorted [10, 30, 50]: ranks round(0.4) = 0 and round(1.6) = 2, so 10..50; one like: no band.
    assert band[0].tolist() == [1, 1, 1, 1, 1]
    assert band[1].tolist() == [0, 0, 0, 0, 0]
    narrow = price_fit(E, prices, [[0, 1, 2, 3, 4], [1]])
    assert narrow[0].tolist() == [0, 1, 1, 1, 0]  # sorted 10..50: ranks round(0.8) = 1, round(3.2) = 3
