"""Video -> music retrieval over a held-out pool: Recall@K and median rank.

Query i (the video of item i, with or without its text) is scored against the music segments of
every item in the pool. Segment level: the target is item i's own segment. Track level: a track
scores the best of its segments, and the target is item i's track.
A target's rank is 1 + the number of candidates scoring strictly higher (ties favour the target).
"""
from __future__ import annotations

import statistics
from typing import Dict, List, Sequence

import torch

from .data import Dataset

KS = (1, 5, 10)


def ranks_from_similarity(sim: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """sim [Q, C], targets [Q] column indices -> 1-based ranks [Q]."""
    target_scores = sim.gather(1, targets[:, None])
    return (sim > target_scores).sum(dim=1) + 1


def summarize(ranks: torch.Tensor, pool: int) -> Dict[str, float]:
    r = ranks.double()
    out = {f"R@{k}": round(float((r <= k).double().mean()), 4) for k in KS}
    out["medianRank"] = float(statistics.median(r.tolist()))
    out["queries"] = int(r.numel())
    out["pool"] = pool
    return out


def chance(pool: int) -> Dict[str, float]:
    """What a random ranking would score on a pool of this size (one target per query)."""
    out = {f"R@{k}": round(min(k, pool) / pool, 4) for k in KS}
    out["medianRank"] = (pool + 1) / 2
    out["pool"] = pool
    return out


def segment_metrics(sim: torch.Tensor) -> Dict[str, float]:
    """sim [N, N] with query i's true segment in column i."""
    return summarize(ranks_from_similarity(sim, torch.arange(sim.shape[0])), sim.shape[1])


def track_metrics(sim: torch.Tensor, track_ids: Sequence[str]) -> Dict[str, float]:
    """sim [N, N]; column j belongs to track track_ids[j]; query i's target is track_ids[i]."""
    tracks: List[str] = sorted(set(track_ids))
    column_track = torch.tensor([tracks.index(t) for t in track_ids])
    per_track = torch.stack([sim[:, column_track == k].max(dim=1).values for k in range(len(tracks))], dim=1)
    return summarize(ranks_from_similarity(per_track, column_track), len(tracks))


@torch.no_grad()
def embed(model, dataset: Dataset, indices: torch.Tensor, with_text: bool, batch_size: int = 256) -> tuple:
    model.eval()
    queries, musics = [], []
    for start in range(0, indices.numel(), batch_size):
        b = dataset.batch(indices[start : start + batch_size], with_text=with_text)
        queries.append(model.query(b["video"], b["video_mask"], b["text"], b["text_mask"]))
        musics.append(model.music(b["music"], b["music_mask"]))
    return torch.cat(queries), torch.cat(musics)


def evaluate_split(model, dataset: Dataset, indices: torch.Tensor, with_text: bool) -> Dict[str, dict]:
    if indices.numel() == 0:
        raise ValueError(f"{dataset.root}: the evaluation split is empty")
    was_training = model.training
    query, music = embed(model, dataset, indices, with_text)
    if was_training:
        model.train()
    sim = query @ music.t()
    return {"segment": segment_metrics(sim), "track": track_metrics(sim, dataset.track_ids(indices))}


def evaluate(model, dataset: Dataset, split: str = "test") -> Dict[str, dict]:
    """Both text conditions on one split, with the chance level of its pool."""
    indices = dataset.split(split)
    result = {"split": split}
    for name, with_text in (("videoText", True), ("videoOnly", False)):
        result[name] = evaluate_split(model, dataset, indices, with_text)
    result["chance"] = {"segment": chance(indices.numel()), "track": chance(len(set(dataset.track_ids(indices))))}
    return result
