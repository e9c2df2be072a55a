import pytest
import torch

from viml.evaluate import chance, ranks_from_similarity, segment_metrics, track_metrics


def test_identity_similarity_puts_every_target_first():
    figures = segment_metrics(torch.eye(12))
    assert figures["R@1"] == figures["R@5"] == figures["R@10"] == 1.0
    assert figures["medianRank"] == 1.0 and figures["pool"] == 12


def test_ranks_count_candidates_scoring_strictly_higher():
    sim = torch.tensor([[0.9, 0.1, 0.2], [0.8, 0.5, 0.9], [0.3, 0.2, 0.1]])
    assert ranks_from_similarity(sim, torch.arange(3)).tolist() == [1, 3, 3]


def test_recall_and_median_rank_on_a_hand_made_matrix():
    # 20 queries; query i's target is placed at rank i + 1 by giving it the (i+1)-th highest score.
    n = 20
    sim = torch.zeros(n, n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        sim[i, others] = 1.0 - 0.05 * torch.arange(n - 1, dtype=torch.float32)
        sim[i, i] = 1.0 - 0.05 * i + 0.025  # exactly i others score higher
    figures = segment_metrics(sim)
    assert figures["R@1"] == pytest.approx(1 / 20)
    assert figures["R@5"] == pytest.approx(5 / 20)
    assert figures["R@10"] == pytest.approx(10 / 20)
    assert figures["medianRank"] == pytest.approx(10.5)  # ranks 1..20


def test_track_level_scores_a_track_by_its_best_segment():
    # Columns 0,1 belong to track A, 2,3 to track B, 4 to track C.
    tracks = ["A", "A", "B", "B", "C"]
    sim = torch.tensor([
        [0.1, 0.2, 0.9, 0.0, 0.3],  # target A (segment rank 3; A's best 0.2 < B 0.9, C 0.3 -> rank 3)
        [0.1, 0.5, 0.9, 0.0, 0.3],  # target A: best 0.5 beats C, loses to B -> rank 2
        [0.0, 0.0, 0.1, 0.8, 0.0],  # target B: its other segment scores 0.8 -> rank 1 at track level
        [0.9, 0.0, 0.0, 0.1, 0.0],  # target B: A scores 0.9 -> rank 2
        [0.0, 0.0, 0.0, 0.0, 1.0],  # target C -> rank 1
    ])
    figures = track_metrics(sim, tracks)
    assert figures["pool"] == 3
    assert figures["R@1"] == pytest.approx(2 / 5)
    assert figures["medianRank"] == 2.0
    segment = segment_metrics(sim)
    assert segment["R@1"] == pytest.approx(1 / 5)  # only query 4 ranks its own segment first


def test_chance_level_of_a_pool():
    assert chance(100) == {"R@1": 0.01, "R@5": 0.05, "R@10": 0.1, "medianRank": 50.5, "pool": 100}
    assert chance(4)["R@10"] == 1.0
