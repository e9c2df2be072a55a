"""Reads and validates training shards (format: docs/training-data.md).

Every problem is reported as a ShardError naming the file and the field, so a bad shard written by
index-data (or by hand) is found before any training step runs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

FORMAT_VERSION = 1
SPLITS = ("train", "val", "test")
TEXT_MODES = ("pooled", "tokens")
# (features file, lengths file, dimension source, minimum length of a row)
ARRAYS = {
    "frames": ("frames.npy", "frames_len.npy", 1),
    "text": ("text.npy", "text_len.npy", 0),
    "music": ("music.npy", "music_len.npy", 1),
}


class ShardError(ValueError):
    def __init__(self, file: Path, field: str, problem: str) -> None:
        super().__init__(f"{file}: field '{field}': {problem}")
        self.file = Path(file)
        self.field = field
        self.problem = problem


@dataclass
class DatasetSpec:
    """The contents of dataset.json: which encoders and windows produced the features."""

    clip_model: str
    clip_dim: int
    clap_model: str
    clap_dim: int
    text_dim: int
    text_mode: str
    fps: float
    max_frames: int
    window_seconds: float
    segment_seconds: float
    hop_seconds: float
    shards: List[str]
    text_source: str

    def to_manifest(self) -> dict:
        return {
            "clip": {"modelId": self.clip_model, "dim": self.clip_dim},
            "clap": {"modelId": self.clap_model, "dim": self.clap_dim},
            "textDim": self.text_dim,
            "textMode": self.text_mode,
            "fps": self.fps,
            "maxFrames": self.max_frames,
            "windowSeconds": self.window_seconds,
            "segmentSeconds": self.segment_seconds,
            "hopSeconds": self.hop_seconds,
            "textSource": self.text_source,
        }


def _require(obj: dict, key: str, kind, file: Path, field: Optional[str] = None):
    name = field or key
    if key not in obj:
        raise ShardError(file, name, "missing")
    value = obj[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ShardError(file, name, f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def read_spec(root: Path) -> DatasetSpec:
    file = Path(root) / "dataset.json"
    if not file.is_file():
        raise ShardError(file, "dataset.json", "not found: a dataset directory needs dataset.json beside its shards")
    try:
        raw = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise ShardError(file, "dataset.json", f"not valid JSON ({err})") from None
    if not isinstance(raw, dict):
        raise ShardError(file, "dataset.json", "expected a JSON object")
    version = _require(raw, "formatVersion", int, file)
    if version != FORMAT_VERSION:
        raise ShardError(file, "formatVersion", f"this trainer reads version {FORMAT_VERSION}, got {version}")
    clip = _require(raw, "clip", dict, file)
    clap = _require(raw, "clap", dict, file)
    clip_dim = _require(clip, "dim", int, file, "clip.dim")
    text_mode = _require(raw, "textMode", str, file)
    if text_mode not in TEXT_MODES:
        raise ShardError(file, "textMode", f"must be one of {', '.join(TEXT_MODES)}; got {text_mode!r}")
    shards = _require(raw, "shards", list, file)
    if not shards or not all(isinstance(s, str) and s for s in shards):
        raise ShardError(file, "shards", "must be a non-empty list of shard directory names")
    spec = DatasetSpec(
        clip_model=_require(clip, "modelId", str, file, "clip.modelId"),
        clip_dim=clip_dim,
        clap_model=_require(clap, "modelId", str, file, "clap.modelId"),
        clap_dim=_require(clap, "dim", int, file, "clap.dim"),
        text_dim=_require(raw, "textDim", int, file) if "textDim" in raw else clip_dim,
        text_mode=text_mode,
        fps=_require(raw, "fps", float, file),
        max_frames=_require(raw, "maxFrames", int, file),
        window_seconds=_require(raw, "windowSeconds", float, file),
        segment_seconds=_require(raw, "segmentSeconds", float, file),
        hop_seconds=_require(raw, "hopSeconds", float, file),
        shards=shards,
        text_source=str(raw.get("textSource", "unknown")),
    )
    for field, value in (("clip.dim", spec.clip_dim), ("clap.dim", spec.clap_dim), ("textDim", spec.text_dim), ("maxFrames", spec.max_frames)):
        if value <= 0:
            raise ShardError(file, field, f"must be positive; got {value}")
    return spec


def _load_array(file: Path, field: str) -> np.ndarray:
    if not file.is_file():
        raise ShardError(file, field, "file not found")
    try:
        return np.load(file, allow_pickle=False)
    except Exception as err:  # numpy raises several types for a corrupt .npy
        raise ShardError(file, field, f"not a readable .npy array ({err})") from None


@dataclass
class Shard:
    name: str
    frames: np.ndarray
    frames_len: np.ndarray
    text: np.ndarray
    text_len: np.ndarray
    music: np.ndarray
    music_len: np.ndarray
    items: List[dict]


def _check_features(file: Path, field: str, x: np.ndarray, dim: int, max_len: Optional[int]) -> None:
    if x.dtype != np.float32:
        raise ShardError(file, field, f"dtype must be float32; got {x.dtype}")
    if x.ndim != 3:
        raise ShardError(file, field, f"must be 3-D [N, length, dim]; got shape {list(x.shape)}")
    if x.shape[0] == 0:
        raise ShardError(file, field, "the shard is empty (0 rows)")
    if x.shape[2] != dim:
        raise ShardError(file, field, f"feature dimension {x.shape[2]} does not match dataset.json ({dim})")
    if max_len is not None and x.shape[1] > max_len:
        raise ShardError(file, field, f"length axis {x.shape[1]} exceeds the limit {max_len}")
    bad = ~np.isfinite(x)
    if bad.any():
        row, pos, _ = np.argwhere(bad)[0]
        raise ShardError(file, field, f"non-finite value (NaN or Inf) at row {row}, position {pos}")


def _check_lengths(file: Path, field: str, lengths: np.ndarray, n: int, longest: int, minimum: int) -> np.ndarray:
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise ShardError(file, field, f"must be a 1-D integer array; got {lengths.dtype} shape {list(lengths.shape)}")
    if lengths.shape[0] != n:
        raise ShardError(file, field, f"has {lengths.shape[0]} rows but the features have {n}")
    bad = np.nonzero((lengths < minimum) | (lengths > longest))[0]
    if bad.size:
        row = int(bad[0])
        raise ShardError(file, field, f"row {row} has length {int(lengths[row])}, outside [{minimum}, {longest}]")
    return lengths.astype(np.int64)


def _read_items(file: Path, n: int) -> List[dict]:
    if not file.is_file():
        raise ShardError(file, "items.jsonl", "file not found")
    items = []
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise ShardError(file, f"line {number}", f"not valid JSON ({err})") from None
        if not isinstance(item, dict):
            raise ShardError(file, f"line {number}", "expected a JSON object")
        for key, kind in (("id", str), ("trackId", str), ("split", str), ("text", str), ("tags", list)):
            if not isinstance(item.get(key), kind):
                raise ShardError(file, f"line {number}: {key}", f"missing or not a {kind.__name__}")
        if item["split"] not in SPLITS:
            raise ShardError(file, f"line {number}: split", f"must be one of {', '.join(SPLITS)}; got {item['split']!r}")
        items.append(item)
    if len(items) != n:
        raise ShardError(file, "items.jsonl", f"has {len(items)} items but the feature arrays have {n} rows")
    return items


def read_shard(root: Path, name: str, spec: DatasetSpec) -> Shard:
    directory = Path(root) / name
    if not directory.is_dir():
        raise ShardError(directory, "shards", f"shard directory {name!r} listed in dataset.json does not exist")
    dims = {"frames": spec.clip_dim, "text": spec.text_dim, "music": spec.clap_dim}
    limits = {"frames": spec.max_frames, "text": 1 if spec.text_mode == "pooled" else None, "music": None}
    loaded: Dict[str, np.ndarray] = {}
    n = None
    for field, (features_name, lengths_name, minimum) in ARRAYS.items():
        features_file = directory / features_name
        x = _load_array(features_file, field)
        _check_features(features_file, field, x, dims[field], limits[field])
        if n is None:
            n = x.shape[0]
        elif x.shape[0] != n:
            raise ShardError(features_file, field, f"has {x.shape[0]} rows but frames.npy has {n}")
        lengths_file = directory / lengths_name
        lengths = _load_array(lengths_file, f"{field}_len")
        loaded[field] = x
        loaded[f"{field}_len"] = _check_lengths(lengths_file, f"{field}_len", lengths, n, x.shape[1], minimum)
    items = _read_items(directory / "items.jsonl", n)
    return Shard(name=name, items=items, **loaded)


def _pad_cat(arrays: Sequence[np.ndarray]) -> np.ndarray:
    longest = max(a.shape[1] for a in arrays)
    out = np.zeros((sum(a.shape[0] for a in arrays), longest, arrays[0].shape[2]), dtype=np.float32)
    row = 0
    for a in arrays:
        out[row : row + a.shape[0], : a.shape[1]] = a
        row += a.shape[0]
    return out


class Dataset:
    """All shards of a dataset in memory, padded to the longest row of each modality."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.spec = read_spec(self.root)
        shards = [read_shard(self.root, name, self.spec) for name in self.spec.shards]
        self.items: List[dict] = [item for s in shards for item in s.items]
        seen: Dict[str, str] = {}
        for shard in shards:
            for item in shard.items:
                if item["id"] in seen:
                    raise ShardError(self.root / shard.name / "items.jsonl", "id", f"duplicate id {item['id']!r} (also in shard {seen[item['id']]})")
                seen[item["id"]] = shard.name
        self.frames = torch.from_numpy(_pad_cat([s.frames for s in shards]))
        self.text = torch.from_numpy(_pad_cat([s.text for s in shards]))
        self.music = torch.from_numpy(_pad_cat([s.music for s in shards]))
        self.frames_len = torch.from_numpy(np.concatenate([s.frames_len for s in shards]))
        self.text_len = torch.from_numpy(np.concatenate([s.text_len for s in shards]))
        self.music_len = torch.from_numpy(np.concatenate([s.music_len for s in shards]))

    def __len__(self) -> int:
        return len(self.items)

    def split(self, name: str) -> torch.Tensor:
        return torch.tensor([i for i, item in enumerate(self.items) if item["split"] == name], dtype=torch.long)

    def track_ids(self, indices: torch.Tensor) -> List[str]:
        return [self.items[int(i)]["trackId"] for i in indices]

    def batch(self, indices: torch.Tensor, with_text: bool = True) -> Dict[str, torch.Tensor]:
        """Tensors for the given rows, trimmed to the longest row in the batch, with boolean masks."""

        def take(x: torch.Tensor, lengths: torch.Tensor) -> tuple:
            n = max(int(lengths.max()), 1)
            mask = torch.arange(n)[None, :] < lengths[:, None]
            return x[indices, :n] * mask[..., None], mask

        frames_len, text_len, music_len = self.frames_len[indices], self.text_len[indices], self.music_len[indices]
        if not with_text:
            text_len = torch.zeros_like(text_len)
        video, video_mask = take(self.frames, frames_len)
        text, text_mask = take(self.text, text_len)
        music, music_mask = take(self.music, music_len)
        return {"video": video, "video_mask": video_mask, "text": text, "text_mask": text_mask, "music": music, "music_mask": music_mask}


def write_dataset(root: Path, spec: dict, shards: Dict[str, dict]) -> None:
    """Reference writer of the format: `spec` is dataset.json without "shards"; each shard maps
    frames/frames_len/text/text_len/music/music_len to arrays and "items" to a list of dicts."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, shard in shards.items():
        directory = root / name
        directory.mkdir(parents=True, exist_ok=True)
        for field, (features_name, lengths_name, _) in ARRAYS.items():
            np.save(directory / features_name, np.asarray(shard[field], dtype=np.float32))
            np.save(directory / lengths_name, np.asarray(shard[f"{field}_len"], dtype=np.int32))
        with (directory / "items.jsonl").open("w") as f:
            for item in shard["items"]:
                f.write(json.dumps(item) + "\n")
    (root / "dataset.json").write_text(json.dumps({"formatVersion": FORMAT_VERSION, **spec, "shards": list(shards)}, indent=2) + "\n")
