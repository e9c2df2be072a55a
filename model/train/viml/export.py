"""ONNX export of the heads per DESIGN §4, with manifest.json and parity.json beside them.

query_encoder.onnx: (video [B,T,Dclip] f32, video_mask [B,T] bool, text [B,L,Dt] f32, text_mask [B,L] bool) -> query [B,D]
music_encoder.onnx: (music [B,S,Dclap] f32, music_mask [B,S] bool) -> music_embedding [B,D]
(ONNX names are unique within a graph, so the output cannot share the input name "music".)
Outputs are L2-normalised; masks are True for real positions; an all-False text mask means no text.
"""
from __future__ import annotations

import datetime as _dt
import json
import warnings
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import onnx
import torch

from .model import ViML

MANIFEST_FORMAT = 1
PARITY_FORMAT = 1
OPSET = 17
QUERY_FILE = "query_encoder.onnx"
MUSIC_FILE = "music_encoder.onnx"
QUERY_INPUTS = ("video", "video_mask", "text", "text_mask")
MUSIC_INPUTS = ("music", "music_mask")


def _mask(lengths, n: int) -> torch.Tensor:
    return torch.arange(n)[None, :] < torch.tensor(lengths)[:, None]


def example_inputs(model: ViML, batch: int, frames: int, tokens: int, windows: int, seed: int) -> Dict[str, torch.Tensor]:
    """Random L2-normalised features (as the encoders give) with varied lengths; the last row has
    no text and the lengths differ per row, so masks matter."""
    cfg = model.cfg
    g = torch.Generator().manual_seed(seed)

    def features(n: int, length: int, dim: int, lengths) -> torch.Tensor:
        x = torch.nn.functional.normalize(torch.randn(n, length, dim, generator=g), dim=-1)
        return x * _mask(lengths, length)[..., None]

    frame_len = [max(1, frames - i) for i in range(batch)]
    token_len = [max(1, tokens - i) for i in range(batch)]
    token_len[-1] = 0
    window_len = [max(1, windows - i) for i in range(batch)]
    return {
        "video": features(batch, frames, cfg.video_dim, frame_len),
        "video_mask": _mask(frame_len, frames),
        "text": features(batch, tokens, cfg.text_dim, token_len),
        "text_mask": _mask(token_len, tokens),
        "music": features(batch, windows, cfg.music_dim, window_len),
        "music_mask": _mask(window_len, windows),
    }


def _torch_export(module: torch.nn.Module, inputs: tuple, names: tuple, output: str, axes: Dict[str, Dict[int, str]], path: Path) -> None:
    torch.onnx.export(
        module,
        inputs,
        str(path),
        input_names=list(names),
        output_names=[output],
        dynamic_axes={**axes, output: {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )


def _export(module: torch.nn.Module, inputs: tuple, names: tuple, output: str, axes: Dict[str, Dict[int, str]], path: Path, dim: int) -> None:
    with warnings.catch_warnings():
        # torch 1.13 warns about its own constants on every export; the graph is checked below.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant type is missing")
        _torch_export(module, inputs, names, output, axes, path)
    graph = onnx.load(str(path))
    # The exporter names the embedding axis after an internal node ("Divquery_dim_1"); state D plainly.
    out_dims = graph.graph.output[0].type.tensor_type.shape.dim
    out_dims[1].Clear()
    out_dims[1].dim_value = dim
    onnx.checker.check_model(graph, full_check=True)
    onnx.save(graph, str(path))


def _tensor_json(x: torch.Tensor) -> dict:
    array = x.detach().cpu().numpy()
    data = array.astype(bool).ravel().tolist() if array.dtype == np.bool_ else [float(v) for v in array.astype(np.float32).ravel()]
    return {"dims": list(array.shape), "type": "bool" if array.dtype == np.bool_ else "float32", "data": data}


def export(model: ViML, out: Path, dataset_manifest: dict, training: dict, evaluation: Optional[dict] = None, parity_batch: int = 3) -> dict:
    """Writes the two ONNX heads, manifest.json and parity.json to `out`; returns the manifest."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    cfg = model.cfg
    dummy = example_inputs(model, batch=2, frames=4, tokens=3, windows=2, seed=1)
    with torch.no_grad():
        _export(
            model.query,
            tuple(dummy[n] for n in QUERY_INPUTS),
            QUERY_INPUTS,
            "query",
            {"video": {0: "batch", 1: "frames"}, "video_mask": {0: "batch", 1: "frames"}, "text": {0: "batch", 1: "tokens"}, "text_mask": {0: "batch", 1: "tokens"}},
            out / QUERY_FILE,
            cfg.dim,
        )
        _export(model.music, tuple(dummy[n] for n in MUSIC_INPUTS), MUSIC_INPUTS, "music_embedding", {"music": {0: "batch", 1: "windows"}, "music_mask": {0: "batch", 1: "windows"}}, out / MUSIC_FILE, cfg.dim)

        # Parity inputs deliberately differ in batch and lengths from the export dummy.
        tokens = 1 if dataset_manifest.get("textMode") == "pooled" else 4
        sample = example_inputs(model, batch=parity_batch, frames=6, tokens=tokens, windows=3, seed=2)
        query = model.query(*(sample[n] for n in QUERY_INPUTS))
        music = model.music(*(sample[n] for n in MUSIC_INPUTS))
    parity = {
        "formatVersion": PARITY_FORMAT,
        "tolerance": 1e-4,
        "query": {"file": QUERY_FILE, "inputs": {n: _tensor_json(sample[n]) for n in QUERY_INPUTS}, "output": {"name": "query", **_tensor_json(query)}},
        "music": {"file": MUSIC_FILE, "inputs": {n: _tensor_json(sample[n]) for n in MUSIC_INPUTS}, "output": {"name": "music_embedding", **_tensor_json(music)}},
    }
    (out / "parity.json").write_text(json.dumps(parity) + "\n")

    manifest = {
        "formatVersion": MANIFEST_FORMAT,
        "dim": cfg.dim,
        "clip": dataset_manifest["clip"],
        "clap": dataset_manifest["clap"],
        "textDim": cfg.text_dim,
        "fps": dataset_manifest["fps"],
        "maxFrames": dataset_manifest["maxFrames"],
        "windowSeconds": dataset_manifest["windowSeconds"],
        "segmentSeconds": dataset_manifest["segmentSeconds"],
        "hopSeconds": dataset_manifest["hopSeconds"],
        "textMode": dataset_manifest["textMode"],
        "heads": {
            "query": {"file": QUERY_FILE, "inputs": list(QUERY_INPUTS), "output": "query"},
            "music": {"file": MUSIC_FILE, "inputs": list(MUSIC_INPUTS), "output": "music_embedding"},
            "opset": OPSET,
            # Longest sequences the learned position tables cover.
            "maxFrames": cfg.max_frames,
            "maxTextTokens": cfg.max_text,
            "maxMusicWindows": cfg.max_windows,
            "fusion": cfg.fusion,
        },
        "training": training,
        "evaluation": evaluation,
        "exportedAt": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
