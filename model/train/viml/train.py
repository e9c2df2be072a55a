"""Contrastive training of the ViML heads: AdamW, linear warm-up then cosine decay, checkpoints.

Every random choice is a function of (seed, step): the batch order comes from a per-epoch
permutation and the dropout / text-dropout draws from a generator seeded per step. A run resumed
from a checkpoint therefore continues exactly as the uninterrupted run would have.
"""
from __future__ import annotations

import json
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Optional

import torch

from .data import Dataset
from .evaluate import evaluate_split
from .model import ModelConfig, ViML

CHECKPOINT = "checkpoint.pt"
FINAL = "model.pt"


@dataclass
class TrainConfig:
    data: str
    out: str
    steps: int = 1000
    batch_size: int = 64
    lr: float = 3e-4
    weight_decay: float = 0.05
    warmup_steps: int = 100
    seed: int = 0
    checkpoint_every: int = 200
    eval_every: int = 200
    threads: int = 0  # 0: leave torch's default
    model: dict = field(default_factory=dict)  # ModelConfig fields other than the input dimensions

    @staticmethod
    def from_dict(raw: dict) -> "TrainConfig":
        known = {f.name for f in fields(TrainConfig)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown training config keys: {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}")
        return TrainConfig(**raw)

    def to_dict(self) -> dict:
        return asdict(self)


class TrainingInterrupted(Exception):
    """SIGINT or SIGTERM arrived; the step in progress was finished and checkpointed."""


class _Interruption(list):
    """Collects SIGINT/SIGTERM while training (main thread only) instead of dying mid-step."""

    def __enter__(self) -> "_Interruption":
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, lambda number, _frame: self.append(number))
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up to 1 over `warmup` steps, then cosine decay to 0 at `total`."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def build_model(cfg: TrainConfig, dataset: Dataset) -> ViML:
    spec = dataset.spec
    model_cfg = ModelConfig(video_dim=spec.clip_dim, text_dim=spec.text_dim, music_dim=spec.clap_dim, **cfg.model)
    if model_cfg.max_frames < dataset.frames.shape[1]:
        model_cfg.max_frames = int(dataset.frames.shape[1])
    if model_cfg.max_windows < dataset.music.shape[1]:
        model_cfg.max_windows = int(dataset.music.shape[1])
    if model_cfg.max_text < dataset.text.shape[1]:
        model_cfg.max_text = int(dataset.text.shape[1])
    return ViML(model_cfg)


def _batch_indices(train: torch.Tensor, step: int, batch_size: int, seed: int) -> torch.Tensor:
    n = train.shape[0]
    size = min(batch_size, n)
    per_epoch = n // size
    epoch, k = divmod(step, per_epoch)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
    return train[order[k * size : (k + 1) * size]]


def _atomic_save(obj: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _log(path: Path, record: dict) -> None:
    with path.open("a") as f:
        f.write(json.dumps(record) + "\n")


def train(
    cfg: TrainConfig,
    resume: bool = False,
    stop_after: Optional[int] = None,
    dataset: Optional[Dataset] = None,
    progress: Optional[Callable[[str], None]] = None,
) -> ViML:
    """Trains (or resumes) the run in cfg.out. `stop_after` ends the run early after that many
    total steps, with a checkpoint, as an interruption would (used by tests and for time limits)."""
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    dataset = dataset or Dataset(Path(cfg.data))
    train_idx = dataset.split("train")
    if train_idx.numel() < 2:
        raise ValueError(f"{cfg.data}: the 'train' split has {train_idx.numel()} items; contrastive training needs at least 2")
    val_idx = dataset.split("val")

    config_file = out / "config.json"
    metrics_file = out / "metrics.jsonl"
    checkpoint_file = out / CHECKPOINT
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, dataset)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, cfg.warmup_steps, cfg.steps))
    stats = dataset.batch(train_idx)
    model.query.video.set_input_stats(stats["video"], stats["video_mask"])
    model.query.text.set_input_stats(stats["text"], stats["text_mask"])
    model.music.encoder.set_input_stats(stats["music"], stats["music_mask"])
    start = 0
    record = {"train": cfg.to_dict(), "model": model.cfg.to_dict(), "dataset": dataset.spec.to_manifest()}
    if resume and checkpoint_file.exists():
        saved = json.loads(config_file.read_text())
        if saved["train"] | {"out": cfg.out} != record["train"] | {"out": cfg.out} or saved["model"] != record["model"]:
            raise ValueError(f"{config_file}: the run was started with another configuration; resume with the same one or use a new --out")
        state = torch.load(checkpoint_file)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start = state["step"]
        # Drop log lines of steps after the checkpoint: they are about to be redone.
        kept = [line for line in metrics_file.read_text().splitlines() if json.loads(line)["step"] <= start] if metrics_file.exists() else []
        metrics_file.write_text("".join(line + "\n" for line in kept))
    else:
        if metrics_file.exists():
            metrics_file.unlink()
        config_file.write_text(json.dumps(record, indent=2) + "\n")

    def checkpoint(step: int) -> None:
        _atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "step": step}, checkpoint_file)

    end = cfg.steps if stop_after is None else min(cfg.steps, stop_after)
    began = time.time()
    with _Interruption() as interrupted:
        for step in range(start, end):
            model.train()
            torch.manual_seed(cfg.seed * 1_000_003 + step + 1)
            batch = dataset.batch(_batch_indices(train_idx, step, cfg.batch_size, cfg.seed))
            query = model.query(batch["video"], batch["video_mask"], batch["text"], batch["text_mask"])
            music = model.music(batch["music"], batch["music_mask"])
            loss = model.loss(query, music)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            done = step + 1
            entry = {"step": done, "loss": round(float(loss), 6), "lr": scheduler.get_last_lr()[0], "temperature": round(model.temperature(), 6), "seconds": round(time.time() - began, 2)}
            _log(metrics_file, entry)
            if val_idx.numel() > 1 and (done % cfg.eval_every == 0 or done == cfg.steps):
                for with_text in (True, False):
                    figures = evaluate_split(model, dataset, val_idx, with_text=with_text)
                    _log(metrics_file, {"step": done, "eval": "val", "text": with_text, **figures["segment"]})
            if progress and (done % 50 == 0 or done == end):
                progress(f"step {done}/{cfg.steps} loss {entry['loss']:.4f} lr {entry['lr']:.2e} temperature {entry['temperature']:.4f}")
            if done % cfg.checkpoint_every == 0 or done == end or interrupted:
                checkpoint(done)
            if interrupted:
                raise TrainingInterrupted(f"interrupted after step {done}; checkpoint saved in {checkpoint_file}: continue with --resume")
    if end == cfg.steps:
        _atomic_save({"model": model.state_dict(), "config": model.cfg.to_dict(), "dataset": dataset.spec.to_manifest(), "steps": cfg.steps, "train": cfg.to_dict()}, out / FINAL)
    model.eval()
    return model


def load_model(path: Path) -> tuple:
    """Loads model.pt (or a run directory holding one) -> (model in eval mode, the saved record)."""
    path = Path(path)
    if path.is_dir():
        path = path / FINAL
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no trained model (run `python3 -m viml train` to the end first)")
    saved = torch.load(path)
    model = ViML(ModelConfig(**saved["config"]))
    model.load_state_dict(saved["model"])
    model.eval()
    return model, saved
