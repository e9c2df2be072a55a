"""Factories for small datasets in the shard format, with a learnable video/text <-> music link."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
torch.set_num_threads(1)

from viml.data import write_dataset  # noqa: E402

CLIP_DIM, CLAP_DIM = 16, 12


def spec(**overrides) -> dict:
    base = {
        "clip": {"modelId": "fixture/clip", "dim": CLIP_DIM},
        "clap": {"modelId": "fixture/clap", "dim": CLAP_DIM},
        "textMode": "pooled",
        "fps": 1,
        "maxFrames": 8,
        "windowSeconds": 10,
        "segmentSeconds": 30,
        "hopSeconds": 15,
        "textSource": "test",
    }
    base.update(overrides)
    return base


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def shard_arrays(n: int, seed: int = 0, frames: int = 6, windows: int = 3, splits=("train",), id_prefix: str = "item") -> dict:
    """n items; a hidden code per item shows in its frames, text and music through fixed random
    projections (the same for every seed), plus noise, so matching pairs can be learned."""
    rng = np.random.default_rng(seed)
    fixed = np.random.default_rng(1234)
    to_clip, to_text, to_clap = fixed.normal(size=(8, CLIP_DIM)), fixed.normal(size=(8, CLIP_DIM)), fixed.normal(size=(8, CLAP_DIM))
    code = rng.normal(size=(n, 8))
    frames_len = rng.integers(2, frames + 1, size=n)
    windows_len = rng.integers(1, windows + 1, size=n)
    f = _unit(code[:, None, :] @ to_clip + 0.5 * rng.normal(size=(n, frames, CLIP_DIM)))
    m = _unit(code[:, None, :] @ to_clap + 0.5 * rng.normal(size=(n, windows, CLAP_DIM)))
    t = _unit(code[:, None, :] @ to_text + 0.5 * rng.normal(size=(n, 1, CLIP_DIM)))
    f *= (np.arange(frames)[None, :] < frames_len[:, None])[..., None]
    m *= (np.arange(windows)[None, :] < windows_len[:, None])[..., None]
    items = [
        {"id": f"{id_prefix}-{i}", "trackId": f"track-{id_prefix}-{i // 2}", "split": splits[i % len(splits)], "text": f"description {i}", "tags": ["tag"], "segmentStart": 15.0 * (i % 2)}
        for i in range(n)
    ]
    return {"frames": f, "frames_len": frames_len, "text": t, "text_len": np.ones(n, dtype=np.int32), "music": m, "music_len": windows_len, "items": items}


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_dataset(root, spec(), {
        "shard-0": shard_arrays(96, seed=0, splits=("train", "train", "train", "test"), id_prefix="a"),
        "shard-1": shard_arrays(32, seed=1, frames=5, splits=("train", "val"), id_prefix="b"),
    })
    return root


TINY_MODEL = {"dim": 16, "width": 32, "layers": 1, "heads": 2, "dropout": 0.0}
