"""A tiny exported head set for the Node tests: trained a few steps on random features whose
dimensions match the fixture encoders, so the parity test exercises real trained graphs."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .data import write_dataset
from .export import export
from .train import TrainConfig, train


def make_fixture(out: Path, clip_model: str, clip_dim: int, clap_model: str, clap_dim: int, dim: int = 32, fusion: str = "transformer", seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    n, frames, windows = 24, 6, 3

    def unit(shape):
        x = rng.normal(size=shape).astype(np.float32)
        return x / np.linalg.norm(x, axis=-1, keepdims=True)

    shard = {
        "frames": unit((n, frames, clip_dim)), "frames_len": rng.integers(1, frames + 1, n),
        "text": unit((n, 1, clip_dim)), "text_len": rng.integers(0, 2, n),
        "music": unit((n, windows, clap_dim)), "music_len": rng.integers(1, windows + 1, n),
        "items": [{"id": f"r{i}", "trackId": f"t{i}", "split": "train", "text": "", "tags": []} for i in range(n)],
    }
    spec = {"clip": {"modelId": clip_model, "dim": clip_dim}, "clap": {"modelId": clap_model, "dim": clap_dim}, "textMode": "pooled",
            "fps": 1, "maxFrames": 30, "windowSeconds": 10, "segmentSeconds": 30, "hopSeconds": 15, "textSource": "random"}
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(Path(tmp) / "data", spec, {"random": shard})
        cfg = TrainConfig(data=str(Path(tmp) / "data"), out=str(Path(tmp) / "run"), steps=5, batch_size=8, warmup_steps=1, seed=seed,
                          model={"dim": dim, "width": 32, "layers": 1, "heads": 2, "fusion": fusion, "max_frames": 32, "max_text": 8, "max_windows": 8})
        model = train(cfg)
    training = {"data": "random features (fixture)", "steps": cfg.steps, "batchSize": cfg.batch_size, "seed": seed, "fusion": fusion,
                "textDropout": model.cfg.text_dropout, "textSource": "random", "items": {"train": n, "val": 0, "test": 0}, "tracks": n}
    return export(model, out, {**spec, "textDim": clip_dim}, training, evaluation=None)
