"""python3 -m viml train|eval|export: the command line of the trainer."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from .data import Dataset, ShardError
from .evaluate import evaluate
from .export import export
from .fixture import make_fixture
from .model import FUSIONS
from .train import TrainConfig, TrainingInterrupted, load_model, train

# Flags that override the "model" section of a config file.
MODEL_FLAGS = ("fusion", "text_dropout", "dim", "width", "layers", "heads", "dropout")
TRAIN_FLAGS = ("steps", "batch_size", "lr", "weight_decay", "warmup_steps", "seed", "checkpoint_every", "eval_every", "threads")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m viml", description="Train, evaluate and export the ViML heads.")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train (or resume) a run")
    t.add_argument("--data", required=True, help="dataset directory (docs/training-data.md)")
    t.add_argument("--out", required=True, help="run directory: config.json, metrics.jsonl, checkpoint.pt, model.pt")
    t.add_argument("--config", help="JSON file with TrainConfig keys (flags override it)")
    t.add_argument("--resume", action="store_true", help="continue from the run's checkpoint.pt")
    t.add_argument("--stop-after", type=int, help="stop after this many total steps, leaving a checkpoint")
    t.add_argument("--fusion", choices=FUSIONS)
    t.add_argument("--text-dropout", type=float, help="p, the probability of dropping a sample's text")
    for name in ("dim", "width", "layers", "heads", "steps", "batch_size", "warmup_steps", "seed", "checkpoint_every", "eval_every", "threads"):
        t.add_argument("--" + name.replace("_", "-"), type=int)
    for name in ("dropout", "lr", "weight_decay"):
        t.add_argument("--" + name.replace("_", "-"), type=float)

    e = sub.add_parser("eval", help="retrieval figures on a split, with and without text")
    e.add_argument("--model", required=True, help="run directory or model.pt")
    e.add_argument("--data", required=True)
    e.add_argument("--split", default="test", choices=("train", "val", "test"))
    e.add_argument("--json", help="also write the figures to this file")

    x = sub.add_parser("export", help="write query_encoder.onnx, music_encoder.onnx, manifest.json, parity.json")
    x.add_argument("--model", required=True, help="run directory or model.pt")
    x.add_argument("--out", required=True, help="the models directory's viml/ folder")
    x.add_argument("--data", help="dataset to evaluate on for the manifest's figures")
    x.add_argument("--split", default="test", choices=("train", "val", "test"))
    f = sub.add_parser("fixture", help="a tiny head set trained on random features, for the Node tests")
    f.add_argument("--out", required=True)
    f.add_argument("--clip-model", required=True)
    f.add_argument("--clip-dim", type=int, required=True)
    f.add_argument("--clap-model", required=True)
    f.add_argument("--clap-dim", type=int, required=True)
    f.add_argument("--dim", type=int, default=32)
    g = sub.add_parser("synth", help="generate the synthetic benchmark corpus (videos with soundtracks + descriptions)")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, default=300)
    g.add_argument("--seconds", type=float, default=20.0)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--ffmpeg", default="ffmpeg")
    return p


def _train_config(args: argparse.Namespace) -> TrainConfig:
    raw: dict = json.loads(Path(args.config).read_text()) if args.config else {}
    raw["data"], raw["out"] = args.data, args.out
    model = dict(raw.get("model", {}))
    for name in MODEL_FLAGS:
        if getattr(args, name) is not None:
            model[name] = getattr(args, name)
    raw["model"] = model
    for name in TRAIN_FLAGS:
        if getattr(args, name) is not None:
            raw[name] = getattr(args, name)
    return TrainConfig.from_dict(raw)


def training_summary(saved: dict, dataset: Optional[Dataset]) -> dict:
    cfg = saved["train"]
    summary = {
        "data": Path(cfg["data"]).name,
        "steps": saved["steps"],
        "batchSize": cfg["batch_size"],
        "seed": cfg["seed"],
        "fusion": saved["config"]["fusion"],
        "textDropout": saved["config"]["text_dropout"],
        "textSource": saved["dataset"].get("textSource", "unknown"),
    }
    if dataset is not None:
        summary["items"] = {s: int(dataset.split(s).numel()) for s in ("train", "val", "test")}
        summary["tracks"] = len({item["trackId"] for item in dataset.items})
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            cfg = _train_config(args)
            train(cfg, resume=args.resume, stop_after=args.stop_after, progress=lambda line: print(line, flush=True))
            print(f"run written to {cfg.out}")
        elif args.command == "eval":
            model, _ = load_model(Path(args.model))
            figures = evaluate(model, Dataset(Path(args.data)), args.split)
            text = json.dumps(figures, indent=2)
            if args.json:
                Path(args.json).write_text(text + "\n")
            print(text)
        elif args.command == "synth":
            from .synthetic import generate

            items = generate(Path(args.out), args.n, args.seconds, args.seed, ffmpeg=args.ffmpeg)
            print(f"{len(items)} items written to {args.out}")
        elif args.command == "fixture":
            make_fixture(Path(args.out), args.clip_model, args.clip_dim, args.clap_model, args.clap_dim, args.dim)
            print(f"fixture head set written to {args.out}")
        else:
            model, saved = load_model(Path(args.model))
            dataset = Dataset(Path(args.data)) if args.data else None
            figures = evaluate(model, dataset, args.split) if dataset is not None and dataset.split(args.split).numel() > 1 else None
            export(model, Path(args.out), saved["dataset"], training_summary(saved, dataset), figures)
            print(f"exported to {args.out}")
    except TrainingInterrupted as err:
        print(str(err), file=sys.stderr)
        return 130
    except (ShardError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
